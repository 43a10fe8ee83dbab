"""Care-log fields for JSON and forms alike (the names are the API contract)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates,
)

from familyapp.carelog.taxonomy import CLASSES

REQUIRED = {"required": _l("This field is required.")}


def _between(low: float, high: float, message: Any) -> Any:
    """A range check for Decimal fields (validate.Range on them breaks the OpenAPI document,
    which would show the bounds as strings)."""

    def check(value: Any) -> None:
        if value is not None and not low <= value <= high:
            # str(): marshmallow keeps a lazy string as a sequence and lists its characters.
            raise ValidationError(str(message))

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


def _positive_under(limit: int, message: Any) -> Any:
    """An amount above zero and below `limit` (a wage of 0 or 1,000 an hour is a typo)."""

    def check(value: Any) -> None:
        if value is not None and not 0 < value < limit:
            raise ValidationError(str(message))

    return check


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(str(_l("This field is required.")))


def _wage_field() -> Any:
    return fields.Decimal(
        required=True,
        places=2,
        rounding=ROUND_HALF_UP,
        error_messages=REQUIRED,
        validate=_positive_under(1000, _l("Enter an hourly wage above 0 and under 1000.")),
    )


def _text_field(length: int) -> Any:
    return fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=[validate.Length(min=1, max=length), _not_blank],
    )


class WageTableSchema(Schema):
    """A wage table an administrator puts in force: region, year, source and hourly rates."""

    class Meta:
        unknown = EXCLUDE

    region = _text_field(60)
    year = fields.Integer(
        required=True,
        strict=False,
        error_messages=REQUIRED,
        validate=validate.Range(min=2000, max=2100, error=_l("Enter a year from 2000 to 2100.")),
    )
    source = _text_field(300)
    aide = _wage_field()
    lpn = _wage_field()
    rn = _wage_field()
    all_occupations = _wage_field()
    minimum = _wage_field()
    minimum_source = _text_field(300)

    @post_load
    def _strip(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}


class PaidStaffSchema(Schema):
    """Whether a member is paid to give care (an agency nurse): their hours are shown apart."""

    class Meta:
        unknown = EXCLUDE

    user_id = fields.UUID(required=True, error_messages=REQUIRED)
    paid = fields.Boolean(required=True, error_messages=REQUIRED)


class TimerStartSchema(Schema):
    """Start a stopwatch for an activity."""

    class Meta:
        unknown = EXCLUDE

    activity = fields.String(
        required=True, validate=validate.Length(min=1, max=60), error_messages=REQUIRED
    )
    note = fields.String(load_default="", allow_none=True, validate=validate.Length(max=2000))
    # Started with no network: the phone says when, and the outbox sends it later.
    started_at = fields.AwareDateTime(load_default=None, allow_none=True)


class TimerStopSchema(Schema):
    """Stop the stopwatch; `ended_at` when it was stopped with no network."""

    class Meta:
        unknown = EXCLUDE

    ended_at = fields.AwareDateTime(load_default=None, allow_none=True)


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


class ReportChildSchema(Schema):
    """A child whose care a family report sums."""

    id = fields.UUID()
    display_name = fields.String()


class FamilyCareReportSchema(CareReportSchema):
    """A family's care report: the child report's fields summed over `children`."""

    family_id = fields.UUID()
    children = fields.List(fields.Nested(ReportChildSchema))
