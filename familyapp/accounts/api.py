"""JSON routes for accounts and sessions under /api/v1."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request, session
from flask_babel import gettext as _
from flask_login import current_user

from familyapp.accounts import schemas, service
from familyapp.core import csrf
from familyapp.core.api import API_PREFIX, api_route, dump, parse
from familyapp.core.authz import Perm
from familyapp.core.errors import ServiceError, problem
from familyapp.core.sessions import digest_of, sign_in, sign_out
from familyapp.core.urls import external_url

bp = Blueprint("accounts_api", __name__, url_prefix=API_PREFIX)


def _settings() -> Any:
    return current_app.extensions["familyapp.settings"]


def _session_body() -> dict[str, Any]:
    user = current_user if current_user.is_authenticated else None
    return {"user": user, "csrf_token": csrf.get_token()}


@api_route(
    bp,
    "/accounts",
    methods=["POST"],
    permission=Perm.PUBLIC,
    body=schemas.RegisterSchema,
    response=schemas.UserSchema,
    status=201,
)
def create_account() -> Any:
    """Register a new account (when registration is open)."""
    if not _settings().open_registration:
        return problem(403, _("Not allowed"), _("Registration is closed on this server."))
    data = parse(schemas.RegisterSchema())
    user = service.register(**data)
    return dump(schemas.UserSchema(), user, 201)


@api_route(bp, "/session", methods=["GET"], permission=Perm.PUBLIC, response=schemas.SessionSchema)
def get_session() -> Any:
    """The signed-in user (or null) and the CSRF token for writes."""
    return dump(schemas.SessionSchema(), _session_body())


@api_route(
    bp,
    "/session",
    methods=["POST"],
    permission=Perm.PUBLIC,
    body=schemas.LoginSchema,
    response=schemas.SessionSchema,
)
def create_session() -> Any:
    """Sign in; sets the session cookie and returns the CSRF token."""
    data = parse(schemas.LoginSchema())
    settings = _settings()
    user = service.authenticate(
        data["email"],
        data["password"],
        request.remote_addr,
        per_account=settings.login_attempts_per_account,
        per_ip=settings.login_attempts_per_ip,
        window=settings.login_window_seconds,
    )
    step = service.login_step(user)
    if step == service.LOGIN_ENROLL:
        raise ServiceError(
            _("Your role in a care team requires two-step sign-in: set it up in the app first."),
            status=403,
        )
    if step == service.LOGIN_CODE:
        if not data.get("code"):
            message = _("Enter the code from your authenticator app.")
            raise ServiceError(message, status=401, errors={"code": [message]})
        service.verify_second_factor(
            user,
            data["code"],
            request.remote_addr,
            limit=settings.login_attempts_per_account,
            window=settings.login_window_seconds,
        )
    sign_in(user)
    return dump(schemas.SessionSchema(), _session_body())


@api_route(bp, "/session", methods=["DELETE"], permission=Perm.AUTHENTICATED, status=204)
def delete_session() -> Any:
    """Sign out, ending the server-side session."""
    sign_out()
    return "", 204, {"Clear-Site-Data": '"cache"'}


@api_route(
    bp, "/account", methods=["GET"], permission=Perm.AUTHENTICATED, response=schemas.UserSchema
)
def get_account() -> Any:
    """The signed-in user."""
    return dump(schemas.UserSchema(), current_user)


@api_route(
    bp,
    "/account",
    methods=["PATCH"],
    permission=Perm.AUTHENTICATED,
    body=schemas.ProfileSchema,
    response=schemas.UserSchema,
)
def patch_account() -> Any:
    """Change one's name, language or time zone."""
    data = parse(schemas.ProfileSchema(), partial=True)
    return dump(schemas.UserSchema(), service.update_profile(current_user, data))


@api_route(
    bp,
    "/account/password",
    methods=["POST"],
    permission=Perm.AUTHENTICATED,
    body=schemas.PasswordChangeSchema,
)
def post_password() -> Any:
    """Change one's password; other sessions end unless end_other_sessions is false."""
    data = parse(schemas.PasswordChangeSchema())
    ended = service.change_password(
        current_user,
        data["current_password"],
        data["new_password"],
        end_other_sessions=data["end_other_sessions"],
        keep_token=getattr(session, "token", None),
    )
    return jsonify({"ended_sessions": ended})


@api_route(
    bp,
    "/password/forgot",
    methods=["POST"],
    permission=Perm.PUBLIC,
    body=schemas.PasswordForgotSchema,
    status=202,
)
def post_forgot() -> Any:
    """Email a reset link if the account exists (the answer is the same either way)."""
    data = parse(schemas.PasswordForgotSchema())
    settings = _settings()
    service.request_password_reset(
        data["email"],
        link_base=external_url("/password/reset/"),
        ip=request.remote_addr,
        valid_seconds=settings.password_reset_seconds,
        sender=settings.mail_sender,
    )
    return jsonify({"status": "sent-if-exists"}), 202


@api_route(
    bp,
    "/password/reset",
    methods=["POST"],
    permission=Perm.PUBLIC,
    body=schemas.PasswordResetSchema,
)
def post_reset() -> Any:
    """Set a new password with the token from the emailed link."""
    data = parse(schemas.PasswordResetSchema())
    service.reset_password(data["token"], data["password"])
    return jsonify({"status": "changed"})


@api_route(
    bp,
    "/account/sessions",
    methods=["GET"],
    permission=Perm.AUTHENTICATED,
    response=schemas.SessionInfoSchema,
    many=True,
)
def get_sessions() -> Any:
    """The user's live sessions."""
    current = digest_of(getattr(session, "token", None))
    rows = [dict(row, current=row["id"] == current) for row in service.list_sessions(current_user)]
    return jsonify(schemas.SessionInfoSchema(many=True).dump(rows))


@api_route(
    bp,
    "/account/sessions/<session_id>",
    methods=["DELETE"],
    permission=Perm.AUTHENTICATED,
    status=204,
)
def delete_user_session(session_id: str) -> Any:
    """End one of the user's own sessions."""
    if not service.end_session(current_user, session_id):
        raise ServiceError(_("Not found"), status=404)
    return "", 204
