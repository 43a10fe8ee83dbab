"""One schema per form and JSON body: the HTML form field names equal these field names."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates

from familyapp.accounts.passwords import MAX_LENGTH
from familyapp.core.forms import EmailField
from familyapp.core.i18n import is_timezone
from familyapp.settings import SUPPORTED_LOCALES


def _required(**extra: Any) -> dict[str, Any]:
    return {
        "required": True,
        "error_messages": {"required": _l("This field is required.")},
        **extra,
    }


class _Base(Schema):
    class Meta:
        unknown = EXCLUDE  # forms carry csrf_token and buttons; ignore what we do not know

    @pre_load
    def _trim_email(self, data: Any, **_: Any) -> Any:
        # Phones add a trailing space after autocomplete; an address never has one.
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            data = dict(data, email=data["email"].strip())
        return data


class RegisterSchema(_Base):
    """A new account."""

    email = EmailField(
        **_required(validate=validate.Length(max=254)),
    )
    password = fields.String(**_required(validate=validate.Length(max=MAX_LENGTH)), load_only=True)
    name = fields.String(**_required(validate=validate.Length(min=1, max=120)))
    locale = fields.String(load_default="en", validate=validate.OneOf(SUPPORTED_LOCALES))


class LoginSchema(_Base):
    """Email and password to sign in (and, for the API, the second step's code if it is on)."""

    email = fields.String(**_required(validate=validate.Length(max=254)))
    password = fields.String(**_required(validate=validate.Length(max=1024)), load_only=True)
    code = fields.String(validate=validate.Length(max=40), load_only=True)


class SecondFactorSchema(_Base):
    """A code from the authenticator app, or a recovery code."""

    code = fields.String(**_required(validate=validate.Length(min=1, max=40)))


class PasswordConfirmSchema(_Base):
    """The password again, before changing how one signs in."""

    password = fields.String(**_required(validate=validate.Length(max=1024)), load_only=True)


class UserSchema(Schema):
    """A user as the API shows them to themselves."""

    id = fields.UUID(dump_only=True)
    email = EmailField(dump_only=True)
    name = fields.String(dump_only=True)
    locale = fields.String(dump_only=True)
    time_zone = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class SessionSchema(Schema):
    """The signed-in user and the CSRF token to send with writes."""

    user = fields.Nested(UserSchema, allow_none=True)
    csrf_token = fields.String()


class ProfileSchema(_Base):
    """What a user can change about themselves."""

    name = fields.String(validate=validate.Length(min=1, max=120))
    locale = fields.String(validate=validate.OneOf(SUPPORTED_LOCALES))
    time_zone = fields.String(validate=validate.Length(max=64))

    @validates("time_zone")
    def _zone(self, value: str, **_: Any) -> None:
        if not is_timezone(value):
            raise ValidationError(_l("Enter a time zone such as America/Chicago."))


class PasswordChangeSchema(_Base):
    """Change one's own password, optionally signing out everywhere else."""

    current_password = fields.String(
        **_required(validate=validate.Length(max=1024)), load_only=True
    )
    new_password = fields.String(
        **_required(validate=validate.Length(max=MAX_LENGTH)), load_only=True
    )
    end_other_sessions = fields.Boolean(load_default=True)


class PasswordForgotSchema(_Base):
    """Ask for a reset link."""

    email = fields.String(**_required(validate=validate.Length(max=254)))


class PasswordResetSchema(_Base):
    """Set a new password with a reset token."""

    token = fields.String(**_required(validate=validate.Length(max=200)))
    password = fields.String(**_required(validate=validate.Length(max=MAX_LENGTH)), load_only=True)


class SessionInfoSchema(Schema):
    """One of the user's sessions, for the 'where am I signed in' list."""

    id = fields.String()
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime()
    ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    current = fields.Boolean()
