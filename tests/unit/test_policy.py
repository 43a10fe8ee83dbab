from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from familyapp.core.authz import ROLE_PERMISSIONS, Grant, Perm, Role, decide_child, decide_family

FAMILY, OTHER = uuid.uuid4(), uuid.uuid4()
MAYA, LEO = uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def grant(role, family=FAMILY, child=None, starts=None, expires=None):
    return Grant(uuid.uuid4(), family, role, child, starts, expires)


def test_role_matrix():
    assert Perm.PLAN_EDIT in ROLE_PERMISSIONS[Role.CARE_TEAM]
    assert Perm.PLAN_EDIT not in ROLE_PERMISSIONS[Role.CAREGIVER]
    assert Perm.CARELOG_WRITE in ROLE_PERMISSIONS[Role.CAREGIVER]
    assert ROLE_PERMISSIONS[Role.VIEWER] == {Perm.FAMILY_READ, Perm.CHILD_READ, Perm.PLAN_READ}
    assert Perm.FAMILY_MANAGE in ROLE_PERMISSIONS[Role.GUARDIAN]
    assert all(
        Perm.FAMILY_MANAGE not in ROLE_PERMISSIONS[r] for r in Role if r is not Role.GUARDIAN
    )


def test_child_scope():
    scoped = [grant(Role.CAREGIVER, child=MAYA)]
    assert decide_child(scoped, Perm.CHILD_READ, FAMILY, MAYA) is not None
    assert decide_child(scoped, Perm.CHILD_READ, FAMILY, LEO) is None
    assert decide_child(scoped, Perm.CHILD_READ, OTHER, MAYA) is None
    assert decide_child(scoped, Perm.CHILD_EDIT, FAMILY, MAYA) is None


def test_child_scoped_guardian_cannot_manage_family():
    scoped = [grant(Role.GUARDIAN, child=MAYA)]
    assert decide_family(scoped, Perm.FAMILY_MANAGE, FAMILY) is None
    assert decide_family(scoped, Perm.FAMILY_READ, FAMILY) is not None


def test_guardian_grant_is_preferred():
    grants = [grant(Role.CAREGIVER), grant(Role.GUARDIAN)]
    assert decide_child(grants, Perm.CHILD_READ, FAMILY, MAYA).role is Role.GUARDIAN


def test_time_window():
    shift = grant(Role.CAREGIVER, starts=NOW, expires=NOW + timedelta(hours=12))
    assert not shift.active(NOW - timedelta(seconds=1))
    assert shift.active(NOW)
    assert not shift.active(NOW + timedelta(hours=12))
