"""HTML routes for signing in and out, registering, passwords and one's own account."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
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

from familyapp.accounts import schemas, service, totp
from familyapp.accounts.models import User
from familyapp.core import clock, sessions
from familyapp.core.authz import Perm, requires
from familyapp.core.errors import ServiceError, problem, wants_json
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
                pending = {"shared": shared, "next": request.args.get("next")}
                step = service.login_step(user)
                if step == service.LOGIN_DONE:
                    return _finish_sign_in(user, pending)
                return _begin_second_step(user, step, pending)
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


# Two-step sign-in ---------------------------------------------------------------------------

# Between a right password and the code, the session holds who is signing in (not signed in:
# no _user_id), for a few minutes only.
PENDING = "pending_login"
PENDING_SECONDS = 600
SETUP_SECRET = "totp_setup_secret"  # noqa: S105 - a session key, not a secret


def _finish_sign_in(user: User, pending: dict[str, Any]) -> Any:
    sign_in(user)
    # A shared device keeps no health information (pwa: no offline copy, no outbox), for
    # this session only: the next person chooses again.
    session["shared_device"] = bool(pending.get("shared"))
    return redirect(safe_next(pending.get("next"), url_for("system.home")))


def _begin_second_step(user: User, step: str, pending: dict[str, Any]) -> Any:
    state = dict(pending, user_id=str(user.id), at=clock.utcnow().timestamp())
    if step == service.LOGIN_ENROLL:
        session[PENDING] = dict(state, secret=totp.new_secret())
        return redirect(url_for("accounts.login_setup"))
    session[PENDING] = state
    return redirect(url_for("accounts.login_code"))


def _pending() -> tuple[User, dict[str, Any]] | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    started = pending.get("at")
    if not isinstance(started, int | float) or clock.utcnow().timestamp() - started > (
        PENDING_SECONDS
    ):
        session.pop(PENDING, None)
        return None
    user = service.get_user(str(pending.get("user_id", "")))
    return (user, pending) if user is not None else None


def _start_over() -> Any:
    flash(_("Sign-in took too long. Please sign in again."), "error")
    return redirect(url_for("accounts.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@requires(Perm.PUBLIC)
def login_code() -> Any:
    """The second step of signing in: the code from the authenticator app or a recovery code."""
    found = _pending()
    if found is None or not found[0].totp_secret:
        return _start_over()
    user, pending = found
    recovery = request.values.get("recovery") == "1"
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        data, errors = load_form(schemas.SecondFactorSchema(), request.form)
        if data is not None:
            settings = _settings()
            try:
                kind = service.verify_second_factor(
                    user,
                    data["code"],
                    request.remote_addr,
                    limit=settings.login_attempts_per_account,
                    window=settings.login_window_seconds,
                )
            except ServiceError as error:
                errors, status = error.errors or {"_": [error.message]}, error.status
            else:
                response = _finish_sign_in(user, pending)
                if kind == "recovery":
                    left = service.recovery_codes_left(user)
                    flash(
                        ngettext(
                            "You used a recovery code: %(num)d is left. Make new ones soon.",
                            "You used a recovery code: %(num)d are left.",
                            left,
                        ),
                        "success",
                    )
                return response
        else:
            status = 422
    return (
        render_template(
            "accounts/login_code.html",
            errors=errors,
            recovery=recovery,
            demo_code=service.demo_code_hint(user),
        ),
        status,
    )


def _setup_page(
    user: User, secret: str, errors: dict[str, Any], action: str, status: int = 200
) -> Any:
    uri = totp.provisioning_uri(secret, user.email)
    return (
        render_template(
            "accounts/totp_setup.html",
            errors=errors,
            qr=totp.qr_svg(uri, _("QR code to add Familyapp to your authenticator app")),
            secret=totp.grouped_secret(secret),
            uri=uri,
            action=action,
            required=service.second_factor_required(user),
        ),
        status,
    )


def _codes_page(codes: list[str], next_url: str) -> Any:
    response = Response(
        render_template("accounts/recovery_codes.html", codes=codes, next_url=next_url)
    )
    # Shown once: never kept by the browser or the offline copy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login/setup", methods=["GET", "POST"])
@requires(Perm.PUBLIC)
def login_setup() -> Any:
    """Set up two-step sign-in while signing in (required for care-team accounts)."""
    found = _pending()
    if found is None or "secret" not in found[1] or found[0].totp_secret:
        return _start_over()
    user, pending = found
    secret = str(pending["secret"])
    action = url_for("accounts.login_setup")
    if request.method == "POST":
        data, errors = load_form(schemas.SecondFactorSchema(), request.form)
        if data is None:
            return _setup_page(user, secret, errors, action, 422)
        try:
            codes = service.enable_totp(user, secret, data["code"], keep_token=None)
        except ServiceError as error:
            return _setup_page(
                user, secret, error.errors or {"_": [error.message]}, action, error.status
            )
        # Signed in now; the recovery codes are shown before going on to where they were going.
        done = _finish_sign_in(user, pending)
        return _codes_page(codes, done.location)
    return _setup_page(user, secret, {}, action)


@bp.route("/account/two-step", methods=["GET"])
@requires(Perm.AUTHENTICATED)
def two_step() -> Any:
    """Two-step sign-in: on or off, recovery codes left, and what can be changed."""
    return _two_step_page({}, 200)


def _two_step_page(errors: dict[str, Any], status: int) -> Any:
    page = render_template(
        "accounts/two_step.html",
        enabled=bool(current_user.totp_secret),
        required=service.second_factor_required(current_user),
        codes_left=service.recovery_codes_left(current_user) if current_user.totp_secret else 0,
        errors=errors,
    )
    return page, status


@bp.route("/account/two-step/setup", methods=["GET", "POST"])
@requires(Perm.AUTHENTICATED)
def two_step_setup() -> Any:
    """Turn on two-step sign-in from one's account: scan, then confirm with a code."""
    if current_user.totp_secret:
        return redirect(url_for("accounts.two_step"))
    action = url_for("accounts.two_step_setup", next=request.args.get("next"))
    secret = session.get(SETUP_SECRET)
    if not isinstance(secret, str):
        secret = session[SETUP_SECRET] = totp.new_secret()
    if request.method == "POST":
        data, errors = load_form(schemas.SecondFactorSchema(), request.form)
        if data is None:
            return _setup_page(current_user, secret, errors, action, 422)
        try:
            codes = service.enable_totp(
                current_user, secret, data["code"], keep_token=getattr(session, "token", None)
            )
        except ServiceError as error:
            return _setup_page(
                current_user, secret, error.errors or {"_": [error.message]}, action, error.status
            )
        session.pop(SETUP_SECRET, None)
        return _codes_page(codes, safe_next(request.args.get("next"), url_for("accounts.two_step")))
    return _setup_page(current_user, secret, {}, action)


@bp.route("/account/two-step/disable", methods=["POST"])
@requires(Perm.AUTHENTICATED)
def two_step_disable() -> Any:
    """Turn two-step sign-in off, with the password (not for care-team accounts)."""
    return _with_password(service.disable_totp, _("Two-step sign-in is off."))


@bp.route("/account/two-step/recovery-codes", methods=["POST"])
@requires(Perm.AUTHENTICATED)
def two_step_recovery_codes() -> Any:
    """Make new recovery codes (the old ones stop working), with the password."""
    return _with_password(service.regenerate_recovery_codes, None)


def _with_password(action: Any, done: str | None) -> Any:
    data, errors = load_form(schemas.PasswordConfirmSchema(), request.form)
    status = 422
    if data is not None:
        try:
            result = action(current_user, data["password"])
        except ServiceError as error:
            errors, status = error.errors or {"_": [error.message]}, error.status
        else:
            if done is None:
                return _codes_page(result, url_for("accounts.two_step"))
            flash(done, "success")
            return redirect(url_for("accounts.two_step"))
    return _two_step_page(errors, status)


def two_step_gate() -> Any:
    """Stop a care-team member who has not set up two-step sign-in (authz's signed-in gate)."""
    if current_user.totp_secret or not service.second_factor_required(current_user):
        return None
    message = _("Your role in a care team requires two-step sign-in. Set it up to go on.")
    if wants_json():
        return problem(403, _("Not allowed"), message, code="second_factor_setup_required")
    flash(message, "error")
    return redirect(url_for("accounts.two_step_setup", next=request.full_path.rstrip("?")))
