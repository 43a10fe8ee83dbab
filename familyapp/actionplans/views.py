"""HTML routes: action plans to follow step by step, their forms, the emergency card for members
and for a link with no account, and the guardians' emergency links with QR codes and cards."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from familyapp.actionplans import schemas, service, templates_data
from familyapp.actionplans.api import link_body
from familyapp.core.authz import Perm, has_role_permission, requires
from familyapp.core.errors import ServiceError, field_errors
from familyapp.core.forms import load_form
from familyapp.families import service as families

bp = Blueprint("actionplans", __name__)

KIND_LABELS: dict[str, Any] = {
    "seizures": _l("Seizures"),
    "respiratory": _l("Breathing trouble"),
    "dystonia": _l("Dystonia"),
    "behaviour": _l("Behaviour crisis"),
    "other": _l("Other emergency"),
}
ZONES = ("green", "yellow", "red")
LIST_FIELDS = ("call_911_when", "bring", "avoid")


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "action_kind_label": lambda kind: str(KIND_LABELS.get(kind, kind)),
        "ACTION_KINDS": schemas.KINDS,
        "link_status_label": lambda status: {
            "active": _("active"),
            "revoked": _("revoked"),
            "expired": _("expired"),
        }.get(status, status),
        "action_disclaimer": _(
            "A starting point, not medical advice: complete it and review it "
            "with the child's clinician."
        ),
    }


def _settings() -> Any:
    return current_app.extensions["familyapp.settings"]


def _can(perm: Perm) -> bool:
    grant = g.get("grant")
    return grant is not None and has_role_permission(grant.role, perm)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _form_to_data(form: MultiDict[str, str]) -> dict[str, Any]:
    # One textarea per list, one line per item (a sign, a step, in order); the call list is one
    # line per person as "who; phone; when". Names follow the JSON paths (green.signs...).
    document: dict[str, Any] = {"normal": form.get("normal", "")}
    for zone in ZONES:
        document[zone] = {
            "signs": _lines(form.get(f"{zone}.signs")),
            "steps": _lines(form.get(f"{zone}.steps")),
        }
    for name in LIST_FIELDS:
        document[name] = _lines(form.get(name))
    calls = []
    for line in _lines(form.get("call")):
        parts = [part.strip() for part in line.split(";")]
        calls.append(
            {
                "who": parts[0],
                "phone": parts[1] if len(parts) > 1 else "",
                "when": "; ".join(parts[2:]),
            }
        )
    document["call"] = calls
    return {
        "kind": form.get("kind", "other"),
        "title": form.get("title", ""),
        "reviewed_by": form.get("reviewed_by", ""),
        "reviewed_on": form.get("reviewed_on") or None,
        "document": document,
    }


def _data_to_form(plan: Any) -> dict[str, str]:
    doc = plan.document
    values = {
        "kind": plan.kind,
        "title": plan.title,
        "reviewed_by": plan.reviewed_by or "",
        "reviewed_on": plan.reviewed_on.isoformat() if plan.reviewed_on else "",
        "normal": doc.get("normal", ""),
        "call": "\n".join(
            "; ".join(part for part in (c.get("who", ""), c.get("phone", ""), c.get("when", "")))
            for c in doc.get("call", [])
        ),
    }
    for zone in ZONES:
        values[f"{zone}.signs"] = "\n".join(doc.get(zone, {}).get("signs", []))
        values[f"{zone}.steps"] = "\n".join(doc.get(zone, {}).get("steps", []))
    for name in LIST_FIELDS:
        values[name] = "\n".join(doc.get(name, []))
    return values


def _flat_errors(errors: dict[str, Any]) -> dict[str, list[str]]:
    # Map nested schema errors back to the form's field names (document.green.steps -> green.steps).
    flat: dict[str, list[str]] = {}

    def walk(node: Any, path: list[str]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, [*path, str(key)])
            return
        parts = [p for p in path if p != "document" and not p.isdigit()]
        if parts and parts[0] == "call":
            parts = ["call"]
        name = ".".join(parts[:2]) if parts and parts[0] in ZONES else (parts[0] if parts else "_")
        flat.setdefault(name, []).extend(str(item) for item in node)

    walk(errors, [])
    return flat


@bp.route("/children/<child_id>/action-plans/new", methods=["POST"])
@requires(Perm.PLAN_EDIT)
def new(child_id: str) -> Any:
    """Start an action plan from a template (or blank), then complete it."""
    child = families.get_child(child_id)
    data, _errors = load_form(schemas.FromTemplateSchema(), request.form)
    if data is None:
        raise ServiceError(_("Choose one of the options."), status=422)
    plan = service.create_from_template(current_user, child, data["template"])
    flash(_("Plan started. Complete it with your child's details."), "success")
    return redirect(url_for("actionplans.edit", action_plan_id=plan.id))


@bp.route("/children/<child_id>/action-plans")
@requires(Perm.PLAN_READ)
def index(child_id: str) -> Any:
    """The child's action plans, and (for editors) starting a new one from a template."""
    child = families.get_child(child_id)
    can_edit = _can(Perm.PLAN_EDIT)
    return render_template(
        "actionplans/index.html",
        child=child,
        plans=service.list_plans(child),
        can_edit=can_edit,
        can_manage_links=_can(Perm.EMERGENCY_MANAGE),
        templates=templates_data.TEMPLATES,
    )


@bp.route("/action-plans/<action_plan_id>")
@requires(Perm.PLAN_READ)
def show(action_plan_id: str) -> Any:
    """One action plan in large type, zone by zone, steps in order."""
    plan = service.get_plan(action_plan_id)
    child = families.get_child(plan.child_id)
    card = service.emergency_card(child, request.args.get("text_lang"), str(get_locale()))
    shown = next(p for p in card.action_plans if p.id == plan.id)
    card.reading.marks = shown.marks
    return render_template(
        "actionplans/show.html",
        plan=plan,
        title=shown.title,
        child=child,
        doc=shown.document,
        reading=card.reading,
        can_edit=_can(Perm.PLAN_EDIT),
        contacts=card.plan.document.get("contacts", []),
    )


@bp.route("/action-plans/<action_plan_id>/edit", methods=["GET", "POST"])
@requires(Perm.PLAN_EDIT)
def edit(action_plan_id: str) -> Any:
    """Edit an action plan: one line per sign or step."""
    plan = service.get_plan(action_plan_id)
    child = families.get_child(plan.child_id)
    values = _data_to_form(plan)
    errors: dict[str, list[str]] = {}
    conflict = False
    version = plan.version
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in values}
        try:
            data = schemas.ActionPlanSchema().load(_form_to_data(request.form))
        except ValidationError as error:
            errors = _flat_errors(field_errors(error))
        else:
            try:
                expected = int(request.form.get("version", "-1"))
            except ValueError:
                expected = -1
            try:
                service.update_plan(current_user, plan, data, expected)
            except service.StalePlan as stale:
                conflict = True
                version = stale.current.version
                errors = {"_": [stale.message]}
            else:
                flash(_("Saved."), "success")
                return redirect(url_for("actionplans.show", action_plan_id=plan.id))
    status = 409 if conflict else (422 if errors else 200)
    return render_template(
        "actionplans/edit.html",
        plan=plan,
        child=child,
        values=values,
        errors=errors,
        version=version,
        conflict=conflict,
        current=_data_to_form(plan) if conflict else None,
    ), status


@bp.route("/action-plans/<action_plan_id>/delete", methods=["POST"])
@requires(Perm.PLAN_EDIT)
def delete(action_plan_id: str) -> Any:
    """Remove an action plan."""
    plan = service.get_plan(action_plan_id)
    child_id = plan.child_id
    try:
        service.delete_plan(current_user, plan, int(request.form.get("version", "-1") or -1))
    except (service.StalePlan, ValueError):
        flash(_("The plan changed since you opened it. Check it and try again."), "error")
        return redirect(url_for("actionplans.show", action_plan_id=plan.id))
    flash(_("Removed."), "success")
    return redirect(url_for("actionplans.index", child_id=child_id))


@bp.route("/children/<child_id>/emergency-card")
@requires(Perm.PLAN_READ)
def card_preview(child_id: str) -> Any:
    """The emergency card as the family and team see it (the same page a link opens)."""
    card = service.emergency_card(
        families.get_child(child_id), request.args.get("text_lang"), str(get_locale())
    )
    return render_template("actionplans/card.html", card=card, preview=True)


@bp.route("/e/<token>")
@requires(Perm.PUBLIC)
def open_link(token: str) -> Any:
    """The emergency card opened from a link or QR code, with no account (logged, rate-limited)."""
    try:
        child, _link = service.open_card(
            token[:100],
            request.remote_addr,
            request.user_agent.string or "",
            _settings().mail_sender,
        )
    except service.LinkGone:
        return _card_response(render_template("actionplans/card_gone.html"), 410)
    except service.TooManyOpens:
        busy = _card_response(render_template("actionplans/card_gone.html", busy=True), 429)
        busy.headers["Retry-After"] = str(service.OPEN_WINDOW_SECONDS)
        return busy
    except ServiceError:
        return _card_response(render_template("actionplans/card_gone.html"), 404)
    card = service.emergency_card(child, request.args.get("text_lang"), str(get_locale()))
    page = render_template("actionplans/card.html", card=card, preview=False)
    return _card_response(page, 200)


def _card_response(body: str, status: int) -> Response:
    response = Response(body, status=status, mimetype="text/html")
    # The token is in the URL: never cache it, never send it on as a referrer, never index it.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.route("/children/<child_id>/emergency-links", methods=["GET", "POST"])
@requires(Perm.EMERGENCY_MANAGE)
def links(child_id: str) -> Any:
    """Make, see and revoke the emergency links of a child."""
    child = families.get_child(child_id)
    errors: dict[str, Any] = {}
    made = None
    if request.method == "POST":
        data, errors = load_form(schemas.EmergencyLinkCreateSchema(), request.form)
        if data is not None:
            link, token = service.create_link(
                current_user, child, data["label"], data["days"], _settings().secret_key
            )
            made = link_body(service.LinkView(link, token, "active"))
    views = service.list_links(child, _settings().secret_key)
    return render_template(
        "actionplans/links.html",
        child=child,
        links=[link_body(v) for v in views],
        errors=errors,
        made=made,
    ), (422 if errors else 200)


@bp.route("/emergency-links/<link_id>/revoke", methods=["POST"])
@requires(Perm.EMERGENCY_MANAGE)
def revoke(link_id: str) -> Any:
    """Revoke an emergency link."""
    view = service.get_link(link_id, _settings().secret_key)
    service.revoke_link(current_user, view.link)
    flash(_("The link no longer works."), "success")
    return redirect(url_for("actionplans.links", child_id=view.link.child_id))


def _link_url(link_id: str) -> tuple[Any, str]:
    view = service.get_link(link_id, _settings().secret_key)
    if view.token is None or view.status != "active":
        raise ServiceError(_("This emergency link no longer works."), status=410)
    return view, link_body(view)["url"]


@bp.route("/emergency-links/<link_id>/qr.svg")
@requires(Perm.EMERGENCY_MANAGE)
def qr_svg(link_id: str) -> Any:
    """The link's QR code as SVG."""
    from familyapp.actionplans import cards

    _view, url = _link_url(link_id)
    return Response(cards.qr_svg(url), mimetype="image/svg+xml")


@bp.route("/emergency-links/<link_id>/qr.png")
@requires(Perm.EMERGENCY_MANAGE)
def qr_png(link_id: str) -> Any:
    """The link's QR code as PNG."""
    from familyapp.actionplans import cards

    _view, url = _link_url(link_id)
    return Response(cards.qr_png(url), mimetype="image/png")


@bp.route("/emergency-links/<link_id>/card.pdf")
@requires(Perm.EMERGENCY_MANAGE)
def card_pdf(link_id: str) -> Any:
    """A wallet card (or, with ?sheet=1, a fridge sheet) carrying the link's QR code."""
    from familyapp.actionplans import cards

    view, url = _link_url(link_id)
    child = families.get_child(view.link.child_id)
    card = service.emergency_card(child)
    allergies = [a.get("substance", "") for a in card.plan.document.get("allergies", [])]
    body = cards.card_pdf(
        child.display_name,
        child.birth_date,
        card.plan.document.get("summary", ""),
        allergies,
        url,
        view.link.label,
        view.link.expires_at,
        sheet=request.args.get("sheet") == "1",
    )
    return Response(body, mimetype="application/pdf")
