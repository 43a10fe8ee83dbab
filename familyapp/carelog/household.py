"""What a family tells the care log about itself: the activities it uses (its own included),
the wage table in force, paid work missed, caregivers' wages and who is paid staff, home-nursing
hours authorised and delivered, and its consent to program totals."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from familyapp.accounts.models import User
from familyapp.carelog import taxonomy, valuation
from familyapp.carelog.models import (
    FAMILY,
    PAID,
    TEAM,
    CareEntry,
    CaregiverProfile,
    CustomActivity,
    NursingWeek,
    ProgramConsent,
    WageTable,
    WorkMissedEntry,
)
from familyapp.core import audit, clock
from familyapp.core.authz import Role
from familyapp.core.db import db
from familyapp.core.errors import ServiceError
from familyapp.families import service as families
from familyapp.families.models import Child

# -- wage rates and activities ----------------------------------------------------------------


def rates_in_force() -> valuation.WageRates:
    """The wage table saved last, or the national defaults (BLS OEWS May 2024) if none is."""
    # The last one saved, not the one with the highest year: an administrator who corrects a
    # table (a wrong year, another region) must see the correction in force at once.
    row = db.session.scalar(select(WageTable).order_by(WageTable.created_at.desc()).limit(1))
    if row is None:
        return valuation.DEFAULT_RATES
    return valuation.WageRates(
        row.region,
        row.year,
        row.source,
        row.aide,
        row.lpn,
        row.rn,
        row.all_occupations,
        row.minimum,
        row.minimum_source,
    )


def save_wage_table(rates: valuation.WageRates) -> WageTable:
    """Put a wage table in force (a program's regional rates); older ones stay as history."""
    # Callers validate first (schemas.WageTableSchema), as views do before any verb.
    row = WageTable(
        region=rates.region,
        year=rates.year,
        source=rates.source,
        aide=rates.aide,
        lpn=rates.lpn,
        rn=rates.rn,
        all_occupations=rates.all_occupations,
        minimum=rates.minimum,
        minimum_source=rates.minimum_source,
    )
    db.session.add(row)
    # No actor: the administrator is whoever runs the server (`familyapp wages set`).
    audit.record(
        "wage_table.saved",
        actor_id=None,
        detail={"region": rates.region, "year": rates.year, "source": rates.source},
    )
    db.session.commit()
    return row


@dataclass(frozen=True)
class ActivityView:
    """An activity as a family sees it: built in or its own."""

    code: str
    label: str
    care_class: str
    custom: bool

    @property
    def class_label(self) -> str:
        """The class's label in the reader's language."""
        return taxonomy.class_label(self.care_class)


def activities(family_id: uuid.UUID | None = None) -> list[ActivityView]:
    """The taxonomy in the reader's language, then the family's own activities."""
    found = [ActivityView(a.code, str(a.label), a.care_class, False) for a in taxonomy.ACTIVITIES]
    if family_id is not None:
        rows = db.session.scalars(
            select(CustomActivity)
            .where(CustomActivity.family_id == family_id)
            .order_by(CustomActivity.label)
        )
        found += [ActivityView(r.code, r.label, r.care_class, True) for r in rows]
    return found


def activity_labels(family_id: uuid.UUID) -> dict[str, str]:
    """Code -> label of every activity the family can use."""
    return {a.code: a.label for a in activities(family_id)}


def resolve_activity(family_id: uuid.UUID, code: str) -> str | None:
    builtin = taxonomy.builtin(code)
    if builtin is not None:
        return builtin.care_class
    if not code.startswith(taxonomy.CUSTOM_PREFIX):
        return None
    return db.session.scalar(
        select(CustomActivity.care_class).where(
            CustomActivity.family_id == family_id, CustomActivity.code == code
        )
    )


def add_activity(user: User, family_id: uuid.UUID, label: str, care_class: str) -> ActivityView:
    """Add a family's own activity in the class it chose."""
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:30] or "activity"
    code = f"{taxonomy.CUSTOM_PREFIX}{slug}-{uuid.uuid4().hex[:6]}"
    row = CustomActivity(
        family_id=family_id,
        code=code,
        label=label.strip(),
        care_class=care_class,
        created_by_id=user.id,
    )
    db.session.add(row)
    audit.record(
        "care_activity.created", actor_id=user.id, family_id=family_id, detail={"code": code}
    )
    db.session.commit()
    return ActivityView(row.code, row.label, row.care_class, True)


# -- work missed, wages, nursing hours, consent ---------------------------------------------


def record_work_missed(user: User, child: Child, data: dict[str, Any]) -> WorkMissedEntry:
    """Record hours of paid work the caller missed on a day."""
    minutes = int((Decimal(data["hours"]) * 60).to_integral_value())
    row = WorkMissedEntry(
        child_id=child.id,
        caregiver_id=user.id,
        day=data["day"],
        minutes=minutes,
        note=(data.get("note") or "").strip(),
    )
    db.session.add(row)
    audit.record(
        "work_missed.created", actor_id=user.id, family_id=child.family_id, child_id=child.id
    )
    db.session.commit()
    return row


def profile(family_id: uuid.UUID, user_id: uuid.UUID) -> CaregiverProfile | None:
    """A member's wage and paid-staff flag in a family, if set."""
    return db.session.scalar(
        select(CaregiverProfile).where(
            CaregiverProfile.family_id == family_id, CaregiverProfile.user_id == user_id
        )
    )


def set_wage(user: User, family_id: uuid.UUID, data: dict[str, Any]) -> CaregiverProfile:
    """Set the caller's own wage (hourly, or annual earnings) for foregone earnings."""
    row = profile(family_id, user.id) or CaregiverProfile(family_id=family_id, user_id=user.id)
    row.hourly_wage = data.get("hourly_wage")
    row.annual_earnings = data.get("annual_earnings")
    row.updated_at = clock.utcnow()
    db.session.add(row)
    db.session.commit()
    return row


# Who can be paid staff: those who log care as the family does. A care-team member's time is
# the team's already (performed_by "team"); a viewer logs nothing.
PAID_STAFF_ROLES = frozenset({Role.GUARDIAN.value, Role.CAREGIVER.value})


def paid_staff_ids(family_id: uuid.UUID) -> set[uuid.UUID]:
    """The members of a family marked as paid staff."""
    return set(
        db.session.scalars(
            select(CaregiverProfile.user_id).where(
                CaregiverProfile.family_id == family_id, CaregiverProfile.paid_staff.is_(True)
            )
        )
    )


def set_paid_staff(user: User, family_id: uuid.UUID, member_id: uuid.UUID, paid: bool) -> None:
    """Mark a member as paid to give care (an agency nurse); their entries move with it."""
    # Only a guardian or caregiver of this family: anyone else answers like a missing record
    # (and a profile for a non-member would tie a stranger's id to the family).
    if not any(
        m["user_id"] == member_id and m["role"] in PAID_STAFF_ROLES
        for m in families.members(family_id)
    ):
        raise ServiceError(_("Not found"), status=404)
    row = profile(family_id, member_id) or CaregiverProfile(family_id=family_id, user_id=member_id)
    row.paid_staff = paid
    db.session.add(row)
    child_ids = [c.id for c in families.get_family(family_id).children]
    for entry in db.session.scalars(
        select(CareEntry).where(
            CareEntry.child_id.in_(child_ids),
            CareEntry.caregiver_id == member_id,
            CareEntry.performed_by != TEAM,
        )
    ):
        entry.performed_by = PAID if paid else FAMILY
    audit.record(
        "caregiver.paid_staff",
        actor_id=user.id,
        family_id=family_id,
        target=f"user:{member_id}",
        detail={"paid": paid},
    )
    db.session.commit()


def set_nursing_week(user: User, child: Child, data: dict[str, Any]) -> NursingWeek:
    """Record home-nursing hours authorised and delivered in a week (the nursing shortfall)."""
    row = db.session.scalar(
        select(NursingWeek).where(
            NursingWeek.child_id == child.id, NursingWeek.week_start == data["week_start"]
        )
    ) or NursingWeek(child_id=child.id, week_start=data["week_start"])
    row.authorised_hours = data["authorised_hours"]
    row.delivered_hours = data["delivered_hours"]
    row.updated_by_id = user.id
    db.session.add(row)
    audit.record(
        "nursing_week.saved", actor_id=user.id, family_id=child.family_id, child_id=child.id
    )
    db.session.commit()
    return row


def consented(family_id: uuid.UUID) -> bool:
    """Whether the family counts in program totals."""
    return (
        db.session.scalar(select(ProgramConsent.id).where(ProgramConsent.family_id == family_id))
        is not None
    )


def set_consent(user: User, family_id: uuid.UUID, given: bool) -> None:
    """Give or withdraw the family's consent to count in de-identified program totals."""
    row = db.session.scalar(select(ProgramConsent).where(ProgramConsent.family_id == family_id))
    if given and row is None:
        db.session.add(ProgramConsent(family_id=family_id, given_by_id=user.id))
    elif not given and row is not None:
        db.session.delete(row)
    audit.record("carelog.consent", actor_id=user.id, family_id=family_id, detail={"given": given})
    db.session.commit()
