"""Errors as the user sees them: problem+json under /api/, a page in their language elsewhere."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from familyapp.core.db import db


class ServiceError(Exception):
    """A rule of the domain refused the request; `status` and field `errors` say how."""

    status = 400

    def __init__(
        self, message: str, *, status: int | None = None, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.errors = errors or {}


def _as_lists(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(key): _as_lists(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in node):
            return [str(item) for item in node]
        return [_as_lists(item) for item in node]
    return [str(node)]  # a lone (often lazily translated) message


def field_errors(error: ValidationError) -> dict[str, Any]:
    """Marshmallow's messages as {field: [text, ...]} all the way down, in the reader's language.

    Marshmallow wraps only plain str messages in a list; translated (lazy) ones arrive bare,
    so clients could not rely on the shape without this.
    """
    messages = error.messages if isinstance(error.messages, dict) else {"_": error.messages}
    result: dict[str, Any] = _as_lists(messages)
    return result


def wants_json() -> bool:
    """True for API calls, which get problem+json rather than HTML."""
    return request.path.startswith("/api/")


def problem(status: int, title: str, detail: str | None = None, **extra: Any) -> Response:
    """An RFC 9457 application/problem+json response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def unauthenticated() -> BaseResponse:
    """401 for the API; for pages, a redirect to sign in that comes back here."""
    if wants_json():
        return problem(401, _("Sign in required"), _("Please sign in to continue."))
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def _title(status: int) -> str:
    # gettext at call time so the title is in the reader's language.
    titles = {
        400: _("Bad request"),
        401: _("Sign in required"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        412: _("Precondition failed"),
        413: _("Too large"),
        415: _("Unsupported media type"),
        422: _("Invalid input"),
        428: _("Precondition required"),
        429: _("Too many requests"),
        500: _("Something went wrong"),
        503: _("Try again in a moment"),
    }
    return titles.get(status, _("Error"))


def _detail(app: Flask, status: int) -> str | None:
    # Said only where the title alone leaves the reader without a next step.
    if status == 413:
        limit = app.config.get("MAX_CONTENT_LENGTH") or 0
        return _(
            "The request is larger than the %(limit)s MB this server accepts, so nothing was "
            "saved. Shorten the text or attach less.",
            limit=format_decimal(round(limit / (1024 * 1024), 1)),
        )
    return None


def register_error_handlers(app: Flask) -> None:
    """Install handlers so no error reaches the user as a stack trace or half-write."""

    @app.errorhandler(ValidationError)
    def _validation(error: ValidationError) -> Any:
        db.session.rollback()
        return problem(
            422, _title(422), _("Please correct the fields shown."), errors=field_errors(error)
        )

    @app.errorhandler(ServiceError)
    def _service(error: ServiceError) -> Any:
        db.session.rollback()
        if wants_json():
            return problem(error.status, _title(error.status), error.message, errors=error.errors)
        return (
            render_template("system/error.html", status=error.status, message=error.message),
            error.status,
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        db.session.rollback()
        status = error.code or 500
        detail = _detail(app, status)
        if wants_json():
            response = problem(status, _title(status), detail)
        else:
            response = app.make_response(
                (
                    render_template(
                        "system/error.html", status=status, message=_title(status), detail=detail
                    ),
                    status,
                )
            )
        if error.code == 405:
            valid = getattr(error, "valid_methods", None)
            if valid:
                response.headers["Allow"] = ", ".join(valid)
        return response

    @app.errorhandler(OperationalError)
    def _database_unavailable(error: OperationalError) -> Any:
        # The server restarted, the connection dropped, the disk is full: the transaction is
        # gone with it, so nothing was half-written. Say so, and that trying again will work.
        try:
            db.session.rollback()
        except OperationalError:  # the connection is dead; the pool replaces it
            db.session.close()
        app.logger.warning("database unavailable: %s", str(error.orig).splitlines()[:1])
        detail = _("The database did not answer, so nothing was saved. Please try again.")
        if wants_json():
            response = problem(503, _title(503), detail)
        else:
            page = render_template(
                "system/error.html", status=503, message=_title(503), detail=detail
            )
            response = app.make_response((page, 503))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        db.session.rollback()
        app.logger.exception("unhandled error", exc_info=error)
        if app.testing and app.config.get("PROPAGATE_UNEXPECTED", True):
            raise error
        if wants_json():
            return problem(500, _title(500))
        return render_template("system/error.html", status=500, message=_title(500)), 500
