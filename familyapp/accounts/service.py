"""The verbs of accounts: register, authenticate (with two-step sign-in), passwords, profiles."""

from __future__ import annotations

import functools
import uuid
from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from familyapp.accounts import passwords, totp
from familyapp.accounts.models import PasswordResetToken, RecoveryCode, User
from familyapp.core import audit, authz, clock, ids, mail, ratelimit, sessions
from familyapp.core.authz import Role
from familyapp.core.db import db
from familyapp.core.errors import ServiceError


def _password_messages(keys: list[str]) -> list[str]:
    texts = {
        "too_short": _("Use at least %(n)d characters.", n=passwords.MIN_LENGTH),
        "too_long": _("Use at most %(n)d characters.", n=passwords.MAX_LENGTH),
        "common": _("This password is too common. Try a few unrelated words."),
        "like_email": _("Do not use your name or email address as the password."),
    }
    return [texts[key] for key in keys]


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def get_user(user_id: uuid.UUID | str) -> User | None:
    """Load an active user by id (Flask-Login's user loader)."""
    parsed = ids.parse_uuid(str(user_id))
    if parsed is None:
        return None
    user = db.session.get(User, parsed)
    return user if user is not None and user.is_active else None


def find_by_email(email: str) -> User | None:
    """The user with this email, if any."""
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def register(
    email: str, password: str, name: str, locale: str = "en", time_zone: str = "UTC"
) -> User:
    """Create an account; refuses a taken email or a weak password with field errors."""
    email = normalize_email(email)
    errors: dict[str, list[str]] = {}
    if find_by_email(email) is not None:
        errors["email"] = [_("An account with this email already exists. Sign in instead.")]
    weak = passwords.problems(password, email=email, name=name)
    if weak:
        errors["password"] = _password_messages(weak)
    if errors:
        raise ServiceError(_("Please correct the fields shown."), status=422, errors=errors)
    user = User(
        email=email,
        name=name.strip(),
        password_hash=passwords.hash_password(password),
        locale=locale,
        time_zone=time_zone,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("account.created", actor_id=user.id, target=f"user:{user.id}")
    db.session.commit()
    return user


def authenticate(
    email: str, password: str, ip: str | None, *, per_account: int, per_ip: int, window: int
) -> User:
    """Check a sign-in; throttled per account and per IP so guessing is slow."""
    email = normalize_email(email)
    account_key, ip_key = f"login:acct:{email}", f"login:ip:{ip or '-'}"
    # The per-account limit is short (a window of minutes) so an attacker cannot lock a real
    # user out for long; the per-IP limit catches one source trying many accounts.
    if ratelimit.is_limited(account_key, per_account, window) or ratelimit.is_limited(
        ip_key, per_ip, window
    ):
        raise ServiceError(_("Too many attempts. Wait a few minutes and try again."), status=429)
    user = find_by_email(email)
    ok = passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        ratelimit.hit(account_key)
        ratelimit.hit(ip_key)
        audit.record(
            "login.failed",
            actor_id=user.id if user else None,
            outcome="denied",
            ip=ip,
            target=f"user:{user.id}" if user else None,
        )
        db.session.commit()
        raise ServiceError(_("Email or password is not right."), status=401)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = clock.utcnow()
    ratelimit.clear(account_key)
    audit.record("login.ok", actor_id=user.id, ip=ip, target=f"user:{user.id}")
    db.session.commit()
    return user


def update_profile(user: User, changes: dict[str, str]) -> User:
    """Change a user's name, language or time zone."""
    for key in ("name", "locale", "time_zone"):
        if key in changes and changes[key] is not None:
            setattr(user, key, changes[key].strip() if key == "name" else changes[key])
    db.session.commit()
    return user


def change_password(
    user: User,
    current_password: str,
    new_password: str,
    *,
    end_other_sessions: bool,
    keep_token: str | None,
) -> int:
    """Change one's password; returns how many other sessions were ended."""
    _check_password(user, current_password, "current_password")
    weak = passwords.problems(new_password, email=user.email, name=user.name)
    if weak:
        raise ServiceError(
            _("Please correct the fields shown."),
            status=422,
            errors={"new_password": _password_messages(weak)},
        )
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = clock.utcnow()
    ended = 0
    if end_other_sessions:
        ended = sessions.end_user_sessions(user.id, keep_token=keep_token)
    audit.record("password.changed", actor_id=user.id, detail={"ended_sessions": ended})
    db.session.commit()
    return ended


def request_password_reset(
    email: str, *, link_base: str, ip: str | None, valid_seconds: int, sender: str
) -> None:
    """Email a reset link if the account exists; says nothing either way (no enumeration)."""
    key = f"reset:ip:{ip or '-'}"
    if ratelimit.is_limited(key, 10, 3600):
        raise ServiceError(_("Too many attempts. Wait a few minutes and try again."), status=429)
    ratelimit.hit(key)
    user = find_by_email(email)
    if user is None or not user.is_active:
        db.session.commit()
        return
    token = ids.new_token()
    db.session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=ids.token_digest(token),
            expires_at=clock.utcnow() + timedelta(seconds=valid_seconds),
        )
    )
    audit.record("password.reset_requested", actor_id=user.id, ip=ip)
    db.session.commit()
    # The mail is written in the account holder's language, not the requester's.
    with force_locale(user.locale):
        subject = _("Reset your Familyapp password")
        body = _(
            "Hello %(name)s,\n\nSomeone asked to reset the password of your Familyapp account. "
            "If it was you, open this link within an hour:\n\n%(link)s\n\n"
            "If it was not you, ignore this message; your password stays the same.",
            name=user.name,
            link=f"{link_base}{token}",
        )
    mail.send(user.email, subject, body, sender)


def reset_password(token: str, new_password: str) -> User:
    """Set a new password with a reset token, and end every session of that user."""
    row = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == ids.token_digest(token))
    )
    now = clock.utcnow()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise ServiceError(
            _("This reset link is not valid any more. Ask for a new one."),
            status=400,
            errors={"token": [_("This reset link is not valid any more. Ask for a new one.")]},
        )
    user = db.session.get(User, row.user_id)
    assert user is not None
    weak = passwords.problems(new_password, email=user.email, name=user.name)
    if weak:
        raise ServiceError(
            _("Please correct the fields shown."),
            status=422,
            errors={"password": _password_messages(weak)},
        )
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = now
    row.used_at = now
    sessions.end_user_sessions(user.id)
    audit.record("password.reset", actor_id=user.id)
    db.session.commit()
    return user


def reset_token_valid(token: str) -> bool:
    """True when a reset link can still be used (to show the form or an error)."""
    row = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == ids.token_digest(token))
    )
    return row is not None and row.used_at is None and row.expires_at > clock.utcnow()


def list_sessions(user: User) -> list[dict[str, object]]:
    """The user's live sessions, for them to see and end."""
    return [
        {
            "id": row.id,
            "created_at": row.created_at,
            "last_seen_at": row.last_seen_at,
            "ip": row.ip,
            "user_agent": row.user_agent,
        }
        for row in sessions.user_sessions(user.id)
    ]


def end_session(user: User, session_id: str) -> bool:
    """End one of the user's own sessions."""
    ended = sessions.end_session_by_digest(user.id, session_id)
    if ended:
        audit.record("session.ended", actor_id=user.id)
    db.session.commit()
    return ended


def count_users() -> int:
    """How many accounts exist (health checks and the demo use it)."""
    return int(db.session.scalar(select(func.count()).select_from(User)) or 0)


def create_user_unchecked(
    email: str, password: str, name: str, *, locale: str = "en", time_zone: str = "UTC"
) -> User:
    """Create a user without the password policy (the documented demo logins only)."""
    user = User(
        email=normalize_email(email),
        name=name,
        password_hash=_published_hash(password),
        locale=locale,
        time_zone=time_zone,
    )
    db.session.add(user)
    db.session.flush()
    return user


@functools.lru_cache(maxsize=4)
def _published_hash(password: str) -> str:
    # The demo's logins share one published password: it is hashed once per process, not once
    # per account (argon2id is slow on purpose, and ten hashes were most of the demo's time).
    return passwords.hash_password(password)


# Two-step sign-in ---------------------------------------------------------------------------

# What a sign-in needs after the password: nothing more, a code, or setting up the app first.
LOGIN_DONE, LOGIN_CODE, LOGIN_ENROLL = "done", "code", "enroll"


def second_factor_required(user: User) -> bool:
    """True when the user's role obliges two-step sign-in (any care-team membership)."""
    return any(grant.role is Role.CARE_TEAM for grant in authz.grants_for(user.id))


def login_step(user: User) -> str:
    """What this user must do after a right password: LOGIN_DONE, LOGIN_CODE or LOGIN_ENROLL."""
    if user.totp_secret:
        return LOGIN_CODE
    return LOGIN_ENROLL if second_factor_required(user) else LOGIN_DONE


def verify_second_factor(user: User, code: str, ip: str | None, *, limit: int, window: int) -> str:
    """Check a code from the app (or a recovery code); returns which kind was used."""
    key = f"totp:acct:{user.id}"
    # Six digits are a million guesses: a handful per window (minutes) makes guessing hopeless
    # and still lets a person who mistyped try again soon.
    if ratelimit.is_limited(key, limit, window):
        raise ServiceError(_("Too many attempts. Wait a few minutes and try again."), status=429)
    kind = _consume_code(user, code)
    if kind is None:
        ratelimit.hit(key)
        audit.record(
            "login.second_factor_failed",
            actor_id=user.id,
            outcome="denied",
            ip=ip,
            target=f"user:{user.id}",
        )
        db.session.commit()
        raise ServiceError(
            _("That code is not right. Enter the code your app shows now."),
            status=401,
            errors={"code": [_("That code is not right. Enter the code your app shows now.")]},
        )
    ratelimit.clear(key)
    audit.record(
        "login.second_factor_ok",
        actor_id=user.id,
        ip=ip,
        target=f"user:{user.id}",
        detail={"kind": kind},
    )
    db.session.commit()
    return kind


def _consume_code(user: User, code: str) -> str | None:
    if not user.totp_secret:
        return None
    step = totp.matching_step(user.totp_secret, code, clock.utcnow(), user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        return "totp"
    if totp.looks_like_recovery_code(code):
        digest = ids.token_digest(totp.normalize_code(code))
        row = db.session.scalar(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == digest,
                RecoveryCode.used_at.is_(None),
            )
        )
        if row is not None:
            row.used_at = clock.utcnow()
            return "recovery"
    return None


def recovery_codes_left(user: User) -> int:
    """How many unused recovery codes the user has."""
    stmt = select(func.count()).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    return int(db.session.scalar(stmt) or 0)


def enable_totp(user: User, secret: str, code: str, *, keep_token: str | None) -> list[str]:
    """Turn on two-step sign-in once a code proves the app has the secret; returns the new
    recovery codes (shown once). Other sessions end: they never passed the second step."""
    if user.totp_secret:
        raise ServiceError(_("Two-step sign-in is already on."), status=409)
    step = totp.matching_step(secret, code, clock.utcnow(), None)
    if step is None:
        message = _("That code is not right. Enter the code your app shows now.")
        raise ServiceError(message, status=422, errors={"code": [message]})
    user.totp_secret = secret
    user.totp_enabled_at = clock.utcnow()
    user.totp_last_step = step
    codes = _replace_recovery_codes(user)
    ended = sessions.end_user_sessions(user.id, keep_token=keep_token)
    audit.record(
        "totp.enabled", actor_id=user.id, target=f"user:{user.id}", detail={"ended_sessions": ended}
    )
    db.session.commit()
    return codes


def _check_password(user: User, password: str, field: str = "password") -> None:
    if not passwords.verify(user.password_hash, password):
        message = _("This is not your current password.")
        raise ServiceError(
            _("Please correct the fields shown."), status=422, errors={field: [message]}
        )


def disable_totp(user: User, password: str) -> None:
    """Turn two-step sign-in off (not allowed where the user's role requires it)."""
    if second_factor_required(user):
        raise ServiceError(
            _("Your role in a care team requires two-step sign-in, so it stays on."), status=403
        )
    _check_password(user, password)
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("totp.disabled", actor_id=user.id, target=f"user:{user.id}")
    db.session.commit()


def regenerate_recovery_codes(user: User, password: str) -> list[str]:
    """Replace every recovery code with new ones (the old ones stop working)."""
    if not user.totp_secret:
        raise ServiceError(_("Turn on two-step sign-in first."), status=409)
    _check_password(user, password)
    codes = _replace_recovery_codes(user)
    audit.record("totp.recovery_codes_replaced", actor_id=user.id, target=f"user:{user.id}")
    db.session.commit()
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = totp.new_recovery_codes()
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=ids.token_digest(totp.normalize_code(code)))
        for code in codes
    )
    return codes


def set_published_totp(user: User) -> None:
    """Give a demo account the published TOTP secret (the documented demo logins only)."""
    user.totp_secret = totp.PUBLISHED_DEMO_SECRET
    user.totp_enabled_at = clock.utcnow()


def demo_code_hint(user: User) -> str | None:
    """The current code of an account that uses the published demo secret (else None)."""
    if user.totp_secret != totp.PUBLISHED_DEMO_SECRET:
        return None
    # The code of now, or of the next step if now's was just used (signed in moments ago).
    return totp.usable_code(user.totp_secret, clock.utcnow(), user.totp_last_step)
