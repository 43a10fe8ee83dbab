"""CSRF protection: a per-session synchroniser token, sent as a form field or X-CSRFToken.

The session is server-side, so a random token stored in it is enough (no signing needed);
it does not expire while the session lives, which lets the offline outbox replay writes.
Pages carry it masked with a fresh one-time pad each time (as Django does), so compressed
responses never repeat the same secret bytes and BREACH cannot read it from their sizes.
"""

from __future__ import annotations

import base64
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


def _secret() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def get_token() -> str:
    """The current session's CSRF token (created on first use), masked afresh for this use."""
    raw = _secret().encode()
    pad = secrets.token_bytes(len(raw))
    masked = bytes(a ^ b for a, b in zip(pad, raw, strict=True))
    return base64.urlsafe_b64encode(pad + masked).decode().rstrip("=")


def _unmasked(submitted: str) -> str:
    """The secret inside a masked token (a token sent unmasked is returned as it is)."""
    try:
        data = base64.urlsafe_b64decode(submitted + "=" * (-len(submitted) % 4))
    except (ValueError, TypeError):
        return submitted
    half = len(data) // 2
    if len(data) % 2 or not half:
        return submitted
    try:
        return bytes(a ^ b for a, b in zip(data[:half], data[half:], strict=True)).decode()
    except UnicodeDecodeError:
        return submitted


def valid(submitted: str | None) -> bool:
    """True when a submitted token (masked or not) matches the session's."""
    expected = session.get("csrf")
    if not isinstance(expected, str) or not submitted or len(submitted) > 400:
        return False
    candidates = {submitted, _unmasked(submitted)}
    return any(hmac.compare_digest(expected.encode(), c.encode()) for c in candidates)


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
        if not valid(_submitted()):
            if wants_json():
                return problem(
                    403,
                    _("Not allowed"),
                    _("The security token is missing or out of date. Reload and try again."),
                )
            abort(400, description="csrf")
        return None

    app.jinja_env.globals["csrf_token"] = get_token
