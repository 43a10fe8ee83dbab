"""Writing the questionnaire model as a FHIR R4 Questionnaire: `to_fhir`, the inverse of
`questionnaire.parse` (`parse(to_fhir(q)) == q`), re-exported from questionnaire.py.

Translations go in the core translation extension, an option's score in ordinalValue, and the
scoring rules in the SCORING_URL extension's JSON, as questionnaire.py describes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from familyapp.surveys.definition import (
    EnableWhen,
    Item,
    Option,
    Questionnaire,
    Texts,
    json_number,
)
from familyapp.surveys.questionnaire_profile import (
    MAX_VALUE_URL,
    MIN_VALUE_URL,
    ORDINAL_URL,
    SCORING_URL,
    TRANSLATION_URL,
)
from familyapp.surveys.scoring import rules_json


def to_fhir(q: Questionnaire) -> dict[str, Any]:
    """The questionnaire as an R4 Questionnaire resource (the inverse of `parse`)."""
    res: dict[str, Any] = {"resourceType": "Questionnaire"}
    for key in ("url", "version", "name"):
        if getattr(q, key) is not None:
            res[key] = getattr(q, key)
    res["status"] = q.status
    res["language"] = q.language
    _put_texts(res, "title", q.title, q.language)
    _put_texts(res, "description", q.description, q.language)
    if q.publisher is not None:
        res["publisher"] = q.publisher
    if q.copyright is not None:
        res["copyright"] = q.copyright
    if q.scales or q.show_score:
        res["extension"] = [{"url": SCORING_URL, "valueString": rules_json(q)}]
    by_id = {item.link_id: item for item in q.walk()}
    res["item"] = [_item_to_fhir(item, q.language, by_id) for item in q.items]
    return res


def _put_texts(element: dict[str, Any], key: str, texts: Texts, base: str) -> None:
    if texts.get(base):
        element[key] = texts[base]
    translations = [
        {
            "url": TRANSLATION_URL,
            "extension": [
                {"url": "lang", "valueCode": lang},
                {"url": "content", "valueString": text},
            ],
        }
        for lang, text in sorted(texts.items())
        if lang != base and text
    ]
    if translations:
        element["_" + key] = {"extension": translations}


def _item_to_fhir(item: Item, base: str, by_id: Mapping[str, Item]) -> dict[str, Any]:
    out: dict[str, Any] = {"linkId": item.link_id}
    if item.prefix is not None:
        out["prefix"] = item.prefix
    _put_texts(out, "text", item.text, base)
    out["type"] = item.type
    bounds = [(MIN_VALUE_URL, item.min_value), (MAX_VALUE_URL, item.max_value)]
    value_key = "valueInteger" if item.type == "integer" else "valueDecimal"
    extensions = [{"url": url, value_key: json_number(v)} for url, v in bounds if v is not None]
    if extensions:
        out["extension"] = extensions
    if item.enable_when:
        out["enableWhen"] = [_rule_to_fhir(rule, by_id) for rule in item.enable_when]
    if item.enable_when or item.enable_behavior != "all":
        out["enableBehavior"] = item.enable_behavior
    if item.required:
        out["required"] = True
    if item.repeats:
        out["repeats"] = True
    if item.max_length is not None:
        out["maxLength"] = item.max_length
    if item.options:
        out["answerOption"] = [_option_to_fhir(option, base) for option in item.options]
    if item.items:
        out["item"] = [_item_to_fhir(child, base, by_id) for child in item.items]
    return out


def _option_to_fhir(option: Option, base: str) -> dict[str, Any]:
    # Always a Coding: it carries code, display and system alike, and reads back the same.
    coding: dict[str, Any] = {"code": option.code}
    if option.system is not None:
        coding["system"] = option.system
    _put_texts(coding, "display", option.display, base)
    out: dict[str, Any] = {"valueCoding": coding}
    if option.ordinal is not None:
        out["extension"] = [{"url": ORDINAL_URL, "valueDecimal": json_number(option.ordinal)}]
    return out


def _rule_to_fhir(rule: EnableWhen, by_id: Mapping[str, Item]) -> dict[str, Any]:
    out: dict[str, Any] = {"question": rule.question, "operator": rule.operator}
    target = by_id.get(rule.question)
    answer = rule.answer
    if isinstance(answer, bool):
        out["answerBoolean"] = answer
    elif isinstance(answer, int):
        out["answerInteger"] = answer
    elif isinstance(answer, Decimal):
        out["answerDecimal"] = json_number(answer)
    elif isinstance(answer, date):
        out["answerDate"] = answer.isoformat()
    elif isinstance(answer, str) and target is not None and target.option(answer) is not None:
        option = target.option(answer)
        assert option is not None
        coding: dict[str, Any] = {"code": answer}
        if option.system is not None:
            coding["system"] = option.system
        out["answerCoding"] = coding
    elif answer is not None:
        out["answerString"] = str(answer)
    return out
