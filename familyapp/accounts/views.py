"""HTML routes for signing in and out, registering, passwords and one's own account."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from familyapp.accounts import schemas, service
from familyapp.core import sessions
from familyapp.core.authz import Perm, requires
from familyapp.core.errors import ServiceError
from familyapp.core.forms import load_form, safe_next
from familyapp.core.sessions import sign_in, sign_out
from familyapp.core.urls import external_url

bp = Blueprint("accounts", __name__)


def _settings() -> Any:
    return current_app.extensions["familyapp.settings"]


@bp.route("/login", methods=["GET", "POST"])
@requires(Perm.PUBLIC)
def login() -> Any:
    """Sign-in page."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("system.home"))
    errors: dict[str, Any] = {}
    form: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        shared = request.form.get("shared_device") == "on"
        form = {"email": request.form.get("email", ""), "shared_device": shared}
        data, errors = load_form(schemas.LoginSchema(), request.form)
        if data is not None:
            settings = _settings()
            try:
                user = service.authenticate(
                    data["email"],
                    data["password"],
                    request.remote_addr,
                    per_account=settings.login_attempts_per_account,
                    per_ip=settings.login_attempts_per_ip,
                    window=settings.login_window_seconds,
                )
            except ServiceError as error:
                errors = {"_": [error.message]}
                status = error.status
            else:
                sign_in(user)
                # A shared device keeps no health information (pwa: no offline copy, no
                # outbox), for this session only: the next person chooses again.
                session["shared_device"] = shared
                return redirect(safe_next(request.args.get("next"), url_for("system.home")))
        else:
            status = 422
    return (
        render_template(
            "accounts/login.html",
            errors=errors,
            form=form,
            open_registration=_settings().open_registration,
        ),
        status,
    )


@bp.route("/logout", methods=["POST"])
@requires(Perm.AUTHENTICATED)
def logout() -> Any:
    """Sign out: the server-side session is deleted, not just forgotten by the browser."""
    sign_out()
    response = redirect(url_for("accounts.login", signed_out=1))
    # Tell the service worker's pages to wipe any per-user cache (docs/security.md).
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/register", methods=["GET", "POST"])
@requires(Perm.PUBLIC)
def register() -> Any:
    """Create an account."""
    if not _settings().open_registration:
        return render_template("accounts/registration_closed.html"), 403
    errors: dict[str, Any] = {}
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("email", "name", "locale")}
        data, errors = load_form(schemas.RegisterSchema(), request.form)
        if data is not None:
            try:
                user = service.register(**data)
            except ServiceError as error:
                errors = error.errors or {"_": [error.message]}
            else:
                sign_in(user)
                flash(_("Welcome to Familyapp. Start by adding your child."), "success")
                return redirect(safe_next(request.args.get("next"), url_for("families.new_child")))
    status = 422 if errors else 200
    return render_template("accounts/register.html", errors=errors, form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@requires(Perm.PUBLIC)
def forgot_password() -> Any:
    """Ask for a password reset link by email."""
    errors: dict[str, Any] = {}
    sent = False
    if request.method == "POST":
        data, errors = load_form(schemas.PasswordForgotSchema(), request.form)
        if data is not None:
            settings = _settings()
            try:
                service.request_password_reset(
                    data["email"],
                    link_base=external_url("/password/reset/"),
                    ip=request.remote_addr,
                    valid_seconds=settings.password_reset_seconds,
                    sender=settings.mail_sender,
                )
            except ServiceError as error:
                errors = {"_": [error.message]}
            else:
                sent = True
    return render_template("accounts/forgot.html", errors=errors, sent=sent), (
        422 if errors else 200
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@requires(Perm.PUBLIC)
def reset_password(token: str) -> Any:
    """Set a new password from the emailed link."""
    if not service.reset_token_valid(token):
        return render_template("accounts/reset_invalid.html"), 400
    errors: dict[str, Any] = {}
    if request.method == "POST":
        values = request.form.copy()
        values["token"] = token
        data, errors = load_form(schemas.PasswordResetSchema(), values)
        if data is not None:
            try:
                service.reset_password(data["token"], data["password"])
            except ServiceError as error:
                errors = error.errors or {"_": [error.message]}
            else:
                flash(_("Your password is changed. Sign in with the new one."), "success")
                return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", errors=errors, token=token), (
        422 if errors else 200
    )


@bp.route("/account", methods=["GET", "POST"])
@requires(Perm.AUTHENTICATED)
def account() -> Any:
    """One's own name, language and time zone."""
    errors: dict[str, Any] = {}
    if request.method == "POST":
        data, errors = load_form(schemas.ProfileSchema(), request.form, partial=True)
        if data is not None:
            service.update_profile(current_user, data)
            flash(_("Saved."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", errors=errors), (422 if errors else 200)


@bp.route("/account/password", methods=["GET", "POST"])
@requires(Perm.AUTHENTICATED)
def change_password() -> Any:
    """Change one's password, ending other sessions when asked."""
    errors: dict[str, Any] = {}
    if request.method == "POST":
        data, errors = load_form(schemas.PasswordChangeSchema(), request.form)
        if data is not None:
            try:
                ended = service.change_password(
                    current_user,
                    data["current_password"],
                    data["new_password"],
                    end_other_sessions=data["end_other_sessions"],
                    keep_token=getattr(session, "token", None),
                )
            except ServiceError as error:
                errors = error.errors or {"_": [error.message]}
            else:
                flash(
                    ngettext(
                        "Password changed. Signed out of %(num)d other session.",
                        "Password changed. Signed out of %(num)d other sessions.",
                        ended,
                    ),
                    "success",
                )
                return redirect(url_for("accounts.account"))
    return render_template("accounts/password.html", errors=errors), (422 if errors else 200)


@bp.route("/account/sessions", methods=["GET"])
@requires(Perm.AUTHENTICATED)
def list_sessions() -> Any:
    """Where am I signed in?"""
    current = sessions.digest_of(getattr(session, "token", None))
    rows = service.list_sessions(current_user)
    return render_template("accounts/sessions.html", rows=rows, current=current)


@bp.route("/account/sessions/<session_id>/end", methods=["POST"])
@requires(Perm.AUTHENTICATED)
def end_session(session_id: str) -> Any:
    """End one of one's own sessions (a lost phone, a shared computer)."""
    if service.end_session(current_user, session_id):
        flash(_("That session is signed out."), "success")
    return redirect(url_for("accounts.list_sessions"))
