"""Action plans: structured (normal, zones with signs and ordered steps, when to call 911, whom
to call, what to bring, what to avoid), validated by one schema for forms, JSON and templates.

Green / yellow / red zones follow the asthma and seizure action plans families already know
(NAEPP asthma action plan; Epilepsy Foundation seizure action plan).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

KINDS = ("seizures", "respiratory", "dystonia", "behaviour", "other")
LINE = 300
TEXT = 2000


def _lines(max_items: int = 30) -> fields.List:
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=LINE)),
        load_default=list,
        validate=validate.Length(max=max_items),
    )


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class ZoneSchema(_Strict):
    """The signs that put the child in a zone, and the steps to take there, in order."""

    signs = _lines()
    steps = _lines()


class CallSchema(_Strict):
    """Someone to call (not 911), and when."""

    who = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        error_messages={"required": _l("This field is required.")},
    )
    phone = fields.String(
        load_default="",
        validate=validate.Regexp(r"^[0-9+()\-. x]{0,40}$", error=_l("Enter a phone number.")),
    )
    when = fields.String(load_default="", validate=validate.Length(max=LINE))


class ActionPlanDocumentSchema(_Strict):
    """The content of one action plan."""

    normal = fields.String(load_default="", validate=validate.Length(max=TEXT))
    green = fields.Nested(ZoneSchema, load_default=lambda: {"signs": [], "steps": []})
    yellow = fields.Nested(ZoneSchema, load_default=lambda: {"signs": [], "steps": []})
    red = fields.Nested(ZoneSchema, load_default=lambda: {"signs": [], "steps": []})
    call_911_when = _lines()
    call = fields.List(
        fields.Nested(CallSchema), load_default=list, validate=validate.Length(max=20)
    )
    bring = _lines()
    avoid = _lines()


class ActionPlanSchema(_Strict):
    """An action plan as created, edited and returned."""

    id = fields.UUID(dump_only=True)
    child_id = fields.UUID(dump_only=True)
    kind = fields.String(load_default="other", validate=validate.OneOf(KINDS))
    title = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        error_messages={"required": _l("This field is required.")},
    )
    document = fields.Nested(ActionPlanDocumentSchema, load_default=dict)
    reviewed_by = fields.String(load_default="", validate=validate.Length(max=120))
    reviewed_on = fields.Date(load_default=None, allow_none=True)
    template = fields.String(dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class FromTemplateSchema(Schema):
    """Start a plan from a template (or blank)."""

    class Meta:
        unknown = EXCLUDE

    template = fields.String(load_default="", validate=validate.OneOf(("", *KINDS[:-1])))


class EmergencyLinkCreateSchema(Schema):
    """A new emergency link: a label and how long it works."""

    class Meta:
        unknown = EXCLUDE

    label = fields.String(
        required=True,
        validate=validate.Length(min=1, max=80),
        error_messages={"required": _l("This field is required.")},
    )
    days = fields.Integer(
        load_default=365,
        validate=validate.Range(min=1, max=730, error=_l("Choose a number from 1 to 730.")),
    )


class EmergencyLinkSchema(Schema):
    """An emergency link as its guardians see it."""

    id = fields.UUID()
    label = fields.String()
    url = fields.String()
    qr_svg_url = fields.String()
    qr_png_url = fields.String()
    expires_at = fields.DateTime()
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    status = fields.String()
    opened_count = fields.Integer()
    last_opened_at = fields.DateTime(allow_none=True)
