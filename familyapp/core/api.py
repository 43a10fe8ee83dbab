"""API plumbing: routes that describe themselves, OpenAPI from the same marshmallow schemas,
request parsing with problem+json errors.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, Response, jsonify, request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError

from familyapp.core.authz import Perm, requires
from familyapp.core.errors import problem

API_PREFIX = "/api/v1"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Operation:
    """What the OpenAPI document says about one route."""

    rule: str
    methods: list[str]
    permission: Perm
    summary: str
    body: type[Schema] | Schema | None = None
    response: type[Schema] | Schema | None = None
    status: int = 200
    many: bool = False
    tags: list[str] = field(default_factory=list)
    etag: bool = False  # the success response carries the record's ETag
    if_match: bool = False  # a write that needs If-Match: 428 without it, 412 when stale
    if_none_match: bool = False  # a read that answers 304 when If-None-Match names its ETag
    stale: type[Schema] | Schema | None = None  # the 412 body (the current copy), if not `response`


OPERATIONS: list[Operation] = []


def api_route(
    bp: Blueprint,
    rule: str,
    *,
    methods: list[str],
    permission: Perm,
    body: type[Schema] | Schema | None = None,
    response: type[Schema] | Schema | None = None,
    status: int = 200,
    many: bool = False,
    etag: bool = False,
    if_match: bool = False,
    if_none_match: bool = False,
    stale: type[Schema] | Schema | None = None,
) -> Callable[[F], F]:
    """Register an API route with its permission and schemas (which feed /api/v1/openapi.json)."""

    def decorate(view: F) -> F:
        summary = (inspect.getdoc(view) or "").splitlines()[0] if view.__doc__ else view.__name__
        prefix = bp.url_prefix or ""
        OPERATIONS.append(
            Operation(
                rule=prefix + rule,
                methods=methods,
                permission=permission,
                summary=summary,
                body=body,
                response=response,
                status=status,
                many=many,
                tags=[bp.name.replace("_api", "")],
                etag=etag,
                if_match=if_match,
                if_none_match=if_none_match,
                stale=stale,
            )
        )
        wrapped = requires(permission)(view)
        bp.add_url_rule(rule, view.__name__, wrapped, methods=methods)
        return wrapped

    return decorate


def json_object() -> dict[str, Any]:
    """The request's JSON object body; anything else is a 422 problem."""
    if not request.is_json:
        raise ValidationError({"_": [_("Send a JSON body (Content-Type: application/json).")]})
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ValidationError({"_": [_("The body must be a JSON object.")]})
    return payload


def parse(schema: Schema, *, partial: bool = False) -> dict[str, Any]:
    """Validate the JSON body with `schema`; a ValidationError becomes a 422 problem."""
    result: dict[str, Any] = schema.load(json_object(), partial=partial)
    return result


def dump(schema: Schema, obj: Any, status: int = 200, **headers: str) -> Response:
    """Serialise `obj` with `schema` as a JSON response."""
    response = jsonify(schema.dump(obj))
    response.status_code = status
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


def _openapi_path(rule: str) -> str:
    # Flask's <converter:name> becomes OpenAPI's {name}.
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def build_openapi(app: Flask) -> dict[str, Any]:
    """Build the OpenAPI 3 document from the registered operations."""
    spec = APISpec(
        title="Familyapp API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Shared plan of care for children with medical complexity."},
    )
    spec.components.security_scheme(
        "session", {"type": "apiKey", "in": "cookie", "name": "familyapp_session"}
    )
    spec.components.security_scheme(
        "csrf", {"type": "apiKey", "in": "header", "name": "X-CSRFToken"}
    )
    problem_schema = {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {"type": "object"},
        },
    }
    spec.components.schema("ProblemDetails", problem_schema)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        path = _openapi_path(op.rule)
        parameters = [
            {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{([^}]+)}", path)
        ]
        parameters += _conditional_parameters(op)
        for method in op.methods:
            operation: dict[str, Any] = {
                "summary": op.summary,
                "tags": op.tags,
                "parameters": parameters,
                "x-permission": op.permission.value,
                "responses": {
                    "default": {
                        "description": "error",
                        "content": {
                            "application/problem+json": {
                                "schema": {"$ref": "#/components/schemas/ProblemDetails"}
                            }
                        },
                    }
                },
            }
            if op.permission is not Perm.PUBLIC:
                operation["security"] = [{"session": [], "csrf": []}]
            if op.body is not None and method in {"POST", "PUT", "PATCH"}:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": op.body}},
                }
            if op.response is not None:
                schema: Any = op.response
                if op.many:
                    schema = {"type": "array", "items": op.response}
                operation["responses"][str(op.status)] = {
                    "description": "success",
                    "content": {"application/json": {"schema": schema}},
                }
            else:
                operation["responses"][str(op.status)] = {"description": "success"}
            if op.etag:
                operation["responses"][str(op.status)]["headers"] = {"ETag": ETAG_HEADER}
            operation["responses"].update(_conditional_responses(op))
            paths.setdefault(path, {})[method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


ETAG_HEADER: dict[str, Any] = {
    "description": 'The version of the record read or written, e.g. "plan-3"; send it back in '
    "If-Match to change that version.",
    "schema": {"type": "string"},
}

_PROBLEM_CONTENT: dict[str, Any] = {
    "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
}


def _conditional_parameters(op: Operation) -> list[dict[str, Any]]:
    # Records the family edits together carry a version (design.md, Data): writes name the
    # version they change with If-Match (RFC 9110 13.1.1), reads may revalidate with
    # If-None-Match (13.1.2).
    parameters: list[dict[str, Any]] = []
    if op.if_match:
        parameters.append(
            {
                "in": "header",
                "name": "If-Match",
                "required": True,
                "description": "The ETag of the version this change is based on, or *. "
                "Without it the answer is 428; with an older version, 412 and the current copy.",
                "schema": {"type": "string"},
            }
        )
    if op.if_none_match:
        parameters.append(
            {
                "in": "header",
                "name": "If-None-Match",
                "required": False,
                "description": "An ETag already held; 304 when it is still the current version.",
                "schema": {"type": "string"},
            }
        )
    return parameters


def _conditional_responses(op: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if op.if_none_match:
        responses["304"] = {
            "description": "Not modified: the ETag sent in If-None-Match is still current.",
            "headers": {"ETag": ETAG_HEADER},
        }
    if op.if_match:
        refused: dict[str, Any] = {
            "description": "Precondition failed: the record changed since the version in "
            "If-Match. A problem+json with the current copy in `current`.",
        }
        current = op.stale or op.response
        if current is not None:
            refused["content"] = {
                "application/problem+json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "type": {"type": "string"},
                            "title": {"type": "string"},
                            "status": {"type": "integer"},
                            "detail": {"type": "string"},
                            "current": current,
                        },
                    }
                }
            }
            refused["headers"] = {"ETag": ETAG_HEADER}
        responses["412"] = refused
        responses["428"] = {
            "description": "Precondition required: send If-Match with the ETag you read.",
            "content": _PROBLEM_CONTENT,
        }
    return responses


def etag(kind: str, version: int) -> str:
    """The ETag of version `version` of a `kind` of record ("plan-3", "ap-2")."""
    return f'"{kind}-{version}"'


def version_from_etag(kind: str, value: str | None) -> int | None:
    """The version an ETag names for this kind of record; None when it names none we made."""
    if not value:
        return None
    value = value.strip().removeprefix("W/").strip('"')
    if not value.startswith(f"{kind}-"):
        return None
    try:
        return int(value[len(kind) + 1 :])
    except ValueError:
        return None


def if_match_version(kind: str, current: int) -> int | None:
    """The version a write's If-Match names: None when the header is missing (428), the current
    version for "*", and -1 (never current, so 412) for an ETag we did not make."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header:
        return None
    if header == "*":
        return current
    found = version_from_etag(kind, header)
    return -1 if found is None else found


def stale(schema: Schema, current: Any, tag: str) -> Response:
    """412: the record changed since the writer read it; a problem+json carrying the current
    copy (as a read returns it) in `current`, with its ETag, so the client can merge."""
    response = problem(
        412,
        _("Precondition failed"),
        _(
            "Someone saved a newer version since you read it, so nothing was saved. The current "
            "version is included: merge your change into it and save again."
        ),
        current=schema.dump(current),
    )
    response.headers["ETag"] = tag
    return response


def precondition_required() -> Response:
    """428: a write to a record the family edits together must say which version it changes."""
    return problem(
        428,
        _("Precondition required"),
        _("Send If-Match with the ETag of the version you edited, so no change is lost."),
    )
