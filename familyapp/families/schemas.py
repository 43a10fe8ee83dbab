"""Schemas for families, children, members and invitations (forms and JSON alike)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from familyapp.core import clock
from familyapp.core.authz import Role
from familyapp.core.forms import EmailField
from familyapp.core.i18n import is_timezone

ROLES = [role.value for role in Role]
_REQUIRED = {"required": _l("This field is required.")}


class _Input(Schema):
    class Meta:
        unknown = EXCLUDE


class ChildSchema(_Input):
    """A child: what the family tells us, and the ids the server assigns."""

    id = fields.UUID(dump_only=True)
    family_id = fields.UUID(load_default=None)
    display_name = fields.String(
        required=True, validate=validate.Length(min=1, max=120), error_messages=_REQUIRED
    )
    birth_date = fields.Date(allow_none=True, load_default=None)
    pronouns = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=40))
    preferred_language = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=16)
    )
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    @validates("birth_date")
    def _not_future(self, value: date | None, **_: Any) -> None:
        if value is not None and value > clock.utcnow().date():
            raise ValidationError(_l("The birth date cannot be in the future."))
        if value is not None and value.year < 1900:
            raise ValidationError(_l("Enter a real birth date."))


class FamilySchema(_Input):
    """A household."""

    id = fields.UUID(dump_only=True)
    name = fields.String(
        required=True, validate=validate.Length(min=1, max=120), error_messages=_REQUIRED
    )
    time_zone = fields.String(load_default="UTC", validate=validate.Length(max=64))
    role = fields.String(dump_only=True)

    @validates("time_zone")
    def _zone(self, value: str, **_: Any) -> None:
        if not is_timezone(value):
            raise ValidationError(_l("Enter a time zone such as America/Chicago."))


class MemberSchema(Schema):
    """A member of a family as the guardians see them."""

    id = fields.UUID()
    user_id = fields.UUID()
    name = fields.String()
    email = fields.String()
    role = fields.String()
    child_id = fields.UUID(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    title = fields.String(allow_none=True)


class InvitationCreateSchema(_Input):
    """Invite someone: a role, optionally one child, optionally access that ends on a date."""

    role = fields.String(required=True, validate=validate.OneOf(ROLES), error_messages=_REQUIRED)
    child_id = fields.UUID(allow_none=True, load_default=None)
    label = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=120))
    email = EmailField(allow_none=True, load_default=None)
    link_days = fields.Integer(
        load_default=7,
        validate=validate.Range(min=1, max=30, error=_l("Choose a number from 1 to 30.")),
    )
    access_until = fields.Date(allow_none=True, load_default=None)

    @validates("access_until")
    def _future(self, value: date | None, **_: Any) -> None:
        if value is not None and value < clock.utcnow().date():
            raise ValidationError(_l("Choose a date from today on."))


class RecordShareSchema(_Input):
    """The young person lets one member see their record, or stops them."""

    membership_id = fields.UUID(required=True, error_messages=_REQUIRED)
    sees_record = fields.Boolean(required=True, error_messages=_REQUIRED)


class AudienceSchema(Schema):
    """One person whose access covers a young person's record, as that young person sees it."""

    membership_id = fields.UUID()
    name = fields.String()
    role = fields.String()
    title = fields.String(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    sees_record = fields.Boolean()
    can_change = fields.Boolean()


class SeesRecordSchema(_Input):
    """Whether one member sees the young person's record."""

    sees_record = fields.Boolean(required=True, error_messages=_REQUIRED)


class InvitationSchema(Schema):
    """An invitation as its family's guardians see it."""

    id = fields.UUID()
    role = fields.String()
    child_id = fields.UUID(allow_none=True)
    label = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    expires_at = fields.DateTime()
    access_expires_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    status = fields.String()
    url = fields.String(dump_only=True)


class AcceptInvitationSchema(_Input):
    """Accept an invitation with the token from its link."""

    token = fields.String(required=True, validate=validate.Length(min=10, max=200))
