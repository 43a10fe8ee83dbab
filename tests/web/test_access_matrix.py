"""The access matrix, generated from the URL map: every route that names a family's record
(child, family, action plan, appointment, care entry, invitation, link, membership), every
method, against the people who must not get in: a guardian of another family, a member whose
access was removed, a caregiver whose access has ended, a viewer (for writes) and an
anonymous client; and a young person's own account for writes beyond their own choices. Each
gets the right refusal, nothing in the database changes, and each
refusal of a signed-in person is written to the audit log."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from familyapp.accounts.models import User
from familyapp.actionplans.models import ActionPlan, EmergencyLink
from familyapp.calendar.models import Appointment
from familyapp.carelog.models import CareEntry
from familyapp.core import clock
from familyapp.core.db import Base, db
from familyapp.core.models import AuditEvent
from familyapp.demo import create_demo
from familyapp.families import service as families
from familyapp.families.models import Child, Invitation, Membership
from tests.factories import Api, add_member, family_with_child

FAMILY_ARGS = {
    "child_id", "family_id", "action_plan_id", "appointment_id", "entry_id", "invitation_id",
    "link_id", "membership_id",
}  # fmt: skip
# Rows that any request may write: the audit log itself, sessions and rate-limit counters.
BOOKKEEPING = {"audit_events", "server_sessions", "rate_limit_hits"}
OTHER_VALUES = {"section": "medications", "number": "1", "locale": "es"}


def _values(app: Flask, family_id: Any) -> dict[str, str]:
    with app.app_context():

        def first(model: Any, *where: Any) -> str:
            return str(db.session.scalars(select(model.id).where(*where)).first())

        child = first(Child, Child.family_id == family_id)
        found = {
            "family_id": str(family_id),
            "child_id": child,
            "action_plan_id": first(ActionPlan),
            "appointment_id": first(Appointment),
            "entry_id": first(CareEntry),
            "invitation_id": first(Invitation, Invitation.family_id == family_id),
            "link_id": first(EmergencyLink),
            "membership_id": first(Membership, Membership.family_id == family_id),
            "item_id": "00000000-0000-0000-0000-000000000000",
        }
        db.remove()
    return found


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        counts = {
            t.name: int(db.session.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
            if t.name not in BOOKKEEPING
        }
        db.remove()
    return counts


def _denials(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.outcome == "denied")
        )
        db.remove()
    return int(count or 0)


def _requests(app: Flask, values: dict[str, str]) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) for every route naming a family's record."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if not (set(rule.arguments) & FAMILY_ARGS):
            continue
        args = {name: values.get(name) or OTHER_VALUES[name] for name in rule.arguments}
        path = adapter.build(rule.endpoint, args)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, path))
    return found


def _send(api: Api | None, client: Any, method: str, path: str) -> Any:
    headers = {"X-CSRFToken": api.csrf} if api else {}
    if path.startswith("/api/"):
        return client.open(path, method=method, json={}, headers=headers)
    data = {"csrf_token": api.csrf} if api else {}
    return client.open(path, method=method, data=data, headers=headers)


@pytest.fixture
def demo(app: Flask) -> dict[str, Any]:
    """The demo family, and the people who must be kept out of it."""
    with app.test_request_context("/"):
        child = create_demo()
        family_id = child.family_id
        db.remove()
    family = type("F", (), {"id": family_id})()
    add_member(app, family, "gone@example.org", "caregiver")
    add_member(app, family, "ended@example.org", "caregiver", access_until=clock.utcnow().date())
    add_member(app, family, "viewer@example.org", "viewer")
    with app.test_request_context("/"):
        members = db.session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.family_id == family_id)
        ).all()
        row = next(m for m, u in members if u.email == "gone@example.org")
        guardian = next(u for m, u in members if m.role == "guardian")
        families.remove_membership(guardian, families.get_family(family_id), row.id)
        db.remove()
    family_with_child(app, "stranger@example.org", "Stranger")
    clock.travel(2 * 24 * 3600)  # the caregiver's last day is over
    return {"family_id": family_id}


@pytest.mark.parametrize("who", ["stranger", "gone", "ended"])
def test_people_outside_the_family_get_404_and_change_nothing(app, demo, who):
    values = _values(app, demo["family_id"])
    api = Api(app.test_client())
    assert api.login(f"{who}@example.org").status_code == 200
    before, denied = _counts(app), _denials(app)
    wrong = []
    requests = _requests(app, values)
    for endpoint, method, path in requests:
        response = _send(api, api.client, method, path)
        if response.status_code != 404:
            wrong.append((endpoint, method, response.status_code))
    assert wrong == [], wrong
    assert _counts(app) == before
    assert _denials(app) >= denied + len(requests)


def test_a_viewer_may_not_write(app, demo):
    values = _values(app, demo["family_id"])
    api = Api(app.test_client())
    assert api.login("viewer@example.org").status_code == 200
    before = _counts(app)
    wrong = []
    for endpoint, method, path in _requests(app, values):
        if method == "GET":
            continue
        response = _send(api, api.client, method, path)
        if response.status_code not in (403, 404):
            wrong.append((endpoint, method, response.status_code))
    assert wrong == [], wrong
    assert _counts(app) == before


def test_anonymous_clients_are_asked_to_sign_in(app, demo):
    values = _values(app, demo["family_id"])
    client = app.test_client()
    before = _counts(app)
    wrong = []
    for endpoint, method, path in _requests(app, values):
        response = _send(None, client, method, path)
        # A write is checked for its CSRF token first (a client holding a pre-sign-in session
        # gets 403 for it), then for the person; nothing is written either way.
        if path.startswith("/api/"):
            expected: tuple[int, ...] = (401,) if method == "GET" else (401, 403)
        else:
            expected = (302,) if method == "GET" else (302, 400)
        if response.status_code not in expected:
            wrong.append((endpoint, method, response.status_code))
        elif response.status_code == 302:
            assert "/login" in response.headers["Location"]
    assert wrong == [], wrong
    assert _counts(app) == before


def test_the_matrix_covers_every_kind_of_record(app, demo):
    values = _values(app, demo["family_id"])
    requests = _requests(app, values)
    named = {arg for _e, _m, path in requests for arg, value in values.items() if value in path}
    assert named | {"item_id"} >= FAMILY_ARGS, FAMILY_ARGS - named
    assert len({endpoint for endpoint, _m, _p in requests}) > 60


# What a young person's own account may change: who sees their record, and nothing else.
OWN_CHOICES = {"families.record_privacy", "families_api.put_audience"}


def test_a_young_persons_own_account_writes_nothing_but_their_own_choices(app, demo):
    values = _values(app, demo["family_id"])
    with app.test_request_context("/"):
        maya = db.session.get(Child, uuid.UUID(values["child_id"]))
        maya.birth_date = date(2011, 3, 14)  # old enough (12+) for her own account
        db.session.commit()
        db.remove()
    family = type("F", (), {"id": demo["family_id"]})()
    add_member(app, family, "self@example.org", "self", child_id=uuid.UUID(values["child_id"]))
    api = Api(app.test_client())
    assert api.login("self@example.org").status_code == 200
    before = _counts(app)
    wrong = []
    for endpoint, method, path in _requests(app, values):
        if method == "GET" or endpoint in OWN_CHOICES:
            continue
        response = _send(api, api.client, method, path)
        if response.status_code not in (403, 404):
            wrong.append((endpoint, method, response.status_code))
    assert wrong == [], wrong
    assert _counts(app) == before
    # Their own record they read; no other child of any family.
    assert api.get(f"/api/v1/children/{values['child_id']}").status_code == 200
    assert [c["id"] for c in api.get("/api/v1/children").get_json()] == [values["child_id"]]
