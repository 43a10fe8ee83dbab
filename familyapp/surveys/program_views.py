"""HTML routes of surveys for the people who run them (program staff, family advisory group
leads): a program's surveys, groups and campaigns, importing and exporting FHIR JSON, sending
a survey, and a campaign's results. The builder's pages are in builder_views.py."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from babel.numbers import format_percent
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from familyapp.core import text_input
from familyapp.core.authz import Perm, requires
from familyapp.core.errors import ServiceError
from familyapp.core.forms import load_form
from familyapp.surveys import chart, programs, results, schemas, service
from familyapp.surveys.models import STAFF, TARGETS

bp = Blueprint("survey_programs", __name__)


@bp.app_template_filter("percent")
def percent(value: Decimal) -> str:
    """A percentage (given as 0-100) as the reader's locale writes one."""
    return format_percent(value / 100, format="#,##0.#%", locale=get_locale())


@bp.route("/programs")
@requires(Perm.SURVEY_MANAGE)
def index() -> Any:
    """The programs you run surveys for (straight to it when there is one)."""
    mine = programs.programs_for(current_user)
    if len(mine) == 1:
        return redirect(url_for("survey_programs.program", program_id=mine[0].program.id))
    return render_template("surveys/programs.html", programs=mine)


@bp.route("/programs/<program_id>")
@requires(Perm.SURVEY_MANAGE)
def program(program_id: str) -> Any:
    """A program's surveys, groups and campaigns."""
    role = programs.program_for(current_user, program_id, Perm.SURVEY_MANAGE)
    questionnaires = service.questionnaires_for(current_user, role.program.id)
    campaigns = service.campaigns_of(role.program.id)
    answered = service.answered_counts([c.id for c in campaigns])
    return render_template(
        "surveys/program.html",
        role=role,
        questionnaires=questionnaires,
        used=service.used_questionnaires([q.id for q in questionnaires]),
        groups=programs.groups(role.program.id),
        campaigns=[
            (c, service.is_open(c), service.asked_count(c), answered.get(c.id, 0))
            for c in campaigns
        ],
    )


@bp.route("/programs/<program_id>/questionnaires/import", methods=["GET", "POST"])
@requires(Perm.SURVEY_MANAGE)
def import_questionnaire(program_id: str) -> Any:
    """Import a FHIR R4 Questionnaire (a file or pasted JSON); every problem is listed."""
    role = programs.program_for(current_user, program_id, Perm.SURVEY_MANAGE)
    if request.method == "GET":
        return render_template("surveys/import.html", role=role, problems=[], text="")
    upload = request.files.get("file")
    text = upload.read().decode("utf-8", "replace") if upload and upload.filename else ""
    text = text or request.form.get("resource", "")
    problems: list[dict[str, str]] = []
    if text_input.NUL in text:
        raise text_input.refuse()
    try:
        resource = json.loads(text)
    except ValueError as error:
        problems = [
            {
                "path": _("line %(n)d", n=error.lineno) if hasattr(error, "lineno") else "",
                "message": _("This is not valid JSON."),
            }
        ]
    else:
        try:
            row = service.import_questionnaire(current_user, role.program.id, resource)
        except ServiceError as error:
            problems = error.errors.get("problems") or [{"path": "", "message": error.message}]
        else:
            flash(_("Imported “%(title)s”.", title=row.title), "success")
            return redirect(url_for("survey_programs.program", program_id=role.program.id))
    return (
        render_template("surveys/import.html", role=role, problems=problems, text=text[:20000]),
        422,
    )


@bp.route("/questionnaires/<questionnaire_id>.json")
@requires(Perm.SURVEY_MANAGE)
def export_questionnaire(questionnaire_id: str) -> Any:
    """Download a questionnaire as FHIR R4 JSON."""
    row = service.get_questionnaire(current_user, questionnaire_id)
    body = json.dumps(service.fhir_export(row), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/fhir+json",
        headers={"Content-Disposition": f'attachment; filename="questionnaire-{row.id}.json"'},
    )


def _campaign_form(
    role: programs.ProgramRole, values: dict[str, Any], errors: dict[str, Any]
) -> Any:
    usable = [
        q for q in service.questionnaires_for(current_user, role.program.id) if q.status == "active"
    ]
    targets = [t for t in TARGETS if role.role == STAFF or t == "group"]
    return (
        render_template(
            "surveys/campaign_new.html",
            role=role,
            questionnaires=usable,
            groups=programs.groups(role.program.id),
            families=programs.program_families(role.program.id) if role.role == STAFF else [],
            targets=targets,
            values=values,
            errors=errors,
        ),
        422 if errors else 200,
    )


@bp.route("/programs/<program_id>/campaigns/new", methods=["GET", "POST"])
@requires(Perm.SURVEY_MANAGE)
def new_campaign(program_id: str) -> Any:
    """Send a survey: to whom, from when until when, anonymous or not."""
    role = programs.program_for(current_user, program_id, Perm.SURVEY_MANAGE)
    if request.method == "GET":
        values = {"questionnaire_id": request.args.get("questionnaire", ""), "anonymous": "1"}
        return _campaign_form(role, values, {})
    form = request.form.copy()
    form["program_id"] = str(role.program.id)
    data, errors = load_form(schemas.CampaignSchema(), form)
    values = request.form.to_dict()
    if data is not None:
        try:
            campaign = service.create_campaign(current_user, data)
        except ServiceError as error:
            errors = error.errors or {"_": [error.message]}
        else:
            flash(_("Sent “%(title)s”.", title=campaign.title), "success")
            return redirect(url_for("survey_programs.program", program_id=role.program.id))
    return _campaign_form(role, values, errors)


@bp.route("/campaigns/<campaign_id>/results")
@requires(Perm.SURVEY_RESULTS)
def campaign_results(campaign_id: str) -> Any:
    """A campaign's results: counts, answers per question, scores; nothing under five."""
    campaign = service.campaign_for_author(current_user, campaign_id, Perm.SURVEY_RESULTS)
    found = results.results_for(current_user, campaign, str(get_locale()))
    item_bars = {
        item.link_id: chart.bars([(o.label, o.count, o.percent) for o in item.options])
        for item in found.items
        if item.options
    }
    scale_bars = {
        scale.code: chart.bars([(b.label, b.count, b.percent) for b in scale.bands])
        for scale in found.scales
        if scale.bands
    }
    return render_template(
        "surveys/results.html",
        results=found,
        item_bars=item_bars,
        scale_bars=scale_bars,
        is_open=service.is_open(campaign),
    )


@bp.route("/campaigns/<campaign_id>/results.csv")
@requires(Perm.SURVEY_RESULTS)
def campaign_results_csv(campaign_id: str) -> Any:
    """Download the de-identified responses as CSV."""
    campaign = service.campaign_for_author(current_user, campaign_id, Perm.SURVEY_RESULTS)
    text = results.csv_export(current_user, campaign)
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="survey-{campaign.id}.csv"'},
    )
