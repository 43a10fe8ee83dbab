"""Answering a survey: drafts saved part way, a response sent exactly once (however often a
phone replays it), its scores, and a family's own scores over time."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from familyapp.accounts.models import User
from familyapp.core import authz, clock, ids
from familyapp.core.authz import Perm
from familyapp.core.db import db
from familyapp.core.errors import ServiceError
from familyapp.families import service as families
from familyapp.surveys import questionnaire as fhirq
from familyapp.surveys import scoring, service
from familyapp.surveys.models import (
    TARGET_FAMILY,
    TARGET_PROGRAM,
    Campaign,
    Draft,
    Participation,
    ProgramFamily,
    Questionnaire,
    Response,
)


def campaign_for_respondent(user: User, campaign_id: uuid.UUID | str) -> Campaign:
    """A campaign that asks this user (open or not); 404 (audited) for anyone else."""
    parsed = ids.parse_uuid(str(campaign_id))
    campaign = db.session.get(Campaign, parsed) if parsed else None
    if campaign is None or not service.is_asked(user, campaign):
        authz.refuse(Perm.SURVEY_ANSWER, f"campaign:{campaign_id}")
    return campaign


def questionnaire_of(campaign: Campaign) -> tuple[Questionnaire, fhirq.Questionnaire]:
    """The campaign's questionnaire row and its parsed model."""
    row = db.session.get(Questionnaire, campaign.questionnaire_id)
    assert row is not None  # RESTRICT keeps it while the campaign exists
    return row, service.parsed(row)


def has_answered(user: User, campaign: Campaign) -> bool:
    """Whether the user has already sent a response to this campaign."""
    return bool(service.answered_by(campaign.id, [user.id]))


def own_response(user: User, campaign: Campaign, response_id: str) -> Response | None:
    """A response to this campaign that the user sent (an anonymous one only by its id, which
    only the sending device knows), or None."""
    parsed = ids.parse_uuid(response_id)
    found = db.session.get(Response, parsed) if parsed else None
    if found is None or found.campaign_id != campaign.id or not has_answered(user, campaign):
        return None
    if found.user_id is not None and found.user_id != user.id:
        return None
    return found


def _problems(error: fhirq.AnswersInvalid) -> dict[str, list[str]]:
    return {key: [str(m) for m in messages] for key, messages in error.problems.items()}


def _refuse_closed(campaign: Campaign) -> None:
    now = clock.utcnow()
    if now < campaign.opens_at:
        raise ServiceError(
            _("This survey opens on %(day)s.", day=format_date(campaign.opens_at, "long")),
            status=409,
        )
    if now >= campaign.closes_at:
        raise ServiceError(
            _("This survey closed on %(day)s.", day=format_date(campaign.last_moment, "long")),
            status=409,
        )


def load_draft(user: User, campaign: Campaign) -> dict[str, list[Any]]:
    """The answers the user saved part way, as stored values per question."""
    row = db.session.scalar(
        select(Draft).where(Draft.campaign_id == campaign.id, Draft.user_id == user.id)
    )
    return dict(row.answers) if row is not None else {}


def save_draft(user: User, campaign: Campaign, raw: dict[str, Any]) -> dict[str, list[Any]]:
    """Keep answers given so far (checked, but unanswered required questions allowed)."""
    _refuse_closed(campaign)
    if has_answered(user, campaign):
        raise ServiceError(_("You have already answered this survey."), status=409)
    _row, model = questionnaire_of(campaign)
    try:
        answers = fhirq.validate_answers(model, raw, complete=False)
    except fhirq.AnswersInvalid as error:
        raise ServiceError(
            _("Some answers need a look; nothing was saved."), status=422, errors=_problems(error)
        ) from error
    stored = fhirq.answers_to_json(answers)
    row = db.session.scalar(
        select(Draft).where(Draft.campaign_id == campaign.id, Draft.user_id == user.id)
    )
    if row is None:
        row = Draft(campaign_id=campaign.id, user_id=user.id, answers=stored)
        db.session.add(row)
    row.answers = stored
    row.updated_at = clock.utcnow()
    db.session.commit()
    return stored


def _digest(campaign_id: uuid.UUID, stored: dict[str, list[Any]]) -> str:
    canonical = json.dumps([str(campaign_id), stored], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _family_for(user: User, campaign: Campaign) -> uuid.UUID | None:
    """The family an identified response speaks for (its trend chart's family)."""
    if campaign.target == TARGET_FAMILY:
        return campaign.family_id
    guardian_of = families.families_with_role(user.id, Perm.FAMILY_MANAGE, whole_family=True)
    stmt = select(ProgramFamily.family_id).where(ProgramFamily.family_id.in_(guardian_of))
    if campaign.target == TARGET_PROGRAM:
        stmt = stmt.where(ProgramFamily.program_id == campaign.program_id)
    found = db.session.scalar(stmt.order_by(ProgramFamily.joined_at).limit(1))
    if found is None:
        found = db.session.scalar(guardian_of.limit(1))
    return found


def _stored_scores(model: fhirq.Questionnaire, answers: fhirq.Answers) -> list[dict[str, Any]]:
    result = []
    for found in scoring.score(model, answers):
        scale = next(s for s in model.scales if s.code == found.code)
        result.append(
            {
                "code": found.code,
                "value": None if found.value is None else str(found.value),
                "answered": found.answered,
                "expected": found.expected,
                "band": None if found.band is None else scale.bands.index(found.band),
            }
        )
    return result


def submit(
    user: User,
    campaign: Campaign,
    raw: dict[str, Any],
    *,
    response_id: uuid.UUID | None,
    language: str,
) -> tuple[Response, bool]:
    """Send a response once: (response, True) when saved now, (stored one, False) for a replay.

    A second response by the same member, an answer that does not fit, or a closed campaign
    is refused with nothing saved.
    """
    _row, model = questionnaire_of(campaign)
    try:
        answers = fhirq.validate_answers(model, raw, complete=True)
    except fhirq.AnswersInvalid as error:
        raise ServiceError(
            _("Some answers need a look; nothing was sent."), status=422, errors=_problems(error)
        ) from error
    stored = fhirq.answers_to_json(answers)
    digest = _digest(campaign.id, stored)
    if response_id is not None:
        found = db.session.get(Response, response_id)
        if found is not None:
            return _replay(user, campaign, found, digest), False
    _refuse_closed(campaign)
    if has_answered(user, campaign):
        # The same response sent twice at once (the page and Background Sync) may land between
        # the look-up above and this check: the participation and the response commit
        # together, so if it is answered now, a response with this id is there to replay.
        found = db.session.get(Response, response_id) if response_id is not None else None
        if found is not None:
            return _replay(user, campaign, found, digest), False
        raise ServiceError(_("You have already answered this survey."), status=409)
    today = clock.utcnow().date()
    response = Response(
        campaign_id=campaign.id,
        questionnaire_id=campaign.questionnaire_id,
        # Anonymous: no user, no family, no time of day (design.md, Surveys; docs/security.md).
        user_id=None if campaign.anonymous else user.id,
        family_id=None if campaign.anonymous else _family_for(user, campaign),
        submitted_on=today,
        submitted_at=None if campaign.anonymous else clock.utcnow(),
        language=language[:16],
        answers=stored,
        scores=_stored_scores(model, answers),
        body_digest=digest,
    )
    if response_id is not None:
        response.id = response_id
    try:
        db.session.execute(
            delete(Draft).where(Draft.campaign_id == campaign.id, Draft.user_id == user.id)
        )
        db.session.add(response)
        db.session.add(Participation(campaign_id=campaign.id, user_id=user.id, answered_on=today))
        db.session.commit()
    except IntegrityError:
        # Two tabs, or the page and the service worker's Background Sync sending the same
        # outbox entry at once: whichever landed first stands, the other is its replay.
        db.session.rollback()
        found = db.session.get(Response, response_id) if response_id else None
        if found is not None:
            return _replay(user, campaign, found, digest), False
        raise ServiceError(_("You have already answered this survey."), status=409) from None
    return response, True


def _replay(user: User, campaign: Campaign, found: Response, digest: str) -> Response:
    # Only the member who sent it may replay it: the id alone proves nothing.
    if found.campaign_id != campaign.id or not has_answered(user, campaign):
        raise ServiceError(
            _("A response with this id was already sent with other answers."),
            status=422,
            errors={"id": [_("Use a new id for a new response.")]},
        )
    if found.body_digest != digest:
        raise ServiceError(
            _("A response with this id was already sent with other answers."),
            status=422,
            errors={"id": [_("Use a new id for a new response.")]},
        )
    return found


@dataclass(frozen=True)
class ShownScore:
    """A scale's score as the respondent sees it."""

    code: str
    title: str
    value: Decimal | None
    band: str | None
    answered: int
    expected: int


def shown_scores(model: fhirq.Questionnaire, response: Response, lang: str) -> list[ShownScore]:
    """The response's scores in the reader's language, when the survey shows them."""
    if not model.show_score:
        return []
    result = []
    scales = {scale.code: scale for scale in model.scales}
    for stored in response.scores:
        scale = scales.get(stored["code"])
        if scale is None:
            continue
        band = scale.bands[stored["band"]] if stored.get("band") is not None else None
        result.append(
            ShownScore(
                code=scale.code,
                title=fhirq.text_in(scale.title, lang, model.language),
                value=None if stored["value"] is None else Decimal(stored["value"]),
                band=None if band is None else fhirq.text_in(band.label, lang, model.language),
                answered=stored["answered"],
                expected=stored["expected"],
            )
        )
    return result


def response_fhir(response: Response, campaign: Campaign) -> dict[str, Any]:
    """A stored response as a FHIR R4 QuestionnaireResponse (no subject when anonymous)."""
    row, model = questionnaire_of(campaign)
    answers = fhirq.answers_from_json(model, response.answers)
    authored = (
        response.submitted_at.isoformat()
        if response.submitted_at is not None
        else response.submitted_on.isoformat()
    )
    return fhirq.to_response(
        model,
        answers,
        response_id=str(response.id),
        questionnaire_ref=model.url or f"Questionnaire/{row.id}",
        authored=authored,
        lang=response.language,
    )


@dataclass(frozen=True)
class TrendPoint:
    """One identified response's score on one scale."""

    day: date
    value: Decimal
    campaign_title: str


@dataclass(frozen=True)
class Trend:
    """A family's scores on one scale of one survey over time."""

    questionnaire_title: str
    scale_title: str
    points: list[TrendPoint]
    low: Decimal | None  # the scale's band range, for the chart's axis
    high: Decimal | None


def trends_for(user: User, lang: str) -> list[Trend]:
    """The user's family's own scores over time, for surveys that show scores (identified
    responses only: anonymous ones are linked to nobody, not even their author)."""
    guardian_of = families.families_with_role(user.id, Perm.FAMILY_MANAGE, whole_family=True)
    rows = db.session.execute(
        select(Response, Campaign.title, Questionnaire)
        .join(Campaign, Campaign.id == Response.campaign_id)
        .join(Questionnaire, Questionnaire.id == Response.questionnaire_id)
        .where(or_(Response.user_id == user.id, Response.family_id.in_(guardian_of)))
        .order_by(Response.submitted_on)
    ).all()
    series: dict[tuple[str, str], Trend] = {}
    for response, campaign_title, row in rows:
        model = service.parsed(row)
        if not model.show_score:
            continue
        scales = {scale.code: scale for scale in model.scales}
        for stored in response.scores:
            scale = scales.get(stored["code"])
            if scale is None or stored["value"] is None:
                continue
            key = (row.url or str(row.id), scale.code)
            if key not in series:
                lows = [band.min for band in scale.bands]
                highs = [band.max for band in scale.bands]
                series[key] = Trend(
                    questionnaire_title=fhirq.text_in(model.title, lang, model.language),
                    scale_title=fhirq.text_in(scale.title, lang, model.language),
                    points=[],
                    low=min(lows) if lows else None,
                    high=max(highs) if highs else None,
                )
            series[key].points.append(
                TrendPoint(response.submitted_on, Decimal(stored["value"]), campaign_title)
            )
    return list(series.values())
