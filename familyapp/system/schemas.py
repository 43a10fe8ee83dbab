"""Schemas of the system pages."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from familyapp.settings import SUPPORTED_LOCALES


class LanguageSchema(Schema):
    """Choose the language of the interface."""

    class Meta:
        unknown = EXCLUDE

    lang = fields.String(required=True, validate=validate.OneOf(SUPPORTED_LOCALES))
    next = fields.String(load_default=None, allow_none=True)


class HealthSchema(Schema):
    """The answer of /healthz."""

    status = fields.String()
    database = fields.String()
    version = fields.String()
