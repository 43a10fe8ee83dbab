"""Push subscription, device and quiet-hours fields for JSON and forms alike."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

REQUIRED = {"required": _l("This field is required.")}


def _b64url_length(value: str) -> int:
    try:
        return len(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError):
        return -1


class KeysSchema(Schema):
    """The subscription's encryption keys (RFC 8291): a P-256 point and a 16-byte secret."""

    class Meta:
        unknown = EXCLUDE

    p256dh = fields.String(required=True, error_messages=REQUIRED)
    auth = fields.String(required=True, error_messages=REQUIRED)

    @validates_schema
    def _sizes(self, data: dict[str, Any], **_: Any) -> None:
        errors = {}
        if _b64url_length(data.get("p256dh", "")) != 65:
            errors["p256dh"] = [_l("This is not a browser's push key.")]
        if _b64url_length(data.get("auth", "")) != 16:
            errors["auth"] = [_l("This is not a browser's push key.")]
        if errors:
            raise ValidationError(errors)


class SubscriptionSchema(Schema):
    """The browser's PushSubscription JSON, as PushSubscription.toJSON() gives it."""

    class Meta:
        unknown = EXCLUDE

    endpoint = fields.Url(
        required=True,
        require_tld=False,
        schemes={"http", "https"},
        validate=validate.Length(max=2000),
        error_messages=REQUIRED,
    )
    expirationTime = fields.Integer(load_default=None, allow_none=True)
    keys = fields.Nested(KeysSchema, required=True, error_messages=REQUIRED)
    label = fields.String(load_default="", validate=validate.Length(max=120))


class EndpointSchema(Schema):
    """Which device to turn off."""

    class Meta:
        unknown = EXCLUDE

    endpoint = fields.String(
        required=True, validate=validate.Length(min=1, max=2000), error_messages=REQUIRED
    )


class DeviceSchema(Schema):
    """A device that receives notifications (its endpoint stays on the server)."""

    id = fields.UUID()
    label = fields.String()
    service = fields.String()
    created_at = fields.DateTime()
    last_sent_at = fields.DateTime(allow_none=True)


class PublicKeySchema(Schema):
    """The applicationServerKey browsers subscribe with."""

    public_key = fields.String()


class TestResultSchema(Schema):
    """What a test notification did."""

    sent = fields.Integer()
    failed = fields.Integer()
    gone = fields.Integer()


class PreferencesSchema(Schema):
    """Quiet hours (both ends or neither) in the user's own time zone; the weekly nudge."""

    class Meta:
        unknown = EXCLUDE

    quiet_start = fields.Time(load_default=None, allow_none=True)
    quiet_end = fields.Time(load_default=None, allow_none=True)
    weekly_care_nudge = fields.Boolean(load_default=False)

    @validates_schema
    def _both(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None):
            name = "quiet_end" if end is None else "quiet_start"
            raise ValidationError({name: [_l("Give both the start and the end, or neither.")]})
        if start is not None and start == end:
            raise ValidationError({"quiet_end": [_l("The end must differ from the start.")]})
