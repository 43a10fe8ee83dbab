"""The builder's pure edits on FHIR Questionnaire JSON: every result is a new dict that
questionnaire.parse accepts, the input is never changed, linkIds stay unique, and deleting a
question takes the conditions and scale entries that named it along."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from familyapp.surveys import builder
from familyapp.surveys import questionnaire as fhirq
from familyapp.surveys.questionnaire import MAX_VALUE_URL, MIN_VALUE_URL


def _survey() -> dict[str, Any]:
    """A small survey: a choice, a yes/no, a section with a number, and a text."""
    r = builder.blank("Sleep check", "en")
    r = builder.add_item(
        r,
        parent=None,
        type="choice",
        text="How rested?",
        options=[
            {"code": "0", "display": "Not at all"},
            {"code": "1", "display": "Somewhat"},
            {"code": "2", "display": "Well"},
        ],
    )  # q1
    r = builder.add_item(r, parent=None, type="boolean", text="Naps?")  # q2
    r = builder.add_item(r, parent=None, type="group", text="Nights")  # q3 (+ display q4)
    r = builder.add_item(r, parent="q3", type="integer", text="Nights woken")  # q5
    r = builder.add_item(r, parent=None, type="text", text="Anything else?")  # q6
    return r


@pytest.fixture
def survey() -> dict[str, Any]:
    return _survey()


def _unchanged(op: Any, resource: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run an edit, check it left its input alone and that its result parses."""
    before = copy.deepcopy(resource)
    result = op(resource, *args, **kwargs)
    assert resource == before, "the input was changed"
    assert result is not resource
    fhirq.parse(result)
    json.dumps(result)  # plain JSON: storable as it is
    return result


def test_blank_is_a_valid_draft_with_one_text() -> None:
    resource = builder.blank("  How are things?  ", "es")
    model = fhirq.parse(resource)
    assert model.status == "draft"
    assert model.language == "es"
    assert model.title == {"es": "How are things?"}
    assert [(i.link_id, i.type) for i in model.items] == [("intro", "display")]


def test_the_sample_survey_parses(survey: dict[str, Any]) -> None:
    model = fhirq.parse(survey)
    assert builder.link_ids(survey) == ["intro", "q1", "q2", "q3", "q4", "q5", "q6"]
    assert [i.link_id for i in model.item("q3").items] == ["q4", "q5"]  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", fhirq.TYPES)
def test_every_kind_of_item_can_be_added(kind: str, survey: dict[str, Any]) -> None:
    result = _unchanged(builder.add_item, survey, parent=None, type=kind, text="New one")
    added = fhirq.parse(result).items[-1]
    assert added.type == kind
    assert added.link_id == "q7"
    if kind in fhirq.CHOICE_TYPES:
        assert [o.code for o in added.options] == ["1", "2"]  # a choice needs options
    if kind == "group":
        assert [c.type for c in added.items] == ["display"]  # and a group an item


def test_link_ids_are_unique_and_not_refilled(survey: dict[str, Any]) -> None:
    result = builder.delete_item(survey, "q2")
    result = builder.add_item(result, parent=None, type="string", text="Name")
    assert builder.link_ids(result)[-1] == "q7"  # not the gap q2: numbers follow the order made
    assert len(set(builder.link_ids(result))) == len(builder.link_ids(result))
    with pytest.raises(builder.BuilderError):
        builder.add_item(result, parent=None, type="string", text="Again", link_id="q7")


def test_add_inside_a_section_and_only_there(survey: dict[str, Any]) -> None:
    result = _unchanged(builder.add_item, survey, parent="q3", type="date", text="Since when?")
    group = fhirq.parse(result).item("q3")
    assert group is not None and group.items[-1].text == {"en": "Since when?"}
    with pytest.raises(builder.BuilderError):
        builder.add_item(survey, parent="q1", type="date", text="Under a question")
    with pytest.raises(builder.BuilderError):
        builder.add_item(survey, parent="nope", type="date", text="Nowhere")
    with pytest.raises(builder.BuilderError):
        builder.add_item(survey, parent=None, type="dateTime", text="Unsupported")


def test_add_multiple_choice_repeats(survey: dict[str, Any]) -> None:
    result = builder.add_item(survey, parent=None, type="choice", text="Which?", repeats=True)
    assert fhirq.parse(result).items[-1].repeats is True


def test_update_text_required_prefix_and_bounds(survey: dict[str, Any]) -> None:
    result = _unchanged(
        builder.update_item,
        survey,
        "q5",
        {
            "text": "Nights woken up",
            "required": True,
            "prefix": "2.",
            "min_value": "0",
            "max_value": 7,
        },
    )
    item = fhirq.parse(result).item("q5")
    assert item is not None
    assert (item.text, item.required, item.prefix) == ({"en": "Nights woken up"}, True, "2.")
    assert (item.min_value, item.max_value) == (Decimal(0), Decimal(7))
    raw = builder.find_item(result, "q5")
    assert raw is not None
    assert {"url": MIN_VALUE_URL, "valueInteger": 0} in raw["extension"]
    # Changing to decimals keeps the bounds, now written as decimals.
    result = _unchanged(builder.update_item, result, "q5", {"type": "decimal", "max_value": "7.5"})
    raw = builder.find_item(result, "q5")
    assert raw is not None
    assert {"url": MAX_VALUE_URL, "valueDecimal": 7.5} in raw["extension"]
    # Empty values remove a setting.
    result = _unchanged(builder.update_item, result, "q5", {"min_value": "", "prefix": None})
    item = fhirq.parse(result).item("q5")
    assert item is not None and item.min_value is None and item.prefix is None


def test_update_refuses_bad_numbers_with_the_field(survey: dict[str, Any]) -> None:
    with pytest.raises(builder.BuilderError) as caught:
        builder.update_item(survey, "q5", {"min_value": "1.5"})  # an integer question
    assert caught.value.field == "min_value"
    with pytest.raises(builder.BuilderError) as caught:
        builder.update_item(survey, "q6", {"max_length": "lots"})
    assert caught.value.field == "max_length"
    with pytest.raises(builder.BuilderError):
        builder.update_item(survey, "q6", {"linkId": "x"})
    with pytest.raises(builder.BuilderError):
        builder.update_item(survey, "missing", {"text": "x"})


def test_changing_the_type_drops_what_the_new_type_cannot_have(survey: dict[str, Any]) -> None:
    result = _unchanged(builder.update_item, survey, "q1", {"type": "string", "max_length": 40})
    item = fhirq.parse(result).item("q1")
    assert item is not None and item.type == "string" and item.options == ()
    assert item.max_length == 40
    result = _unchanged(builder.update_item, result, "q1", {"type": "display", "required": True})
    item = fhirq.parse(result).item("q1")
    assert item is not None and not item.required and item.max_length is None
    result = _unchanged(builder.update_item, survey, "q5", {"type": "string"})
    raw = builder.find_item(result, "q5")
    assert raw is not None and "extension" not in raw
    with pytest.raises(builder.BuilderError):
        builder.update_item(survey, "q3", {"type": "string"})  # a section stays a section


def test_translations_of_item_text_title_and_description(survey: dict[str, Any]) -> None:
    result = _unchanged(builder.set_translation, survey, "q1", "es", "¿Qué tan descansado?")
    result = _unchanged(builder.set_translation, result, None, "es", "Control del sueño")
    result = _unchanged(
        builder.set_translation, result, None, "es", "Sobre el sueño", field="description"
    )
    model = fhirq.parse(builder.set_meta(result, "Sleep check", "About sleep", "draft"))
    assert model.item("q1").text == {"en": "How rested?", "es": "¿Qué tan descansado?"}  # type: ignore[union-attr]
    assert model.title == {"en": "Sleep check", "es": "Control del sueño"}
    assert model.description == {"en": "About sleep", "es": "Sobre el sueño"}
    # Setting again replaces; an empty text removes the translation and its extension.
    again = builder.set_translation(result, "q1", "es", "¿Descansado?")
    raw = builder.find_item(again, "q1")
    assert raw is not None and builder.translations(raw, "text") == {"es": "¿Descansado?"}
    gone = _unchanged(builder.set_translation, again, "q1", "es", "")
    raw = builder.find_item(gone, "q1")
    assert raw is not None and "_text" not in raw
    # The base language is the plain text.
    base = builder.set_translation(survey, "q1", "en", "Rested?")
    assert builder.find_item(base, "q1")["text"] == "Rested?"  # type: ignore[index]


def test_set_options_with_scores_translations_and_systems(survey: dict[str, Any]) -> None:
    survey = copy.deepcopy(survey)
    q1 = builder.find_item(survey, "q1")
    assert q1 is not None
    q1["answerOption"][0]["valueCoding"]["system"] = "http://example.org/codes"
    result = _unchanged(
        builder.set_options,
        survey,
        "q1",
        [
            {"code": "0", "display": "Not at all", "ordinal": 0, "translations": {"es": "Nada"}},
            {"code": "3", "display": "Very", "ordinal": "2.5", "translations": {"es": ""}},
        ],
    )
    item = fhirq.parse(result).item("q1")
    assert item is not None
    assert [(o.code, o.display, o.ordinal) for o in item.options] == [
        ("0", {"en": "Not at all", "es": "Nada"}, Decimal(0)),
        ("3", {"en": "Very"}, Decimal("2.5")),
    ]
    assert item.options[0].system == "http://example.org/codes"  # kept with its code
    rows = builder.option_rows(builder.find_item(result, "q1") or {})
    assert rows[0] == {
        "code": "0",
        "display": "Not at all",
        "ordinal": 0,
        "translations": {"es": "Nada"},
    }
    with pytest.raises(builder.BuilderError) as caught:
        builder.set_options(survey, "q1", [{"code": "", "display": "No code"}])
    assert caught.value.field == "options[0].code"
    with pytest.raises(builder.BuilderError) as caught:
        builder.set_options(survey, "q1", [{"code": "a", "display": "A", "ordinal": "x"}])
    assert caught.value.field == "options[0].ordinal"


def test_removing_every_option_is_left_to_parse_to_explain(survey: dict[str, Any]) -> None:
    result = builder.set_options(survey, "q1", [])
    with pytest.raises(fhirq.QuestionnaireInvalid) as caught:
        fhirq.parse(result)
    assert "without any answer options" in str(caught.value)


def test_enable_when_for_each_kind_of_question(survey: dict[str, Any]) -> None:
    result = _unchanged(
        builder.set_enable_when,
        survey,
        "q6",
        [
            {"question": "q1", "operator": "=", "answer": "2"},
            {"question": "q2", "operator": "=", "answer": "true"},
            {"question": "q5", "operator": ">=", "answer": "3"},
            {"question": "q5", "operator": "exists", "answer": ""},
        ],
        "any",
    )
    raw = builder.find_item(result, "q6")
    assert raw is not None
    assert raw["enableWhen"] == [
        {"question": "q1", "operator": "=", "answerCoding": {"code": "2"}},
        {"question": "q2", "operator": "=", "answerBoolean": True},
        {"question": "q5", "operator": ">=", "answerInteger": 3},
        {"question": "q5", "operator": "exists", "answerBoolean": True},
    ]
    assert raw["enableBehavior"] == "any"
    item = fhirq.parse(result).item("q6")
    assert item is not None and item.enable_behavior == "any" and len(item.enable_when) == 4
    assert builder.condition_rows(raw)[0] == {"question": "q1", "operator": "=", "answer": "2"}
    cleared = _unchanged(builder.set_enable_when, result, "q6", [], "all")
    raw = builder.find_item(cleared, "q6")
    assert raw is not None and "enableWhen" not in raw and "enableBehavior" not in raw


@pytest.mark.parametrize(
    ("condition", "field"),
    [
        ({"question": "q1", "operator": "=", "answer": "9"}, "conditions[0].answer"),
        ({"question": "q2", "operator": "=", "answer": "maybe"}, "conditions[0].answer"),
        ({"question": "q5", "operator": ">", "answer": "many"}, "conditions[0].answer"),
        ({"question": "q5", "operator": "~", "answer": "1"}, "conditions[0].operator"),
        ({"question": "zz", "operator": "=", "answer": "1"}, "conditions[0].question"),
        ({"question": "q1", "operator": "=", "answer": ""}, "conditions[0].answer"),
    ],
)
def test_enable_when_refuses_what_cannot_work(
    survey: dict[str, Any], condition: dict[str, Any], field: str
) -> None:
    with pytest.raises(builder.BuilderError) as caught:
        builder.set_enable_when(survey, "q6", [condition])
    assert caught.value.field == field


def test_move_within_siblings(survey: dict[str, Any]) -> None:
    result = _unchanged(builder.move_item, survey, "q2", "up")
    assert [i["linkId"] for i in result["item"]] == ["intro", "q2", "q1", "q3", "q6"]
    result = _unchanged(builder.move_item, result, "q2", "down")
    assert result == survey
    # At either end nothing changes; inside a section only the section's items move.
    assert builder.move_item(survey, "intro", "up") == survey
    assert builder.move_item(survey, "q6", "down") == survey
    inside = _unchanged(builder.move_item, survey, "q5", "up")
    assert builder.link_ids(inside) == ["intro", "q1", "q2", "q3", "q5", "q4", "q6"]
    with pytest.raises(builder.BuilderError):
        builder.move_item(survey, "q5", "sideways")


def _scored(survey: dict[str, Any]) -> dict[str, Any]:
    return builder.set_scoring(
        survey,
        {
            "show_score": True,
            "scales": [
                {
                    "code": "rest",
                    "title": "Rest",
                    "method": "sum",
                    "items": ["q1", "q5"],
                    "reverse": ["q1"],
                    "min_answered": 2,
                },
                {"code": "naps", "title": "Naps", "method": "sum", "items": ["q2"]},
            ],
        },
    )


def test_scoring_is_set_and_removed(survey: dict[str, Any]) -> None:
    scored = _unchanged(_scored, survey)
    model = fhirq.parse(scored)
    assert [s.code for s in model.scales] == ["rest", "naps"] and model.show_score
    assert builder.scoring(scored)["scales"][0]["items"] == ["q1", "q5"]  # type: ignore[index]
    plain = _unchanged(builder.set_scoring, scored, None)
    assert "extension" not in plain and fhirq.parse(plain).scales == ()


def test_delete_cleans_conditions_and_scales(survey: dict[str, Any]) -> None:
    scored = _scored(survey)
    scored = builder.set_enable_when(
        scored,
        "q6",
        [
            {"question": "q1", "operator": "=", "answer": "2"},
            {"question": "q2", "operator": "=", "answer": "true"},
        ],
        "all",
    )
    scored = builder.set_enable_when(
        scored, "q5", [{"question": "q1", "operator": "exists", "answer": True}]
    )
    result = _unchanged(builder.delete_item, scored, "q1")
    assert "q1" not in builder.link_ids(result)
    q6 = builder.find_item(result, "q6")
    q5 = builder.find_item(result, "q5")
    assert q6 is not None and q6["enableWhen"] == [
        {"question": "q2", "operator": "=", "answerBoolean": True}
    ]
    assert q5 is not None and "enableWhen" not in q5 and "enableBehavior" not in q5
    doc = builder.scoring(result)
    assert doc is not None
    rest = doc["scales"][0]
    assert rest["items"] == ["q5"] and rest["reverse"] == [] and rest["min_answered"] == 1


def test_deleting_a_section_deletes_its_items_and_their_references(
    survey: dict[str, Any],
) -> None:
    scored = builder.set_enable_when(
        _scored(survey), "q6", [{"question": "q5", "operator": ">", "answer": 2}]
    )
    result = _unchanged(builder.delete_item, scored, "q3")
    assert builder.link_ids(result) == ["intro", "q1", "q2", "q6"]
    assert "enableWhen" not in (builder.find_item(result, "q6") or {})
    doc = builder.scoring(result)
    assert doc is not None and doc["scales"][0]["items"] == ["q1"]
    # A scale left with nothing is dropped; no scales and no score shown: no extension.
    only_naps = _unchanged(builder.delete_item, result, "q2")
    assert [s["code"] for s in builder.scoring(only_naps)["scales"]] == ["rest"]  # type: ignore[index]
    naps = {"code": "naps", "title": "Naps", "method": "sum", "items": ["q2"]}
    unscored = builder.set_scoring(survey, {"show_score": False, "scales": [naps]})
    assert "extension" not in _unchanged(builder.delete_item, unscored, "q2")


def test_deleting_the_last_item_of_a_section_is_explained_by_parse(
    survey: dict[str, Any],
) -> None:
    result = builder.delete_item(builder.delete_item(survey, "q4"), "q5")
    with pytest.raises(fhirq.QuestionnaireInvalid) as caught:
        fhirq.parse(result)
    assert "without any items" in str(caught.value)


def test_set_meta(survey: dict[str, Any]) -> None:
    result = _unchanged(builder.set_meta, survey, "Sleep", "How the nights go", "active")
    model = fhirq.parse(result)
    assert (model.title, model.description, model.status) == (
        {"en": "Sleep"},
        {"en": "How the nights go"},
        "active",
    )
    no_description = _unchanged(builder.set_meta, result, "Sleep", "", "retired")
    assert "description" not in no_description
    with pytest.raises(builder.BuilderError):
        builder.set_meta(survey, "Sleep", "", "published")


def test_round_trip_through_to_fhir_keeps_the_builders_json(survey: dict[str, Any]) -> None:
    # What the service stores is to_fhir(parse(x)); the builder must read its own output back.
    stored = fhirq.to_fhir(fhirq.parse(builder.set_translation(survey, "q1", "es", "¿Qué?")))
    again = builder.set_options(
        stored, "q1", builder.option_rows(builder.find_item(stored, "q1") or {})
    )
    assert fhirq.parse(again) == fhirq.parse(stored)
