"""Answers to a questionnaire (pure: no web, no database): which items are enabled, checking and
cleaning what a form or a client sent, FHIR R4 QuestionnaireResponse <-> answers, and answers as
JSON for storage.

enableWhen follows R4 (https://hl7.org/fhir/R4/questionnaire-definitions.html#Questionnaire.item
.enableWhen and the questionnaire-enable-operator code system): "exists" compares whether the
question has an answer with true/false; "=" and the ordering operators hold when at least one
answer satisfies them; "!=" holds when no answer equals the value (so also when there is no
answer); enableBehavior "all" or "any" combines the conditions; an item inside a disabled group
is disabled too. A respondent may answer a question and then change an earlier answer that
hides it: such answers are dropped without complaint.

Stored answers (`answers_to_json`) keep bool, int and str as they are, a Decimal as its digits
("1.50") and a date as "YYYY-MM-DD"; `answers_from_json` reads them back through each item's
type, so the pair is lossless for the same questionnaire, and a stored draft is also a valid
`raw` for `validate_answers`.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from familyapp.surveys.definition import (
    ANSWERABLE,
    CHOICE_TYPES,
    Answers,
    EnableWhen,
    Item,
    Questionnaire,
    Value,
    as_decimal,
    json_number,
    parse_date,
    text_in,
    walk,
)

RESPONSE_STATUSES = ("in-progress", "completed", "amended", "entered-in-error", "stopped")
MAX_ANSWER = 10000  # characters of free text when the item sets no maxLength
_MAX_NESTING = 20  # of a QuestionnaireResponse's items, against hostile input
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
_WHOLE = re.compile(r"^[+-]?\d{1,30}$")
_NUMBER = re.compile(r"^[+-]?(\d{1,30}(\.\d{0,30})?|\.\d{1,30})$")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}

UNKNOWN = _l("This question is not part of this questionnaire.")
NOT_A_QUESTION = _l("This item does not take an answer.")
REQUIRED = _l("This question needs an answer.")
GROUP_REQUIRED = _l("Answer at least one question in this section.")
ONE_ANSWER = _l("Give only one answer.")
CHOOSE_ONE = _l("Choose one of the options.")
CHOOSE_FROM = _l("Choose only from the options.")
YES_NO = _l("Answer yes or no.")
A_DATE = _l("Enter a date as year-month-day, for example 2026-11-30.")
A_TEXT = _l("Enter text.")


class AnswersInvalid(Exception):
    """Answers that cannot be accepted: `problems` maps a linkId ("_" for the whole) to
    messages."""

    def __init__(self, problems: dict[str, list[Any]]) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in problems.items()))
        self.problems = problems


class _Refused(Exception):
    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


# Enabling


def enabled(item: Item, answers: Answers, q: Questionnaire) -> bool:
    """Whether the item is shown: its enableWhen holds and so do those of its groups."""
    return _enabled(item, answers, _parents(q))


def _parents(q: Questionnaire) -> dict[str, Item]:
    return {child.link_id: item for item in q.walk() for child in item.items}


def _enabled(item: Item, answers: Answers, parents: Mapping[str, Item]) -> bool:
    current: Item | None = item
    while current is not None:
        if current.enable_when:
            held = (_holds(rule, answers.get(rule.question, [])) for rule in current.enable_when)
            if not (any(held) if current.enable_behavior == "any" else all(held)):
                return False
        current = parents.get(current.link_id)
    return True


def _holds(rule: EnableWhen, values: list[Value]) -> bool:
    if rule.operator == "exists":
        return bool(values) == bool(rule.answer)
    if rule.operator == "=":
        return any(_same(value, rule.answer) for value in values)
    if rule.operator == "!=":
        return not any(_same(value, rule.answer) for value in values)
    compare = _COMPARE.get(rule.operator)
    if compare is None:
        return False
    found = False
    for value in values:
        try:
            found = found or bool(compare(value, rule.answer))
        except TypeError:  # a value of another type never satisfies an ordering
            continue
    return found


def _same(value: Any, answer: Any) -> bool:
    # True == 1 in Python; a yes/no answer is never equal to a number.
    return isinstance(value, bool) == isinstance(answer, bool) and value == answer


# Checking


def validate_answers(q: Questionnaire, raw: dict[str, Any], *, complete: bool = True) -> Answers:
    """Clean answers (by linkId, in questionnaire order) from form or JSON values, or raise
    AnswersInvalid; `complete=False` (a draft) lets required questions stay unanswered."""
    if not isinstance(raw, dict):
        raise AnswersInvalid({"_": [_l("The answers must be a JSON object.")]})
    items = {item.link_id: item for item in q.walk()}
    problems: dict[str, list[Any]] = {}
    given: Answers = {}
    for key, value in raw.items():
        link_id, item = str(key), items.get(str(key))
        values = _given(value)
        if item is None:
            problems[link_id] = [UNKNOWN]
        elif item.type not in ANSWERABLE:
            if values:
                problems[link_id] = [NOT_A_QUESTION]
        elif values:
            try:
                given[link_id] = _clean(item, values)
            except _Refused as refused:
                problems[link_id] = [refused.message]
    parents = _parents(q)
    answers = _settle(given, items, parents)
    for link_id in list(problems):
        if link_id in items and not _enabled(items[link_id], answers, parents):
            del problems[link_id]  # an invalid answer to a hidden question is dropped too
    if complete:
        for item in q.walk():
            if not item.required or item.link_id in problems:
                continue
            if not _enabled(item, answers, parents):
                continue
            if item.type == "group":
                if not any(child.link_id in answers for child in walk(item.items)):
                    problems[item.link_id] = [GROUP_REQUIRED]
            elif item.link_id not in answers:
                problems[item.link_id] = [REQUIRED]
    if problems:
        order = {link_id: i for i, link_id in enumerate(items)}
        ordered = sorted(problems, key=lambda k: order.get(k, len(order)))
        raise AnswersInvalid({k: problems[k] for k in ordered})
    return {link_id: answers[link_id] for link_id in items if link_id in answers}


def _settle(given: Answers, items: Mapping[str, Item], parents: Mapping[str, Item]) -> Answers:
    """The answers of the items enabled by those same answers."""
    # Dropping a hidden answer can show another item again ("!=", "exists" false), whose answer
    # is then restored from what was given: recompute from the given answers until stable. A
    # cycle of conditions that never settles stops after one round per item.
    current = given
    for _ in range(len(items) + 1):
        kept = {k: v for k, v in given.items() if _enabled(items[k], current, parents)}
        if kept == current:
            break
        current = kept
    return current


def _given(value: Any) -> list[Any]:
    values = value if isinstance(value, list | tuple) else [value]
    return [v for v in values if v is not None and not (isinstance(v, str) and not v.strip())]


def _clean(item: Item, values: list[Any]) -> list[Value]:
    if len(values) > 1 and not item.repeats:
        raise _Refused(ONE_ANSWER)
    clean: list[Value] = []
    for value in values:
        one = _one(item, value)
        if one not in clean:  # every value has the item's type: == is enough
            clean.append(one)
    if item.type in CHOICE_TYPES and len(clean) > 1:
        # Chosen options in the options' order, free text after: the same choice, one form.
        order = {option.code: i for i, option in enumerate(item.options)}
        clean.sort(key=lambda v: order.get(str(v), len(order)))
    return clean


def _one(item: Item, value: Any) -> Value:
    kind = item.type
    if kind == "boolean":
        return _boolean(value)
    if kind in ("integer", "decimal"):
        return _number(item, value)
    if kind == "date":
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        found = parse_date(value.strip() if isinstance(value, str) else value)
        if found is None:
            raise _Refused(A_DATE)
        return found
    if kind in CHOICE_TYPES:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # a JSON client may send the code 3 for "3"
        if isinstance(value, str) and item.option(value.strip()) is not None:
            return value.strip()
        if kind == "open-choice" and isinstance(value, str):
            return _text(item, value)
        raise _Refused(CHOOSE_FROM if item.repeats else CHOOSE_ONE)
    if not isinstance(value, str):
        raise _Refused(A_TEXT)
    return _text(item, value)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _Refused(YES_NO)


def _number(item: Item, value: Any) -> int | Decimal:
    number: Decimal | None
    if isinstance(value, str):
        text = value.strip()
        pattern = _WHOLE if item.type == "integer" else _NUMBER
        number = Decimal(text) if pattern.match(text) else None
    else:
        number = as_decimal(value)
    if (
        number is None
        or (item.type == "integer" and number != number.to_integral_value())
        or (item.min_value is not None and number < item.min_value)
        or (item.max_value is not None and number > item.max_value)
    ):
        raise _Refused(_number_message(item))
    return int(number) if item.type == "integer" else number


def _number_message(item: Item) -> Any:
    low, high = item.min_value, item.max_value
    if item.type == "integer":
        if low is not None and high is not None:
            return _l(
                "Enter a whole number between %(min)s and %(max)s.", min=_n(low), max=_n(high)
            )
        if low is not None:
            return _l("Enter a whole number of at least %(min)s.", min=_n(low))
        if high is not None:
            return _l("Enter a whole number of at most %(max)s.", max=_n(high))
        return _l("Enter a whole number.")
    if low is not None and high is not None:
        return _l("Enter a number between %(min)s and %(max)s.", min=_n(low), max=_n(high))
    if low is not None:
        return _l("Enter a number of at least %(min)s.", min=_n(low))
    if high is not None:
        return _l("Enter a number of at most %(max)s.", max=_n(high))
    return _l("Enter a number.")


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _text(item: Item, value: str) -> str:
    text = value.strip()
    limit = item.max_length or MAX_ANSWER
    if len(text) > limit:
        raise _Refused(_l("Use at most %(max)s characters.", max=limit))
    return text


# QuestionnaireResponse


def to_response(
    q: Questionnaire,
    answers: Answers,
    *,
    response_id: str,
    questionnaire_ref: str,
    authored: str,
    status: str = "completed",
    lang: str | None = None,
    subject: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Clean answers as an R4 QuestionnaireResponse; item texts in `lang` (else the base)."""
    if status not in RESPONSE_STATUSES:
        raise ValueError(f"not a QuestionnaireResponse status: {status!r}")
    known = {item.link_id for item in q.walk()}
    unknown = [link_id for link_id in answers if link_id not in known]
    if unknown:
        raise ValueError(f"answers to items not in the questionnaire: {unknown}")
    res: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": response_id,
        "questionnaire": questionnaire_ref,
        "status": status,
        "authored": authored,
    }
    if lang:
        res["language"] = lang
    if subject is not None:
        res["subject"] = subject
    items = _response_items(q.items, answers, lang or q.language, q.language)
    if items:  # FHIR JSON has no empty arrays
        res["item"] = items
    return res


def _response_items(
    items: Iterable[Item], answers: Answers, lang: str, base: str
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        entry: dict[str, Any] = {"linkId": item.link_id}
        text = text_in(item.text, lang, base)
        if text:
            entry["text"] = text
        if item.type == "group":
            children = _response_items(item.items, answers, lang, base)
            if children:
                out.append({**entry, "item": children})
        elif answers.get(item.link_id):
            entry["answer"] = [_response_value(item, v, base) for v in answers[item.link_id]]
            out.append(entry)
    return out


def _response_value(item: Item, value: Value, base: str) -> dict[str, Any]:
    if item.type in CHOICE_TYPES and isinstance(value, str):
        option = item.option(value)
        if option is not None:
            coding: dict[str, Any] = {"code": option.code}
            if option.system is not None:
                coding["system"] = option.system
            display = text_in(option.display, base, base)
            if display:
                coding["display"] = display
            return {"valueCoding": coding}
        if item.type == "open-choice":
            return {"valueString": value}
    elif item.type == "boolean" and isinstance(value, bool):
        return {"valueBoolean": value}
    elif item.type == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return {"valueInteger": value}
    elif item.type == "decimal" and isinstance(value, Decimal) and value.is_finite():
        return {"valueDecimal": json_number(value)}
    elif item.type == "date" and isinstance(value, date):
        return {"valueDate": value.isoformat()}
    elif item.type in ("string", "text") and isinstance(value, str):
        return {"valueString": value}
    raise ValueError(f"{value!r} is not an answer to {item.type} item {item.link_id!r}")


def from_response(q: Questionnaire, resource: Any) -> dict[str, list[Any]]:
    """Raw answers (for validate_answers) from an R4 QuestionnaireResponse's items; a resource
    that is not one, or malformed items, raise AnswersInvalid under "_"."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "QuestionnaireResponse":
        raise AnswersInvalid({"_": [_l("This is not a FHIR QuestionnaireResponse.")]})
    raw: dict[str, list[Any]] = {}
    problems: list[Any] = []
    items = resource.get("item", [])
    if isinstance(items, list):
        _collect(items, "item", raw, problems, 1)
    else:
        problems.append(_l("The response's items must be a list."))
    if problems:
        raise AnswersInvalid({"_": problems})
    return raw


def _collect(
    items: list[Any], path: str, raw: dict[str, list[Any]], problems: list[Any], depth: int
) -> None:
    if depth > _MAX_NESTING:
        problems.append(_l("The response's items are nested too deeply at %(path)s.", path=path))
        return
    for i, entry in enumerate(items):
        where = f"{path}[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("linkId"), str):
            problems.append(_l("The response item at %(path)s has no linkId.", path=where))
            continue
        link_id, answers = entry["linkId"], entry.get("answer", [])
        if not isinstance(answers, list):
            problems.append(_l("The answers at %(path)s must be a list.", path=where))
            continue
        values = []
        for j, answer in enumerate(answers):
            found = _answer_value(answer, f"{where}.answer[{j}]", problems)
            if found is not None:
                values.append(found)
            if isinstance(answer, dict) and isinstance(answer.get("item"), list):
                _collect(answer["item"], f"{where}.answer[{j}].item", raw, problems, depth + 1)
        if link_id in raw:
            problems.append(_l("The question '%(item)s' is answered twice.", item=link_id))
        elif answers:
            raw[link_id] = values
        if isinstance(entry.get("item"), list):
            _collect(entry["item"], f"{where}.item", raw, problems, depth + 1)


def _answer_value(answer: Any, path: str, problems: list[Any]) -> Any:
    keys = [key for key in answer if key.startswith("value")] if isinstance(answer, dict) else []
    if len(keys) != 1:
        problems.append(_l("The answer at %(path)s needs exactly one value.", path=path))
        return None
    key = keys[0]
    value = answer[key]
    if key == "valueCoding":
        code = value.get("code") if isinstance(value, dict) else None
        if not isinstance(code, str):
            problems.append(_l("The coded answer at %(path)s has no code.", path=path))
        return code if isinstance(code, str) else None
    if key == "valueDecimal":
        number = as_decimal(value)
        return number if number is not None else value
    if key in ("valueBoolean", "valueInteger", "valueDate", "valueString"):
        return value  # validate_answers checks it against the question's type
    problems.append(
        _l("The answer at %(path)s is a %(key)s, which this app does not take.", path=path, key=key)
    )
    return None


# Storage


def answers_to_json(answers: Answers) -> dict[str, list[Any]]:
    """Clean answers as JSON values: Decimal as its digits, date as YYYY-MM-DD."""
    return {link_id: [_stored(value) for value in values] for link_id, values in answers.items()}


def _stored(value: Value) -> Any:
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    raise ValueError(f"not an answer value: {value!r}")


def answers_from_json(q: Questionnaire, data: Any) -> Answers:
    """Stored answers back as clean values, read through each item's type; answers to items the
    questionnaire no longer has are left out."""
    if not isinstance(data, dict):
        raise ValueError("stored answers must be a JSON object")
    out: Answers = {}
    for item in q.walk():
        values = data.get(item.link_id)
        if values is None or item.type not in ANSWERABLE:
            continue
        if not isinstance(values, list):
            raise ValueError(f"stored answers to {item.link_id!r} must be a list")
        out[item.link_id] = [_restored(item, value) for value in values]
    return out


def _restored(item: Item, value: Any) -> Value:
    if item.type == "decimal":
        number = Decimal(value) if isinstance(value, str) and _NUMBER.match(value) else None
        if number is not None:
            return number
    elif item.type == "date":
        found = parse_date(value)
        if found is not None:
            return found
    elif item.type == "boolean":
        if isinstance(value, bool):
            return value
    elif item.type == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(value, str):
        return value
    raise ValueError(f"stored answer {value!r} does not fit {item.type} item {item.link_id!r}")
