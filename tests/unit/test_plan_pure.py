"""The plan's pure parts: readable diffs, review dates, ETags."""

from __future__ import annotations

from datetime import date

from familyapp.core.api import etag, version_from_etag
from familyapp.plan.diff import diff_documents
from familyapp.plan.service import add_months, upgraded


def _doc(**sections):
    base = {"summary": "", "baseline": {}, "medications": [], "allergies": []}
    base.update(sections)
    return base


def test_diff_matches_items_by_id_and_names_changed_fields():
    old = _doc(
        medications=[
            {"id": "a", "name": "Baclofen", "dose_amount": "10", "dose_unit": "mg"},
            {"id": "b", "name": "Omeprazole", "dose_amount": "10", "dose_unit": "mg"},
        ]
    )
    new = _doc(
        summary="New two-liner",
        medications=[
            {"id": "b", "name": "Omeprazole", "dose_amount": "10", "dose_unit": "mg"},
            {"id": "a", "name": "Baclofen", "dose_amount": "15", "dose_unit": "mg"},
            {"id": "c", "name": "Clobazam", "dose_amount": "5", "dose_unit": "mg"},
        ],
        allergies=[],
    )
    changes = diff_documents(old, new)
    kinds = [(c.section, c.kind, c.label) for c in changes]
    assert kinds == [
        ("summary", "changed", ""),
        ("medications", "changed", "Baclofen"),
        ("medications", "added", "Clobazam"),
    ]
    baclofen = changes[1]
    assert [(f.field, f.before, f.after) for f in baclofen.fields] == [("dose_amount", "10", "15")]


def test_diff_reports_removals_and_baseline_fields():
    old = _doc(allergies=[{"id": "x", "substance": "Latex"}], baseline={"neuro": "alert"})
    new = _doc(baseline={"neuro": "alert", "vitals": "HR 90-120"})
    changes = diff_documents(old, new)
    assert [(c.section, c.kind) for c in changes] == [
        ("baseline", "changed"),
        ("allergies", "removed"),
    ]
    assert changes[0].fields[0].field == "vitals"
    assert diff_documents(old, old) == []


def test_review_cycle_months_clamp_to_month_end():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 23), 6) == date(2027, 5, 23)
    assert add_months(date(2026, 1, 15), 12) == date(2027, 1, 15)


def test_etag_round_trip():
    assert version_from_etag("plan", etag("plan", 7)) == 7
    assert version_from_etag("plan", 'W/"plan-3"') == 3
    assert version_from_etag("plan", '"something-else"') is None
    assert version_from_etag("plan", '"plan-x"') is None
    assert version_from_etag("plan", '"ap-3"') is None
    assert version_from_etag("plan", None) is None


def test_new_empty_equipment_fields_are_no_change_in_the_diff():
    # A plan saved before model and balloon volume existed, read back with their defaults.
    old = _doc(equipment=[{"id": "t", "name": "Trach", "kind": "tracheostomy", "size": "4.0"}])
    new = _doc(
        equipment=[
            {
                "id": "t",
                "name": "Trach",
                "kind": "tracheostomy",
                "size": "4.0",
                "model": "",
                "balloon_volume_ml": None,
            }
        ]
    )
    assert diff_documents(old, new) == []
    filled = _doc(equipment=[dict(new["equipment"][0], model="Shiley pediatric, cuffless")])
    [change] = diff_documents(new, filled)
    assert [f.field for f in change.fields] == ["model"]


def test_demo_equipment_uses_the_structured_fields():
    from familyapp.plan import demo_data
    from familyapp.plan.schemas import PlanDocumentSchema

    for version in (demo_data.FIRST_VERSION, demo_data.FULL_VERSION):
        PlanDocumentSchema().load(version)  # valid as it is
    by_kind = {item["kind"]: item for item in demo_data.FULL_VERSION["equipment"]}
    trach = by_kind["tracheostomy"]
    assert trach["size"] == "4.0" and trach["model"] == "Shiley pediatric, cuffless"
    gtube = by_kind["gastrostomy"]
    assert gtube["model"].startswith("MIC-KEY") and gtube["size"] == "14 Fr, 1.5 cm"
    assert gtube["balloon_volume_ml"] == "5"
    assert by_kind["suction"]["size"] == "8 Fr"
    assert (
        "Trilogy" in by_kind["ventilator"]["model"] and "PEEP" in by_kind["ventilator"]["settings"]
    )
    assert "0.5 L/min" in by_kind["oxygen"]["settings"]
    assert by_kind["pump"]["model"] == "Kangaroo Joey"
    assert "DME" in trach["supplier"] and trach["supplier_phone"]


def test_upgrading_fills_new_fields_and_every_reader_gets_its_own_copy():
    stored = {"summary": "Maya, 7", "medications": [{"id": "a", "name": "Baclofen"}]}
    first = upgraded(stored)
    assert first["summary"] == "Maya, 7" and first["allergies"] == []  # added since it was saved
    assert "route" in first["medications"][0] and "dose_unit" in first["medications"][0]
    first["medications"][0]["name"] = "Changed by a reader"
    first["summary"] = "Changed too"
    again = upgraded(stored)  # answered from the per-process cache
    assert again["medications"][0]["name"] == "Baclofen" and again["summary"] == "Maya, 7"
    assert stored == {"summary": "Maya, 7", "medications": [{"id": "a", "name": "Baclofen"}]}


def test_a_document_saved_under_older_rules_is_shown_as_it_was():
    stored = {"summary": "x" * 100_000, "medications": "not a list"}
    assert upgraded(stored) == stored
