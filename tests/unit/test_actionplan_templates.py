"""Action plan starting templates: valid, complete, clearly to be completed, and copied out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from familyapp.actionplans import templates_data
from familyapp.actionplans.schemas import KINDS, LINE, ActionPlanDocumentSchema

TEMPLATE_KINDS = ("seizures", "respiratory", "dystonia", "behaviour")
PLACEHOLDER = re.compile(r"\[[^\[\]]+\]")


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a document (dict values, list items), depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_the_four_kinds_are_there_and_known_to_the_schema() -> None:
    assert tuple(templates_data.TEMPLATES) == TEMPLATE_KINDS
    assert set(TEMPLATE_KINDS) <= set(KINDS)


def test_disclaimer_text_is_exact() -> None:
    assert templates_data.DISCLAIMER == (
        "A starting point, not medical advice: complete it and review it with the child's "
        "clinician."
    )


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_document_loads_through_the_schema_unchanged(app: Flask, kind: str) -> None:
    document = templates_data.template_document(kind)
    with app.test_request_context("/"):
        schema = ActionPlanDocumentSchema()
        assert schema.validate(document) == {}
        loaded = schema.load(document)
    assert loaded == document


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_every_section_is_filled_in(kind: str) -> None:
    document = templates_data.template_document(kind)
    assert document["normal"].strip()
    for zone in ("green", "yellow", "red"):
        assert document[zone]["signs"], f"{kind}: {zone} has no signs"
        assert document[zone]["steps"], f"{kind}: {zone} has no steps"
    assert len(document["call_911_when"]) >= 3
    assert document["bring"]
    assert document["avoid"]
    assert len(document["call"]) >= 1
    for entry in document["call"]:
        assert entry["who"].strip()
        assert entry["phone"] == ""
        assert entry["when"].strip()
        assert PLACEHOLDER.fullmatch(entry["who"]), entry["who"]


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_placeholders_show_it_is_to_be_completed(kind: str) -> None:
    document = templates_data.template_document(kind)
    assert PLACEHOLDER.search(document["normal"])
    for zone in ("green", "yellow", "red"):
        assert any(PLACEHOLDER.search(step) for step in document[zone]["steps"]), zone
    assert any(PLACEHOLDER.search(line) for line in document["call_911_when"])
    for text in _strings(document):
        assert text.count("[") == text.count("]"), text


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_lines_are_short_and_not_blank(kind: str) -> None:
    document = templates_data.template_document(kind)
    lists = [document[z][part] for z in ("green", "yellow", "red") for part in ("signs", "steps")]
    lists += [document["call_911_when"], document["bring"], document["avoid"]]
    for items in lists:
        assert len(items) <= 30
        assert len(set(items)) == len(items), "duplicate line"
        for line in items:
            assert line.strip() == line and line
            assert len(line) <= LINE, line
    for text in _strings(document):
        assert len(text) <= LINE, text


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_title(kind: str) -> None:
    title = templates_data.template_title(kind)
    assert isinstance(title, str)
    assert title.strip()
    assert len(title) <= 120
    assert title == templates_data.TEMPLATES[kind]["title"]


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_template_document_returns_a_deep_copy(kind: str) -> None:
    before = templates_data.template_document(kind)
    copy = templates_data.template_document(kind)
    assert copy == templates_data.TEMPLATES[kind]["document"]
    assert copy is not templates_data.TEMPLATES[kind]["document"]

    copy["normal"] = "changed"
    copy["red"]["steps"].append("changed")
    copy["red"]["signs"].clear()
    copy["call"][0]["phone"] = "555-0100"
    copy["bring"].append("changed")

    assert templates_data.template_document(kind) == before
    assert templates_data.TEMPLATES[kind]["document"] == before
    assert templates_data.TEMPLATES[kind]["document"]["call"][0]["phone"] == ""


def test_unknown_kind_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        templates_data.template_document("other")
    with pytest.raises(KeyError):
        templates_data.template_title("nonsense")


def test_seizure_template_times_the_seizure_and_uses_a_five_minute_threshold() -> None:
    document = templates_data.template_document("seizures")
    red_steps = " ".join(document["red"]["steps"]).lower()
    assert "time the seizure" in red_steps
    assert re.search(r"\[5\] minutes", red_steps)
    assert any(
        "rescue medicine" in step and "[5] minutes" in step for step in document["red"]["steps"]
    )
    call_911 = " ".join(document["call_911_when"]).lower()
    assert "5 minutes" in call_911
    assert "water" in call_911
    assert "breathing" in call_911
    avoid = " ".join(document["avoid"]).lower()
    assert "nothing in the mouth" in avoid
    assert "restrain" in avoid


def test_respiratory_template_has_the_trach_emergency_basics() -> None:
    document = templates_data.template_document("respiratory")
    red_steps = " ".join(document["red"]["steps"]).lower()
    for words in ("suction", "change the trach", "one size smaller", "ambu bag", "oxygen"):
        assert words in red_steps, words
    assert any("[spare trach size]" in item for item in document["bring"])
    assert any("one size smaller" in item for item in document["bring"])


def test_dystonia_template_names_storm_red_flags_and_baclofen() -> None:
    document = templates_data.template_document("dystonia")
    red = " ".join(document["red"]["signs"] + document["call_911_when"]).lower()
    for words in ("fever", "heart rate", "dark pee", "baclofen"):
        assert words in red, words
    assert any("do not stop [baclofen] suddenly" in line.lower() for line in document["avoid"])


def test_behaviour_template_limits_restraint_and_says_disability_to_911() -> None:
    document = templates_data.template_document("behaviour")
    red_steps = " ".join(document["red"]["steps"]).lower()
    assert "call 911" in red_steps and "disability" in red_steps
    assert any("pain" in step.lower() for step in document["yellow"]["steps"])
    assert any(
        line.startswith("Do not use restraint or seclusion except as written in [")
        for line in document["avoid"]
    )
