"""The care-activity taxonomy: every built-in activity's code, label and class, and the rule
behind each class. Pure data and lookups (no database, no request): labels are lazy gettext.

Skilled versus unskilled follows Medicare's definition of a skilled service, 42 CFR 409.32(a):
a service "so inherently complex that it can be safely and effectively performed only by, or
under the supervision of, professional or technical personnel". 42 CFR 409.33(b) lists skilled
examples (injections and IV feeding, enteral feeding, nasopharyngeal and tracheostomy
aspiration, sterile catheter insertion and irrigation, dressings needing aseptic technique);
409.33(d) lists personal care that is not skilled (routine oral medications, routine medical
gases once the regimen is set, help dressing, eating and toileting, turning and positioning,
general supervision of exercises already taught). Ventilator management is placed with the
skilled tasks as domain.md does (a licensed respiratory or nursing task in home-care
programs). 409.32(a) also says that a skilled service does not become unskilled because a
non-professional performs it: who performs a task never changes its class here either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

SKILLED = "skilled"
PERSONAL = "personal"
THERAPY = "therapy"
COORDINATION = "coordination"
TRAVEL = "travel"
CLASSES = (SKILLED, PERSONAL, THERAPY, COORDINATION, TRAVEL)
CUSTOM_PREFIX = "custom-"  # codes of activities a family added


@dataclass(frozen=True)
class CareClass:
    """A class of care work, the rule that puts an activity in it, and the rule's source."""

    code: str
    label: Any
    rule: Any
    source: Any  # a citation, kept as written; lazy gettext where it carries words


CLASS_INFO: dict[str, CareClass] = {
    SKILLED: CareClass(
        SKILLED,
        _l("Skilled nursing tasks"),
        _l(
            "So complex that only licensed staff, or someone they supervise, can do it safely. "
            "It stays skilled when a parent does it."
        ),
        "42 CFR 409.32(a), 409.33(b)",
    ),
    PERSONAL: CareClass(
        PERSONAL,
        _l("Personal care"),
        _l("Help with daily living that an aide could give: bathing, dressing, supervision."),
        "42 CFR 409.33(d)",
    ),
    THERAPY: CareClass(
        THERAPY,
        _l("Therapy exercises"),
        _l("Exercises a therapist prescribed and the family carries out at home."),
        "42 CFR 409.33(d)(11)",
    ),
    COORDINATION: CareClass(
        COORDINATION,
        _l("Care coordination"),
        _l("Calls, forms, insurance and appeals, scheduling, pharmacy and supply orders."),
        "Kuo et al., Arch Pediatr Adolesc Med 2011; Ronis et al., Pediatrics 2019",
    ),
    TRAVEL: CareClass(
        TRAVEL,
        _l("Travel to appointments"),
        _l("Driving to and waiting at visits, therapies, the pharmacy and the supplier."),
        _l("42 CFR 409.33(d) (transport is not skilled)"),
    ),
}


@dataclass(frozen=True)
class Activity:
    """One activity of the taxonomy."""

    code: str
    label: Any
    care_class: str


def _a(code: str, label: Any, care_class: str) -> Activity:
    return Activity(code, label, care_class)


ACTIVITIES: tuple[Activity, ...] = (
    # 42 CFR 409.33(b): skilled whoever performs them.
    _a("tube_feeding", _l("Tube feeding (G-tube, NG, J-tube)"), SKILLED),
    _a("trach_care", _l("Tracheostomy care (stoma, ties, changes)"), SKILLED),
    _a("suctioning", _l("Suctioning (trach or nasopharyngeal)"), SKILLED),
    _a("ventilator", _l("Ventilator management"), SKILLED),
    _a("injection_iv", _l("Injections and IV therapy"), SKILLED),
    _a("catheterisation", _l("Sterile catheterisation or irrigation"), SKILLED),
    _a("wound_care", _l("Wound care with aseptic technique"), SKILLED),
    # 42 CFR 409.33(d): personal care, not skilled.
    _a("oral_medication", _l("Routine medications by mouth"), PERSONAL),
    _a("bathing", _l("Bathing"), PERSONAL),
    _a("dressing", _l("Dressing"), PERSONAL),
    _a("toileting", _l("Toileting and incontinence care"), PERSONAL),
    _a("feeding_by_mouth", _l("Feeding by mouth"), PERSONAL),
    _a("repositioning", _l("Repositioning and transfers"), PERSONAL),
    _a("overnight_supervision", _l("Overnight supervision"), PERSONAL),
    _a("routine_oxygen", _l("Routine oxygen (once the regimen is set)"), PERSONAL),
    _a("equipment_cleaning", _l("Cleaning and setting up equipment"), PERSONAL),
    _a("therapy_exercises", _l("Home therapy exercises (PT, OT, speech)"), THERAPY),
    _a("stretching_splints", _l("Stretching, splints and standing frame"), THERAPY),
    _a("coordination_calls", _l("Calls with the care team"), COORDINATION),
    _a("forms", _l("Forms and paperwork"), COORDINATION),
    _a("insurance_appeals", _l("Insurance, authorisations and appeals"), COORDINATION),
    _a("scheduling", _l("Scheduling appointments and nursing"), COORDINATION),
    _a("pharmacy_supplies", _l("Pharmacy and supply orders"), COORDINATION),
    _a("school_coordination", _l("School and IEP coordination"), COORDINATION),
    _a("travel_appointments", _l("Travel to appointments"), TRAVEL),
    _a("travel_pharmacy", _l("Travel to the pharmacy or supplier"), TRAVEL),
)
BY_CODE: dict[str, Activity] = {activity.code: activity for activity in ACTIVITIES}


def builtin(code: str) -> Activity | None:
    """The built-in activity with this code, if any."""
    return BY_CODE.get(code)


def class_label(code: str) -> str:
    """A class's label in the reader's language."""
    info = CLASS_INFO.get(code)
    return str(info.label) if info else code
