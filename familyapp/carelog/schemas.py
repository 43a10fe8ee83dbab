"""Care-log fields for JSON and forms alike (the names are the API contract)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from familyapp.carelog.taxonomy import CLASSES

REQUIRED = {"required": _l("This field is required.")}


def _between(low: float, high: float, message: Any) -> Any:
    """A range check for Decimal fields (validate.Range on them breaks the OpenAPI document,
    which would show the bounds as strings)."""

    def check(value: Any) -> None:
        if value is not None and not low <= value <= high:
            raise ValidationError(message)

    return check


MAX_MINUTES = 24 * 60  # one entry is at most a day; a longer stretch is logged day by day


class CareEntrySchema(Schema):
    """One stretch of care: what, when, how long, by whom."""

    class Meta:
        unknown = EXCLUDE

    id = fields.UUID(load_default=None, allow_none=True)
    child_id = fields.UUID(dump_only=True)
    activity = fields.String(
        required=True, validate=validate.Length(min=1, max=60), error_messages=REQUIRED
    )
    care_class = fields.String(dump_only=True, data_key="class")
    started_at = fields.DateTime(required=True, error_messages=REQUIRED)
    minutes = fields.Integer(
        required=True,
        strict=False,
        error_messages=REQUIRED,
        validate=validate.Range(
            min=1,
            max=MAX_MINUTES,
            error=_l("Enter between 1 and 1440 minutes (24 hours)."),
        ),
    )
    caregiver = fields.UUID(load_default=None, allow_none=True)
    note = fields.String(load_default="", allow_none=True, validate=validate.Length(max=2000))
    performed_by = fields.String(dump_only=True)
    deleted = fields.Boolean(dump_only=True)


class ActivitySchema(Schema):
    """One activity of the taxonomy, or one a family added."""

    class Meta:
        unknown = EXCLUDE

    code = fields.String(dump_only=True)
    label = fields.String(
        required=True, validate=validate.Length(min=1, max=120), error_messages=REQUIRED
    )
    care_class = fields.String(
        required=True, data_key="class", validate=validate.OneOf(CLASSES), error_messages=REQUIRED
    )
    class_label = fields.String(dump_only=True)
    custom = fields.Boolean(dump_only=True)


class WageRatesSchema(Schema):
    """The wage rates in force, with their region, year and source."""

    region = fields.String()
    year = fields.Integer()
    source = fields.String()
    aide = fields.Decimal(as_string=True)
    lpn = fields.Decimal(as_string=True)
    rn = fields.Decimal(as_string=True)
    all_occupations = fields.Decimal(as_string=True)
    minimum = fields.Decimal(as_string=True)
    minimum_source = fields.String()


class TimerStartSchema(Schema):
    """Start a stopwatch for an activity."""

    class Meta:
        unknown = EXCLUDE

    activity = fields.String(
        required=True, validate=validate.Length(min=1, max=60), error_messages=REQUIRED
    )
    note = fields.String(load_default="", allow_none=True, validate=validate.Length(max=2000))


class WorkMissedSchema(Schema):
    """Paid work a caregiver missed on a day."""

    class Meta:
        unknown = EXCLUDE

    day = fields.Date(required=True, error_messages=REQUIRED)
    hours = fields.Decimal(
        required=True,
        places=2,
        error_messages=REQUIRED,
        validate=_between(0.25, 24, _l("Enter between 0.25 and 24 hours.")),
    )
    note = fields.String(load_default="", allow_none=True, validate=validate.Length(max=500))


class WageSchema(Schema):
    """A caregiver's own wage: hourly, or annual earnings (divided by 2,088)."""

    class Meta:
        unknown = EXCLUDE

    hourly_wage = fields.Decimal(
        load_default=None,
        allow_none=True,
        places=2,
        validate=_between(0, 1000, _l("Enter an hourly wage up to 1000.")),
    )
    annual_earnings = fields.Decimal(
        load_default=None,
        allow_none=True,
        places=2,
        validate=_between(0, 10_000_000, _l("Enter yearly earnings up to 10,000,000.")),
    )


class NursingWeekSchema(Schema):
    """Home-nursing hours authorised and delivered in a week."""

    class Meta:
        unknown = EXCLUDE

    week_start = fields.Date(required=True, error_messages=REQUIRED)
    authorised_hours = fields.Decimal(
        required=True,
        places=2,
        error_messages=REQUIRED,
        validate=_between(0, 168, _l("Enter between 0 and 168 hours.")),
    )
    delivered_hours = fields.Decimal(
        required=True,
        places=2,
        error_messages=REQUIRED,
        validate=_between(0, 168, _l("Enter between 0 and 168 hours.")),
    )

    @validates("week_start")
    def _monday(self, value: Any, **_: Any) -> None:
        if value.weekday() != 0:
            raise ValidationError(_l("Choose the Monday the week starts on."))


class MethodSchema(Schema):
    """One valuation method's result."""

    code = fields.String()
    label = fields.String()
    hours = fields.Decimal(as_string=True)
    amount = fields.Decimal(as_string=True)
    annualised = fields.Decimal(as_string=True)
    national_average = fields.Decimal(as_string=True, allow_none=True)
    wages = fields.Dict(keys=fields.String(), values=fields.Decimal(as_string=True))
    source = fields.String()


class HoursSchema(Schema):
    """Hours of one class or activity."""

    code = fields.String()
    label = fields.String()
    care_class = fields.String(data_key="class")
    hours = fields.Decimal(as_string=True)


class WeekSchema(Schema):
    """Family care hours in one week."""

    week_start = fields.Date()
    hours = fields.Decimal(as_string=True)


class CareReportSchema(Schema):
    """A child's care report for a range of dates."""

    child_id = fields.UUID()
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    days = fields.Integer()
    family_hours = fields.Decimal(as_string=True)
    hours_per_week = fields.Decimal(as_string=True)
    by_class = fields.List(fields.Nested(HoursSchema))
    by_activity = fields.List(fields.Nested(HoursSchema))
    weeks = fields.List(fields.Nested(WeekSchema))
    replacement_cost = fields.List(fields.Nested(MethodSchema))
    foregone_earnings = fields.Nested(MethodSchema)
    work_missed_hours = fields.Decimal(as_string=True)
    paid_staff_hours = fields.Decimal(as_string=True)
    team_hours = fields.Decimal(as_string=True)
    team_cost = fields.Decimal(as_string=True)
    nursing_authorised_hours = fields.Decimal(as_string=True)
    nursing_delivered_hours = fields.Decimal(as_string=True)
    nursing_shortfall_hours = fields.Decimal(as_string=True)
    rates = fields.Nested(WageRatesSchema)
    national_hours_per_week = fields.Decimal(as_string=True)
