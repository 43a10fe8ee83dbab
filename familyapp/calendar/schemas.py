"""Appointment fields for JSON and forms alike (the names are the API contract)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from familyapp.calendar.recurrence import rrule_problem
from familyapp.core.i18n import is_timezone

# The complex-care team's disciplines (domain.md: core team roles, and the services families
# schedule around: therapies, nursing visits, deliveries, school meetings, tests).
DISCIPLINES = (
    "primary_care",
    "complex_care",
    "pulmonology",
    "neurology",
    "gi",
    "ent",
    "orthopedics",
    "pt",
    "ot",
    "speech",
    "nutrition",
    "social_work",
    "home_nursing",
    "dme_delivery",
    "school_iep",
    "lab",
    "imaging",
    "telehealth",
    "other",
)
REQUIRED = {"required": _l("This field is required.")}


class AppointmentSchema(Schema):
    """An appointment (or a recurring series), with local times in its time zone."""

    class Meta:
        unknown = EXCLUDE

    id = fields.UUID(dump_only=True)
    child_id = fields.UUID(dump_only=True)
    title = fields.String(
        required=True, validate=validate.Length(min=1, max=200), error_messages=REQUIRED
    )
    discipline = fields.String(load_default="other", validate=validate.OneOf(DISCIPLINES))
    provider = fields.String(load_default="", validate=validate.Length(max=200))
    location = fields.String(load_default="", validate=validate.Length(max=500))
    starts_at = fields.NaiveDateTime(required=True, error_messages=REQUIRED)
    ends_at = fields.NaiveDateTime(required=True, error_messages=REQUIRED)
    timezone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    rrule = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    reminder_offsets_minutes = fields.List(
        fields.Integer(validate=validate.Range(min=0, max=60 * 24 * 30)),
        load_default=list,
        validate=validate.Length(max=5),
    )
    notes = fields.String(load_default="", validate=validate.Length(max=5000))
    bring = fields.String(load_default="", validate=validate.Length(max=2000))
    questions = fields.String(load_default="", validate=validate.Length(max=2000))
    after_notes = fields.String(load_default="", validate=validate.Length(max=5000))

    @validates("timezone")
    def _zone(self, value: str | None, **_: Any) -> None:
        if value and not is_timezone(value):
            raise ValidationError(_l("Enter a time zone such as America/Chicago."))

    @validates("rrule")
    def _rule(self, value: str | None, **_: Any) -> None:
        if value and rrule_problem(value) is not None:
            raise ValidationError(
                _l("This repeat rule is not valid (for example FREQ=WEEKLY;BYDAY=TU).")
            )

    @validates_schema(skip_on_field_errors=False)
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            raise ValidationError({"ends_at": [_l("The end must be after the start.")]})


class OccurrenceSchema(Schema):
    """One occurrence in the agenda."""

    appointment_id = fields.UUID()
    child_id = fields.UUID()
    title = fields.String()
    discipline = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    original_start = fields.DateTime()
    moved = fields.Boolean()


class ExceptionSchema(Schema):
    """Cancel or move one occurrence of a series."""

    class Meta:
        unknown = EXCLUDE

    original_start = fields.AwareDateTime(required=True, error_messages=REQUIRED)
    cancelled = fields.Boolean(load_default=False)
    starts_at = fields.NaiveDateTime(load_default=None, allow_none=True)
    ends_at = fields.NaiveDateTime(load_default=None, allow_none=True)


class FeedSchema(Schema):
    """A calendar feed (the url only when it is made)."""

    class Meta:
        unknown = EXCLUDE

    id = fields.UUID(dump_only=True)
    label = fields.String(load_default="", validate=validate.Length(max=80))
    url = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class ImportResultSchema(Schema):
    """What an .ics import did."""

    created = fields.Integer()
    updated = fields.Integer()
    removed = fields.Integer()
    skipped = fields.Integer()
