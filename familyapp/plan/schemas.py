"""The plan document and its sections. One schema validates the JSON API, the per-section HTML
forms and imported files, so every route reports the same field-level errors.

Sections follow the shared plan of care's critical core elements (domain.md; the seeds' Table 5):
condensed summary, family goals, problems, allergies, medications, equipment with sizes,
care-team and agency contacts, transition plans, baseline, and procedures to avoid.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates,
    validates_schema,
)

from familyapp.core.forms import EmailField
from familyapp.core.ids import new_id
from familyapp.plan import texts

TEXT = 2000  # a field long enough for a clinician's paragraph, short enough to stay readable
LINE = 200

ALLERGY_SEVERITIES = ("mild", "moderate", "severe", "life_threatening")
ROUTES = (
    "oral",
    "g_tube",
    "j_tube",
    "nasogastric",
    "inhaled",
    "nebulized",
    "topical",
    "subcutaneous",
    "intramuscular",
    "intravenous",
    "rectal",
    "buccal",
    "intranasal",
    "transdermal",
    "ophthalmic",
    "otic",
    "other",
)
EQUIPMENT_KINDS = (
    "tracheostomy",
    "ventilator",
    "gastrostomy",
    "suction",
    "oxygen",
    "pump",
    "monitor",
    "mobility",
    "diapers",
    "other",
)
CONTACT_KINDS = ("care_team", "agency")
TRANSITION_KINDS = ("hospital_to_home", "school", "adult_care", "other")
STATUSES = ("active", "done", "on_hold")
PROBLEM_STATUSES = ("active", "resolved")


def _text(max_len: int = LINE, required: bool = False) -> fields.String:
    if required:
        return fields.String(
            required=True,
            validate=validate.Length(min=1, max=max_len),
            error_messages={"required": _l("This field is required.")},
        )
    return fields.String(load_default="", allow_none=False, validate=validate.Length(max=max_len))


class _Strict(Schema):
    class Meta:
        unknown = RAISE  # an unknown field in a plan is a mistake worth reporting, not dropping


class _Item(_Strict):
    """Every list item has a stable id, so edits, diffs and merges can follow it."""

    id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))

    @post_load
    def _give_id(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if not data.get("id"):
            data["id"] = str(new_id())
        return data


class GoalSchema(_Item):
    """A family goal for care, with who does what by when."""

    goal = _text(TEXT, required=True)
    who = _text()
    by_when = fields.Date(load_default=None, allow_none=True)
    status = fields.String(load_default="active", validate=validate.OneOf(STATUSES))


class ProblemSchema(_Item):
    """One entry of the problem list."""

    name = _text(required=True)
    details = _text(TEXT)
    status = fields.String(load_default="active", validate=validate.OneOf(PROBLEM_STATUSES))


class AllergySchema(_Item):
    """An allergy or intolerance: substance, reaction, severity."""

    substance = _text(required=True)
    reaction = _text()
    severity = fields.String(load_default="moderate", validate=validate.OneOf(ALLERGY_SEVERITIES))


class MedicationSchema(_Item):
    """A medication the child takes."""

    name = _text(required=True)
    dose_amount = fields.Decimal(load_default=None, allow_none=True, places=None, as_string=True)
    dose_unit = _text(40)
    route = fields.String(load_default="oral", validate=validate.OneOf(ROUTES))
    schedule = _text()
    purpose = _text()
    prescriber = _text()
    notes = _text(TEXT)

    @validates("dose_amount")
    def _positive(self, value: Decimal | None, **_: Any) -> None:
        if value is not None and (not value.is_finite() or value <= 0):
            raise ValidationError(_l("Enter a dose greater than zero."))
        if value is not None and value >= 100_000:
            raise ValidationError(_l("This dose is too large. Check the number and the unit."))

    # Checked even when other fields are wrong, so an import reports every problem at once.
    @validates_schema(skip_on_field_errors=False)
    def _dose_has_units(self, data: dict[str, Any], **_: Any) -> None:
        # "5" of what? A dose without its unit is how tenfold errors happen (ISMP).
        if data.get("dose_amount") is not None and not data.get("dose_unit", "").strip():
            raise ValidationError(
                {"dose_unit": [_l("Give the unit of the dose (mg, mL, puffs...).")]}
            )


class EquipmentSchema(_Item):
    """Equipment or supplies, with the sizes and settings a stranger would need."""

    name = _text(required=True)
    kind = fields.String(load_default="other", validate=validate.OneOf(EQUIPMENT_KINDS))
    # Every field after `kind` is optional, so plans saved before a field existed stay valid.
    model = _text()  # type or model: "Shiley pediatric cuffless", "MIC-KEY low-profile"
    size = _text()  # as the label says it: "4.0", "14 Fr, 1.5 cm", "8 Fr"
    # A G-tube's balloon is filled with a set volume of water; too little and the button
    # falls out, too much and it can block the stoma, so the number matters to a stranger.
    balloon_volume_ml = fields.Decimal(
        load_default=None, allow_none=True, places=None, as_string=True
    )
    settings = _text(TEXT)
    supplier = _text()
    supplier_phone = _text(40)
    notes = _text(TEXT)

    @validates("balloon_volume_ml")
    def _balloon_volume(self, value: Decimal | None, **_: Any) -> None:
        if value is not None and (not value.is_finite() or value <= 0 or value > 50):
            raise ValidationError(_l("Enter the balloon volume in mL (more than 0, at most 50)."))


class ContactSchema(_Item):
    """A care-team member or an agency, with a role and ways to reach them."""

    name = _text(required=True)
    kind = fields.String(load_default="care_team", validate=validate.OneOf(CONTACT_KINDS))
    role = _text()
    organization = _text()
    phone = fields.String(
        load_default="",
        validate=validate.Regexp(r"^[0-9+()\-. x]{0,40}$", error=_l("Enter a phone number.")),
    )
    email = EmailField(load_default=None, allow_none=True)
    notes = _text(TEXT)

    @post_load
    def _blank_email(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data = super()._give_id(data, **kwargs)
        if data.get("email") == "":
            data["email"] = None
        return data


class TransitionSchema(_Item):
    """A transition plan: hospital to home, to school, to adult care."""

    kind = fields.String(load_default="other", validate=validate.OneOf(TRANSITION_KINDS))
    plan = _text(TEXT, required=True)
    target_date = fields.Date(load_default=None, allow_none=True)
    status = fields.String(load_default="active", validate=validate.OneOf(STATUSES))


class AvoidSchema(_Item):
    """A procedure or medication to avoid, and why."""

    what = _text(required=True)
    why = _text(TEXT)


class BaselineSchema(_Strict):
    """What is normal for this child."""

    vitals = _text(TEXT)
    neuro = _text(TEXT)
    communication = _text(TEXT)
    other = _text(TEXT)


class SummarySchema(_Strict):
    """The two-line condensed summary a clinician would say at sign-out."""

    summary = _text(400)


LIST_SECTIONS: dict[str, type[_Item]] = {
    "goals": GoalSchema,
    "problems": ProblemSchema,
    "allergies": AllergySchema,
    "medications": MedicationSchema,
    "equipment": EquipmentSchema,
    "contacts": ContactSchema,
    "transitions": TransitionSchema,
    "avoid": AvoidSchema,
}


class PlanDocumentSchema(_Strict):
    """The whole plan, as stored, exported, imported and sent to PUT."""

    summary = _text(400)
    baseline = fields.Nested(BaselineSchema, load_default=dict)
    goals = fields.List(
        fields.Nested(GoalSchema), load_default=list, validate=validate.Length(max=200)
    )
    problems = fields.List(
        fields.Nested(ProblemSchema), load_default=list, validate=validate.Length(max=200)
    )
    allergies = fields.List(
        fields.Nested(AllergySchema), load_default=list, validate=validate.Length(max=200)
    )
    medications = fields.List(
        fields.Nested(MedicationSchema), load_default=list, validate=validate.Length(max=200)
    )
    equipment = fields.List(
        fields.Nested(EquipmentSchema), load_default=list, validate=validate.Length(max=200)
    )
    contacts = fields.List(
        fields.Nested(ContactSchema), load_default=list, validate=validate.Length(max=200)
    )
    transitions = fields.List(
        fields.Nested(TransitionSchema), load_default=list, validate=validate.Length(max=200)
    )
    avoid = fields.List(
        fields.Nested(AvoidSchema), load_default=list, validate=validate.Length(max=200)
    )


class StoredDocument(fields.Nested):
    """The plan document as stored: already in its JSON form, so it is sent as it is.

    Nested (not Dict) so the OpenAPI document still describes every section and field.
    """

    # marshmallow names the first parameter differently in Field and Nested; either way it is
    # the stored document.
    def _serialize(self, nested_obj: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return nested_obj


class PlanSchema(Schema):
    """A plan as the API returns it: the document and its version metadata."""

    child_id = fields.UUID()
    version = fields.Integer()
    document = StoredDocument(PlanDocumentSchema)
    updated_at = fields.DateTime(allow_none=True)
    updated_by = fields.String(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    reviewed_by = fields.String(allow_none=True)
    review_due = fields.Date(allow_none=True)
    review_overdue = fields.Boolean()


class VersionSchema(Schema):
    """One saved version of a plan."""

    number = fields.Integer()
    created_at = fields.DateTime()
    created_by = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    document = StoredDocument(PlanDocumentSchema)


class VersionSummarySchema(Schema):
    """A line of the plan's history."""

    number = fields.Integer()
    created_at = fields.DateTime()
    created_by = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class ReviewSchema(Schema):
    """Mark the plan reviewed (one action)."""

    class Meta:
        unknown = EXCLUDE

    version = fields.Integer(load_default=None, allow_none=True)


class TranslationValueSchema(_Strict):
    """One field's translation as a person submits it."""

    text = fields.String(load_default="", validate=validate.Length(max=texts.MAX_TEXT))
    verified = fields.Boolean(load_default=False)


class TranslationsUpdateSchema(_Strict):
    """Translations of some fields into one language: {path: {text, verified}}."""

    translations = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=120)),
        values=fields.Nested(TranslationValueSchema),
        required=True,
        validate=validate.Length(max=2000),
        error_messages={"required": _l("This field is required.")},
    )


class TranslationFieldSchema(Schema):
    """A translatable field, its original and its translation."""

    path = fields.String()
    section = fields.String()
    name = fields.String()
    source = fields.String()
    text = fields.String()
    status = fields.String(allow_none=True, metadata={"description": "null, current or stale"})
    source_then = fields.String()
    written_by = fields.String(allow_none=True)
    written_at = fields.DateTime(allow_none=True)
    verified_by = fields.String(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)


class TranslationsSchema(Schema):
    """The translations of a plan (or action plan) into one language."""

    language = fields.String(metadata={"description": "the language the family writes in"})
    direction = fields.String(metadata={"description": "ltr or rtl, for the translations"})
    locale = fields.String()
    texts = fields.List(fields.Nested(TranslationFieldSchema))


class LanguageSchema(_Strict):
    """The language the family writes the plan in."""

    language = fields.String(
        required=True,
        validate=validate.OneOf(texts.TEXT_LANGUAGES),
        error_messages={"required": _l("This field is required.")},
    )


def translations_from_form(form: Any, paths: list[str]) -> dict[str, dict[str, Any]]:
    """The {path: {text, verified}} a translation form sent, for the fields it showed."""
    return {
        path: {"text": form.get(f"text:{path}", ""), "verified": bool(form.get(f"verified:{path}"))}
        for path in paths
        if f"text:{path}" in form
    }
