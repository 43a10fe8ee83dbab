"""JSON routes of the plan under /api/v1: read with ETag, write with If-Match, history, exports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

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
from familyapp.families import service as families
from familyapp.plan import fhir, schemas, service, translations

bp = Blueprint("plan_api", __name__, url_prefix=API_PREFIX)
ETAG_KIND = "plan"


def _plan_response(view: service.PlanView, status: int = 200) -> Any:
    response = dump(schemas.PlanSchema(), view, status)
    response.headers["ETag"] = etag(ETAG_KIND, view.version)
    return response


@api_route(
    bp,
    "/children/<child_id>/plan",
    methods=["GET"],
    permission=Perm.PLAN_READ,
    response=schemas.PlanSchema,
    etag=True,
    if_none_match=True,
)
def get_plan(child_id: str) -> Any:
    """The child's plan of care; the ETag names its version."""
    view = service.get_plan(families.get_child(child_id))
    if request.if_none_match and etag(ETAG_KIND, view.version).strip('"') in request.if_none_match:
        response = jsonify()
        response.status_code = 304
        response.headers["ETag"] = etag(ETAG_KIND, view.version)
        return response
    return _plan_response(view)


def _document_from_body() -> dict[str, Any]:
    payload = request.get_json(silent=True) if request.is_json else None
    if not isinstance(payload, dict):
        raise ValidationError({"_": [_("The body must be a JSON object.")]})
    # An exported plan ({"version": ..., "document": {...}}) imports as it is.
    if isinstance(payload.get("document"), dict):
        payload = payload["document"]
    loaded: dict[str, Any] = schemas.PlanDocumentSchema().load(payload)
    return loaded


@api_route(
    bp,
    "/children/<child_id>/plan",
    methods=["PUT"],
    permission=Perm.PLAN_EDIT,
    body=schemas.PlanDocumentSchema,
    response=schemas.PlanSchema,
    etag=True,
    if_match=True,
)
def put_plan(child_id: str) -> Any:
    """Replace the plan; needs If-Match with the ETag it was read at (412 when stale)."""
    child = families.get_child(child_id)
    current = service.get_plan(child)
    expected = if_match_version(ETAG_KIND, current.version)
    if expected is None:
        return precondition_required()
    document = _document_from_body()
    try:
        view = service.save_plan(current_user, child, document, expected)
    except service.StaleVersion as stale:
        return api_stale(
            schemas.PlanSchema(), stale.current, etag(ETAG_KIND, stale.current.version)
        )
    return _plan_response(view)


@api_route(
    bp,
    "/children/<child_id>/plan/review",
    methods=["POST"],
    permission=Perm.PLAN_EDIT,
    response=schemas.PlanSchema,
    etag=True,
)
def post_review(child_id: str) -> Any:
    """Mark the plan reviewed today by the signed-in user."""
    return _plan_response(service.review(current_user, families.get_child(child_id)))


@api_route(
    bp,
    "/children/<child_id>/plan/versions",
    methods=["GET"],
    permission=Perm.PLAN_READ,
    response=schemas.VersionSummarySchema,
    many=True,
)
def list_versions(child_id: str) -> Any:
    """Every saved version, newest first."""
    rows = service.versions(families.get_child(child_id))
    return jsonify(schemas.VersionSummarySchema(many=True).dump(rows))


@api_route(
    bp,
    "/children/<child_id>/plan/versions/<int:number>",
    methods=["GET"],
    permission=Perm.PLAN_READ,
    response=schemas.VersionSchema,
)
def get_version(child_id: str, number: int) -> Any:
    """One saved version with its whole document."""
    return dump(schemas.VersionSchema(), service.get_version(families.get_child(child_id), number))


@api_route(bp, "/children/<child_id>/plan.fhir.json", methods=["GET"], permission=Perm.PLAN_READ)
def get_fhir(child_id: str) -> Any:
    """The plan as a FHIR R4 Bundle (Patient, CarePlan, Condition, AllergyIntolerance, ...)."""
    child = families.get_child(child_id)
    view = service.get_plan(child)
    bundle = fhir.plan_bundle(
        child,
        view,
        translations.current_translations(child.id, view.document),
        translations.language_of(child.id),
    )
    response = jsonify(bundle)
    response.mimetype = "application/fhir+json"
    return response


@api_route(
    bp,
    "/children/<child_id>/plan/translations/<locale>",
    methods=["GET"],
    permission=Perm.PLAN_READ,
    response=schemas.TranslationsSchema,
)
def get_translations(child_id: str, locale: str) -> Any:
    """Each family-written field of the plan with its translation into one language."""
    child = families.get_child(child_id)
    document = service.get_plan(child).document
    return dump(
        schemas.TranslationsSchema(), translations.plan_translations(child, document, locale)
    )


@api_route(
    bp,
    "/children/<child_id>/plan/translations/<locale>",
    methods=["PUT"],
    permission=Perm.PLAN_EDIT,
    body=schemas.TranslationsUpdateSchema,
    response=schemas.TranslationsSchema,
)
def put_translations(child_id: str, locale: str) -> Any:
    """Write translations of some fields ({"translations": {path: {text, verified}}})."""
    child = families.get_child(child_id)
    data = parse(schemas.TranslationsUpdateSchema())
    document = service.get_plan(child).document
    saved = translations.save_plan_translations(
        current_user, child, document, locale, data["translations"]
    )
    return dump(schemas.TranslationsSchema(), saved)


@api_route(
    bp,
    "/children/<child_id>/plan/language",
    methods=["PUT"],
    permission=Perm.PLAN_EDIT,
    body=schemas.LanguageSchema,
    response=schemas.LanguageSchema,
)
def put_language(child_id: str) -> Any:
    """Say which language the family writes the plan in."""
    child = families.get_child(child_id)
    data = parse(schemas.LanguageSchema())
    translations.set_language(current_user, child, data["language"])
    return jsonify({"language": translations.language_of(child.id)})
