"""The verbs of surveys for the people who run them: programs, groups, questionnaires (import,
build, publish) and campaigns, and who a campaign asks. Answering is in responses.py;
aggregates and exports in results.py."""

from __future__ import annotations

import json
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select, union

from familyapp.accounts.models import User
from familyapp.core import audit, authz, clock, ids
from familyapp.core.authz import Perm
from familyapp.core.db import db
from familyapp.core.errors import ServiceError
from familyapp.families import service as families
from familyapp.surveys import programs
from familyapp.surveys import questionnaire as fhirq
from familyapp.surveys.models import (
    BUILT,
    BUNDLED,
    IMPORTED,
    STAFF,
    TARGET_FAMILY,
    TARGET_GROUP,
    TARGET_PROGRAM,
    Campaign,
    Participation,
    ProgramFamily,
    ProgramMember,
    Questionnaire,
    SurveyGroup,
    SurveyGroupMember,
)

BUNDLED_FILES = ("nsch_family_impact.json",)
MAX_RESOURCE_BYTES = 512 * 1024


# ---------------------------------------------------------------------- questionnaires

# Parsed questionnaires by (id, revision): results and answering parse the same stored JSON
# on every request otherwise, and a revision bump makes a stale entry unreachable.
_parsed: OrderedDict[tuple[uuid.UUID, int], fhirq.Questionnaire] = OrderedDict()


def parsed(row: Questionnaire) -> fhirq.Questionnaire:
    """The stored questionnaire as the engine's model (cached per revision)."""
    key = (row.id, row.revision)
    found = _parsed.get(key)
    if found is None:
        found = fhirq.parse(row.resource)
        _parsed[key] = found
        while len(_parsed) > 256:
            _parsed.popitem(last=False)
    return found


def problems_of(error: fhirq.QuestionnaireInvalid) -> list[dict[str, str]]:
    """A questionnaire's problems as {path, message} in the reader's language."""
    return [{"path": p.path, "message": str(p.message)} for p in error.problems]


def _checked(resource: Any) -> fhirq.Questionnaire:
    if len(json.dumps(resource)) > MAX_RESOURCE_BYTES:
        raise ServiceError(_("This questionnaire is too large (at most 512 KB)."), status=413)
    try:
        return fhirq.parse(resource)
    except fhirq.QuestionnaireInvalid as error:
        raise ServiceError(
            _("This questionnaire has problems; nothing was saved."),
            status=422,
            errors={"problems": problems_of(error)},
        ) from error


def _readable(user: User) -> Select[Any]:
    """Questionnaires a user may read: bundled ones, and those of the programs the user runs."""
    mine = select(ProgramMember.program_id).where(ProgramMember.user_id == user.id)
    return select(Questionnaire).where(
        or_(Questionnaire.program_id.is_(None), Questionnaire.program_id.in_(mine))
    )


def questionnaires_for(user: User, program_id: uuid.UUID | None = None) -> list[Questionnaire]:
    """The questionnaires the user may use (one program's and the bundled ones), by title."""
    stmt = _readable(user)
    if program_id is not None:
        stmt = stmt.where(
            or_(Questionnaire.program_id.is_(None), Questionnaire.program_id == program_id)
        )
    return list(db.session.scalars(stmt.order_by(Questionnaire.title)))


def get_questionnaire(user: User, questionnaire_id: uuid.UUID | str) -> Questionnaire:
    """A questionnaire the user may read: bundled, of a program they run, or one they are
    asked to answer now; 404 otherwise."""
    parsed_id = ids.parse_uuid(str(questionnaire_id))
    row = db.session.get(Questionnaire, parsed_id) if parsed_id else None
    if row is not None and (
        row.program_id is None
        or programs.role_in(user, row.program_id) is not None
        or _asked_with(user, row.id)
    ):
        return row
    authz.refuse(Perm.SURVEY_ANSWER, f"questionnaire:{questionnaire_id}")


def _asked_with(user: User, questionnaire_id: uuid.UUID) -> bool:
    now = clock.utcnow()
    for campaign in db.session.scalars(
        select(Campaign).where(
            Campaign.questionnaire_id == questionnaire_id,
            Campaign.opens_at <= now,
            Campaign.closes_at > now,
        )
    ):
        if is_asked(user, campaign):
            return True
    return False


def import_questionnaire(
    user: User, program_id: uuid.UUID | str, resource: Any, *, origin: str = IMPORTED
) -> Questionnaire:
    """Store a FHIR Questionnaire for a program after checking every part of it."""
    role = programs.program_for(user, program_id, Perm.SURVEY_MANAGE)
    model = _checked(resource)
    row = Questionnaire(
        program_id=role.program.id,
        url=model.url,
        version=model.version,
        title=_title_of(model),
        status=model.status if model.status in ("draft", "active", "retired") else "draft",
        origin=origin,
        resource=fhirq.to_fhir(model),
        created_by_id=user.id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "survey.questionnaire.saved",
        actor_id=user.id,
        target=f"questionnaire:{row.id}",
        detail={"origin": origin},
    )
    db.session.commit()
    return row


def _title_of(model: fhirq.Questionnaire) -> str:
    title = fhirq.text_in(model.title, model.language, model.language)
    return (title or model.name or _("Untitled survey"))[:300]


def in_use(row: Questionnaire) -> bool:
    """Whether a campaign has used the questionnaire (its questions can then no longer change)."""
    return (
        db.session.scalar(select(Campaign.id).where(Campaign.questionnaire_id == row.id).limit(1))
        is not None
    )


def used_questionnaires(questionnaire_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these questionnaires a campaign has used (one query for a program's list)."""
    if not questionnaire_ids:
        return set()
    return set(
        db.session.scalars(
            select(Campaign.questionnaire_id)
            .where(Campaign.questionnaire_id.in_(questionnaire_ids))
            .distinct()
        )
    )


def save_questionnaire(
    user: User, row: Questionnaire, resource: Any, revision: int | None
) -> Questionnaire:
    """Replace a questionnaire's content (the builder); refused once a campaign used it."""
    if row.program_id is None or programs.role_in(user, row.program_id) is None:
        authz.refuse(Perm.SURVEY_MANAGE, f"questionnaire:{row.id}")
    if revision is not None and revision != row.revision:
        raise ServiceError(
            _("Someone else changed this survey while you were editing. Reload it first."),
            status=412,
        )
    if in_use(row):
        raise ServiceError(
            _("This survey has been sent, so its questions cannot change. Copy it to edit."),
            status=409,
        )
    model = _checked(resource)
    row.resource = fhirq.to_fhir(model)
    row.title = _title_of(model)
    row.url = model.url
    row.version = model.version
    row.status = model.status if model.status in ("draft", "active", "retired") else "draft"
    row.revision += 1
    row.updated_at = clock.utcnow()
    audit.record(
        "survey.questionnaire.saved",
        actor_id=user.id,
        target=f"questionnaire:{row.id}",
        detail={"origin": row.origin, "revision": row.revision},
    )
    db.session.commit()
    return row


def copy_questionnaire(user: User, row: Questionnaire, program_id: uuid.UUID) -> Questionnaire:
    """Start a new draft from any readable questionnaire (a bundled one, or one already sent)."""
    resource = dict(row.resource)
    resource["status"] = "draft"
    # A copy is a new survey: it must not claim the original's canonical url and version.
    for key in ("id", "url", "version"):
        resource.pop(key, None)
    resource["title"] = _("%(title)s (copy)", title=row.title)[:300]
    return import_questionnaire(user, program_id, resource, origin=BUILT)


def install_bundled() -> list[Questionnaire]:
    """Load the questionnaires the app ships (public-domain items only); idempotent by url and
    version, so an upgraded file arrives as a new version beside the old one."""
    rows = []
    for name in BUNDLED_FILES:
        text = resources.files("familyapp.surveys").joinpath("instruments", name).read_text()
        model = fhirq.parse(json.loads(text))
        row = db.session.scalar(
            select(Questionnaire).where(
                Questionnaire.program_id.is_(None),
                Questionnaire.url == model.url,
                Questionnaire.version == model.version,
            )
        )
        if row is None:
            row = Questionnaire(
                program_id=None,
                url=model.url,
                version=model.version,
                title=_title_of(model),
                status="active",
                origin=BUNDLED,
                resource=fhirq.to_fhir(model),
            )
            db.session.add(row)
            db.session.flush()
        rows.append(row)
    db.session.commit()
    return rows


def fhir_export(row: Questionnaire) -> dict[str, Any]:
    """The questionnaire as FHIR R4 JSON, with its id."""
    resource = dict(row.resource)
    resource["id"] = str(row.id)
    return resource


# --------------------------------------------------------------------------- campaigns


def create_campaign(user: User, data: dict[str, Any]) -> Campaign:
    """Send a questionnaire to a group, the program's families or one family, for a time."""
    role = programs.program_for(user, data["program_id"], Perm.SURVEY_MANAGE)
    program = role.program
    errors: dict[str, list[str]] = {}
    questionnaire = db.session.get(Questionnaire, data["questionnaire_id"])
    if questionnaire is None or questionnaire.program_id not in (None, program.id):
        errors["questionnaire_id"] = [_("Choose one of this program's surveys.")]
    elif questionnaire.status != "active":
        errors["questionnaire_id"] = [_("Publish this survey before sending it.")]
    target = data["target"]
    group_id = family_id = None
    if target != TARGET_GROUP and role.role != STAFF:
        errors["target"] = [_("Advisors send surveys to the program's groups.")]
    if target == TARGET_GROUP:
        group = db.session.get(SurveyGroup, data.get("group_id")) if data.get("group_id") else None
        if group is None or group.program_id != program.id:
            errors["group_id"] = [_("Choose one of this program's groups.")]
        else:
            group_id = group.id
    elif target == TARGET_FAMILY:
        family_id = data.get("family_id")
        served = family_id is not None and db.session.scalar(
            select(ProgramFamily.id).where(
                ProgramFamily.program_id == program.id, ProgramFamily.family_id == family_id
            )
        )
        if not served:
            errors["family_id"] = [_("Choose one of the families this program serves.")]
        if data.get("anonymous"):
            # One family's answers cannot be anonymous: there is only one family to be.
            errors["anonymous"] = [_("A survey sent to one family cannot be anonymous.")]
    opens_at: datetime = data["opens_at"]
    closes_at: datetime = data["closes_at"]
    if closes_at <= opens_at:
        errors["closes_at"] = [_("The closing date must come after the opening date.")]
    elif closes_at <= clock.utcnow():
        errors["closes_at"] = [_("The closing date must be in the future.")]
    if errors:
        raise ServiceError(_("Please correct the fields shown."), status=422, errors=errors)
    assert questionnaire is not None
    campaign = Campaign(
        program_id=program.id,
        questionnaire_id=questionnaire.id,
        title=(data.get("title") or questionnaire.title).strip()[:200],
        target=target,
        group_id=group_id,
        family_id=family_id,
        opens_at=opens_at,
        closes_at=closes_at,
        anonymous=bool(data.get("anonymous")),
        created_by_id=user.id,
    )
    db.session.add(campaign)
    db.session.flush()
    audit.record(
        "survey.campaign.created",
        actor_id=user.id,
        family_id=family_id,
        target=f"campaign:{campaign.id}",
        detail={"target": target, "anonymous": campaign.anonymous},
    )
    db.session.commit()
    return campaign


def campaigns_of(program_id: uuid.UUID) -> list[Campaign]:
    """A program's campaigns, newest first."""
    return list(
        db.session.scalars(
            select(Campaign)
            .where(Campaign.program_id == program_id)
            .order_by(Campaign.opens_at.desc())
        )
    )


def campaign_for_author(user: User, campaign_id: uuid.UUID | str, perm: Perm) -> Campaign:
    """A campaign of a program the user runs; 404 (audited) otherwise."""
    parsed_id = ids.parse_uuid(str(campaign_id))
    campaign = db.session.get(Campaign, parsed_id) if parsed_id else None
    if campaign is None or programs.role_in(user, campaign.program_id) is None:
        authz.refuse(perm, f"campaign:{campaign_id}")
    return campaign


def asked(campaign: Campaign) -> Select[Any]:
    """A query of the user ids a campaign asks (whoever is a member now)."""
    if campaign.target == TARGET_GROUP:
        return select(SurveyGroupMember.user_id).where(
            SurveyGroupMember.group_id == campaign.group_id
        )
    if campaign.target == TARGET_FAMILY:
        return families.guardians_of([campaign.family_id])
    served = select(ProgramFamily.family_id).where(ProgramFamily.program_id == campaign.program_id)
    return families.guardians_of(served)


def is_asked(user: User, campaign: Campaign) -> bool:
    """Whether the campaign asks this user."""
    members = asked(campaign).subquery()
    return (
        db.session.scalar(select(members.c.user_id).where(members.c.user_id == user.id).limit(1))
        is not None
    )


def asked_count(campaign: Campaign) -> int:
    """How many people the campaign asks now."""
    members = asked(campaign).subquery()
    return db.session.scalar(select(func.count()).select_from(members)) or 0


def is_open(campaign: Campaign, now: datetime | None = None) -> bool:
    """Whether answers are taken now."""
    now = now or clock.utcnow()
    return campaign.opens_at <= now < campaign.closes_at


@dataclass(frozen=True)
class Invitation:
    """An open campaign as one respondent sees it."""

    campaign: Campaign
    title: str
    answered: bool


def open_for(user: User, now: datetime | None = None) -> list[Invitation]:
    """The campaigns open now that ask this user, soonest closing first."""
    now = now or clock.utcnow()
    guardian_of = families.families_with_role(user.id, Perm.FAMILY_MANAGE, whole_family=True)
    in_groups = select(SurveyGroupMember.group_id).where(SurveyGroupMember.user_id == user.id)
    in_programs = select(ProgramFamily.program_id).where(ProgramFamily.family_id.in_(guardian_of))
    # One query for every way a campaign can ask someone, rather than a query per campaign.
    asking = union(
        select(Campaign.id).where(
            Campaign.target == TARGET_GROUP, Campaign.group_id.in_(in_groups)
        ),
        select(Campaign.id).where(
            Campaign.target == TARGET_FAMILY, Campaign.family_id.in_(guardian_of)
        ),
        select(Campaign.id).where(
            Campaign.target == TARGET_PROGRAM, Campaign.program_id.in_(in_programs)
        ),
    ).subquery()
    answered = select(Participation.campaign_id).where(Participation.user_id == user.id)
    rows = db.session.execute(
        select(Campaign, Campaign.id.in_(answered))
        .where(Campaign.id.in_(select(asking.c.id)), Campaign.opens_at <= now)
        .where(Campaign.closes_at > now)
        .order_by(Campaign.closes_at)
    ).all()
    return [Invitation(campaign, campaign.title, bool(done)) for campaign, done in rows]


def open_campaigns(now: datetime) -> list[Campaign]:
    """Every campaign open now (for reminder planning)."""
    return list(
        db.session.scalars(
            select(Campaign).where(Campaign.opens_at <= now, Campaign.closes_at > now)
        )
    )


def answered_by(campaign_id: uuid.UUID, user_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these users have answered the campaign."""
    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            select(Participation.user_id).where(
                Participation.campaign_id == campaign_id, Participation.user_id.in_(user_ids)
            )
        )
    )


def answered_counts(campaign_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many have answered each campaign (one query for a program's list)."""
    if not campaign_ids:
        return {}
    rows = db.session.execute(
        select(Participation.campaign_id, func.count(Participation.id))
        .where(Participation.campaign_id.in_(campaign_ids))
        .group_by(Participation.campaign_id)
    ).all()
    return {campaign_id: count for campaign_id, count in rows}


def get_campaign(campaign_id: uuid.UUID | str) -> Campaign | None:
    """A campaign by id, or None (for reminders, which check their own person)."""
    parsed_id = ids.parse_uuid(str(campaign_id))
    return db.session.get(Campaign, parsed_id) if parsed_id else None
