"""FHIR R4 Questionnaire <-> model, its checks, and answers: enableWhen, validation, the
QuestionnaireResponse both ways and stored JSON. Built on one example caregiver survey."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from familyapp.surveys import questionnaire as fq
from familyapp.surveys.questionnaire import (
    AnswersInvalid,
    EnableWhen,
    Item,
    Option,
    Questionnaire,
    QuestionnaireInvalid,
)

D = Decimal
EXT = "http://hl7.org/fhir/StructureDefinition/"
FREQUENCY = "https://familyapp.org/fhir/CodeSystem/frequency"
FREQ = [
    ("never", "Never", "Nunca", 0),
    ("rarely", "Rarely", "Rara vez", 1),
    ("sometimes", "Sometimes", "A veces", 2),
    ("often", "Often", "A menudo", 3),
    ("always", "Nearly always", "Casi siempre", 4),
]


# The example questionnaire


def tr(**texts: str) -> dict[str, Any]:
    """The FHIR translation extension holder for a primitive: `_text`, `_title`, ..."""
    return {
        "extension": [
            {
                "url": EXT + "translation",
                "extension": [
                    {"url": "lang", "valueCode": lang},
                    {"url": "content", "valueString": text},
                ],
            }
            for lang, text in texts.items()
        ]
    }


def bounds(low: int | float | None, high: int | float | None, kind: str = "valueInteger") -> list:
    found = []
    if low is not None:
        found.append({"url": EXT + "minValue", kind: low})
    if high is not None:
        found.append({"url": EXT + "maxValue", kind: high})
    return found


def question(link_id: str, kind: str, en: str, es: str | None = None, **more: Any) -> dict:
    item: dict[str, Any] = {"linkId": link_id, "type": kind}
    if en:
        item["text"] = en
    if es:
        item["_text"] = tr(es=es)
    item.update(more)
    return item


def frequency(link_id: str, en: str, es: str, **more: Any) -> dict:
    options = [
        {
            "valueCoding": {
                "system": FREQUENCY,
                "code": code,
                "display": label,
                "_display": tr(es=label_es),
            },
            "extension": [{"url": EXT + "ordinalValue", "valueDecimal": score}],
        }
        for code, label, label_es, score in FREQ
    ]
    return question(link_id, "choice", en, es, answerOption=options, **more)


def build_resource() -> dict[str, Any]:
    """A caregiver survey using every supported feature, in English with Spanish."""
    return {
        "resourceType": "Questionnaire",
        "url": "https://familyapp.org/fhir/Questionnaire/caregiver-week",
        "version": "2",
        "name": "CaregiverWeek",
        "title": "Your week as a caregiver",
        "_title": tr(es="Su semana como cuidador"),
        "description": "A short survey about the care you give.",
        "_description": tr(es="Una encuesta corta sobre el cuidado que usted da."),
        "status": "active",
        "language": "en",
        "publisher": "Familyapp",
        "copyright": "CC BY 4.0",
        "extension": [
            {"url": "https://example.org/unknown-extension", "valueString": "ignored"},
            {
                "url": fq.SCORING_URL,
                "valueString": json.dumps(
                    {
                        "show_score": True,
                        "scales": [
                            {
                                "code": "stress",
                                "title": {"en": "Stress", "es": "Estrés"},
                                "method": "sum",
                                "items": ["s1", "s2", "s3"],
                                "reverse": ["s2"],
                                "min_answered": 2,
                                "missing": "prorate",
                                "bands": [
                                    {"min": 0, "max": 4, "label": {"en": "Low", "es": "Bajo"}},
                                    {"min": 5, "max": 8, "label": {"en": "Some", "es": "Algo"}},
                                    {"min": 9, "max": 12, "label": {"en": "High", "es": "Alto"}},
                                ],
                            },
                            {
                                "code": "hours",
                                "title": "Care hours",
                                "method": "mean",
                                "items": ["hours", "nurse_hours"],
                            },
                        ],
                    }
                ),
            },
        ],
        "item": [
            question(
                "intro", "display", "Think of the last 7 days.", "Piense en los últimos 7 días."
            ),
            question(
                "hours",
                "integer",
                "How many hours did you spend on care?",
                "¿Cuántas horas dedicó al cuidado?",
                required=True,
                extension=bounds(0, 168),
            ),
            question(
                "nurse", "boolean", "Does a nurse come?", "¿Viene una enfermera?", required=True
            ),
            question(
                "nurse_hours",
                "integer",
                "Nurse hours",
                "Horas de enfermería",
                extension=bounds(0, 168),
                enableWhen=[{"question": "nurse", "operator": "=", "answerBoolean": True}],
            ),
            question(
                "stress",
                "group",
                "How often did you feel…",
                "Con qué frecuencia se sintió…",
                item=[
                    frequency("s1", "…tired?", "…cansado?", required=True, prefix="1."),
                    frequency("s2", "…rested?", "…descansado?", prefix="2."),
                    frequency("s3", "…alone?", "…solo?", prefix="3."),
                ],
            ),
            question("employed", "boolean", "Do you work outside the home?"),
            question(
                "work",
                "group",
                "Work",
                "Trabajo",
                enableWhen=[{"question": "employed", "operator": "=", "answerBoolean": True}],
                item=[
                    question("missed", "integer", "Days of work missed", extension=bounds(0, 31)),
                    question(
                        "work_detail",
                        "group",
                        "",
                        enableWhen=[{"question": "missed", "operator": ">", "answerInteger": 0}],
                        item=[
                            question("missed_reason", "text", "Why?", "¿Por qué?", maxLength=200),
                            question("lost_job", "boolean", "Did you lose a job?"),
                        ],
                    ),
                ],
            ),
            question(
                "supports",
                "choice",
                "Which supports do you have?",
                "¿Qué apoyos tiene?",
                repeats=True,
                answerOption=[
                    {"valueString": "Respite care", "_valueString": tr(es="Respiro")},
                    {"valueString": "Home nursing", "_valueString": tr(es="Enfermería")},
                    {"valueString": "None"},
                ],
            ),
            question(
                "helper",
                "open-choice",
                "Who helps you most?",
                maxLength=40,
                answerOption=[
                    {"valueCoding": {"code": "partner", "display": "My partner"}},
                    {"valueCoding": {"code": "grandparent", "display": "A grandparent"}},
                ],
            ),
            question("last_visit", "date", "Date of the last clinic visit"),
            question(
                "weight",
                "decimal",
                "Child's weight (kg)",
                extension=bounds(0, 150.5, "valueDecimal"),
            ),
            question(
                "worry",
                "string",
                "What worries you most?",
                maxLength=20,
                enableBehavior="any",
                enableWhen=[
                    {"question": "nurse", "operator": "=", "answerBoolean": False},
                    {"question": "hours", "operator": ">=", "answerInteger": 100},
                ],
            ),
        ],
    }


def find(res: dict[str, Any], link_id: str) -> dict[str, Any]:
    """The raw item with this linkId, wherever it is nested."""
    stack = list(res["item"])
    while stack:
        item = stack.pop()
        if item.get("linkId") == link_id:
            return item
        stack.extend(item.get("item", []))
    raise KeyError(link_id)


@pytest.fixture
def q() -> Questionnaire:
    return fq.parse(build_resource())


def problems_of(resource: Any) -> list[tuple[str, str]]:
    with pytest.raises(QuestionnaireInvalid) as caught:
        fq.parse(resource)
    return [(p.path, str(p.message)) for p in caught.value.problems]


def answer_problems(q: Questionnaire, raw: dict[str, Any], **kw: Any) -> dict[str, list[str]]:
    with pytest.raises(AnswersInvalid) as caught:
        fq.validate_answers(q, raw, **kw)
    return {k: [str(m) for m in v] for k, v in caught.value.problems.items()}


VALID = {"hours": "30", "nurse": "no", "s1": "often"}


# Reading and writing questionnaires


def test_parse_reads_metadata_items_options_and_bounds(q: Questionnaire) -> None:
    assert (q.url, q.version, q.name, q.status) == (
        "https://familyapp.org/fhir/Questionnaire/caregiver-week",
        "2",
        "CaregiverWeek",
        "active",
    )
    assert q.language == "en" and (q.publisher, q.copyright) == ("Familyapp", "CC BY 4.0")
    assert [i.link_id for i in q.items][:5] == ["intro", "hours", "nurse", "nurse_hours", "stress"]
    # walk is depth first: a group's items come right after it.
    ids = [i.link_id for i in q.walk()]
    assert ids[ids.index("work") : ids.index("work") + 5] == [
        "work",
        "missed",
        "work_detail",
        "missed_reason",
        "lost_job",
    ]
    hours = q.item("hours")
    assert hours is not None and hours.required and hours.type == "integer"
    assert (hours.min_value, hours.max_value) == (D(0), D(168))
    weight = q.item("weight")
    assert weight is not None and weight.max_value == D("150.5")
    s1 = q.item("s1")
    assert s1 is not None and s1.prefix == "1." and s1.required
    assert s1.options[3] == Option("often", {"en": "Often", "es": "A menudo"}, D(3), FREQUENCY)
    # valueString options: the string is the code, _valueString translates the display.
    supports = q.item("supports")
    assert supports is not None and supports.repeats
    assert supports.options[0] == Option("Respite care", {"en": "Respite care", "es": "Respiro"})
    assert q.item("worry") == Item(
        "worry",
        "string",
        {"en": "What worries you most?"},
        max_length=20,
        enable_when=(EnableWhen("nurse", "=", False), EnableWhen("hours", ">=", 100)),
        enable_behavior="any",
    )
    assert q.item("missing") is None


def test_parse_reads_translations_and_languages(q: Questionnaire) -> None:
    assert q.title == {"en": "Your week as a caregiver", "es": "Su semana como cuidador"}
    assert q.description["es"].startswith("Una encuesta")
    s2 = q.item("s2")
    assert s2 is not None and s2.text == {"en": "…rested?", "es": "…descansado?"}
    # An item without a translation still has its base text, and a group without text "".
    missed = q.item("missed")
    assert missed is not None and missed.text == {"en": "Days of work missed"}
    detail = q.item("work_detail")
    assert detail is not None and detail.text == {"en": ""}
    assert q.languages() == ["en", "es"]


def test_text_in_falls_back_to_the_primary_language_then_the_base() -> None:
    texts = {"en": "Tired", "es": "Cansado"}
    assert fq.text_in(texts, "es", "en") == "Cansado"
    assert fq.text_in(texts, "es-MX", "en") == "Cansado"
    assert fq.text_in(texts, "fr", "en") == "Tired"
    assert fq.text_in({"en": "Tired", "es": ""}, "es", "en") == "Tired"


def test_scoring_rules_are_read(q: Questionnaire) -> None:
    assert q.show_score is True
    stress, hours = q.scales
    assert stress == fq.Scale(
        "stress",
        {"en": "Stress", "es": "Estrés"},
        "sum",
        ("s1", "s2", "s3"),
        reverse=("s2",),
        min_answered=2,
        bands=(
            fq.Band(D(0), D(4), {"en": "Low", "es": "Bajo"}),
            fq.Band(D(5), D(8), {"en": "Some", "es": "Algo"}),
            fq.Band(D(9), D(12), {"en": "High", "es": "Alto"}),
        ),
    )
    # A plain-string title is the base-language text; defaults fill the rest.
    assert hours == fq.Scale("hours", {"en": "Care hours"}, "mean", ("hours", "nurse_hours"))


def test_round_trip_and_export_is_valid_fhir_r4(q: Questionnaire) -> None:
    exported = fq.to_fhir(q)
    get_fhir_model_class("Questionnaire").model_validate(exported)
    json.dumps(exported)  # plain JSON: no Decimal or date objects
    assert fq.parse(exported) == q
    assert fq.to_fhir(fq.parse(exported)) == exported


def test_export_carries_translations_ordinals_bounds_and_scoring(q: Questionnaire) -> None:
    exported = fq.to_fhir(q)
    assert exported["title"] == "Your week as a caregiver"
    assert exported["_title"] == tr(es="Su semana como cuidador")
    assert exported["_description"] == tr(es="Una encuesta corta sobre el cuidado que usted da.")
    s1 = find(exported, "s1")
    assert s1["_text"] == tr(es="…cansado?") and s1["prefix"] == "1."
    assert s1["answerOption"][4] == {
        "valueCoding": {
            "code": "always",
            "system": FREQUENCY,
            "display": "Nearly always",
            "_display": tr(es="Casi siempre"),
        },
        "extension": [{"url": EXT + "ordinalValue", "valueDecimal": 4}],
    }
    assert find(exported, "weight")["extension"] == bounds(0, 150.5, "valueDecimal")
    assert find(exported, "hours")["extension"] == bounds(0, 168)
    assert find(exported, "work_detail")["enableWhen"] == [
        {"question": "missed", "operator": ">", "answerInteger": 0}
    ]
    rules = [e for e in exported["extension"] if e["url"] == fq.SCORING_URL]
    doc = json.loads(rules[0]["valueString"])
    assert doc["show_score"] is True and doc["scales"][0]["reverse"] == ["s2"]
    # Unknown extensions were ignored on the way in, so they are not written back.
    assert len(exported["extension"]) == 1


def test_a_questionnaire_without_scales_has_no_scoring_extension() -> None:
    res = build_resource()
    del res["extension"]
    exported = fq.to_fhir(fq.parse(res))
    assert "extension" not in exported
    assert fq.parse(exported).scales == () and fq.parse(exported).show_score is False


def test_option_kinds_and_ordinal_extensions() -> None:
    res = build_resource()
    find(res, "s3")["answerOption"] = [
        {"valueInteger": 0},
        {"valueInteger": 5, "extension": [{"url": EXT + "ordinalValue", "valueDecimal": 2.5}]},
        {  # the older core name, on the Coding itself (R4 ordinalValue's context is Coding)
            "valueCoding": {
                "code": "x",
                "extension": [{"url": EXT + "questionnaire-ordinalValue", "valueDecimal": 7}],
            }
        },
        {
            "valueCoding": {"code": "y"},
            "extension": [{"url": EXT + "itemWeight", "valueDecimal": 1}],
        },
    ]
    res["extension"] = []
    s3 = fq.parse(res).item("s3")
    assert s3 is not None
    assert s3.options == (
        Option("0", {"en": "0"}, D(0)),
        Option("5", {"en": "5"}, D("2.5")),  # an ordinal beats the integer value
        Option("x", {"en": "x"}, D(7)),  # a Coding without display shows its code
        Option("y", {"en": "y"}, D(1)),
    )


def test_language_defaults_to_english_and_other_bases_work() -> None:
    res = build_resource()
    del res["language"]
    assert fq.parse(res).language == "en"
    res["language"] = "es"
    res["title"] = "Su semana"
    res["_title"] = tr(en="Your week", es="ignored: the plain value is the base text")
    q = fq.parse(res)
    assert q.title == {"es": "Su semana", "en": "Your week"}
    assert q.languages() == ["es", "en"]
    assert fq.parse(fq.to_fhir(q)) == q


def test_choice_conditions_compare_codes_and_export_as_codings() -> None:
    res = build_resource()
    find(res, "s2")["enableWhen"] = [
        {"question": "s1", "operator": "!=", "answerCoding": {"system": FREQUENCY, "code": "never"}}
    ]
    find(res, "s3")["enableWhen"] = [{"question": "s1", "operator": "=", "answerString": "often"}]
    q = fq.parse(res)
    assert q.item("s2").enable_when == (EnableWhen("s1", "!=", "never"),)  # type: ignore[union-attr]
    assert q.item("s3").enable_when == (EnableWhen("s1", "=", "often"),)  # type: ignore[union-attr]
    exported = fq.to_fhir(q)
    assert find(exported, "s3")["enableWhen"][0]["answerCoding"] == {
        "code": "often",
        "system": FREQUENCY,
    }
    assert fq.parse(exported) == q


# Problems in questionnaires


def test_every_problem_is_collected_with_its_path() -> None:
    res = build_resource()
    res["status"] = "published"
    del find(res, "s1")["answerOption"]
    find(res, "lost_job")["linkId"] = "hours"
    find(res, "worry")["enableWhen"][1]["question"] = "hour"
    found = problems_of(res)
    assert found == [
        ("status", "The status must be one of 'draft', 'active', 'retired', 'unknown'."),
        ("item[4].item[0]", "Item 's1' is a choice question without any answer options."),
        (
            "item[6].item[1].item[1].linkId",
            "The linkId 'hours' is already used by the item at item[1].",
        ),
        (
            "item[11].enableWhen[1].question",
            "Item 'worry' depends on 'hour', which is not in this questionnaire.",
        ),
    ]


def _set(link_id: str, **changes: Any) -> Any:
    def change(res: dict[str, Any]) -> None:
        find(res, link_id).update(changes)

    return change


def _drop(link_id: str, key: str) -> Any:
    def change(res: dict[str, Any]) -> None:
        del find(res, link_id)[key]

    return change


def _root(**changes: Any) -> Any:
    return lambda res: res.update(changes)


def _rules(doc: Any) -> Any:
    def change(res: dict[str, Any]) -> None:
        text = doc if isinstance(doc, str) else json.dumps(doc)
        res["extension"] = [{"url": fq.SCORING_URL, "valueString": text}]

    return change


def _scale(**changes: Any) -> Any:
    scale = {"code": "t", "method": "sum", "items": ["s1", "s2"]}
    scale.update(changes)
    return _rules({"scales": [scale]})


def _too_deep(res: dict[str, Any]) -> None:
    leaf: dict[str, Any] = {"linkId": "deep6", "type": "string", "text": "Deep"}
    for level in range(5, 0, -1):
        leaf = {"linkId": f"deep{level}", "type": "group", "item": [leaf]}
    res["item"].append(leaf)


def _many_items(res: dict[str, Any]) -> None:
    res["item"] += [question(f"x{n}", "string", "X") for n in range(490)]


PROBLEMS = [
    (_root(resourceType="Patient"), "resourceType", "This is not a FHIR Questionnaire"),
    (_root(item=[]), "item", "The questionnaire has no items."),
    (_root(language="english!"), "language", "language code"),
    (_root(_title=tr(**{"": "x"})), "_title.extension[0]", "needs a language code"),
    (_drop("hours", "linkId"), "item[1].linkId", "This item has no linkId."),
    (_set("hours", linkId="h" * 65), "item[1].linkId", "longer than 64 characters"),
    (_set("hours", type="coding"), "item[1].type", "exists only in FHIR R5"),
    (_set("hours", type="question"), "item[1].type", "exists only in FHIR R5"),
    (_set("hours", type="quantity"), "item[1].type", "which this app does not support"),
    (_set("hours", type="slider"), "item[1].type", "has no valid type"),
    (_set("hours", text=""), "item[1].text", "must be a text"),
    (_drop("hours", "text"), "item[1].text", "Item 'hours' has no text."),
    (_set("hours", text="x" * 2001), "item[1].text", "longer than 2000 characters"),
    (_set("hours", required="yes"), "item[1].required", "must be true or false"),
    (_set("intro", required=True), "item[0]", "display text: it cannot be required"),
    (_set("intro", repeats=True), "item[0]", "display text: it cannot be required or repeat"),
    (_set("work", repeats=True), "item[6].repeats", "repeating group"),
    (_set("work", item=[]), "item[6]", "group without any items"),
    (_set("hours", item=[question("c", "string", "C")]), "item[1].item", "not a group"),
    (_set("intro", item=[question("c", "string", "C")]), "item[0].item", "not a group"),
    (
        _set("s1", answerValueSet="http://loinc.org/vs/LL358-3"),
        "item[4].item[0].answerValueSet",
        "value set (answerValueSet), which this app does not support",
    ),
    (
        _set("s1", answerOption=[{"valueCoding": {"code": "a"}}, {"valueString": "a"}]),
        "item[4].item[0].answerOption[1]",
        "two answer options with the code 'a'",
    ),
    (
        _set("s1", answerOption=[{"valueDate": "2026-01-01"}]),
        "item[4].item[0].answerOption[0]",
        "needs exactly one of valueCoding, valueString or valueInteger",
    ),
    (
        _set("s1", answerOption=[{"valueCoding": {"display": "No code"}}]),
        "item[4].item[0].answerOption[0].valueCoding.code",
        "has no code",
    ),
    (
        _set("helper", type="string"),
        "item[8].answerOption",
        "only choice and open-choice questions can have answer options",
    ),
    (
        _set("hours", extension=bounds(10, 5)),
        "item[1].extension",
        "minValue (10) above its maxValue (5)",
    ),
    (_set("hours", extension=bounds(0.5, 5, "valueDecimal")), "item[1].extension[0]", "whole"),
    (_set("last_visit", extension=bounds(0, 5)), "item[9].extension[0]", "integer and decimal"),
    (_set("s1", maxLength=10), "item[4].item[0].maxLength", "cannot have a maxLength"),
    (_set("helper", maxLength=0), "item[8].maxLength", "at least 1"),
    (
        _set("nurse_hours", enableWhen=[{"question": "nurse_hours", "operator": "exists"}]),
        "item[3].enableWhen[0]",
        "needs exactly one answer value",
    ),
    (
        _set(
            "nurse_hours",
            enableWhen=[{"question": "nurse_hours", "operator": "exists", "answerBoolean": True}],
        ),
        "item[3].enableWhen[0].question",
        "depends on its own answer",
    ),
    (
        _set(
            "work", enableWhen=[{"question": "missed", "operator": "exists", "answerBoolean": True}]
        ),
        "item[6].enableWhen[0].question",
        "depends on 'missed', which is inside it",
    ),
    (
        _set(
            "hours",
            enableWhen=[{"question": "stress", "operator": "exists", "answerBoolean": True}],
        ),
        "item[1].enableWhen[0].question",
        "which is a group and has no answer",
    ),
    (
        _set(
            "nurse_hours", enableWhen=[{"question": "nurse", "operator": "=", "answerString": "y"}]
        ),
        "item[3].enableWhen[0].answerString",
        "a boolean question, with answerString; use 'answerBoolean'",
    ),
    (
        _set(
            "nurse_hours",
            enableWhen=[{"question": "hours", "operator": "=", "answerDate": "2026-01-01"}],
        ),
        "item[3].enableWhen[0].answerDate",
        "use 'answerInteger', 'answerDecimal'",
    ),
    (
        _set(
            "nurse_hours",
            enableWhen=[{"question": "hours", "operator": "exists", "answerInteger": 1}],
        ),
        "item[3].enableWhen[0]",
        "needs answerBoolean",
    ),
    (
        _set(
            "nurse_hours", enableWhen=[{"question": "s1", "operator": ">", "answerString": "often"}]
        ),
        "item[3].enableWhen[0].operator",
        "compares numbers or dates",
    ),
    (
        _set(
            "nurse_hours", enableWhen=[{"question": "s1", "operator": "=", "answerString": "daily"}]
        ),
        "item[3].enableWhen[0].answerString",
        "'daily' is not one of the answer options of 's1'",
    ),
    (
        _set(
            "nurse_hours", enableWhen=[{"question": "hours", "operator": "~", "answerInteger": 1}]
        ),
        "item[3].enableWhen[0].operator",
        "no valid operator",
    ),
    (
        _set(
            "nurse_hours",
            enableWhen=[{"question": "hours", "operator": "=", "answerTime": "10:00:00"}],
        ),
        "item[3].enableWhen[0].answerTime",
        "unusable answerTime",
    ),
    (_drop("worry", "enableBehavior"), "item[11].enableBehavior", "add enableBehavior"),
    (_set("worry", enableBehavior="some"), "item[11].enableBehavior", "'all' or 'any'"),
    (_too_deep, "item[12].item[0].item[0].item[0].item[0].item", "more than 5 levels deep"),
    (_many_items, "item", "The questionnaire has 509 items; at most 500 are allowed."),
    # The scoring document
    (_rules("{not json"), "scoring", "not valid JSON"),
    (_rules([1]), "scoring", "must be a JSON object"),
    (_rules({"show_score": "yes"}), "scoring.show_score", "true or false"),
    (_rules({"scales": [], "colour": "red"}), "scoring.colour", "not a scoring setting"),
    (_scale(items=["s1", "nope"]), "scoring.scales[0].items", "'nope' is not an item"),
    (_scale(items=["s1", "worry"]), "scoring.scales[0].items", "'worry' cannot be scored"),
    (_scale(items=[]), "scoring.scales[0].items", "non-empty list"),
    (_scale(items=["s1", "s1"]), "scoring.scales[0].items", "listed twice"),
    (_scale(reverse=["s3"]), "scoring.scales[0].reverse", "not one of the scale's items"),
    (
        _scale(items=["s1", "missed", "supports"], reverse=["missed"]),
        "scoring.scales[0].items",
        "'supports' cannot be scored",
    ),
    (_scale(method="median"), "scoring.scales[0].method", "'sum' or 'mean'"),
    (_scale(missing="zero"), "scoring.scales[0].missing", "'prorate' or 'ignore'"),
    (_scale(min_answered=3), "scoring.scales[0].min_answered", "from 1 to 2"),
    (_scale(min_answered=0), "scoring.scales[0].min_answered", "from 1 to 2"),
    (_scale(revers=["s1"]), "scoring.scales[0].revers", "not a scoring setting"),
    (_scale(title={"es": "Total"}), "scoring.scales[0].title", "includes 'en'"),
    (
        _scale(bands=[{"min": 0, "max": 4, "label": "Low"}, {"min": 4, "max": 8, "label": "Hi"}]),
        "scoring.scales[0].bands",
        "The bands 0 to 4 and 4 to 8 overlap.",
    ),
    (_scale(bands=[{"min": 5, "max": 4, "label": "X"}]), "scoring.scales[0].bands[0]", "above"),
    (_scale(bands=[{"min": 0, "label": "X"}]), "scoring.scales[0].bands[0]", "both min and max"),
    (_scale(bands=[{"min": 0, "max": 1}]), "scoring.scales[0].bands[0].label", "needs a text"),
    (
        _rules({"scales": [{"code": "t", "method": "sum", "items": ["s1"]}] * 2}),
        "scoring.scales[1].code",
        "Two scales have the code 't'",
    ),
]


@pytest.mark.parametrize(("change", "path", "message"), PROBLEMS)
def test_each_problem_is_reported_where_it_is(change: Any, path: str, message: str) -> None:
    res = build_resource()
    change(res)
    found = problems_of(res)
    assert any(p == path and message in m for p, m in found), found


def test_a_reverse_scored_number_needs_bounds() -> None:
    res = build_resource()
    _scale(items=["s1", "missed", "employed"], reverse=["missed", "employed"])(res)
    assert fq.parse(res).scales[0].reverse == ("missed", "employed")  # 0..31, and yes/no is 0..1
    _drop("missed", "extension")(res)
    assert problems_of(res) == [
        (
            "scoring.scales[0].reverse",
            "'missed' is reverse-scored, so its lowest and highest score must be known: give a "
            "number question a minValue and a maxValue; a choice question must take a single "
            "answer.",
        )
    ]


def test_a_choice_is_scorable_only_when_every_option_has_a_score() -> None:
    res = build_resource()
    _scale(items=["helper"])(res)
    assert "cannot be scored" in problems_of(res)[0][1]
    find(res, "helper")["answerOption"] = [{"valueCoding": {"code": "1"}}, {"valueInteger": 2}]
    assert fq.parse(res).scales[0].items == ("helper",)  # whole-number codes score themselves


def test_a_resource_that_is_not_an_object_is_refused() -> None:
    assert problems_of([]) == [("", "A questionnaire must be a JSON object.")]


def test_unknown_elements_and_extensions_are_ignored() -> None:
    res = build_resource()
    find(res, "hours")["extension"].append({"url": "https://example.org/x", "valueCode": "a"})
    find(res, "hours")["code"] = [{"system": "http://loinc.org", "code": "1234-5"}]
    find(res, "hours")["readOnly"] = False
    assert fq.parse(res) == fq.parse(build_resource())


# enableWhen


def test_enable_when_all_any_and_nested_groups(q: Questionnaire) -> None:
    def shown(link_id: str, answers: fq.Answers) -> bool:
        item = q.item(link_id)
        assert item is not None
        return fq.enabled(item, answers, q)

    assert shown("hours", {})
    assert not shown("nurse_hours", {}) and not shown("nurse_hours", {"nurse": [False]})
    assert shown("nurse_hours", {"nurse": [True]})
    # any: a "no" to nurse, or 100 hours and more.
    assert shown("worry", {"nurse": [False], "hours": [10]})
    assert shown("worry", {"nurse": [True], "hours": [100]})
    assert not shown("worry", {"nurse": [True], "hours": [99]})
    # work_detail needs missed > 0 and sits in work, which needs employed = yes.
    assert shown("missed_reason", {"employed": [True], "missed": [2]})
    assert not shown("missed_reason", {"employed": [True], "missed": [0]})
    assert not shown("missed_reason", {"employed": [False], "missed": [2]})
    assert not shown("lost_job", {"missed": [2]})


def test_enable_when_operators() -> None:
    def rule(op: str, answer: Any, values: list[Any]) -> bool:
        target = Item("t", "integer", {"en": "T"})
        item = Item("i", "string", {"en": "I"}, enable_when=(EnableWhen("t", op, answer),))
        q = Questionnaire(None, None, None, {}, {}, "en", "draft", None, None, (target, item))
        return fq.enabled(item, {"t": values} if values else {}, q)

    assert rule("exists", True, [1]) and not rule("exists", True, [])
    assert rule("exists", False, []) and not rule("exists", False, [1])
    assert rule("=", 2, [2]) and not rule("=", 2, [3]) and not rule("=", 2, [])
    # R4 questionnaire-enable-operator: "!=" holds when no answer equals the value.
    assert rule("!=", 2, [3]) and rule("!=", 2, []) and not rule("!=", 2, [2])
    assert rule(">", 2, [3]) and not rule(">", 2, [2]) and not rule(">", 2, [])
    assert rule(">=", 2, [2]) and rule("<", 2, [1]) and rule("<=", 2, [2])
    assert rule("=", D("2.5"), [D("2.50")])
    assert not rule("=", 1, [True])  # a yes/no is never the number 1


# Checking answers


def test_form_values_are_coerced_and_returned_in_questionnaire_order(q: Questionnaire) -> None:
    raw = {
        "helper": "Our neighbour",
        "weight": " 18.25 ",
        "last_visit": "2026-11-30",
        "supports": ["None", "Respite care", "Respite care"],
        "s3": "",
        "s1": "often",
        "nurse_hours": "12",
        "nurse": "true",
        "hours": "40",
        "employed": "on",
        "missed": 3,
        "missed_reason": "  Hospital stay  ",
        "lost_job": [],
    }
    assert fq.validate_answers(q, raw) == {
        "hours": [40],
        "nurse": [True],
        "nurse_hours": [12],
        "s1": ["often"],
        "employed": [True],
        "missed": [3],
        "missed_reason": ["Hospital stay"],
        "supports": ["Respite care", "None"],  # once each, in the options' order
        "helper": ["Our neighbour"],  # open-choice takes free text
        "last_visit": [date(2026, 11, 30)],
        "weight": [D("18.25")],
    }
    assert list(fq.validate_answers(q, raw)) == [
        i.link_id for i in q.walk() if i.link_id in fq.validate_answers(q, raw)
    ]


@pytest.mark.parametrize(
    ("word", "value"),
    [("yes", True), ("No", False), ("false", False), ("1", True), (True, True), (0, False)],
)
def test_yes_no_words(q: Questionnaire, word: Any, value: bool) -> None:
    assert fq.validate_answers(q, {**VALID, "nurse": word})["nurse"] == [value]


def test_json_numbers_and_codes_are_accepted(q: Questionnaire) -> None:
    found = fq.validate_answers(q, {**VALID, "hours": 12.0, "weight": 2, "helper": "partner"})
    assert found["hours"] == [12] and isinstance(found["hours"][0], int)
    assert found["weight"] == [D(2)] and found["helper"] == ["partner"]


ANSWER_PROBLEMS = [
    ({"s1": "daily"}, "s1", "Choose one of the options."),
    ({"supports": ["None", "Money"]}, "supports", "Choose only from the options."),
    ({"hours": "169"}, "hours", "Enter a whole number between 0 and 168."),
    ({"hours": "-1"}, "hours", "Enter a whole number between 0 and 168."),
    ({"hours": "2.5"}, "hours", "Enter a whole number between 0 and 168."),
    ({"hours": "ten"}, "hours", "Enter a whole number between 0 and 168."),
    ({"hours": True}, "hours", "Enter a whole number between 0 and 168."),
    ({"weight": "1,5"}, "weight", "Enter a number between 0 and 150.5."),
    ({"weight": "NaN"}, "weight", "Enter a number between 0 and 150.5."),
    ({"weight": "151"}, "weight", "Enter a number between 0 and 150.5."),
    ({"nurse": "maybe"}, "nurse", "Answer yes or no."),
    ({"last_visit": "30/11/2026"}, "last_visit", "Enter a date as year-month-day"),
    ({"last_visit": "2026-02-30"}, "last_visit", "Enter a date as year-month-day"),
    ({"helper": "x" * 41}, "helper", "Use at most 40 characters."),
    ({"nurse": "yes", "worry": "x"}, "worry", "This item does not take an answer"),
    ({"worry": 12}, "worry", "Enter text."),
    ({"worry": "x" * 21}, "worry", "Use at most 20 characters."),
    ({"hours": ["1", "2"]}, "hours", "Give only one answer."),
    ({"s1": ["often", "never"]}, "s1", "Give only one answer."),
    ({"stress": "x"}, "stress", "This item does not take an answer."),
    ({"intro": "x"}, "intro", "This item does not take an answer."),
    ({"nope": "x"}, "nope", "This question is not part of this questionnaire."),
    ({"hours": ""}, "hours", "This question needs an answer."),
    ({"s1": []}, "s1", "This question needs an answer."),
]


@pytest.mark.parametrize(("change", "key", "message"), ANSWER_PROBLEMS)
def test_each_answer_problem(q: Questionnaire, change: dict, key: str, message: str) -> None:
    raw = {**VALID, **change}
    if key == "worry" and "This item" in message:
        # worry is hidden when a nurse comes and hours < 100: its answer is dropped silently.
        assert "worry" not in fq.validate_answers(q, raw)
        return
    found = answer_problems(q, raw)
    assert list(found) == [key] and message in found[key][0], found


def test_all_answer_problems_are_reported_at_once_in_questionnaire_order(
    q: Questionnaire,
) -> None:
    found = answer_problems(q, {"nope": 1, "s1": "x", "nurse": "x", "weight": "-1"})
    assert list(found) == ["hours", "nurse", "s1", "weight", "nope"]
    assert found["hours"] == ["This question needs an answer."]


def test_a_draft_may_leave_required_questions_unanswered(q: Questionnaire) -> None:
    assert fq.validate_answers(q, {"weight": "3"}, complete=False) == {"weight": [D(3)]}
    assert answer_problems(q, {"weight": "x"}, complete=False).keys() == {"weight"}
    assert answer_problems(q, {"weight": "3"}).keys() == {"hours", "nurse", "s1"}


def test_answers_to_hidden_questions_are_dropped_silently(q: Questionnaire) -> None:
    raw = {
        **VALID,
        "nurse": "yes",  # hides worry ...
        "worry": "Money",
        "nurse_hours": "300",  # ... shows nurse_hours, whose answer is out of bounds
        "employed": "no",  # hides work and the groups inside it
        "missed": "4",
        "missed_reason": "x" * 500,  # too long, but hidden: dropped, not a problem
        "lost_job": "maybe",
    }
    assert answer_problems(q, raw) == {"nurse_hours": ["Enter a whole number between 0 and 168."]}
    raw["nurse_hours"] = "10"
    assert fq.validate_answers(q, raw) == {
        "hours": [30],
        "nurse": [True],
        "nurse_hours": [10],
        "s1": ["often"],
        "employed": [False],
    }


def test_conditions_on_hidden_answers_settle() -> None:
    # b shows when a is yes; c shows when b has no answer. With a = no, b's answer is dropped,
    # which shows c again: c's answer is kept.
    items = (
        Item("a", "boolean", {"en": "A"}),
        Item("b", "string", {"en": "B"}, enable_when=(EnableWhen("a", "=", True),)),
        Item("c", "string", {"en": "C"}, enable_when=(EnableWhen("b", "exists", False),)),
    )
    q = Questionnaire(None, None, None, {}, {}, "en", "draft", None, None, items)
    assert fq.validate_answers(q, {"a": "no", "b": "x", "c": "y"}) == {"a": [False], "c": ["y"]}
    assert fq.validate_answers(q, {"a": "yes", "b": "x", "c": "y"}) == {"a": [True], "b": ["x"]}


def test_a_required_group_needs_one_answer_inside() -> None:
    group = Item(
        "g",
        "group",
        {"en": "G"},
        required=True,
        items=(Item("g1", "string", {"en": "1"}), Item("g2", "string", {"en": "2"})),
    )
    q = Questionnaire(None, None, None, {}, {}, "en", "draft", None, None, (group,))
    assert answer_problems(q, {}) == {"g": ["Answer at least one question in this section."]}
    assert fq.validate_answers(q, {"g2": "x"}) == {"g2": ["x"]}
    assert fq.validate_answers(q, {}, complete=False) == {}


def test_answers_must_be_an_object(q: Questionnaire) -> None:
    assert answer_problems(q, ["x"]) == {"_": ["The answers must be a JSON object."]}  # type: ignore[arg-type]


# QuestionnaireResponse


FULL = {
    "hours": "40",
    "nurse": "yes",
    "nurse_hours": "12",
    "s1": "often",
    "s2": "never",
    "employed": "yes",
    "missed": "3",
    "missed_reason": "Hospital stay",
    "lost_job": "no",
    "supports": ["Respite care", "Home nursing"],
    "helper": "Our neighbour",
    "last_visit": "2026-11-30",
    "weight": "18.25",
}


def _response(q: Questionnaire, answers: fq.Answers, **kw: Any) -> dict[str, Any]:
    return fq.to_response(
        q,
        answers,
        response_id="6f1c2b9e-3d4a-4f5b-9c8d-7e6f5a4b3c2d",
        questionnaire_ref="https://familyapp.org/fhir/Questionnaire/caregiver-week|2",
        authored="2026-11-30T10:15:00+00:00",
        **kw,
    )


def test_to_response_is_valid_fhir_and_mirrors_the_groups(q: Questionnaire) -> None:
    answers = fq.validate_answers(q, FULL)
    res = _response(q, answers)
    get_fhir_model_class("QuestionnaireResponse").model_validate(res)
    json.dumps(res)
    assert res["status"] == "completed" and "subject" not in res and "language" not in res
    assert [i["linkId"] for i in res["item"]] == [
        "hours",
        "nurse",
        "nurse_hours",
        "stress",
        "employed",
        "work",
        "supports",
        "helper",
        "last_visit",
        "weight",
    ]
    stress = res["item"][3]
    assert stress["text"] == "How often did you feel…"
    assert [i["linkId"] for i in stress["item"]] == ["s1", "s2"]  # s3 was not answered
    assert stress["item"][0]["answer"] == [
        {"valueCoding": {"code": "often", "system": FREQUENCY, "display": "Often"}}
    ]
    work = res["item"][5]
    assert work["item"][1]["linkId"] == "work_detail" and "text" not in work["item"][1]
    assert work["item"][1]["item"][1]["answer"] == [{"valueBoolean": False}]
    by_id = {i["linkId"]: i for i in res["item"]}
    assert by_id["hours"]["answer"] == [{"valueInteger": 40}]
    assert by_id["weight"]["answer"] == [{"valueDecimal": 18.25}]
    assert by_id["last_visit"]["answer"] == [{"valueDate": "2026-11-30"}]
    assert by_id["helper"]["answer"] == [{"valueString": "Our neighbour"}]
    assert by_id["supports"]["answer"] == [
        {"valueCoding": {"code": "Respite care", "display": "Respite care"}},
        {"valueCoding": {"code": "Home nursing", "display": "Home nursing"}},
    ]


def test_to_response_texts_follow_the_reader_and_codings_the_base(q: Questionnaire) -> None:
    subject = {"reference": "Patient/6f1c2b9e"}
    res = _response(q, fq.validate_answers(q, FULL), lang="es", subject=subject, status="amended")
    get_fhir_model_class("QuestionnaireResponse").model_validate(res)
    assert res["language"] == "es" and res["subject"] == subject and res["status"] == "amended"
    stress = res["item"][3]
    assert stress["text"] == "Con qué frecuencia se sintió…"
    assert stress["item"][0]["text"] == "…cansado?"
    assert stress["item"][0]["answer"][0]["valueCoding"]["display"] == "Often"
    assert res["item"][0]["text"] == "¿Cuántas horas dedicó al cuidado?"


def test_to_response_refuses_a_bad_status_or_unclean_answers(q: Questionnaire) -> None:
    with pytest.raises(ValueError, match="status"):
        _response(q, {}, status="done")
    with pytest.raises(ValueError, match="not in the questionnaire"):
        _response(q, {"nope": ["x"]})
    with pytest.raises(ValueError, match="not an answer"):
        _response(q, {"hours": ["40"]})
    with pytest.raises(ValueError, match="not an answer"):
        _response(q, {"s1": ["daily"]})


def test_an_empty_response_has_no_items(q: Questionnaire) -> None:
    res = _response(q, {}, status="in-progress")
    get_fhir_model_class("QuestionnaireResponse").model_validate(res)
    assert "item" not in res


def test_from_response_round_trip(q: Questionnaire) -> None:
    answers = fq.validate_answers(q, FULL)
    raw = fq.from_response(q, _response(q, answers))
    assert raw["weight"] == [D("18.25")] and raw["last_visit"] == ["2026-11-30"]
    assert fq.validate_answers(q, raw) == answers


def test_from_response_reads_answers_nested_under_answers(q: Questionnaire) -> None:
    res = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "item": [
            {
                "linkId": "nurse",
                "answer": [
                    {
                        "valueBoolean": True,
                        "item": [{"linkId": "nurse_hours", "answer": [{"valueInteger": 5}]}],
                    }
                ],
            },
            {"linkId": "s3"},  # no answer
        ],
    }
    assert fq.from_response(q, res) == {"nurse": [True], "nurse_hours": [5]}


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ({"resourceType": "Questionnaire"}, "This is not a FHIR QuestionnaireResponse."),
        ([], "This is not a FHIR QuestionnaireResponse."),
        ({"resourceType": "QuestionnaireResponse", "item": {}}, "must be a list"),
        ({"resourceType": "QuestionnaireResponse", "item": ["x"]}, "item[0] has no linkId"),
        (
            {"resourceType": "QuestionnaireResponse", "item": [{"linkId": "a", "answer": {}}]},
            "The answers at item[0] must be a list.",
        ),
        (
            {
                "resourceType": "QuestionnaireResponse",
                "item": [{"linkId": "a", "answer": [{"valueQuantity": {"value": 1}}]}],
            },
            "is a valueQuantity, which this app does not take",
        ),
        (
            {
                "resourceType": "QuestionnaireResponse",
                "item": [{"linkId": "a", "answer": [{"valueInteger": 1, "valueString": "1"}]}],
            },
            "needs exactly one value",
        ),
        (
            {
                "resourceType": "QuestionnaireResponse",
                "item": [{"linkId": "a", "answer": [{"valueCoding": {"display": "A"}}]}],
            },
            "has no code",
        ),
        (
            {
                "resourceType": "QuestionnaireResponse",
                "item": [
                    {"linkId": "a", "answer": [{"valueInteger": 1}]},
                    {"linkId": "a", "answer": [{"valueInteger": 2}]},
                ],
            },
            "The question 'a' is answered twice.",
        ),
    ],
)
def test_from_response_problems(q: Questionnaire, resource: Any, message: str) -> None:
    with pytest.raises(AnswersInvalid) as caught:
        fq.from_response(q, resource)
    problems = caught.value.problems
    assert list(problems) == ["_"] and any(message in str(m) for m in problems["_"]), problems


def test_from_response_values_are_checked_by_validate_answers(q: Questionnaire) -> None:
    res = {
        "resourceType": "QuestionnaireResponse",
        "item": [{"linkId": "hours", "answer": [{"valueString": "a lot"}]}],
    }
    assert answer_problems(q, fq.from_response(q, res), complete=False) == {
        "hours": ["Enter a whole number between 0 and 168."]
    }


# Storage


def test_answers_json_is_lossless_and_is_valid_raw_input(q: Questionnaire) -> None:
    answers = fq.validate_answers(q, {**FULL, "weight": "18.50"})
    stored = fq.answers_to_json(answers)
    assert json.loads(json.dumps(stored)) == stored
    assert stored["weight"] == ["18.50"] and stored["last_visit"] == ["2026-11-30"]
    assert stored["hours"] == [40] and stored["nurse"] == [True]
    back = fq.answers_from_json(q, stored)
    assert back == answers
    assert str(back["weight"][0]) == "18.50"  # the digits, not only the value
    assert fq.validate_answers(q, stored) == answers  # a saved draft can be sent as it is


def test_answers_from_json_refuses_values_that_do_not_fit(q: Questionnaire) -> None:
    with pytest.raises(ValueError):
        fq.answers_from_json(q, {"hours": ["40"]})
    with pytest.raises(ValueError):
        fq.answers_from_json(q, {"weight": ["lots"]})
    with pytest.raises(ValueError):
        fq.answers_from_json(q, {"hours": 40})
    with pytest.raises(ValueError):
        fq.answers_from_json(q, [])
    assert fq.answers_from_json(q, {"gone": ["x"], "hours": [1]}) == {"hours": [1]}


def test_parsed_resource_is_not_changed(q: Questionnaire) -> None:
    res = build_resource()
    before = copy.deepcopy(res)
    fq.parse(res)
    assert res == before
