"""HTML routes of the plan: a phone-first read view, one small form per section or item,
review, history with readable diffs, merge on conflict, exports and import."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from familyapp.core import fragments, text_input
from familyapp.core.authz import Perm, has_role_permission, requires
from familyapp.core.errors import ServiceError, field_errors
from familyapp.families import service as families
from familyapp.plan import labels, schemas, service, translations

bp = Blueprint("plan", __name__)

# The inputs of each section's form, in order; names equal the schema's field names.
FORM_FIELDS: dict[str, list[tuple[str, str]]] = {
    "summary": [("summary", "textarea")],
    "baseline": [
        ("vitals", "textarea"),
        ("neuro", "textarea"),
        ("communication", "textarea"),
        ("other", "textarea"),
    ],
    "allergies": [("substance", "text"), ("reaction", "text"), ("severity", "select")],
    "medications": [
        ("name", "text"),
        ("dose_amount", "number"),
        ("dose_unit", "text"),
        ("route", "select"),
        ("schedule", "text"),
        ("purpose", "text"),
        ("prescriber", "text"),
        ("notes", "textarea"),
    ],
    "equipment": [
        ("name", "text"),
        ("kind", "select"),
        ("model", "text"),
        ("size", "text"),
        ("balloon_volume_ml", "number"),
        ("settings", "textarea"),
        ("supplier", "text"),
        ("supplier_phone", "tel"),
        ("notes", "textarea"),
    ],
    "avoid": [("what", "text"), ("why", "textarea")],
    "problems": [("name", "text"), ("details", "textarea"), ("status", "select")],
    "goals": [("goal", "textarea"), ("who", "text"), ("by_when", "date"), ("status", "select")],
    "contacts": [
        ("name", "text"),
        ("kind", "select"),
        ("role", "text"),
        ("organization", "text"),
        ("phone", "tel"),
        ("email", "email"),
        ("notes", "textarea"),
    ],
    "transitions": [
        ("kind", "select"),
        ("plan", "textarea"),
        ("target_date", "date"),
        ("status", "select"),
    ],
}
SINGLE_SECTIONS = {"summary": schemas.SummarySchema, "baseline": schemas.BaselineSchema}


def _can_edit() -> bool:
    grant = g.get("grant")
    return grant is not None and has_role_permission(grant.role, Perm.PLAN_EDIT)


def _section_schema(section: str) -> Any:
    if section in SINGLE_SECTIONS:
        return SINGLE_SECTIONS[section]()
    if section in schemas.LIST_SECTIONS:
        return schemas.LIST_SECTIONS[section]()
    raise ServiceError(_("Not found"), status=404)


def _required(section: str) -> set[str]:
    schema = _section_schema(section)
    return {name for name, field in schema.fields.items() if field.required}


def _submitted(section: str, form: MultiDict[str, str]) -> dict[str, Any]:
    # Only the section's own fields go to the schema (the form also carries csrf_token and
    # version). Empty dates, numbers and emails mean "none"; empty text stays "".
    values: dict[str, Any] = {}
    for name, kind in FORM_FIELDS[section]:
        value = form.get(name, "")
        values[name] = (
            None if value.strip() == "" and kind in {"date", "number", "email"} else value
        )
    return values


def _version_field() -> int:
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        return -1


def _options(section: str, field: str) -> list[tuple[str, str]]:
    codes = labels.VALUE_LABELS.get(labels.VALUE_FIELDS.get((section, field), ""), {})
    return [(code, str(text)) for code, text in codes.items()]


@bp.app_context_processor
def _plan_helpers() -> dict[str, Any]:
    return {
        "section_title": labels.section_title,
        "field_label": labels.field_label,
        "value_label": labels.value_label,
        "plan_options": _options,
    }


@bp.route("/plan")
@requires(Perm.AUTHENTICATED)
def my_plan() -> Any:
    """The bottom navigation's Plan: the plan of the only child, or the list to choose from."""
    children = families.children_for(current_user)
    if len(children) == 1:
        return redirect(url_for("plan.view", child_id=children[0].id))
    return redirect(url_for("system.home"))


@bp.route("/children/<child_id>/plan")
@requires(Perm.PLAN_READ)
def view(child_id: str) -> Any:
    """The plan on a phone: the two-liner, allergies, medications and equipment first."""
    # Served again as it was when nothing has been written since (the policy and audit ran).
    again = fragments.recall("plan/view.html")
    if again is not None:
        return again
    child = families.get_child(child_id)
    plan = service.get_plan(child)
    grant = g.get("grant")
    document, reading = translations.read(
        child.id, plan.language, plan.document, request.args.get("text_lang"), str(get_locale())
    )
    can_edit = _can_edit()
    can_read_audit = grant is not None and has_role_permission(grant.role, Perm.AUDIT_READ)
    # The document read is named by its digest (in `plan`); a translated one, as shown.
    translated = document if reading.language != reading.original else None
    body = fragments.Fragment(
        "plan/_plan_body.html",
        key=(
            [str(child.id), child.display_name, str(child.family_id)],
            replace(plan, document={}),
            translated,
            reading,
            can_edit,
            can_read_audit,
        ),
        child=child,
        plan=plan,
        doc=document,
        reading=reading,
        can_edit=can_edit,
        can_read_audit=can_read_audit,
    )
    return fragments.page(
        "plan/view.html", key=(body.digest, child.display_name), child=child, plan_body=body
    )


def _render_form(
    child: Any,
    plan: Any,
    section: str,
    values: dict[str, Any],
    errors: dict[str, Any],
    item_id: str | None,
    status: int = 200,
    conflict: dict[str, Any] | None = None,
) -> Any:
    return render_template(
        "plan/section_form.html",
        child=child,
        plan=plan,
        section=section,
        fields=FORM_FIELDS[section],
        required=_required(section),
        values=values,
        errors=errors,
        item_id=item_id,
        conflict=conflict,
    ), status


def _save(child: Any, section: str, item_id: str | None) -> Any:
    """Validate and save one section or item; on a stale version, show both to merge."""
    values = _submitted(section, request.form)
    expected = _version_field()
    data = dict(values)
    if item_id is not None:
        data["id"] = item_id
    try:
        loaded = _section_schema(section).load(data)
    except ValidationError as error:
        messages = field_errors(error)
        return _render_form(child, service.get_plan(child), section, values, messages, item_id, 422)
    try:
        if section in SINGLE_SECTIONS:
            service.save_fields(current_user, child, section, loaded, expected)
        else:
            service.save_item(current_user, child, section, loaded, expected)
    except service.StaleVersion as stale:
        current = stale.current
        theirs: dict[str, Any] | None
        if section in SINGLE_SECTIONS:
            theirs = (
                {"summary": current.document.get("summary", "")}
                if section == "summary"
                else dict(current.document.get("baseline") or {})
            )
        else:
            theirs = service.find_item(current, section, item_id) if item_id else None
        conflict = {"current": theirs, "by": current.updated_by, "at": current.updated_at}
        return _render_form(child, current, section, values, {}, item_id, 409, conflict)
    flash(_("Saved."), "success")
    return redirect(url_for("plan.view", child_id=child.id) + f"#{section}")


@bp.route("/children/<child_id>/plan/<section>", methods=["GET", "POST"])
@requires(Perm.PLAN_EDIT)
def edit_section(child_id: str, section: str) -> Any:
    """Edit the summary or the baseline."""
    if section not in SINGLE_SECTIONS:
        raise ServiceError(_("Not found"), status=404)
    child = families.get_child(child_id)
    if request.method == "POST":
        return _save(child, section, None)
    plan = service.get_plan(child)
    values = (
        {"summary": plan.document.get("summary", "")}
        if section == "summary"
        else dict(plan.document.get("baseline") or {})
    )
    return _render_form(child, plan, section, values, {}, None)


@bp.route("/children/<child_id>/plan/<section>/new", methods=["GET", "POST"])
@requires(Perm.PLAN_EDIT)
def new_item(child_id: str, section: str) -> Any:
    """Add an item to a list section (a medication, an allergy, a contact...)."""
    if section not in schemas.LIST_SECTIONS:
        raise ServiceError(_("Not found"), status=404)
    child = families.get_child(child_id)
    if request.method == "POST":
        return _save(child, section, None)
    return _render_form(child, service.get_plan(child), section, {}, {}, None)


@bp.route("/children/<child_id>/plan/<section>/<item_id>", methods=["GET", "POST"])
@requires(Perm.PLAN_EDIT)
def edit_item(child_id: str, section: str, item_id: str) -> Any:
    """Change one item of a list section."""
    if section not in schemas.LIST_SECTIONS:
        raise ServiceError(_("Not found"), status=404)
    child = families.get_child(child_id)
    plan = service.get_plan(child)
    item = service.find_item(plan, section, item_id)
    if item is None:
        raise ServiceError(_("Not found"), status=404)
    if request.method == "POST":
        return _save(child, section, item_id)
    return _render_form(child, plan, section, item, {}, item_id)


@bp.route("/children/<child_id>/plan/<section>/<item_id>/delete", methods=["POST"])
@requires(Perm.PLAN_EDIT)
def delete_item(child_id: str, section: str, item_id: str) -> Any:
    """Remove one item (it stays in the history)."""
    child = families.get_child(child_id)
    try:
        service.delete_item(current_user, child, section, item_id, _version_field())
    except service.StaleVersion:
        flash(_("The plan changed since you opened it. Check it and try again."), "error")
    else:
        flash(_("Removed. The earlier version stays in the history."), "success")
    return redirect(url_for("plan.view", child_id=child.id) + f"#{section}")


@bp.route("/children/<child_id>/plan/review", methods=["POST"])
@requires(Perm.PLAN_EDIT)
def review(child_id: str) -> Any:
    """Mark the plan reviewed today."""
    child = families.get_child(child_id)
    try:
        service.review(current_user, child)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("Marked as reviewed today."), "success")
    return redirect(url_for("plan.view", child_id=child.id))


@bp.route("/children/<child_id>/plan/history")
@requires(Perm.PLAN_READ)
def history(child_id: str) -> Any:
    """Every saved version, who saved it and when."""
    child = families.get_child(child_id)
    return render_template("plan/history.html", child=child, versions=service.versions(child))


@bp.route("/children/<child_id>/plan/history/<int:number>")
@requires(Perm.PLAN_READ)
def version(child_id: str, number: int) -> Any:
    """What changed in one version, compared with the one before (or any other: ?against=N)."""
    child = families.get_child(child_id)
    found = service.get_version(child, number)
    against = request.args.get("against", type=int)
    older = against if against is not None and 0 <= against < number else number - 1
    changes = service.diff_versions(child, older, number)
    return render_template(
        "plan/version.html", child=child, version=found, changes=changes, older=older
    )


@bp.route("/children/<child_id>/plan.pdf")
@requires(Perm.PLAN_READ)
def plan_pdf(child_id: str) -> Any:
    """The whole plan as a printable PDF."""
    return _pdf(child_id, emergency=False)


@bp.route("/children/<child_id>/plan/emergency.pdf")
@requires(Perm.PLAN_READ)
def emergency_pdf(child_id: str) -> Any:
    """The one-page emergency summary as a PDF."""
    return _pdf(child_id, emergency=True)


def _pdf(child_id: str, *, emergency: bool) -> Response:
    # Imported here: fpdf2 is only needed by the few requests that print.
    from familyapp.plan import pdf

    child = families.get_child(child_id)
    plan = service.get_plan(child)
    document, _reading = translations.read(
        child.id, plan.language, plan.document, request.args.get("text_lang"), str(get_locale())
    )
    body = pdf.plan_pdf(child, replace(plan, document=document), emergency=emergency)
    name = "emergency-summary" if emergency else "plan-of-care"
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
    )


@bp.route("/children/<child_id>/plan.json")
@requires(Perm.PLAN_READ)
def export_json(child_id: str) -> Any:
    """The whole plan as a JSON file (it imports back as it is)."""
    child = families.get_child(child_id)
    body = schemas.PlanSchema().dump(service.get_plan(child))
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="plan-of-care.json"'},
    )


@bp.route("/children/<child_id>/plan/import", methods=["GET", "POST"])
@requires(Perm.PLAN_EDIT)
def import_json(child_id: str) -> Any:
    """Replace the plan with an exported JSON file; every problem is reported, nothing half-done."""
    child = families.get_child(child_id)
    plan = service.get_plan(child)
    errors: Any = None
    if request.method == "POST":
        upload = request.files.get("file")
        raw = upload.read() if upload else b""
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            errors = {"file": [_("This file is not a JSON export of a plan.")]}
        else:
            if text_input.has_nul(payload):
                raise text_input.refuse()
            if isinstance(payload, dict) and isinstance(payload.get("document"), dict):
                payload = payload["document"]
            try:
                loaded = schemas.PlanDocumentSchema().load(payload)
            except ValidationError as error:
                errors = field_errors(error)
            else:
                try:
                    service.save_plan(
                        current_user, child, loaded, _version_field(), note="imported"
                    )
                except service.StaleVersion:
                    errors = {"file": [_("The plan changed while you were importing. Try again.")]}
                else:
                    flash(_("The plan is imported."), "success")
                    return redirect(url_for("plan.view", child_id=child.id))
    return render_template("plan/import.html", child=child, plan=plan, errors=errors), (
        422 if errors else 200
    )
