"""Survey fields for JSON and forms alike (the names are the API contract). Questionnaires and
responses travel as FHIR JSON and are checked by questionnaire.py; these schemas carry the
rest: campaigns, invitations, drafts, results."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from marshmallow import INCLUDE, Schema, ValidationError, fields, post_load, validate

from familyapp.surveys.models import TARGETS

REQUIRED = {"required": _l("This field is required.")}


class FhirResourceSchema(Schema):
    """Any FHIR R4 resource as JSON (checked in full by the surveys engine)."""

    class Meta:
        unknown = INCLUDE

    resourceType = fields.String(required=True)


class WhenField(fields.Field):
    """A moment: an ISO date-time (a zone-less one is in the reader's zone), or a date."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(_l("Enter a date like 2019-03-14."))
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(_l("Enter a date like 2019-03-14.")) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=get_timezone())

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else value.isoformat()


class CampaignSchema(Schema):
    """A campaign: which survey, to whom, when, and whether answers are anonymous."""

    id = fields.UUID(dump_only=True)
    program_id = fields.UUID(required=True, error_messages=REQUIRED)
    questionnaire_id = fields.UUID(required=True, error_messages=REQUIRED)
    title = fields.String(load_default="", validate=validate.Length(max=200))
    target = fields.String(required=True, validate=validate.OneOf(TARGETS), error_messages=REQUIRED)
    group_id = fields.UUID(load_default=None, allow_none=True)
    family_id = fields.UUID(load_default=None, allow_none=True)
    # A date opens at the start of that day and closes at its end, in the author's zone.
    opens_at = WhenField(required=True, error_messages=REQUIRED)
    closes_at = WhenField(required=True, error_messages=REQUIRED)
    anonymous = fields.Boolean(load_default=False)
    status = fields.String(dump_only=True)
    asked = fields.Integer(dump_only=True)
    answered = fields.Integer(dump_only=True, allow_none=True)

    @post_load
    def _moments(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        zone = get_timezone()
        for name, end_of_day in (("opens_at", False), ("closes_at", True)):
            value = data[name]
            if isinstance(value, date) and not isinstance(value, datetime):
                start = datetime.combine(value, time.min, tzinfo=zone)
                data[name] = start + timedelta(days=1) if end_of_day else start
        return data


class SurveyInvitationSchema(Schema):
    """An open survey as its respondent sees it."""

    campaign_id = fields.UUID(attribute="campaign.id")
    questionnaire_id = fields.UUID(attribute="campaign.questionnaire_id")
    title = fields.String()
    closes_at = fields.DateTime(attribute="campaign.closes_at")
    anonymous = fields.Boolean(attribute="campaign.anonymous")
    answered = fields.Boolean()


class DraftSchema(Schema):
    """Answers saved part way: link id -> list of values."""

    answers = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)


class ScoreSchema(Schema):
    """One scale's score as the respondent sees it."""

    code = fields.String()
    title = fields.String()
    value = fields.Decimal(as_string=True, allow_none=True)
    band = fields.String(allow_none=True)
    answered = fields.Integer()
    expected = fields.Integer()


class ResponseResultSchema(Schema):
    """A sent response: its id, campaign and (where the survey shows them) scores."""

    id = fields.UUID()
    campaign_id = fields.UUID()
    submitted_on = fields.Date()
    anonymous = fields.Boolean()
    score = fields.Decimal(as_string=True, allow_none=True)
    scores = fields.List(fields.Nested(ScoreSchema))


class OptionCountSchema(Schema):
    """How many chose one option."""

    code = fields.String()
    label = fields.String()
    count = fields.Integer()
    percent = fields.Decimal(as_string=True)


class NumberSummarySchema(Schema):
    """Numeric answers summarised."""

    mean = fields.Decimal(as_string=True)
    median = fields.Decimal(as_string=True)
    low = fields.Decimal(as_string=True)
    high = fields.Decimal(as_string=True)


class ItemResultSchema(Schema):
    """One question's answers, summarised (answered null: withheld, too few)."""

    link_id = fields.String()
    text = fields.String()
    type = fields.String()
    answered = fields.Integer(allow_none=True)
    options = fields.List(fields.Nested(OptionCountSchema))
    numbers = fields.Nested(NumberSummarySchema, allow_none=True)
    private = fields.Boolean()


class ScaleResultSchema(Schema):
    """One scale's scores across respondents."""

    code = fields.String()
    title = fields.String()
    scored = fields.Integer(allow_none=True)
    mean = fields.Decimal(as_string=True, allow_none=True)
    median = fields.Decimal(as_string=True, allow_none=True)
    bands = fields.List(fields.Nested(OptionCountSchema))


class CampaignResultsSchema(Schema):
    """A campaign's aggregates (suppressed: fewer than `minimum` answered, nothing shown)."""

    campaign_id = fields.UUID(attribute="campaign.id")
    title = fields.String(attribute="campaign.title")
    questionnaire_title = fields.String()
    anonymous = fields.Boolean(attribute="campaign.anonymous")
    asked = fields.Integer()
    responses = fields.Integer(allow_none=True)
    suppressed = fields.Boolean()
    minimum = fields.Integer()
    items = fields.List(fields.Nested(ItemResultSchema))
    scales = fields.List(fields.Nested(ScaleResultSchema))


class TrendPointSchema(Schema):
    """One identified response's score."""

    day = fields.Date()
    value = fields.Decimal(as_string=True)
    campaign_title = fields.String()


class TrendSchema(Schema):
    """A family's own scores on one scale over time."""

    questionnaire_title = fields.String()
    scale_title = fields.String()
    points = fields.List(fields.Nested(TrendPointSchema))
