"""HTML routes of surveys for respondents: the open surveys, answering on a phone (saved part
way, sent once), the thank-you page with scores, and a family's own scores over time. The
program side (builder, campaigns, results) is in program_views.py."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from familyapp.core import ids
from familyapp.core.authz import Perm, requires
from familyapp.core.errors import ServiceError
from familyapp.surveys import chart, programs, responses, service
from familyapp.surveys import questionnaire as fhirq
from familyapp.surveys.models import Campaign

bp = Blueprint("surveys", __name__)

# Form fields that are not answers.
CONTROL_FIELDS = frozenset({"csrf_token", "action", "response_id"})


def raw_answers(model: fhirq.Questionnaire, form: MultiDict[str, str]) -> dict[str, Any]:
    """A submitted form's answers per question (several values for multiple choice)."""
    raw: dict[str, Any] = {}
    for key in form:
        if key in CONTROL_FIELDS:
            continue
        values = [value for value in form.getlist(key) if value.strip() != ""]
        raw[key] = values
    return raw


def form_values(stored: dict[str, list[Any]]) -> dict[str, list[str]]:
    """Stored answers as the strings a form shows (booleans as 'true'/'false')."""
    return {
        key: [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
        for key, values in stored.items()
    }


def enable_when_json(item: fhirq.Item) -> str:
    """An item's enableWhen for the page's script (which hides questions that do not apply)."""
    if not item.enable_when:
        return ""
    conditions = [
        {
            "question": cond.question,
            "operator": cond.operator,
            "answer": (
                str(cond.answer).lower() if isinstance(cond.answer, bool) else str(cond.answer)
            )
            if cond.answer is not None
            else None,
        }
        for cond in item.enable_when
    ]
    return json.dumps({"behavior": item.enable_behavior, "conditions": conditions})


@bp.route("/surveys")
@requires(Perm.SURVEY_ANSWER)
def index() -> Any:
    """The surveys open now that ask you, and your family's scores over time."""
    return render_template(
        "surveys/index.html",
        invitations=service.open_for(current_user),
        trends=responses.trends_for(current_user, str(get_locale())),
        runs_programs=bool(programs.programs_for(current_user)),
    )


def _answer_page(
    campaign: Campaign,
    model: fhirq.Questionnaire,
    values: dict[str, list[str]],
    errors: dict[str, Any],
    response_id: str,
    status: int = 200,
) -> Any:
    lang = str(get_locale())
    return (
        render_template(
            "surveys/answer.html",
            campaign=campaign,
            q=model,
            lang=lang,
            values=values,
            errors=errors,
            response_id=response_id,
            is_open=service.is_open(campaign),
            answered=responses.has_answered(current_user, campaign),
            text_in=fhirq.text_in,
            enable_json=enable_when_json,
        ),
        status,
    )


@bp.route("/surveys/<campaign_id>", methods=["GET", "POST"])
@requires(Perm.SURVEY_ANSWER)
def answer(campaign_id: str) -> Any:
    """Answer a survey on a phone: save part way, or send it (once, however often tapped)."""
    campaign = responses.campaign_for_respondent(current_user, campaign_id)
    _row, model = responses.questionnaire_of(campaign)
    if request.method == "GET":
        values = form_values(responses.load_draft(current_user, campaign))
        return _answer_page(campaign, model, values, {}, str(ids.new_id()))
    raw = raw_answers(model, request.form)
    values = {key: [str(v) for v in vals] for key, vals in raw.items()}
    response_id = ids.parse_uuid(request.form.get("response_id", ""))
    try:
        if request.form.get("action") == "save":
            responses.save_draft(current_user, campaign, raw)
            flash(_("Saved. You can finish later from Surveys."), "success")
            return redirect(url_for("surveys.answer", campaign_id=campaign.id))
        row, _created = responses.submit(
            current_user, campaign, raw, response_id=response_id, language=str(get_locale())
        )
    except ServiceError as error:
        errors = dict(error.errors) or {"_": [error.message]}
        if error.errors:
            errors.setdefault("_", [error.message])
        return _answer_page(
            campaign, model, values, errors, str(response_id or ids.new_id()), error.status
        )
    return redirect(url_for("surveys.done", campaign_id=campaign.id, response=row.id))


@bp.route("/surveys/<campaign_id>/done")
@requires(Perm.SURVEY_ANSWER)
def done(campaign_id: str) -> Any:
    """Thank you, with the scores where the survey shows them."""
    campaign = responses.campaign_for_respondent(current_user, campaign_id)
    _row, model = responses.questionnaire_of(campaign)
    shown: list[Any] = []
    found = responses.own_response(current_user, campaign, request.args.get("response", ""))
    if found is not None:
        shown = responses.shown_scores(model, found, str(get_locale()))
    return render_template(
        "surveys/done.html",
        campaign=campaign,
        scores=shown,
        answered=responses.has_answered(current_user, campaign),
    )


@bp.route("/surveys/scores")
@requires(Perm.SURVEY_ANSWER)
def trends() -> Any:
    """Your family's own scores over time, as charts with a table beside each."""
    found = responses.trends_for(current_user, str(get_locale()))
    return render_template(
        "surveys/trends.html",
        trends=found,
        charts=[
            chart.trend([(p.day, p.value) for p in trend.points], trend.low, trend.high)
            for trend in found
        ],
    )
