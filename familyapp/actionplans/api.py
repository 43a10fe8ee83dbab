"""JSON routes for action plans (ETag/If-Match) and emergency links under /api/v1."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_login import current_user

from familyapp.actionplans import reading, schemas, service
from familyapp.actionplans.models import ActionPlan
from familyapp.core.api import (
    API_PREFIX,
    api_route,
    dump,
    etag,
    if_match_version,
    parse,
    precondition_required,
)
from familyapp.core.api import (
    stale as api_stale,
)
from familyapp.core.authz import Perm
from familyapp.core.urls import external_url
from familyapp.families import service as families
from familyapp.plan import schemas as plan_schemas

bp = Blueprint("actionplans_api", __name__, url_prefix=API_PREFIX)
ETAG_KIND = "ap"


def _plan_response(plan: ActionPlan, status: int = 200) -> Any:
    response = dump(schemas.ActionPlanSchema(), plan, status)
    response.headers["ETag"] = etag(ETAG_KIND, plan.version)
    return response


@api_route(
    bp,
    "/children/<child_id>/action-plans",
    methods=["GET"],
    permission=Perm.PLAN_READ,
    response=schemas.ActionPlanSchema,
    many=True,
)
def list_plans(child_id: str) -> Any:
    """The child's action plans."""
    plans = service.list_plans(families.get_child(child_id))
    return jsonify(schemas.ActionPlanSchema(many=True).dump(plans))


@api_route(
    bp,
    "/children/<child_id>/action-plans",
    methods=["POST"],
    permission=Perm.PLAN_EDIT,
    body=schemas.ActionPlanSchema,
    response=schemas.ActionPlanSchema,
    status=201,
    etag=True,
)
def create_plan(child_id: str) -> Any:
    """Add an action plan; {"template": "seizures"} starts from a template instead."""
    child = families.get_child(child_id)
    payload = request.get_json(silent=True) if request.is_json else None
    if isinstance(payload, dict) and set(payload) == {"template"}:
        template = schemas.FromTemplateSchema().load(payload)["template"]
        return _plan_response(service.create_from_template(current_user, child, template), 201)
    data = parse(schemas.ActionPlanSchema())
    return _plan_response(service.create_plan(current_user, child, data), 201)


@api_route(
    bp,
    "/action-plans/<action_plan_id>",
    methods=["GET"],
    permission=Perm.PLAN_READ,
    response=schemas.ActionPlanSchema,
    etag=True,
)
def get_plan(action_plan_id: str) -> Any:
    """One action plan; the ETag names its version."""
    return _plan_response(service.get_plan(action_plan_id))


@api_route(
    bp,
    "/action-plans/<action_plan_id>",
    methods=["PUT"],
    permission=Perm.PLAN_EDIT,
    body=schemas.ActionPlanSchema,
    response=schemas.ActionPlanSchema,
    etag=True,
    if_match=True,
)
def put_plan(action_plan_id: str) -> Any:
    """Replace an action plan; needs If-Match (412 with the current copy when stale)."""
    plan = service.get_plan(action_plan_id)
    expected = if_match_version(ETAG_KIND, plan.version)
    if expected is None:
        return precondition_required()
    data = parse(schemas.ActionPlanSchema())
    try:
        return _plan_response(service.update_plan(current_user, plan, data, expected))
    except service.StalePlan as stale:
        return api_stale(
            schemas.ActionPlanSchema(), stale.current, etag(ETAG_KIND, stale.current.version)
        )


@api_route(
    bp,
    "/action-plans/<action_plan_id>",
    methods=["DELETE"],
    permission=Perm.PLAN_EDIT,
    status=204,
    if_match=True,
    stale=schemas.ActionPlanSchema,
)
def delete_plan(action_plan_id: str) -> Any:
    """Remove an action plan; needs If-Match."""
    plan = service.get_plan(action_plan_id)
    expected = if_match_version(ETAG_KIND, plan.version)
    if expected is None:
        return precondition_required()
    try:
        service.delete_plan(current_user, plan, expected)
    except service.StalePlan as stale:
        return api_stale(
            schemas.ActionPlanSchema(), stale.current, etag(ETAG_KIND, stale.current.version)
        )
    return "", 204


def link_body(view: service.LinkView) -> dict[str, Any]:
    """An emergency link as the API and pages describe it."""
    link = view.link
    return {
        "id": link.id,
        "label": link.label,
        "url": external_url(f"/e/{view.token}") if view.token else "",
        "qr_svg_url": external_url(url_for("actionplans.qr_svg", link_id=link.id)),
        "qr_png_url": external_url(url_for("actionplans.qr_png", link_id=link.id)),
        "expires_at": link.expires_at,
        "created_at": link.created_at,
        "revoked_at": link.revoked_at,
        "status": view.status,
        "opened_count": link.opened_count,
        "last_opened_at": link.last_opened_at,
    }


def _secret() -> str:
    return str(current_app.extensions["familyapp.settings"].secret_key)


@api_route(
    bp,
    "/children/<child_id>/emergency-links",
    methods=["GET"],
    permission=Perm.EMERGENCY_MANAGE,
    response=schemas.EmergencyLinkSchema,
    many=True,
)
def list_links(child_id: str) -> Any:
    """The child's emergency links and their status."""
    views = service.list_links(families.get_child(child_id), _secret())
    return jsonify(schemas.EmergencyLinkSchema(many=True).dump([link_body(v) for v in views]))


@api_route(
    bp,
    "/children/<child_id>/emergency-links",
    methods=["POST"],
    permission=Perm.EMERGENCY_MANAGE,
    body=schemas.EmergencyLinkCreateSchema,
    response=schemas.EmergencyLinkSchema,
    status=201,
)
def create_link(child_id: str) -> Any:
    """Make an emergency link (url, QR code) that opens the emergency card without an account."""
    data = parse(schemas.EmergencyLinkCreateSchema())
    link, token = service.create_link(
        current_user, families.get_child(child_id), data["label"], data["days"], _secret()
    )
    body = link_body(service.LinkView(link, token, "active"))
    return dump(schemas.EmergencyLinkSchema(), body, 201)


@api_route(
    bp,
    "/emergency-links/<link_id>",
    methods=["DELETE"],
    permission=Perm.EMERGENCY_MANAGE,
    status=204,
)
def delete_link(link_id: str) -> Any:
    """Revoke an emergency link: it stops working at once."""
    service.revoke_link(current_user, service.get_link(link_id, _secret()).link)
    return "", 204


@api_route(
    bp,
    "/action-plans/<action_plan_id>/translations/<locale>",
    methods=["GET"],
    permission=Perm.PLAN_READ,
    response=plan_schemas.TranslationsSchema,
)
def get_translations(action_plan_id: str, locale: str) -> Any:
    """Each family-written line of the action plan with its translation into one language."""
    plan = service.get_plan(action_plan_id)
    child = families.get_child(plan.child_id)
    found = reading.action_plan_translations(plan, child, locale)
    return dump(plan_schemas.TranslationsSchema(), found)


@api_route(
    bp,
    "/action-plans/<action_plan_id>/translations/<locale>",
    methods=["PUT"],
    permission=Perm.PLAN_EDIT,
    body=plan_schemas.TranslationsUpdateSchema,
    response=plan_schemas.TranslationsSchema,
)
def put_translations(action_plan_id: str, locale: str) -> Any:
    """Write translations of some lines ({"translations": {path: {text, verified}}})."""
    plan = service.get_plan(action_plan_id)
    child = families.get_child(plan.child_id)
    data = parse(plan_schemas.TranslationsUpdateSchema())
    saved = reading.save_action_plan_translations(
        current_user, plan, child, locale, data["translations"]
    )
    return dump(plan_schemas.TranslationsSchema(), saved)
