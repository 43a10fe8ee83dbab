"""Family-written text and its translations, field by field (the pure rules)."""

from __future__ import annotations

from familyapp.plan import texts

DOC = {
    "summary": "Maya, 7, trach and G-tube.",
    "baseline": {
        "vitals": "SpO2 92-96% on room air",
        "neuro": "",
        "communication": "",
        "other": "",
    },
    "medications": [
        {
            "id": "m1",
            "name": "Levetiracetam",
            "schedule": "8 am and 8 pm",
            "purpose": "",
            "notes": "",
        }
    ],
    "goals": [{"id": "g1", "goal": "Walk with a walker at school", "who": "PT"}],
    "allergies": [],
}


def test_plan_fields_follow_items_by_id_and_skip_empty_text():
    paths = [f.path for f in texts.plan_fields(DOC)]
    assert paths == [
        "summary",
        "baseline.vitals",
        "medications.m1.schedule",
        "goals.g1.goal",
        "goals.g1.who",
    ]


def test_action_plan_lines_are_named_by_position():
    fields = texts.action_plan_fields(
        "Seizures",
        {"normal": "", "red": {"signs": [], "steps": ["Give midazolam", "Call 911"]},
         "call": [{"who": "Neuro", "when": "Any cluster"}], "bring": ["This plan"]},
    )  # fmt: skip
    assert [f.path for f in fields] == [
        "title",
        "red.steps.0",
        "red.steps.1",
        "bring.0",
        "call.0.when",
    ]


def test_current_translations_replace_stale_ones_do_not():
    fields = texts.plan_fields(DOC)
    stored = {
        "summary": texts.Stored("Maya, 7, traqueostomía y botón gástrico.",
                                texts.digest(DOC["summary"]), True),
        "medications.m1.schedule": texts.Stored("8 am y 8 pm", texts.digest("9 am"), False),
        "goals.g1.goal": texts.Stored("Caminar con andador en la escuela",
                                      texts.digest(DOC["goals"][0]["goal"]), False),
    }  # fmt: skip
    shown, marks = texts.localized(DOC, fields, stored)
    assert shown["summary"] == "Maya, 7, traqueostomía y botón gástrico."
    assert shown["goals"][0]["goal"] == "Caminar con andador en la escuela"
    # Written from an older original: the reader sees the original as it is now.
    assert shown["medications"][0]["schedule"] == "8 am and 8 pm"
    assert marks == {
        "summary": "translated",
        "baseline.vitals": "original",
        "medications.m1.schedule": "stale",
        "goals.g1.goal": "unverified",
        "goals.g1.who": "original",
    }
    assert DOC["summary"] == "Maya, 7, trach and G-tube."  # the source document is untouched


def test_a_translated_action_plan_line_lands_at_its_position():
    doc = {"red": {"signs": [], "steps": ["Give midazolam", "Call 911"]}}
    fields = texts.action_plan_fields("", doc)
    stored = {"red.steps.1": texts.Stored("Llame al 911", texts.digest("Call 911"), True)}
    shown, _ = texts.localized(doc, fields, stored)
    assert shown["red"]["steps"] == ["Give midazolam", "Llame al 911"]


def test_whitespace_around_the_source_does_not_make_a_translation_stale():
    field = texts.SourceField("summary", "summary", "summary", "Text. ")
    assert texts.status(field, texts.Stored("Texto.", texts.digest("Text."), False)) == "current"
    assert texts.status(field, texts.Stored("", texts.digest("Text."), False)) is None
    assert texts.direction("ar") == "rtl" and texts.direction("es") == "ltr"
