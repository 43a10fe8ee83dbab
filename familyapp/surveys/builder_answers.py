"""The builder's edits of what a question takes and when it is asked (pure: no web, no
database): a choice question's answer options (set_options, option_rows) and an item's
enableWhen conditions (set_enable_when, condition_rows), with the numbers typed for them.
"""

from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from familyapp.surveys.builder_lookup import (
    BuilderError,
    Resource,
    base_language,
    extensions,
    find_item,
    locate,
)
from familyapp.surveys.builder_texts import put_translation, translations
from familyapp.surveys.definition import CHOICE_TYPES, NUMBER_TYPES, OPERATORS, parse_date
from familyapp.surveys.questionnaire_profile import ORDINAL_URL, ORDINAL_URLS


def _json_number(value: Decimal) -> int | float:
    """A Decimal as a JSON number (FHIR decimals are JSON numbers; JSON has no Decimal)."""
    return int(value) if value == value.to_integral_value() else float(value)


def fhir_number(value: Any, field: str, integer: bool) -> int | float | None:
    """A number from a form or JSON (None for empty), as FHIR writes it."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BuilderError(_l("Enter a number."), field)
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise BuilderError(_l("Enter a number."), field)
    if integer and number != number.to_integral_value():
        raise BuilderError(_l("Enter a whole number."), field)
    return _json_number(number)


def set_options(resource: Resource, link_id: str, options: list[dict[str, Any]]) -> Resource:
    """Replace a choice question's answer options. Each option is a dict of code, display,
    ordinal (its score, or None) and translations ({lang: display}); each becomes a
    valueCoding, keeping the code system an option with the same code had."""
    result = copy.deepcopy(resource)
    _holder, _index, item = locate(result, link_id)
    base = base_language(result)
    systems = _systems(item)
    written: list[dict[str, Any]] = []
    for i, option in enumerate(options):
        code = str(option.get("code") or "").strip()
        if not code:
            raise BuilderError(_l("Every answer option needs a code."), f"options[{i}].code")
        display = str(option.get("display") or "").strip() or code
        coding: dict[str, Any] = {"code": code}
        if code in systems:
            coding["system"] = systems[code]
        coding["display"] = display
        for lang, text in sorted((option.get("translations") or {}).items()):
            if lang != base and text and text.strip():
                put_translation(coding, "display", base, lang, text)
        entry: dict[str, Any] = {"valueCoding": coding}
        ordinal = fhir_number(option.get("ordinal"), f"options[{i}].ordinal", integer=False)
        if ordinal is not None:
            entry["extension"] = [{"url": ORDINAL_URL, "valueDecimal": ordinal}]
        written.append(entry)
    if written:
        item["answerOption"] = written
    else:
        item.pop("answerOption", None)
    return result


def _systems(item: dict[str, Any]) -> dict[str, str]:
    """The code system of each coded answer option, by code."""
    systems: dict[str, str] = {}
    for option in item.get("answerOption") or []:
        coding = option.get("valueCoding") if isinstance(option, dict) else None
        if isinstance(coding, dict) and isinstance(coding.get("system"), str):
            systems[str(coding.get("code"))] = coding["system"]
    return systems


def option_rows(item: dict[str, Any]) -> list[dict[str, Any]]:
    """An item's answer options as set_options takes them (code, display, ordinal,
    translations), whichever of valueCoding, valueString and valueInteger they use."""
    rows: list[dict[str, Any]] = []
    for option in item.get("answerOption") or []:
        if not isinstance(option, dict):
            continue
        ordinal = None
        for ext in [*extensions(option), *extensions(option.get("valueCoding"))]:
            if ext.get("url") in ORDINAL_URLS:
                ordinal = ext.get("valueDecimal", ext.get("valueInteger"))
                break
        if isinstance(option.get("valueCoding"), dict):
            coding = option["valueCoding"]
            code = str(coding.get("code") or "")
            rows.append(
                {
                    "code": code,
                    "display": str(coding.get("display") or code),
                    "ordinal": ordinal,
                    "translations": translations(coding, "display"),
                }
            )
        elif isinstance(option.get("valueString"), str):
            rows.append(
                {
                    "code": option["valueString"],
                    "display": option["valueString"],
                    "ordinal": ordinal,
                    "translations": translations(option, "valueString"),
                }
            )
        elif "valueInteger" in option:
            code = str(option["valueInteger"])
            rows.append(
                {
                    "code": code,
                    "display": code,
                    "ordinal": ordinal if ordinal is not None else option["valueInteger"],
                    "translations": {},
                }
            )
    return rows


def _rule_answer(
    target: dict[str, Any] | None, operator: str, answer: Any, i: int
) -> tuple[str, Any]:
    """The answer[x] key and value of a condition, from what a form or caller gives."""
    field = f"conditions[{i}].answer"
    if operator == "exists":
        if answer in (None, "", True, "true", "yes"):
            return "answerBoolean", True
        if answer in (False, "false", "no"):
            return "answerBoolean", False
        raise BuilderError(_l("Choose whether the question has an answer or not."), field)
    if answer is None or answer == "":
        raise BuilderError(_l("Enter the answer to compare with."), field)
    kind = target.get("type") if target else None
    if kind == "boolean":
        if answer in (True, "true", "yes"):
            return "answerBoolean", True
        if answer in (False, "false", "no"):
            return "answerBoolean", False
        raise BuilderError(_l("Choose yes or no."), field)
    if kind in NUMBER_TYPES:
        number = fhir_number(answer, field, integer=False)
        if kind == "integer" and isinstance(number, int):
            return "answerInteger", number
        return "answerDecimal", number
    if kind == "date":
        if isinstance(answer, str) and parse_date(answer.strip()) is not None:
            return "answerDate", answer.strip()
        raise BuilderError(_l("Enter a date like 2019-03-14."), field)
    text = str(answer).strip()
    if kind in CHOICE_TYPES and target is not None:
        if any(row["code"] == text for row in option_rows(target)):
            coding: dict[str, Any] = {"code": text}
            system = _systems(target).get(text)
            if system:
                coding["system"] = system
            return "answerCoding", coding
        if kind == "choice":
            message = _l("Enter the code of one of that question's answer options.")
            raise BuilderError(message, field)
    return "answerString", text


def set_enable_when(
    resource: Resource, link_id: str, conditions: list[dict[str, Any]], behavior: str = "all"
) -> Resource:
    """Show the item only when its conditions hold: each a dict of question (a linkId),
    operator (questionnaire-enable-operator) and answer (a code for a choice question; for
    "exists", true or false). `behavior` is "all" or "any". No conditions: always shown."""
    if behavior not in ("all", "any"):
        message = _l("Choose whether all or any of the conditions must hold.")
        raise BuilderError(message, "behavior")
    result = copy.deepcopy(resource)
    _holder, _index, item = locate(result, link_id)
    rules: list[dict[str, Any]] = []
    for i, condition in enumerate(conditions):
        question = str(condition.get("question") or "")
        operator = str(condition.get("operator") or "=")
        if operator not in OPERATORS:
            raise BuilderError(_l("Choose how to compare."), f"conditions[{i}].operator")
        target = find_item(result, question)
        if target is None:
            message = _l("Choose one of the survey's questions.")
            raise BuilderError(message, f"conditions[{i}].question")
        key, value = _rule_answer(target, operator, condition.get("answer"), i)
        rules.append({"question": question, "operator": operator, key: value})
    if rules:
        item["enableWhen"] = rules
        item["enableBehavior"] = behavior
    else:
        item.pop("enableWhen", None)
        item.pop("enableBehavior", None)
    return result


def condition_rows(item: dict[str, Any]) -> list[dict[str, Any]]:
    """An item's enableWhen as set_enable_when takes them (the answer as a form shows it)."""
    rows: list[dict[str, Any]] = []
    for rule in item.get("enableWhen") or []:
        if not isinstance(rule, dict):
            continue
        answer: Any = ""
        for key, value in rule.items():
            if key.startswith("answer"):
                if isinstance(value, bool):
                    answer = "true" if value else "false"
                elif isinstance(value, dict):
                    answer = str(value.get("code") or "")
                else:
                    answer = str(value)
        rows.append(
            {
                "question": str(rule.get("question") or ""),
                "operator": str(rule.get("operator") or "="),
                "answer": answer,
            }
        )
    return rows
