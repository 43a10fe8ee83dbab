"""The survey builder's edits on a FHIR R4 Questionnaire (pure: no web, no database).

Every function takes a JSON-decoded Questionnaire and returns a new one; the input is never
changed, so a refused save leaves nothing half-edited. Items are found by linkId anywhere in
the tree. The results are meant to pass `questionnaire.parse`, which stays the one judge of
what is valid: these functions shape the JSON and keep references tidy (deleting a question
also deletes the conditions and scale entries that named it), and leave the explaining of
what is still wrong (a choice question without options, a group left empty) to `parse`.

This module has the edits of the survey as a whole and of its items' place and settings, and
re-exports the rest: finding things is in builder_lookup.py, translations in builder_texts.py,
answer options and conditions in builder_answers.py.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from flask_babel import lazy_gettext as _l

from familyapp.surveys.builder_answers import (
    condition_rows,
    fhir_number,
    option_rows,
    set_enable_when,
    set_options,
)
from familyapp.surveys.builder_lookup import (
    BuilderError,
    Resource,
    base_language,
    extensions,
    find_item,
    iter_items,
    link_ids,
    locate,
    next_link_id,
    scoring,
)
from familyapp.surveys.builder_texts import put_translation, set_translation, translations
from familyapp.surveys.definition import CHOICE_TYPES, NUMBER_TYPES, STATUSES, TYPES
from familyapp.surveys.questionnaire_profile import MAX_VALUE_URL, MIN_VALUE_URL, SCORING_URL

# The item types that can carry a maxLength (que-10), as questionnaire_items.py reads them.
MAX_LENGTH_TYPES = ("boolean", "decimal", "integer", "string", "text", "open-choice")
_UPDATABLE = frozenset(
    {"text", "required", "repeats", "type", "min_value", "max_value", "max_length", "prefix"}
)


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
        _holder, _index, group = locate(result, parent)
        if group.get("type") != "group":
            raise BuilderError(_l("Questions can only be added inside a section."), "parent")
        siblings = group.setdefault("item", [])
    siblings.append(item)
    if type in CHOICE_TYPES:
        return set_options(result, new_id, options or default_options())
    return result


def update_item(resource: Resource, link_id: str, fields: dict[str, Any]) -> Resource:
    """Change an item's text, required, repeats, type, min_value, max_value, max_length or
    prefix (a key given as None or "" removes the setting). What a new type cannot have
    (options, bounds, a maximum length) is dropped with the old type."""
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise BuilderError(_l("'%(key)s' cannot be changed here.", key=sorted(unknown)[0]))
    result = copy.deepcopy(resource)
    _holder, _index, item = locate(result, link_id)
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
        length = fhir_number(fields["max_length"], "max_length", integer=True)
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
            bounds[url] = fhir_number(fields[key], key, integer=kind == "integer")
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
    for ext in extensions(item):
        if ext.get("url") == url:
            value = ext.get("valueInteger", ext.get("valueDecimal"))
            if isinstance(value, int | float) and not isinstance(value, bool):
                return value
    return None


def _put_bounds(item: dict[str, Any], kind: str, bounds: dict[str, int | float | None]) -> None:
    others = [ext for ext in extensions(item) if ext.get("url") not in bounds]
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


def move_item(resource: Resource, link_id: str, direction: str) -> Resource:
    """Move an item one place up or down among its siblings (at either end: no change)."""
    if direction not in ("up", "down"):
        raise BuilderError(_l("Choose up or down."), "direction")
    result = copy.deepcopy(resource)
    siblings, index, _item = locate(result, link_id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
    return result


def delete_item(resource: Resource, link_id: str) -> Resource:
    """Delete an item (and, for a section, everything in it), with the conditions and scale
    entries that named any of them, so nothing is left pointing at a missing question."""
    result = copy.deepcopy(resource)
    siblings, index, item = locate(result, link_id)
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
    put_translation(result, "title", base, base, title or "")
    put_translation(result, "description", base, base, description or "")
    result["status"] = status
    return result


def set_scoring(resource: Resource, doc: dict[str, Any] | None) -> Resource:
    """Set the scoring rules ({"show_score": ..., "scales": [...]}, see questionnaire.Scale)
    as the scoring extension, or remove them with None."""
    result = copy.deepcopy(resource)
    others = [ext for ext in extensions(result) if ext.get("url") != SCORING_URL]
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
