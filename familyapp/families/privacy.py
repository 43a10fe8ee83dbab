"""A young person's say over their own record: who sees it, from 12 (assent) and 18 (adult).

From 12 a young person may have their own account (role `self`, invited by a guardian) and
read their plan. They see everyone whose access covers their record and may stop any of them
seeing it, except, until they are 18, their guardians: parents keep the record of a minor.
From 18 the record is theirs: guardians keep seeing it only while the adult lets them, and no
guardian can end the adult's own account or undo their choices. Each choice is audited and
shown to the guardians (the family page says who does not see whose record, and why).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, or_, select

from familyapp.accounts.models import User
from familyapp.core import audit, authz, clock, ids
from familyapp.core.authz import Role
from familyapp.core.db import db
from familyapp.core.errors import ServiceError
from familyapp.core.i18n import today_in_zone
from familyapp.families.models import Child, Family, Membership, RecordLimit

OWN_ACCOUNT_AGE = 12
ADULT_AGE = 18


def age_on(birth_date: date | None, day: date) -> int | None:
    """Whole years of age on `day` (None without a birth date); 29 February counts from 1 March."""
    if birth_date is None:
        return None
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def child_age(child: Child) -> int | None:
    """The child's age today in their family's time zone."""
    family = db.session.get(Family, child.family_id)
    return age_on(child.birth_date, today_in_zone(family.time_zone if family else None))


def is_adult(child: Child) -> bool:
    """True from the young person's 18th birthday (the record is then theirs)."""
    age = child_age(child)
    return age is not None and age >= ADULT_AGE


def check_own_account(child: Child | None) -> None:
    """Refuse an invitation of a young person to their own account under 12 (422)."""
    if child is None:
        message = _("Choose the young person this account is for.")
        raise ServiceError(
            _("Please correct the fields shown."), status=422, errors={"child_id": [message]}
        )
    age = child_age(child)
    if age is None or age < OWN_ACCOUNT_AGE:
        message = _(
            "A young person can have their own account from age %(age)d. "
            "Add their birth date first if it is missing.",
            age=OWN_ACCOUNT_AGE,
        )
        raise ServiceError(
            _("Please correct the fields shown."), status=422, errors={"role": [message]}
        )


def is_adult_self(membership: Membership) -> bool:
    """True for the own account of a young person who is 18 or older."""
    if membership.role != Role.SELF.value or membership.child_id is None:
        return False
    child = db.session.get(Child, membership.child_id)
    return child is not None and is_adult(child)


def audience(child: Child) -> list[dict[str, Any]]:
    """Everyone whose access now covers this child's record, and whether they see it."""
    age = child_age(child)
    rows = db.session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.family_id == child.family_id,
            or_(Membership.child_id.is_(None), Membership.child_id == child.id),
            Membership.role != Role.SELF.value,
            Membership.active_at(clock.utcnow()),
        )
        .order_by(Membership.created_at)
    ).all()
    limited = set(
        db.session.scalars(
            select(RecordLimit.membership_id).where(RecordLimit.child_id == child.id)
        )
    )
    return [
        {
            "membership_id": membership.id,
            "name": user.name,
            "role": membership.role,
            "title": membership.title,
            "expires_at": membership.expires_at,
            "sees_record": membership.id not in limited,
            "can_change": _may_limit(membership, age),
        }
        for membership, user in rows
    ]


def _may_limit(membership: Membership, age: int | None) -> bool:
    if age is None or age < OWN_ACCOUNT_AGE:
        return False
    return membership.role != Role.GUARDIAN.value or age >= ADULT_AGE


def set_sees_record(
    user: User, child: Child, membership_id: uuid.UUID | str, sees: bool
) -> dict[str, Any]:
    """The young person lets one member see their record, or stops them (audited)."""
    parsed = ids.parse_uuid(str(membership_id))
    target = next((row for row in audience(child) if row["membership_id"] == parsed), None)
    if target is None:
        raise ServiceError(_("Not found"), status=404)
    if not target["can_change"]:
        raise ServiceError(
            _("Until you are 18, your parents or guardians always see your record."),
            status=403,
        )
    if sees != target["sees_record"]:  # asking for what already holds writes nothing
        if sees:
            db.session.execute(
                delete(RecordLimit).where(
                    RecordLimit.child_id == child.id, RecordLimit.membership_id == parsed
                )
            )
        else:
            db.session.add(
                RecordLimit(child_id=child.id, membership_id=parsed, created_by_id=user.id)
            )
        audit.record(
            "record.shared" if sees else "record.limited",
            actor_id=user.id,
            family_id=child.family_id,
            child_id=child.id,
            target=f"membership:{parsed}",
            detail={"role": target["role"]},
        )
    db.session.commit()
    authz.forget_grants()
    return dict(target, sees_record=sees)


def limits_by_membership(family_id: uuid.UUID) -> dict[uuid.UUID, list[uuid.UUID]]:
    """For the family page: which children's records each membership does not see."""
    rows = db.session.execute(
        select(RecordLimit.membership_id, RecordLimit.child_id)
        .join(Child, Child.id == RecordLimit.child_id)
        .where(Child.family_id == family_id)
    ).all()
    found: dict[uuid.UUID, list[uuid.UUID]] = {}
    for membership_id, child_id in rows:
        found.setdefault(membership_id, []).append(child_id)
    return found
