"""The plan as a FHIR R4 Bundle (pure: no web, no database).

One `collection` Bundle holds the Patient, the CarePlan that ties everything together and one
resource per plan item: Condition (problems), AllergyIntolerance, MedicationStatement, Device and
DeviceUseStatement (equipment), Practitioner or Organization (contacts) gathered in a CareTeam,
and Goal. Transitions, the baseline and what to avoid live inside the CarePlan itself.

Resource ids are stable: an item's own id when it is a UUID, otherwise a name-based UUID derived
from the child's id, so exporting the same plan twice gives the same Bundle.

Free text stays free text (`CodeableConcept.text`, `Annotation.text`): the family's words are not
coded, and we invent no codes for them. The text this module adds is English, like FHIR's own
displays; the family's own words are exported in the language they wrote them in.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
BCP47 = "urn:ietf:bcp:47"
UCUM = "http://unitsofmeasure.org"
PRONOUNS_EXTENSION = "http://hl7.org/fhir/StructureDefinition/individual-pronouns"
# The core translation extension on a primitive string: one per language ("lang" + "content").
TRANSLATION_EXTENSION = "http://hl7.org/fhir/StructureDefinition/translation"

PLAN_TITLE = "Shared plan of care"

# AllergyIntolerance.criticality is low | high | unable-to-assess: a reaction that was severe or
# life-threatening means the next one may be too.
_CRITICALITY = {"mild": "low", "moderate": "low", "severe": "high", "life_threatening": "high"}
# AllergyIntolerance.reaction.severity is mild | moderate | severe: it has no life-threatening.
_REACTION_SEVERITY = {
    "mild": "mild",
    "moderate": "moderate",
    "severe": "severe",
    "life_threatening": "severe",
}
_GOAL_LIFECYCLE = {"active": "active", "done": "completed", "on_hold": "on-hold"}
_ACTIVITY_STATUS = {"active": "in-progress", "done": "completed", "on_hold": "on-hold"}

_ROUTES = {
    "oral": "By mouth",
    "g_tube": "Via gastrostomy tube (G-tube)",
    "j_tube": "Via jejunostomy tube (J-tube)",
    "nasogastric": "Via nasogastric tube",
    "inhaled": "Inhaled",
    "nebulized": "Nebulized",
    "topical": "Topical",
    "subcutaneous": "Subcutaneous",
    "intramuscular": "Intramuscular",
    "intravenous": "Intravenous",
    "rectal": "Rectal",
    "buccal": "Buccal",
    "intranasal": "Intranasal",
    "transdermal": "Transdermal",
    "ophthalmic": "Ophthalmic",
    "otic": "Otic",
    "other": "Other",
}
_EQUIPMENT_KINDS = {
    "tracheostomy": "Tracheostomy",
    "ventilator": "Ventilator",
    "gastrostomy": "Gastrostomy / feeding",
    "suction": "Suction",
    "oxygen": "Oxygen",
    "pump": "Pump",
    "monitor": "Monitor",
    "mobility": "Mobility",
    "diapers": "Diapers and continence",
    "other": "Other",
}
_TRANSITION_KINDS = {
    "hospital_to_home": "Transition from hospital to home",
    "school": "Transition to school",
    "adult_care": "Transition to adult care",
    "other": "Transition",
}
_BASELINE_LABELS = {
    "vitals": "Baseline vital signs",
    "neuro": "Baseline neurological status",
    "communication": "How the child communicates",
    "other": "Baseline, other",
}
# The few dose units families write that have one obvious UCUM code (Quantity.code needs
# Quantity.system, qty-3); any other unit is exported as the text the family wrote.
_UCUM_UNITS = {
    "mg": "mg",
    "g": "g",
    "kg": "kg",
    "mcg": "ug",
    "ug": "ug",
    "µg": "ug",
    "ml": "mL",
    "l": "L",
    "mmol": "mmol",
    "meq": "meq",
}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _date(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return None


def _instant(value: Any) -> str | None:
    # FHIR instant and dateTime with a time need a zone; a naive value is UTC (as SQLite gives).
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="milliseconds")


def _number(value: Any) -> int | float | None:
    # Quantity.value is a JSON number: the stored form keeps decimals as strings.
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _concept(text: str) -> dict[str, Any]:
    return {"text": text}


def _coded(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _ref(resource_id: str, display: str | None = None) -> dict[str, Any]:
    reference: dict[str, Any] = {"reference": f"urn:uuid:{resource_id}"}
    if display:
        reference["display"] = display
    return reference


def _notes(*texts: str) -> list[dict[str, Any]]:
    return [{"text": text} for text in texts if text]


def _labelled(label: str, value: str) -> str:
    return f"{label}: {value}" if value else ""


def _translate(element: dict[str, Any], key: str, found: dict[str, str] | None) -> None:
    """Carry the family's current translations of element[key] (FHIR translation extension)."""
    if not found or not element.get(key):
        return
    element["_" + key] = {
        "extension": [
            {
                "url": TRANSLATION_EXTENSION,
                "extension": [
                    {"url": "lang", "valueCode": locale},
                    {"url": "content", "valueString": text},
                ],
            }
            for locale, text in sorted(found.items())
        ]
    }


def _telecom(phone: str, email: str) -> list[dict[str, Any]]:
    points = []
    if phone:
        points.append({"system": "phone", "value": phone, "use": "work"})
    if email:
        points.append({"system": "email", "value": email, "use": "work"})
    return points


class _Ids:
    """Stable, unique resource ids for one child's Bundle."""

    def __init__(self, child_id: uuid.UUID) -> None:
        self.namespace = child_id
        self.used: set[str] = {str(child_id)}

    def derived(self, name: str) -> str:
        """A name-based UUID for a resource that has no id of its own."""
        return self._claim(str(uuid.uuid5(self.namespace, name)), name)

    def item(self, section: str, item: dict[str, Any], index: int) -> str:
        """The item's own id when it is a UUID (not yet used), else one derived from it."""
        raw = _text(item.get("id"))
        try:
            own = str(uuid.UUID(raw))
        except ValueError:
            own = ""
        if own and own not in self.used:
            self.used.add(own)
            return own
        # Not a UUID, or a duplicate (an imported plan may repeat one): Bundle.entry.fullUrl
        # must be unique within the Bundle (bdl-7), so derive one from the section and position.
        return self.derived(f"{section}/{index}/{raw}")

    def _claim(self, candidate: str, name: str) -> str:
        while candidate in self.used:
            candidate = str(uuid.uuid5(uuid.UUID(candidate), name))
        self.used.add(candidate)
        return candidate


def _items(document: dict[str, Any], section: str) -> Iterable[tuple[int, dict[str, Any]]]:
    values = document.get(section) or []
    return ((index, item) for index, item in enumerate(values) if isinstance(item, dict))


def _patient(child: Any) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(child.id),
        "active": True,
        "name": [{"text": child.display_name}],
    }
    birth = _date(getattr(child, "birth_date", None))
    if birth:
        patient["birthDate"] = birth
    pronouns = _text(getattr(child, "pronouns", None))
    if pronouns:
        # R4 Patient has no pronouns element; the Extensions Pack's complex extension
        # individual-pronouns carries them in its "value" sub-extension (a CodeableConcept).
        patient["extension"] = [
            {
                "url": PRONOUNS_EXTENSION,
                "extension": [{"url": "value", "valueCodeableConcept": _concept(pronouns)}],
            }
        ]
    language = _text(getattr(child, "preferred_language", None))
    if language:
        # Patient.communication.language is bound to BCP-47 tags (common-languages).
        patient["communication"] = [
            {"language": {**_coded(BCP47, language), "text": language}, "preferred": True}
        ]
    return patient


def _condition(rid: str, patient_id: str, item: dict[str, Any]) -> dict[str, Any]:
    status = "resolved" if item.get("status") == "resolved" else "active"
    condition: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "clinicalStatus": _coded(CONDITION_CLINICAL, status),
        # Condition.category problem-list-item: these are the plan's problem list, not
        # encounter diagnoses.
        "category": [_coded(CONDITION_CATEGORY, "problem-list-item")],
        "code": _concept(_text(item.get("name"))),
        "subject": _ref(patient_id),
    }
    notes = _notes(_text(item.get("details")))
    if notes:
        condition["note"] = notes
    return condition


def _allergy(rid: str, patient_id: str, item: dict[str, Any]) -> dict[str, Any]:
    severity = item.get("severity") or "moderate"
    allergy: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "id": rid,
        "clinicalStatus": _coded(ALLERGY_CLINICAL, "active"),
        "criticality": _CRITICALITY.get(severity, "unable-to-assess"),
        "code": _concept(_text(item.get("substance"))),
        "patient": _ref(patient_id),
    }
    reaction = _text(item.get("reaction"))
    if reaction:
        # AllergyIntolerance.reaction.manifestation is 1..*: without the family's words for
        # the reaction there is no reaction element, and criticality carries the risk.
        allergy["reaction"] = [
            {
                "manifestation": [_concept(reaction)],
                "severity": _REACTION_SEVERITY.get(severity, "moderate"),
            }
        ]
    else:
        allergy["note"] = _notes(f"Severity: {severity.replace('_', '-')}")
    return allergy


def _medication(rid: str, patient_id: str, item: dict[str, Any]) -> dict[str, Any]:
    dosage: dict[str, Any] = {}
    schedule = _text(item.get("schedule"))
    if schedule:
        dosage["text"] = schedule
    route = item.get("route")
    if route:
        dosage["route"] = _concept(_ROUTES.get(route, str(route)))
    amount = _number(item.get("dose_amount"))
    if amount is not None:
        unit = _text(item.get("dose_unit"))
        quantity: dict[str, Any] = {"value": amount}
        if unit:
            quantity["unit"] = unit
            ucum = _UCUM_UNITS.get(unit.lower())
            if ucum:
                quantity.update(system=UCUM, code=ucum)
        dosage["doseAndRate"] = [{"doseQuantity": quantity}]
    statement: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": rid,
        "status": "active",
        "medicationCodeableConcept": _concept(_text(item.get("name"))),
        "subject": _ref(patient_id),
    }
    purpose = _text(item.get("purpose"))
    if purpose:
        statement["reasonCode"] = [_concept(purpose)]
    # The prescriber is not MedicationStatement.informationSource (who reported the use, here
    # the family) and R4 has no prescriber element outside MedicationRequest: it goes in a note.
    notes = _notes(
        _labelled("Prescribed by", _text(item.get("prescriber"))), _text(item.get("notes"))
    )
    if notes:
        statement["note"] = notes
    if dosage:
        statement["dosage"] = [dosage]
    return statement


def _device(rid: str, patient_id: str, item: dict[str, Any]) -> dict[str, Any]:
    kind = item.get("kind") or "other"
    device: dict[str, Any] = {
        "resourceType": "Device",
        "id": rid,
        "status": "active",
        "deviceName": [{"name": _text(item.get("name")), "type": "user-friendly-name"}],
        "type": _concept(_EQUIPMENT_KINDS.get(kind, str(kind))),
        # Device.patient: the patient the device is affixed to or used by.
        "patient": _ref(patient_id),
    }
    model = _text(item.get("model"))
    if model:
        # DeviceNameType model-name: the name the manufacturer gives this model.
        device["deviceName"].append({"name": model, "type": "model-name"})
    properties = []
    size = _text(item.get("size"))
    if size:
        properties.append({"type": _concept("Size"), "valueCode": [_concept(size)]})
    balloon = _number(item.get("balloon_volume_ml"))
    if balloon is not None:
        # Device.property: a configuration setting with a quantity (R4 DeviceDefinition style).
        properties.append(
            {
                "type": _concept("Balloon volume"),
                "valueQuantity": [{"value": balloon, "unit": "mL", "system": UCUM, "code": "mL"}],
            }
        )
    if properties:
        device["property"] = properties
    supplier = _text(item.get("supplier"))
    phone = _text(item.get("supplier_phone"))
    if phone:
        # Device.contact: whom to call about the device; for a family, the supplier.
        device["contact"] = [{"system": "phone", "value": phone, "use": "work"}]
    supplied_by = " ".join(part for part in (supplier, f"({phone})" if phone else "") if part)
    notes = _notes(
        _labelled("Type or model", model),
        _labelled("Size", size),
        _labelled("Balloon volume", f"{item.get('balloon_volume_ml')} mL" if balloon else ""),
        _labelled("Settings", _text(item.get("settings"))),
        _labelled("Supplier", supplied_by),
        _text(item.get("notes")),
    )
    if notes:
        device["note"] = notes
    return device


def _device_use(rid: str, patient_id: str, device_id: str, name: str) -> dict[str, Any]:
    return {
        "resourceType": "DeviceUseStatement",
        "id": rid,
        "status": "active",
        "subject": _ref(patient_id),
        "device": _ref(device_id, name),
    }


def _contact(rid: str, item: dict[str, Any]) -> dict[str, Any]:
    name = _text(item.get("name"))
    telecom = _telecom(_text(item.get("phone")), _text(item.get("email")))
    if item.get("kind") == "agency":
        resource: dict[str, Any] = {"resourceType": "Organization", "id": rid, "name": name}
    else:
        resource = {"resourceType": "Practitioner", "id": rid, "name": [{"text": name}]}
    if telecom:
        resource["telecom"] = telecom
    return resource


def _participant(rid: str, item: dict[str, Any]) -> dict[str, Any]:
    participant: dict[str, Any] = {"member": _ref(rid, _text(item.get("name")))}
    role = _text(item.get("role"))
    if role:
        participant["role"] = [_concept(role)]
    organization = _text(item.get("organization"))
    # CareTeam.participant.onBehalfOf is only allowed when the member is a Practitioner (ctm-1).
    if organization and item.get("kind") != "agency":
        participant["onBehalfOf"] = {"display": organization}
    return participant


def _contact_note(item: dict[str, Any]) -> str:
    name = _text(item.get("name"))
    organization = _text(item.get("organization"))
    notes = _text(item.get("notes"))
    if item.get("kind") == "agency" and organization and organization != name:
        return f"{name} ({organization})" + (f": {notes}" if notes else "")
    return f"{name}: {notes}" if notes else ""


def _goal(rid: str, patient_id: str, item: dict[str, Any]) -> dict[str, Any]:
    status = item.get("status") or "active"
    goal: dict[str, Any] = {
        "resourceType": "Goal",
        "id": rid,
        "lifecycleStatus": _GOAL_LIFECYCLE.get(status, "active"),
        "description": _concept(_text(item.get("goal"))),
        "subject": _ref(patient_id),
    }
    if status == "done":
        goal["achievementStatus"] = _coded(GOAL_ACHIEVEMENT, "achieved")
    due = _date(item.get("by_when"))
    if due:
        # Goal.target.due[x] without a measure is allowed (gol-1 only needs detail with measure).
        goal["target"] = [{"dueDate": due}]
    notes = _notes(_labelled("Who", _text(item.get("who"))))
    if notes:
        goal["note"] = notes
    return goal


def _activity(item: dict[str, Any]) -> dict[str, Any]:
    kind = item.get("kind") or "other"
    detail: dict[str, Any] = {
        "code": _concept(_TRANSITION_KINDS.get(kind, "Transition")),
        "status": _ACTIVITY_STATUS.get(item.get("status") or "active", "in-progress"),
        "description": _text(item.get("plan")),
    }
    target = _date(item.get("target_date"))
    if target:
        # CarePlan.activity.detail.scheduled[x]: the target date is when the transition should
        # be done by, so a Period that ends then (machine-readable, unlike scheduledString).
        detail["scheduledPeriod"] = {"end": target}
    return {"detail": detail}


def plan_bundle(
    child: Any,
    view: Any,
    translated: dict[str, dict[str, str]] | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """The plan as a FHIR R4 Bundle (type collection), with the family's translations."""
    document: dict[str, Any] = view.document or {}
    tr = translated or {}
    ids = _Ids(child.id)
    patient = _patient(child)
    patient_id = patient["id"]
    plan_id = ids.derived("CarePlan")
    resources: list[dict[str, Any]] = [patient]

    addresses, goals, supporting, participants = [], [], [], []
    team_notes: list[str] = []

    for index, item in _items(document, "problems"):
        condition = _condition(ids.item("problems", item, index), patient_id, item)
        resources.append(condition)
        # CarePlan.addresses: the problems this plan manages; resolved ones stay in the Bundle
        # as history (supportingInfo) but are no longer addressed.
        if item.get("status") == "resolved":
            supporting.append(_ref(condition["id"], condition["code"]["text"]))
        else:
            addresses.append(_ref(condition["id"], condition["code"]["text"]))

    for index, item in _items(document, "allergies"):
        allergy = _allergy(ids.item("allergies", item, index), patient_id, item)
        resources.append(allergy)
        supporting.append(_ref(allergy["id"], allergy["code"]["text"]))

    for index, item in _items(document, "medications"):
        statement = _medication(ids.item("medications", item, index), patient_id, item)
        if statement.get("dosage"):
            _translate(
                statement["dosage"][0], "text", tr.get(f"medications.{item.get('id')}.schedule")
            )
        resources.append(statement)
        # CarePlan.supportingInfo is Reference(Any): the medicines the plan relies on.
        supporting.append(_ref(statement["id"], statement["medicationCodeableConcept"]["text"]))

    for index, item in _items(document, "equipment"):
        device = _device(ids.item("equipment", item, index), patient_id, item)
        name = device["deviceName"][0]["name"]
        use = _device_use(
            ids.derived(f"DeviceUseStatement/{device['id']}"), patient_id, device["id"], name
        )
        resources.extend((device, use))
        supporting.append(_ref(use["id"], name))

    for index, item in _items(document, "contacts"):
        contact = _contact(ids.item("contacts", item, index), item)
        resources.append(contact)
        participants.append(_participant(contact["id"], item))
        note = _contact_note(item)
        if note:
            team_notes.append(note)

    for index, item in _items(document, "goals"):
        goal = _goal(ids.item("goals", item, index), patient_id, item)
        _translate(goal["description"], "text", tr.get(f"goals.{item.get('id')}.goal"))
        resources.append(goal)
        goals.append(_ref(goal["id"], goal["description"]["text"]))

    plan = _care_plan(plan_id, patient_id, child, view, document, tr)
    if language:
        plan["language"] = language  # Resource.language: what the family wrote it in
    if addresses:
        plan["addresses"] = addresses
    if supporting:
        plan["supportingInfo"] = supporting
    if goals:
        plan["goal"] = goals
    if participants:
        team: dict[str, Any] = {
            "resourceType": "CareTeam",
            "id": ids.derived("CareTeam"),
            "status": "active",
            "name": f"Care team for {child.display_name}",
            "subject": _ref(patient_id, child.display_name),
            "participant": participants,
        }
        if team_notes:
            team["note"] = _notes(*team_notes)
        resources.append(team)
        plan["careTeam"] = [_ref(team["id"], team["name"])]
    resources.insert(1, plan)

    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": ids.derived(f"Bundle/{getattr(view, 'version', 0)}"),
        "type": "collection",
    }
    timestamp = _instant(getattr(view, "updated_at", None))
    if timestamp:
        bundle["timestamp"] = timestamp
    bundle["entry"] = [
        {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource} for resource in resources
    ]
    return bundle


def _care_plan(
    plan_id: str,
    patient_id: str,
    child: Any,
    view: Any,
    document: dict[str, Any],
    tr: dict[str, dict[str, str]],
) -> dict[str, Any]:
    version = getattr(view, "version", 0) or 0
    plan: dict[str, Any] = {"resourceType": "CarePlan", "id": plan_id}
    updated = _instant(getattr(view, "updated_at", None))
    if version:
        # Resource.meta.versionId: the plan's own version number, so a receiver can tell
        # which saved version of the plan it holds.
        plan["meta"] = {"versionId": str(version)}
        if updated:
            plan["meta"]["lastUpdated"] = updated
    # A child with no saved plan yet (version 0) exports an empty draft, not an active plan.
    plan["status"] = "active" if version else "draft"
    plan["intent"] = "plan"
    plan["title"] = PLAN_TITLE
    summary = _text(document.get("summary"))
    if summary:
        plan["description"] = summary
        _translate(plan, "description", tr.get("summary"))
    plan["subject"] = _ref(patient_id, child.display_name)

    notes: list[dict[str, Any]] = []
    baseline = document.get("baseline") or {}
    for key, label in _BASELINE_LABELS.items():
        value = _text(baseline.get(key)) if isinstance(baseline, dict) else ""
        if value:
            notes.append({"text": f"{label}: {value}"})
    for _index, item in _items(document, "avoid"):
        what, why = _text(item.get("what")), _text(item.get("why"))
        if what:
            notes.append({"text": f"Avoid: {what}" + (f" — {why}" if why else "")})
    reviewed = _instant(getattr(view, "reviewed_at", None))
    if reviewed:
        # Annotation.time and author[x]: when the plan was last reviewed, and by whom.
        note: dict[str, Any] = {"time": reviewed, "text": "Plan reviewed."}
        reviewer = _text(getattr(view, "reviewed_by", None))
        if reviewer:
            note["authorString"] = reviewer
        notes.append(note)
    if notes:
        plan["note"] = notes

    activities = []
    for _index, item in _items(document, "transitions"):
        activity = _activity(item)
        _translate(activity["detail"], "description", tr.get(f"transitions.{item.get('id')}.plan"))
        activities.append(activity)
    activities = [a for a in activities if a["detail"]["description"]]
    if activities:
        plan["activity"] = activities
    return plan
