"""The demo family: realistic data for every feature, extended as features land.

Logins (password `familyapp-demo`, documented in README.md): parent@example.org (guardian),
nurse@example.org (caregiver, home nurse), coordinator@example.org (care team).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from familyapp.accounts import service as accounts
from familyapp.accounts.models import User
from familyapp.core import audit
from familyapp.core.authz import Role
from familyapp.core.db import db
from familyapp.families.models import Child, Family, Membership

DEMO_PASSWORD = "familyapp-demo"  # noqa: S105 - the documented, public demo password
GUARDIAN = "parent@example.org"
NURSE = "nurse@example.org"
COORDINATOR = "coordinator@example.org"
SECOND_GUARDIAN = "papa@example.org"
TEEN = "chidi@example.org"


def demo_exists() -> bool:
    """True when the demo guardian is already there."""
    return db.session.scalar(select(User.id).where(User.email == GUARDIAN)) is not None


def create_demo() -> Child:
    """Create the demo family with a child with medical complexity; idempotent."""
    if demo_exists():
        existing = db.session.scalar(
            select(Child).join(Family).where(Child.display_name == "Maya Rivera")
        )
        assert existing is not None
        return existing
    tz = "America/Chicago"
    parent = accounts.create_user_unchecked(
        GUARDIAN, DEMO_PASSWORD, "Ana Rivera", locale="en", time_zone=tz
    )
    papa = accounts.create_user_unchecked(
        SECOND_GUARDIAN, DEMO_PASSWORD, "Luis Rivera", locale="es", time_zone=tz
    )
    nurse = accounts.create_user_unchecked(
        NURSE, DEMO_PASSWORD, "Jordan Lee, LPN", locale="en", time_zone=tz
    )
    coordinator = accounts.create_user_unchecked(
        COORDINATOR, DEMO_PASSWORD, "Priya Shah, RN", locale="en", time_zone=tz
    )
    # Care-team accounts need two-step sign-in: the demo's uses the secret published in README.
    accounts.set_published_totp(coordinator)
    family = Family(name="Rivera family", time_zone=tz)
    db.session.add(family)
    db.session.flush()
    maya = Child(
        family_id=family.id,
        display_name="Maya Rivera",
        birth_date=date(2019, 3, 14),
        pronouns="she/her",
        preferred_language="es",
    )
    db.session.add(maya)
    db.session.flush()
    db.session.add_all(
        [
            Membership(family_id=family.id, user_id=parent.id, role=Role.GUARDIAN.value),
            Membership(family_id=family.id, user_id=papa.id, role=Role.GUARDIAN.value),
            Membership(
                family_id=family.id,
                user_id=nurse.id,
                role=Role.CAREGIVER.value,
                title="Home nurse (weeknights), BrightPath Home Health",
                created_by_id=parent.id,
            ),
            Membership(
                family_id=family.id,
                user_id=coordinator.id,
                role=Role.CARE_TEAM.value,
                title="Nurse care coordinator, Complex Care Clinic",
                created_by_id=parent.id,
            ),
        ]
    )
    audit.record("family.created", actor_id=parent.id, family_id=family.id)
    audit.record("child.created", actor_id=parent.id, family_id=family.id, child_id=maya.id)
    db.session.commit()
    _demo_plan(maya, parent, coordinator)
    _demo_translations(maya, papa, parent)
    from familyapp.surveys import demo_data as survey_demo

    survey_demo.create(parent, papa, coordinator)
    _demo_teen()
    return maya


def _demo_plan(maya: Child, parent: User, coordinator: User) -> None:
    # Two versions (the family starts it, the coordinator completes it) and a review, so the
    # history, the diff and the "last reviewed" line all have something to show.
    from familyapp.plan import demo_data
    from familyapp.plan import service as plan
    from familyapp.plan.schemas import PlanDocumentSchema

    first = plan.save_plan(parent, maya, PlanDocumentSchema().load(demo_data.FIRST_VERSION), 0)
    full = PlanDocumentSchema().load(demo_data.FULL_VERSION)
    # Keep the ids of the items both versions share, so the diff shows additions only.
    for section in ("allergies", "medications", "equipment"):
        for item, saved in zip(full[section], first.document[section], strict=False):
            item["id"] = saved["id"]
    plan.save_plan(coordinator, maya, full, first.version)
    plan.review(coordinator, maya)
    _demo_action_plans(maya, parent, coordinator)


def _demo_action_plans(maya: Child, parent: User, coordinator: User) -> None:
    # Completed and reviewed with her clinicians, as a family would have them: the emergency
    # card shows them to an ER clinician. New plans start from the templates on the plans page.
    from flask import current_app

    from familyapp.actionplans import demo_data
    from familyapp.actionplans import service as actionplans
    from familyapp.actionplans.schemas import ActionPlanSchema

    for data in (demo_data.SEIZURES, demo_data.RESPIRATORY, demo_data.DYSTONIA):
        actionplans.create_plan(coordinator, maya, ActionPlanSchema().load(data))
    secret = current_app.extensions["familyapp.settings"].secret_key
    actionplans.create_link(parent, maya, "Wallet card", 365, secret)
    actionplans.create_link(parent, maya, "Westside Elementary school nurse", 300, secret)
    _demo_calendar(maya, parent)
    _demo_carelog(maya, parent)
    _demo_quiet_hours(parent)


def _demo_quiet_hours(parent: User) -> None:
    # Ana's nights are for sleep when the nurse is on: reminders wait until 06:30.
    from datetime import time

    from familyapp.push import service as push

    push.save_preferences(parent, {"quiet_start": time(21, 30), "quiet_end": time(6, 30)})


def _demo_carelog(maya: Child, parent: User) -> None:
    # Eight weeks of Maya's care: Ana's hands-on care and coordination, Jordan's weeknight
    # shifts (paid staff), Priya's unbilled coordination, Ana's missed work and her wage,
    # the nursing hours authorised and delivered, and the family's consent to program totals.
    from decimal import Decimal

    from familyapp.carelog import demo_data
    from familyapp.carelog import household as carelog_household
    from familyapp.carelog import service as carelog
    from familyapp.core import clock
    from familyapp.core.i18n import zone

    family = db.session.get(Family, maya.family_id)
    assert family is not None
    nurse = db.session.scalar(select(User).where(User.email == NURSE))
    coordinator = db.session.scalar(select(User).where(User.email == COORDINATOR))
    assert nurse is not None and coordinator is not None
    tz = zone(family.time_zone)
    today = clock.utcnow().astimezone(tz).date()
    carelog_household.set_paid_staff(parent, family.id, nurse.id, True)
    rows = demo_data.entries(today, tz, parent.id, nurse.id, coordinator.id, clock.utcnow())
    carelog.import_entries(maya, rows)
    for row in demo_data.work_missed(today):
        carelog_household.record_work_missed(parent, maya, row)
    carelog_household.set_wage(parent, family.id, {"hourly_wage": Decimal("21.50")})
    for week in demo_data.nursing_weeks(today):
        carelog_household.set_nursing_week(parent, maya, week)
    carelog_household.set_consent(parent, family.id, True)


def _demo_calendar(maya: Child, parent: User) -> None:
    # Placed around today, so the agenda and the home screen always have something to show;
    # one therapy session is cancelled and one moved, as real series are.
    from datetime import datetime, timedelta

    from familyapp.calendar import demo_data
    from familyapp.calendar import service as calendar
    from familyapp.calendar.schemas import AppointmentSchema
    from familyapp.core import clock
    from familyapp.core.i18n import zone

    family = db.session.get(Family, maya.family_id)
    assert family is not None
    today = clock.utcnow().astimezone(zone(family.time_zone)).date()
    made = []
    for data in demo_data.appointments(today):
        loaded = AppointmentSchema().load(
            {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}
        )
        made.append(calendar.create_appointment(parent, maya, loaded))
    therapy = made[0]
    sessions = calendar.agenda([maya.id], clock.utcnow(), clock.utcnow() + timedelta(days=35))
    therapy_dates = [s.original_start for s in sessions if s.appointment.id == therapy.id]
    if len(therapy_dates) >= 3:
        calendar.set_exception(parent, therapy, therapy_dates[1], cancelled=True)
        moved = calendar.to_local(therapy_dates[2], therapy.timezone) + timedelta(days=1)
        calendar.set_exception(
            parent,
            therapy,
            therapy_dates[2],
            cancelled=False,
            new_start_local=moved,
            new_end_local=moved + timedelta(hours=1),
        )


def _demo_translations(maya: Child, papa: User, parent: User) -> None:
    # Luis reads Spanish best: he translated the plan and the seizure plan; Ana checked them.
    from familyapp.actionplans import service as actionplans
    from familyapp.plan import demo_translations as es
    from familyapp.plan import service as plan
    from familyapp.plan import texts, translations

    document = plan.get_plan(maya).document
    fields = texts.plan_fields(document)
    written = {f.path: {"text": es.PLAN_ES[f.text]} for f in fields if f.text in es.PLAN_ES}
    translations.save(papa, maya, translations.PLAN, maya.id, fields, "es", written)
    checked = {
        path: {"text": value["text"], "verified": True}
        for path, value in written.items()
        if next(f.text for f in fields if f.path == path) not in es.PLAN_ES_UNCHECKED
    }
    translations.save(parent, maya, translations.PLAN, maya.id, fields, "es", checked)
    for field in fields:
        if field.text in es.PLAN_ES_STALE:
            older, text = es.PLAN_ES_STALE[field.text]
            then = [texts.SourceField(field.path, field.section, field.name, older)]
            translations.save(
                papa, maya, translations.PLAN, maya.id, then, "es", {field.path: {"text": text}}
            )
    seizures = next(p for p in actionplans.list_plans(maya) if p.kind == "seizures")
    ap_fields = texts.action_plan_fields(seizures.title, seizures.document)
    lines = {
        f.path: {"text": es.SEIZURES_ES[f.text], "verified": True}
        for f in ap_fields
        if f.text in es.SEIZURES_ES
    }
    translations.save(papa, maya, translations.ACTION_PLAN, seizures.id, ap_fields, "es", lines)


def _demo_teen() -> None:
    # Chidi Okafor, 15, has his own account (teen assent): he reads his plan and has chosen
    # that his track coach, who can see the family's records, does not see his.
    from familyapp.families import privacy
    from familyapp.plan import service as plan
    from familyapp.plan.schemas import PlanDocumentSchema

    chidi = db.session.scalar(select(Child).where(Child.display_name == "Chidi"))
    ngozi = db.session.scalar(select(User).where(User.email == "ngozi@example.org"))
    assert chidi is not None and ngozi is not None
    chidi.display_name = "Chidi Okafor"
    chidi.birth_date = date(2011, 5, 2)
    chidi.pronouns = "he/him"
    teen = accounts.create_user_unchecked(
        TEEN, DEMO_PASSWORD, "Chidi Okafor", locale="en", time_zone="America/Chicago"
    )
    aide = accounts.create_user_unchecked(
        "marcus@example.org", DEMO_PASSWORD, "Marcus Bell", time_zone="America/Chicago"
    )
    coach = accounts.create_user_unchecked(
        "dana@example.org", DEMO_PASSWORD, "Dana Wright", time_zone="America/Chicago"
    )
    self_membership = Membership(
        family_id=chidi.family_id,
        user_id=teen.id,
        role=Role.SELF.value,
        child_id=chidi.id,
        created_by_id=ngozi.id,
    )
    coach_membership = Membership(
        family_id=chidi.family_id,
        user_id=coach.id,
        role=Role.VIEWER.value,
        title="Track coach, Lakeside High School",
        created_by_id=ngozi.id,
    )
    db.session.add_all(
        [
            self_membership,
            coach_membership,
            Membership(
                family_id=chidi.family_id,
                user_id=aide.id,
                role=Role.CAREGIVER.value,
                title="Home health aide (afternoons)",
                created_by_id=ngozi.id,
            ),
        ]
    )
    db.session.commit()
    plan.save_plan(
        ngozi,
        chidi,
        PlanDocumentSchema().load(
            {
                "summary": "Chidi is 15, with myelomeningocele repaired at birth and a VP shunt "
                "(revised 2019); walks with forearm crutches, uses a wheelchair for distance, "
                "and does clean intermittent catheterisation himself every 4 hours.",
                "allergies": [
                    {"substance": "Latex", "reaction": "Hives", "severity": "severe"},
                ],
            }
        ),
        0,
    )
    privacy.set_sees_record(teen, chidi, coach_membership.id, False)
