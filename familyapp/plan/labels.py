"""The words people see for the plan's sections, fields and coded values, in their language.

One place for pages, forms, PDFs and diffs, so a section is called the same everywhere.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

SECTION_TITLES: dict[str, Any] = {
    "summary": _l("Summary"),
    "baseline": _l("What is normal for this child"),
    "allergies": _l("Allergies"),
    "medications": _l("Medications"),
    "equipment": _l("Equipment and supplies"),
    "avoid": _l("Procedures and medications to avoid"),
    "problems": _l("Problems"),
    "goals": _l("Family goals for care"),
    "contacts": _l("Care team and agencies"),
    "transitions": _l("Transition plans"),
}

FIELD_LABELS: dict[str, Any] = {
    "summary": _l("Two-line summary"),
    "vitals": _l("Vital signs"),
    "neuro": _l("Neurological status"),
    "communication": _l("How the child communicates"),
    "other": _l("Other"),
    "goal": _l("Goal"),
    "who": _l("Who does it"),
    "by_when": _l("By when"),
    "status": _l("Status"),
    "name": _l("Name"),
    "details": _l("Details"),
    "substance": _l("Substance"),
    "reaction": _l("Reaction"),
    "severity": _l("Severity"),
    "dose_amount": _l("Dose"),
    "dose_unit": _l("Unit"),
    "route": _l("Route"),
    "schedule": _l("When"),
    "purpose": _l("What it is for"),
    "prescriber": _l("Prescriber"),
    "notes": _l("Notes"),
    "kind": _l("Type"),
    "model": _l("Type or model"),
    "size": _l("Size"),
    "balloon_volume_ml": _l("Balloon volume (mL)"),
    "settings": _l("Settings"),
    "supplier": _l("Supplier"),
    "supplier_phone": _l("Supplier phone"),
    "role": _l("Role"),
    "organization": _l("Organization"),
    "phone": _l("Phone"),
    "email": _l("Email"),
    "plan": _l("Plan"),
    "target_date": _l("Target date"),
    "what": _l("What to avoid"),
    "why": _l("Why"),
}

VALUE_LABELS: dict[str, dict[str, Any]] = {
    "severity": {
        "mild": _l("mild"),
        "moderate": _l("moderate"),
        "severe": _l("severe"),
        "life_threatening": _l("life-threatening"),
    },
    "route": {
        "oral": _l("by mouth"),
        "g_tube": _l("G-tube"),
        "j_tube": _l("J-tube"),
        "nasogastric": _l("NG tube"),
        "inhaled": _l("inhaled"),
        "nebulized": _l("nebulized"),
        "topical": _l("on the skin"),
        "subcutaneous": _l("under the skin (injection)"),
        "intramuscular": _l("into a muscle (injection)"),
        "intravenous": _l("IV"),
        "rectal": _l("rectal"),
        "buccal": _l("inside the cheek"),
        "intranasal": _l("in the nose"),
        "transdermal": _l("patch"),
        "ophthalmic": _l("eye drops"),
        "otic": _l("ear drops"),
        "other": _l("other"),
    },
    "equipment_kind": {
        "tracheostomy": _l("Tracheostomy"),
        "ventilator": _l("Ventilator"),
        "gastrostomy": _l("G-tube / feeding"),
        "suction": _l("Suction"),
        "oxygen": _l("Oxygen"),
        "pump": _l("Pump"),
        "monitor": _l("Monitor"),
        "mobility": _l("Mobility"),
        "diapers": _l("Diapers and continence"),
        "other": _l("Other"),
    },
    "contact_kind": {"care_team": _l("Care team"), "agency": _l("Agency")},
    "transition_kind": {
        "hospital_to_home": _l("Hospital to home"),
        "school": _l("School"),
        "adult_care": _l("Adult care"),
        "other": _l("Other"),
    },
    "status": {"active": _l("active"), "done": _l("done"), "on_hold": _l("on hold")},
    "problem_status": {"active": _l("active"), "resolved": _l("resolved")},
}

# Which coded-value list a field of a section uses.
VALUE_FIELDS: dict[tuple[str, str], str] = {
    ("allergies", "severity"): "severity",
    ("medications", "route"): "route",
    ("equipment", "kind"): "equipment_kind",
    ("contacts", "kind"): "contact_kind",
    ("transitions", "kind"): "transition_kind",
    ("goals", "status"): "status",
    ("transitions", "status"): "status",
    ("problems", "status"): "problem_status",
}


def value_label(section: str, field: str, value: Any) -> str:
    """The translated word for a coded value (the value itself when it has no label)."""
    codes = VALUE_LABELS.get(VALUE_FIELDS.get((section, field), ""), {})
    return str(codes.get(value, value if value is not None else ""))


def field_label(field: str) -> str:
    """The translated label of a field."""
    return str(FIELD_LABELS.get(field, field))


def section_title(section: str) -> str:
    """The translated title of a section."""
    return str(SECTION_TITLES.get(section, section))
