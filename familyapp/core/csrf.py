"""CSRF protection: a per-session synchroniser token, sent as a form field or X-CSRFToken.

The session is server-side, so a random token stored in it is enough (no signing needed);
it does not expire while the session lives, which lets the offline outbox replay writes.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, Response, abort, request, session
from flask_babel import gettext as _

from familyapp.core.errors import problem, wants_json

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FIELD = "csrf_token"
HEADER = "X-CSRFToken"
# Signing in, registering and password resets over JSON work before a client holds a token.
# They stay safe: a cross-site page cannot send Content-Type: application/json without a
# CORS preflight, which this app never grants. HTML forms always need the token.
JSON_BOOTSTRAP_PATHS = frozenset(
    {"/api/v1/session", "/api/v1/accounts", "/api/v1/password/forgot", "/api/v1/password/reset"}
)


def get_token() -> str:
    """The current session's CSRF token, created on first use."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _submitted() -> str | None:
    header = request.headers.get(HEADER)
    if header:
        return header
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        return request.form.get(FIELD)
    return None


def init_app(app: Flask) -> None:
    """Check the token on every state-changing request."""

    @app.before_request
    def _check_csrf() -> Response | None:
        if request.method in SAFE_METHODS or request.routing_exception is not None:
            return None  # unknown paths and methods answer 404/405, which change nothing
        if request.path in JSON_BOOTSTRAP_PATHS and request.method == "POST" and request.is_json:
            return None
        expected = session.get("csrf")
        if not expected and wants_json():
            # No session at all (expired or never signed in): say so, so the offline outbox
            # waits for the same user to sign in again instead of dropping the write.
            return problem(401, _("Sign in required"), _("Please sign in to continue."))
        submitted = _submitted()
        if not expected or not submitted or not hmac.compare_digest(expected, submitted):
            if wants_json():
                return problem(
                    403,
                    _("Not allowed"),
                    _("The security token is missing or out of date. Reload and try again."),
                )
            abort(400, description="csrf")
        return None

    app.jinja_env.globals["csrf_token"] = get_token
