"""The survey builder's edits on a FHIR R4 Questionnaire (pure: no web, no database).

Every function takes a JSON-decoded Questionnaire and returns a new one; the input is never
changed, so a refused save leaves nothing half-edited. Items are found by linkId anywhere in
the tree. The results are meant to pass `questionnaire.parse`, which stays the one judge of
what is valid: these functions shape the JSON and keep references tidy (deleting a question
also deletes the conditions and scale entries that named it), and leave the explaining of
what is still wrong (a choice question without options, a group left empty) to `parse`.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from familyapp.surveys.questionnaire import (
    CHOICE_TYPES,
    MAX_VALUE_URL,
    MIN_VALUE_URL,
    NUMBER_TYPES,
    OPERATORS,
    ORDINAL_URL,
    ORDINAL_URLS,
    SCORING_URL,
    STATUSES,
    TRANSLATION_URL,
    TYPES,
    parse_date,
)

Resource = dict[str, Any]

# The item types that can carry a maxLength (que-10), as questionnaire.py reads them.
MAX_LENGTH_TYPES = ("boolean", "decimal", "integer", "string", "text", "open-choice")
_GENERATED = re.compile(r"^q(\d+)$")
_UPDATABLE = frozenset(
    {"text", "required", "repeats", "type", "min_value", "max_value", "max_length", "prefix"}
)


def _json_number(value: Decimal) -> int | float:
    """A Decimal as a JSON number (FHIR decimals are JSON numbers; JSON has no Decimal)."""
    return int(value) if value == value.to_integral_value() else float(value)


class BuilderError(ValueError):
    """An edit that cannot be made (an unknown linkId, a value of the wrong kind).

    `field` names the form field it is about, when there is one; `message` is for people.
    """

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


# ----------------------------------------------------------------------------- reading


def iter_items(resource: Resource) -> Iterator[tuple[dict[str, Any], int]]:
    """Every item with its depth (0 at the top), depth first, in questionnaire order."""

    def walk(items: Any, depth: int) -> Iterator[tuple[dict[str, Any], int]]:
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                yield item, depth
                yield from walk(item.get("item"), depth + 1)

    return walk(resource.get("item"), 0)


def link_ids(resource: Resource) -> list[str]:
    """Every linkId, in questionnaire order."""
    return [str(item.get("linkId")) for item, _depth in iter_items(resource)]


def find_item(resource: Resource, link_id: str) -> dict[str, Any] | None:
    """The item with this linkId anywhere in the tree (not a copy), or None."""
    return next((item for item, _d in iter_items(resource) if item.get("linkId") == link_id), None)


def next_link_id(resource: Resource) -> str:
    """A new linkId "q<n>", n above every "q<n>" in the survey (gaps are not refilled)."""
    used = set(link_ids(resource))
    numbers = [int(m.group(1)) for m in map(_GENERATED.match, used) if m]
    n = max(numbers, default=0) + 1
    while f"q{n}" in used:
        n += 1
    return f"q{n}"


def _locate(resource: Resource, link_id: str) -> tuple[list[Any], int, dict[str, Any]]:
    """The list holding the item, its index there, and the item; BuilderError when absent."""

    def search(items: Any) -> tuple[list[Any], int, dict[str, Any]] | None:
        if not isinstance(items, list):
            return None
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            if item.get("linkId") == link_id:
                return items, index, item
            found = search(item.get("item"))
            if found is not None:
                return found
        return None

    found = search(resource.get("item"))
    if found is None:
        raise BuilderError(_l("There is no question '%(item)s' in this survey.", item=link_id))
    return found


def base_language(resource: Resource) -> str:
    """The language the plain texts are written in ("en" when the resource does not say)."""
    language = resource.get("language")
    return language if isinstance(language, str) and language else "en"


def translations(element: dict[str, Any], key: str) -> dict[str, str]:
    """The translations of element[key] by language (from the `_key` translation extension)."""
    holder = element.get("_" + key)
    found: dict[str, str] = {}
    for ext in _extensions(holder):
        if ext.get("url") != TRANSLATION_URL:
            continue
        parts = {p.get("url"): p for p in ext.get("extension") or [] if isinstance(p, dict)}
        lang = parts.get("lang", {}).get("valueCode")
        content = parts.get("content", {}).get("valueString")
        if isinstance(lang, str) and isinstance(content, str) and content:
            found[lang] = content
    return found


def scoring(resource: Resource) -> dict[str, Any] | None:
    """The scoring document (the SCORING_URL extension's JSON), or None when there is none
    or it cannot be read."""
    for ext in _extensions(resource):
        if ext.get("url") == SCORING_URL and isinstance(ext.get("valueString"), str):
            try:
                doc = json.loads(ext["valueString"])
            except ValueError:
                return None
            return doc if isinstance(doc, dict) else None
    return None


def _extensions(element: Any) -> list[dict[str, Any]]:
    if not isinstance(element, dict) or not isinstance(element.get("extension"), list):
        return []
    return [ext for ext in element["extension"] if isinstance(ext, dict)]


# ---------------------------------------------------------------------------- building


def blank(title: str, language: str, *, intro: str = "Welcome") -> Resource:
    """A new draft: a title and one display text (a questionnaire needs at least one item)."""
    resource: Resource = {
        "resourceType": "Questionnaire",
        "status": "draft",
        "language": language,
        "item": [{"linkId": "intro", "type": "display", "text": intro}],
    }
    if title.strip():
        resource["title"] = title.strip()
    return resource


def default_options(label: str = "Option %(n)s") -> list[dict[str, Any]]:
    """Two numbered options for a new choice question (a choice needs options to be valid)."""
    return [{"code": str(n), "display": label % {"n": n}} for n in (1, 2)]


def add_item(
    resource: Resource,
    *,
    parent: str | None,
    type: str,
    text: str,
    link_id: str | None = None,
    repeats: bool = False,
    options: list[dict[str, Any]] | None = None,
    child_text: str = "Questions of this section follow.",
) -> Resource:
    """Add an item at the end of the top level or of a group.

    A choice question gets `options` (two numbered ones when none are given) and a group
    gets one display text (`child_text`): FHIR wants options on a choice and an item in a
    group, so the result is valid at once and can be filled in afterwards.
    """
    if type not in TYPES:
        raise BuilderError(_l("Choose the kind of question."), "type")
    result = copy.deepcopy(resource)
    new_id = link_id or next_link_id(result)
    if new_id in link_ids(result):
        raise BuilderError(_l("The linkId '%(item)s' is already used.", item=new_id), "link_id")
    item: dict[str, Any] = {"linkId": new_id, "type": type}
    if text.strip():
        item["text"] = text.strip()
    if repeats and type in CHOICE_TYPES:
        item["repeats"] = True
    if type == "group":
        child_id = next_link_id({"item": [*result.get("item", []), item]})
        item["item"] = [{"linkId": child_id, "type": "display", "text": child_text}]
    if parent is None:
        siblings = result.setdefault("item", [])
    else:
        _holder, _index, group = _locate(result, parent)
        if group.get("type") != "group":
            raise BuilderError(_l("Questions can only be added inside a section."), "parent")
        siblings = group.setdefault("item", [])
    siblings.append(item)
    if type in CHOICE_TYPES:
        return set_options(result, new_id, options or default_options())
    return result


def _number(value: Any, field: str, integer: bool) -> int | float | None:
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


def update_item(resource: Resource, link_id: str, fields: dict[str, Any]) -> Resource:
    """Change an item's text, required, repeats, type, min_value, max_value, max_length or
    prefix (a key given as None or "" removes the setting). What a new type cannot have
    (options, bounds, a maximum length) is dropped with the old type."""
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise BuilderError(_l("'%(key)s' cannot be changed here.", key=sorted(unknown)[0]))
    result = copy.deepcopy(resource)
    _holder, _index, item = _locate(result, link_id)
    if "type" in fields:
        kind = fields["type"]
        if kind not in TYPES:
            raise BuilderError(_l("Choose the kind of question."), "type")
        if (kind == "group") != (item.get("type") == "group"):
            message = _l("A section cannot become a question, nor a question a section.")
            raise BuilderError(message, "type")
        item["type"] = kind
    kind = str(item.get("type"))
    for key in ("text", "prefix"):
        if key in fields:
            value = (fields[key] or "").strip()
            if value:
                item[key] = value
            else:
                item.pop(key, None)
    for key in ("required", "repeats"):
        if key in fields:
            if fields[key]:
                item[key] = True
            else:
                item.pop(key, None)
    if "max_length" in fields:
        length = _number(fields["max_length"], "max_length", integer=True)
        if length is None:
            item.pop("maxLength", None)
        elif length < 1:
            raise BuilderError(_l("Enter a whole number of at least 1."), "max_length")
        else:
            item["maxLength"] = int(length)
    bounds = {
        MIN_VALUE_URL: _bound(item, MIN_VALUE_URL),
        MAX_VALUE_URL: _bound(item, MAX_VALUE_URL),
    }
    for key, url in (("min_value", MIN_VALUE_URL), ("max_value", MAX_VALUE_URL)):
        if key in fields:
            bounds[url] = _number(fields[key], key, integer=kind == "integer")
    _put_bounds(item, kind, bounds)
    # What the type cannot have (parse would refuse it): dropped rather than reported.
    if kind == "display":
        item.pop("required", None)
    if kind in ("display", "group"):
        item.pop("repeats", None)
    if kind not in CHOICE_TYPES:
        item.pop("answerOption", None)
        item.pop("answerValueSet", None)
    if kind not in MAX_LENGTH_TYPES:
        item.pop("maxLength", None)
    return result


def _bound(item: dict[str, Any], url: str) -> int | float | None:
    for ext in _extensions(item):
        if ext.get("url") == url:
            value = ext.get("valueInteger", ext.get("valueDecimal"))
            if isinstance(value, int | float) and not isinstance(value, bool):
                return value
    return None


def _put_bounds(item: dict[str, Any], kind: str, bounds: dict[str, int | float | None]) -> None:
    others = [ext for ext in _extensions(item) if ext.get("url") not in bounds]
    if kind in NUMBER_TYPES:
        key = "valueInteger" if kind == "integer" else "valueDecimal"
        for url, value in bounds.items():
            if value is None:
                continue
            if kind == "integer" and value != int(value):
                field = "min_value" if url == MIN_VALUE_URL else "max_value"
                raise BuilderError(_l("Enter a whole number."), field)
            others.append({"url": url, key: int(value) if kind == "integer" else value})
    if others:
        item["extension"] = others
    else:
        item.pop("extension", None)


def _put_translation(element: dict[str, Any], key: str, base: str, lang: str, text: str) -> None:
    """Set (or, with an empty text, remove) one language of element[key]."""
    text = text.strip()
    if lang == base:
        if text:
            element[key] = text
        else:
            element.pop(key, None)
        return
    found = element.get("_" + key)
    holder: dict[str, Any] = dict(found) if isinstance(found, dict) else {}
    old = holder.get("extension")
    kept = [
        ext
        for ext in (old if isinstance(old, list) else [])
        if not (
            isinstance(ext, dict)
            and ext.get("url") == TRANSLATION_URL
            and _translation_lang(ext) == lang
        )
    ]
    if text:
        kept.append(
            {
                "url": TRANSLATION_URL,
                "extension": [
                    {"url": "lang", "valueCode": lang},
                    {"url": "content", "valueString": text},
                ],
            }
        )
        kept.sort(key=lambda ext: _translation_lang(ext) if isinstance(ext, dict) else "")
    if kept:
        holder["extension"] = kept
    else:
        holder.pop("extension", None)
    if holder:
        element["_" + key] = holder
    else:
        element.pop("_" + key, None)


def _translation_lang(ext: dict[str, Any]) -> str:
    for part in ext.get("extension") or []:
        if isinstance(part, dict) and part.get("url") == "lang":
            return str(part.get("valueCode"))
    return ""


def set_translation(
    resource: Resource, link_id: str | None, lang: str, text: str, *, field: str | None = None
) -> Resource:
    """Set one language of an item's text (or, for link_id None, of the survey's title or,
    with field="description", its description); an empty text removes that translation."""
    result = copy.deepcopy(resource)
    if link_id is None:
        key = field or "title"
        if key not in ("title", "description"):
            raise BuilderError(_l("'%(key)s' cannot be translated here.", key=key))
        element: dict[str, Any] = result
    else:
        key = field or "text"
        if key not in ("text", "prefix"):
            raise BuilderError(_l("'%(key)s' cannot be translated here.", key=key))
        _holder, _index, element = _locate(result, link_id)
    _put_translation(element, key, base_language(result), lang, text)
    return result


def set_options(resource: Resource, link_id: str, options: list[dict[str, Any]]) -> Resource:
    """Replace a choice question's answer options. Each option is a dict of code, display,
    ordinal (its score, or None) and translations ({lang: display}); each becomes a
    valueCoding, keeping the code system an option with the same code had."""
    result = copy.deepcopy(resource)
    _holder, _index, item = _locate(result, link_id)
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
                _put_translation(coding, "display", base, lang, text)
        entry: dict[str, Any] = {"valueCoding": coding}
        ordinal = _number(option.get("ordinal"), f"options[{i}].ordinal", integer=False)
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
        for ext in [*_extensions(option), *_extensions(option.get("valueCoding"))]:
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
        number = _number(answer, field, integer=False)
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
    _holder, _index, item = _locate(result, link_id)
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


def move_item(resource: Resource, link_id: str, direction: str) -> Resource:
    """Move an item one place up or down among its siblings (at either end: no change)."""
    if direction not in ("up", "down"):
        raise BuilderError(_l("Choose up or down."), "direction")
    result = copy.deepcopy(resource)
    siblings, index, _item = _locate(result, link_id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
    return result


def delete_item(resource: Resource, link_id: str) -> Resource:
    """Delete an item (and, for a section, everything in it), with the conditions and scale
    entries that named any of them, so nothing is left pointing at a missing question."""
    result = copy.deepcopy(resource)
    siblings, index, item = _locate(result, link_id)
    gone = {link_id} | {str(child.get("linkId")) for child, _d in iter_items(item)}
    del siblings[index]
    for other, _depth in iter_items(result):
        rules = other.get("enableWhen")
        if not isinstance(rules, list):
            continue
        kept = [r for r in rules if not (isinstance(r, dict) and r.get("question") in gone)]
        if len(kept) == len(rules):
            continue
        if kept:
            other["enableWhen"] = kept
        else:
            other.pop("enableWhen", None)
            other.pop("enableBehavior", None)
    doc = scoring(result)
    if doc is not None and isinstance(doc.get("scales"), list):
        scales = []
        for scale in doc["scales"]:
            if not isinstance(scale, dict):
                scales.append(scale)
                continue
            scale = dict(scale)
            if isinstance(scale.get("items"), list):
                scale["items"] = [x for x in scale["items"] if x not in gone]
                if not scale["items"]:
                    continue  # a scale of nothing is no scale
            if isinstance(scale.get("reverse"), list):
                scale["reverse"] = [x for x in scale["reverse"] if x not in gone]
            least = scale.get("min_answered")
            count = len(scale.get("items") or [])
            if isinstance(least, int) and not isinstance(least, bool) and least > count:
                scale["min_answered"] = count
            scales.append(scale)
        doc["scales"] = scales
        result = set_scoring(result, doc if scales or doc.get("show_score") else None)
    return result


def set_meta(
    resource: Resource, title: str | None, description: str | None, status: str
) -> Resource:
    """Set the title and description (in the base language; empty removes) and the status
    (draft, active = published, retired)."""
    if status not in STATUSES:
        raise BuilderError(_l("Choose draft, published or retired."), "status")
    result = copy.deepcopy(resource)
    base = base_language(result)
    _put_translation(result, "title", base, base, title or "")
    _put_translation(result, "description", base, base, description or "")
    result["status"] = status
    return result


def set_scoring(resource: Resource, doc: dict[str, Any] | None) -> Resource:
    """Set the scoring rules ({"show_score": ..., "scales": [...]}, see questionnaire.Scale)
    as the scoring extension, or remove them with None."""
    result = copy.deepcopy(resource)
    others = [ext for ext in _extensions(result) if ext.get("url") != SCORING_URL]
    if doc is not None:
        others.append({"url": SCORING_URL, "valueString": json.dumps(doc, ensure_ascii=False)})
    if others:
        result["extension"] = others
    else:
        result.pop("extension", None)
    return result


__all__ = [
    "BuilderError",
    "add_item",
    "blank",
    "condition_rows",
    "default_options",
    "delete_item",
    "find_item",
    "iter_items",
    "link_ids",
    "move_item",
    "next_link_id",
    "option_rows",
    "set_enable_when",
    "set_meta",
    "set_options",
    "set_scoring",
    "set_translation",
    "translations",
    "update_item",
]
