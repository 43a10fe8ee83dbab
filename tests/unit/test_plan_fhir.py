"""The FHIR export: a realistic plan becomes a valid R4 Bundle whose references all resolve."""

from __future__ import annotations

import ast
import json
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from familyapp.plan import fhir
from familyapp.plan.schemas import PlanDocumentSchema
from familyapp.plan.service import PlanView

CHILD_ID = uuid.UUID("6f1c2b9e-3d4a-4f5b-9c8d-7e6f5a4b3c2d")

DOCUMENT: dict[str, Any] = {
    "summary": "Lucía, 5, hypoxic-ischemic encephalopathy with epilepsy; trach and ventilator at "
    "night, fully G-tube fed.",
    "baseline": {
        "vitals": "HR 90-120 awake; SpO2 94-98% on room air by day.",
        "neuro": "Startles when woken; these are not seizures.",
        "communication": "Smiles for yes, looks away for no.",
    },
    "problems": [
        {"name": "Epilepsy", "details": "Usual seizure: eyes to the right, 1-2 minutes."},
        {"name": "Chronic respiratory failure", "details": "Trach since 2021."},
        {"name": "Aspiration pneumonia (2023)", "status": "resolved"},
    ],
    "allergies": [
        {"substance": "Latex", "reaction": "Hives and wheezing", "severity": "life_threatening"},
        {"substance": "Amoxicillin", "reaction": "Diffuse rash", "severity": "moderate"},
        {"substance": "Adhesive tape", "severity": "severe"},
        {"substance": "Chlorhexidine", "reaction": "Redness", "severity": "mild"},
    ],
    "medications": [
        {
            "name": "Levetiracetam",
            "dose_amount": "500",
            "dose_unit": "mg",
            "route": "g_tube",
            "schedule": "Twice daily, 8 am and 8 pm",
            "purpose": "Seizures",
            "prescriber": "Dr. Sam Patel (Neurology)",
        },
        {
            "name": "Glycopyrrolate",
            "dose_amount": "0.5",
            "dose_unit": "mg",
            "route": "g_tube",
            "schedule": "Three times daily",
            "purpose": "Secretions",
        },
        {
            "name": "Midazolam (rescue)",
            "dose_amount": "5",
            "dose_unit": "mg",
            "route": "intranasal",
            "schedule": "Once, if a seizure lasts more than 5 minutes",
            "notes": "Call 911 after giving it.",
        },
        {
            "name": "Albuterol",
            "dose_amount": "2",
            "dose_unit": "puffs",
            "route": "inhaled",
            "schedule": "Every 4 hours as needed",
        },
        {"name": "Barrier cream", "route": "topical", "schedule": "With each diaper change"},
    ],
    "equipment": [
        {
            "name": "Tracheostomy tube",
            "kind": "tracheostomy",
            "size": "Bivona pediatric 4.0, cuffless",
            "settings": "Spare trach and a 3.5 in the go-bag.",
            "supplier": "Lakeside Medical Supply",
            "supplier_phone": "(312) 555-0142",
        },
        {
            "name": "Home ventilator",
            "kind": "ventilator",
            "settings": "Nights: PC mode, IPAP 18, PEEP 6, rate 20.",
        },
        {"name": "G-tube (MIC-KEY)", "kind": "gastrostomy", "size": "14 Fr, 1.7 cm"},
    ],
    "contacts": [
        {
            "name": "Dr. Elena Morales",
            "kind": "care_team",
            "role": "Complex care pediatrician",
            "organization": "Children's Complex Care Clinic",
            "phone": "(312) 555-0100",
            "email": "complexcare@example.org",
        },
        {
            "name": "Dr. Sam Patel",
            "kind": "care_team",
            "role": "Neurologist",
            "phone": "(312) 555-0102",
            "notes": "Seizure questions on weekdays.",
        },
        {
            "name": "BrightPath Home Health",
            "kind": "agency",
            "role": "Home nursing, weeknights",
            "phone": "(312) 555-0150",
        },
        {"name": "Lakeside Medical Supply", "kind": "agency", "role": "DME and supplies"},
    ],
    "goals": [
        {"goal": "Goes to school four days a week", "who": "Parents", "by_when": "2027-01-31"},
        {"goal": "Try a speaking valve", "status": "on_hold"},
        {"goal": "Home by her birthday", "status": "done", "by_when": "2026-02-01"},
    ],
    "transitions": [
        {"kind": "hospital_to_home", "status": "done", "plan": "Two trained caregivers."},
        {"kind": "school", "target_date": "2027-01-05", "plan": "Start first grade with a nurse."},
    ],
    "avoid": [
        {"what": "Latex gloves and catheters", "why": "Life-threatening latex allergy."},
        {"what": "Sedatives without an airway plan"},
    ],
}


def _stored(document: dict[str, Any]) -> dict[str, Any]:
    schema = PlanDocumentSchema()
    stored: dict[str, Any] = schema.dump(schema.load(document))
    return stored


def _child(**overrides: Any) -> SimpleNamespace:
    values: dict[str, Any] = {
        "id": CHILD_ID,
        "display_name": "Lucía Rivera",
        "birth_date": date(2020, 5, 17),
        "pronouns": "she/her",
        "preferred_language": "es",
    }
    values.update(overrides)
    return SimpleNamespace(**values)


def _view(document: dict[str, Any], version: int = 3) -> PlanView:
    saved = datetime(2026, 3, 1, 14, 30, tzinfo=UTC) if version else None
    return PlanView(
        child_id=CHILD_ID,
        version=version,
        document=document,
        updated_at=saved,
        updated_by="Ana Rivera" if version else None,
        reviewed_at=datetime(2026, 2, 20, 9, 0, tzinfo=UTC) if version else None,
        reviewed_by="Dr. Elena Morales" if version else None,
        review_due=None,
        review_overdue=False,
    )


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return _stored(DOCUMENT)


@pytest.fixture(scope="module")
def bundle(document: dict[str, Any]) -> dict[str, Any]:
    return fhir.plan_bundle(_child(), _view(document))


def _resources(bundle: dict[str, Any], kind: str | None = None) -> list[dict[str, Any]]:
    return [
        entry["resource"]
        for entry in bundle["entry"]
        if kind is None or entry["resource"]["resourceType"] == kind
    ]


def _one(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    found = _resources(bundle, kind)
    assert len(found) == 1, kind
    return found[0]


def _by_text(resources: list[dict[str, Any]], path: str, text: str) -> dict[str, Any]:
    matches = [r for r in resources if r[path]["text"] == text]
    assert len(matches) == 1, text
    return matches[0]


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [ref for value in node.values() for ref in _references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _references(value)]
    return []


def _assert_valid(bundle: dict[str, Any]) -> None:
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
    full_urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(full_urls) == len(set(full_urls)), "fullUrl must be unique (bdl-7)"
    json.dumps(bundle)  # plain JSON: no dates, decimals or UUID objects left


def test_full_plan_is_a_valid_r4_bundle(bundle: dict[str, Any]) -> None:
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "collection"
    assert bundle["timestamp"] == "2026-03-01T14:30:00.000+00:00"
    _assert_valid(bundle)


def test_invalid_resources_are_caught_by_the_validator(bundle: dict[str, Any]) -> None:
    # The check above can fail: a MedicationStatement without its subject is rejected.
    broken = dict(_resources(bundle, "MedicationStatement")[0])
    del broken["subject"]
    with pytest.raises(ValueError, match="subject"):
        get_fhir_model_class("MedicationStatement").model_validate(broken)


def test_one_resource_per_item(bundle: dict[str, Any], document: dict[str, Any]) -> None:
    counts = Counter(r["resourceType"] for r in _resources(bundle))
    care_team = [c for c in document["contacts"] if c["kind"] == "care_team"]
    assert counts == {
        "Patient": 1,
        "CarePlan": 1,
        "CareTeam": 1,
        "Condition": len(document["problems"]),
        "AllergyIntolerance": len(document["allergies"]),
        "MedicationStatement": len(document["medications"]),
        "Device": len(document["equipment"]),
        "DeviceUseStatement": len(document["equipment"]),
        "Practitioner": len(care_team),
        "Organization": len(document["contacts"]) - len(care_team),
        "Goal": len(document["goals"]),
    }
    assert len(_one(bundle, "CareTeam")["participant"]) == len(document["contacts"])
    assert len(_one(bundle, "CarePlan")["activity"]) == len(document["transitions"])


def test_every_reference_resolves_inside_the_bundle(bundle: dict[str, Any]) -> None:
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    references = _references(bundle)
    assert len(references) > 30
    assert set(references) <= full_urls
    # Everything but the plan itself is reachable from the CarePlan or the CareTeam.
    reachable = set(_references(_one(bundle, "CarePlan"))) | set(
        _references(_one(bundle, "CareTeam"))
    )
    for resource in _resources(bundle, "DeviceUseStatement"):
        reachable |= set(_references(resource))
    assert reachable == full_urls - {f"urn:uuid:{_one(bundle, 'CarePlan')['id']}"}


def test_resource_ids_reuse_item_ids_and_are_stable(
    bundle: dict[str, Any], document: dict[str, Any]
) -> None:
    ids = {r["id"] for r in _resources(bundle)}
    for section in ("problems", "allergies", "medications", "equipment", "contacts", "goals"):
        for item in document[section]:
            assert item["id"] in ids, section
    assert _one(bundle, "Patient")["id"] == str(CHILD_ID)
    assert fhir.plan_bundle(_child(), _view(document)) == bundle


def test_patient(bundle: dict[str, Any]) -> None:
    patient = _one(bundle, "Patient")
    assert patient["name"] == [{"text": "Lucía Rivera"}]
    assert patient["birthDate"] == "2020-05-17"
    language = patient["communication"][0]["language"]["coding"][0]
    assert language == {"system": "urn:ietf:bcp:47", "code": "es"}
    pronouns = patient["extension"][0]
    assert pronouns["url"] == "http://hl7.org/fhir/StructureDefinition/individual-pronouns"
    assert pronouns["extension"][0]["valueCodeableConcept"]["text"] == "she/her"


def test_care_plan(bundle: dict[str, Any], document: dict[str, Any]) -> None:
    plan = _one(bundle, "CarePlan")
    patient_url = f"urn:uuid:{CHILD_ID}"
    assert (plan["status"], plan["intent"]) == ("active", "plan")
    assert plan["title"] == "Shared plan of care"
    assert plan["description"] == document["summary"]
    assert plan["subject"]["reference"] == patient_url
    assert plan["meta"]["versionId"] == "3"
    notes = [note["text"] for note in plan["note"]]
    assert "Avoid: Latex gloves and catheters — Life-threatening latex allergy." in notes
    assert "Avoid: Sedatives without an airway plan" in notes
    assert any(note.endswith("Smiles for yes, looks away for no.") for note in notes)
    assert plan["note"][-1]["time"] == "2026-02-20T09:00:00.000+00:00"
    # Active problems are addressed; the resolved one is kept as supporting history.
    addressed = {ref["display"] for ref in plan["addresses"]}
    assert addressed == {"Epilepsy", "Chronic respiratory failure"}
    assert len(plan["goal"]) == len(document["goals"])
    assert plan["careTeam"][0]["reference"] == f"urn:uuid:{_one(bundle, 'CareTeam')['id']}"
    supporting = {ref["reference"] for ref in plan["supportingInfo"]}
    for kind in ("MedicationStatement", "DeviceUseStatement", "AllergyIntolerance"):
        assert {f"urn:uuid:{r['id']}" for r in _resources(bundle, kind)} <= supporting
    details = [activity["detail"] for activity in plan["activity"]]
    assert [d["status"] for d in details] == ["completed", "in-progress"]
    assert details[1]["description"] == "Start first grade with a nurse."
    assert details[1]["scheduledPeriod"] == {"end": "2027-01-05"}
    assert "scheduledPeriod" not in details[0]


def test_medications(bundle: dict[str, Any]) -> None:
    statements = _resources(bundle, "MedicationStatement")
    assert {s["status"] for s in statements} == {"active"}
    levetiracetam = _by_text(statements, "medicationCodeableConcept", "Levetiracetam")
    dosage = levetiracetam["dosage"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"] == {
        "value": 500,
        "unit": "mg",
        "system": "http://unitsofmeasure.org",
        "code": "mg",
    }
    assert dosage["text"] == "Twice daily, 8 am and 8 pm"
    assert dosage["route"]["text"] == "Via gastrostomy tube (G-tube)"
    assert levetiracetam["reasonCode"] == [{"text": "Seizures"}]
    assert {"text": "Prescribed by: Dr. Sam Patel (Neurology)"} in levetiracetam["note"]

    glyco = _by_text(statements, "medicationCodeableConcept", "Glycopyrrolate")
    assert glyco["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 0.5
    # A unit with no obvious UCUM code keeps the family's word and no code (qty-3).
    albuterol = _by_text(statements, "medicationCodeableConcept", "Albuterol")
    assert albuterol["dosage"][0]["doseAndRate"][0]["doseQuantity"] == {"value": 2, "unit": "puffs"}
    cream = _by_text(statements, "medicationCodeableConcept", "Barrier cream")
    assert "doseAndRate" not in cream["dosage"][0]
    assert cream["dosage"][0]["text"] == "With each diaper change"


def test_allergies(bundle: dict[str, Any]) -> None:
    allergies = _resources(bundle, "AllergyIntolerance")
    latex = _by_text(allergies, "code", "Latex")
    assert latex["criticality"] == "high"
    assert latex["reaction"][0]["severity"] == "severe"
    assert latex["reaction"][0]["manifestation"][0]["text"] == "Hives and wheezing"
    assert latex["clinicalStatus"]["coding"][0]["code"] == "active"
    assert latex["patient"]["reference"] == f"urn:uuid:{CHILD_ID}"
    tape = _by_text(allergies, "code", "Adhesive tape")
    assert tape["criticality"] == "high"
    assert "reaction" not in tape  # manifestation is required; there is none to give
    assert _by_text(allergies, "code", "Amoxicillin")["criticality"] == "low"
    mild = _by_text(allergies, "code", "Chlorhexidine")
    assert (mild["criticality"], mild["reaction"][0]["severity"]) == ("low", "mild")


def test_problems_goals_equipment_and_contacts(bundle: dict[str, Any]) -> None:
    conditions = _resources(bundle, "Condition")
    statuses = {c["code"]["text"]: c["clinicalStatus"]["coding"][0]["code"] for c in conditions}
    assert statuses["Aspiration pneumonia (2023)"] == "resolved"
    assert statuses["Epilepsy"] == "active"

    goals = _resources(bundle, "Goal")
    school = _by_text(goals, "description", "Goes to school four days a week")
    assert school["target"] == [{"dueDate": "2027-01-31"}]
    assert school["note"] == [{"text": "Who: Parents"}]
    valve = _by_text(goals, "description", "Try a speaking valve")
    assert valve["lifecycleStatus"] == "on-hold"
    assert "target" not in valve
    assert _by_text(goals, "description", "Home by her birthday")["lifecycleStatus"] == "completed"

    devices = {d["id"]: d for d in _resources(bundle, "Device")}
    trach = next(d for d in devices.values() if d["type"]["text"] == "Tracheostomy")
    assert trach["deviceName"] == [{"name": "Tracheostomy tube", "type": "user-friendly-name"}]
    assert {"text": "Size: Bivona pediatric 4.0, cuffless"} in trach["note"]
    for use in _resources(bundle, "DeviceUseStatement"):
        assert use["device"]["reference"].removeprefix("urn:uuid:") in devices
        assert use["id"] not in devices

    morales = next(
        p for p in _resources(bundle, "Practitioner") if "Morales" in p["name"][0]["text"]
    )
    assert {"system": "email", "value": "complexcare@example.org", "use": "work"} in morales[
        "telecom"
    ]
    team = _one(bundle, "CareTeam")
    by_member = {p["member"]["reference"]: p for p in team["participant"]}
    entry = by_member[f"urn:uuid:{morales['id']}"]
    assert entry["role"] == [{"text": "Complex care pediatrician"}]
    assert entry["onBehalfOf"] == {"display": "Children's Complex Care Clinic"}
    for organization in _resources(bundle, "Organization"):
        assert "onBehalfOf" not in by_member[f"urn:uuid:{organization['id']}"]  # ctm-1
    assert {"text": "Dr. Sam Patel: Seizure questions on weekdays."} in team["note"]


def test_empty_plan_is_still_a_valid_bundle() -> None:
    bundle = fhir.plan_bundle(
        _child(birth_date=None, pronouns=None, preferred_language=None), _view(_stored({}), 0)
    )
    _assert_valid(bundle)
    assert [r["resourceType"] for r in _resources(bundle)] == ["Patient", "CarePlan"]
    assert "timestamp" not in bundle
    plan = _one(bundle, "CarePlan")
    assert plan["subject"]["reference"] == f"urn:uuid:{CHILD_ID}"
    assert plan["status"] == "draft"  # nothing saved yet
    patient = _one(bundle, "Patient")
    assert not {"birthDate", "communication", "extension"} & patient.keys()


def test_odd_item_ids_still_give_unique_stable_uuids(document: dict[str, Any]) -> None:
    odd = json.loads(json.dumps(document))
    odd["problems"][0]["id"] = "p1"  # imported from elsewhere: not a UUID
    odd["problems"][1]["id"] = odd["allergies"][0]["id"]  # a repeated id
    bundle = fhir.plan_bundle(_child(), _view(odd))
    _assert_valid(bundle)
    conditions = _resources(bundle, "Condition")
    assert all(uuid.UUID(c["id"]) for c in conditions)
    assert fhir.plan_bundle(_child(), _view(odd)) == bundle
    assert set(_references(bundle)) <= {entry["fullUrl"] for entry in bundle["entry"]}


def test_module_is_pure() -> None:
    tree = ast.parse(Path(fhir.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= {"__future__", "uuid", "collections", "datetime", "decimal", "typing"}
