"""The survey builder's forms (pure: no database; the request's form comes in as a MultiDict):
the kinds of item and their labels, what the survey page and an item's form show (view models
of the parsed survey), and an item's form as submitted turned into the edited FHIR resource.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from familyapp.settings import SUPPORTED_LOCALES
from familyapp.surveys import builder
from familyapp.surveys import questionnaire as fhirq

# The kinds of item a person chooses from, as (FHIR type, repeats).
KINDS: dict[str, tuple[str, bool]] = {
    "single": ("choice", False),
    "multiple": ("choice", True),
    "other": ("open-choice", False),
    "other_multiple": ("open-choice", True),
    "yesno": ("boolean", False),
    "integer": ("integer", False),
    "decimal": ("decimal", False),
    "date": ("date", False),
    "string": ("string", False),
    "text": ("text", False),
    "display": ("display", False),
    "group": ("group", False),
}
# How a condition compares, in words; "answered"/"unanswered" are FHIR's "exists" true/false.
CONDITION_OPERATORS = ("=", "!=", ">", "<", ">=", "<=", "answered", "unanswered")
STATUSES = ("draft", "active", "retired")
EXTRA_OPTION_ROWS = 3
EXTRA_CONDITION_ROWS = 1
MAX_ROWS = 200  # answer options or conditions read from one form


def kind_labels() -> dict[str, str]:
    """The kinds of item in plain language (in the reader's language)."""
    return {
        "single": _("Single choice"),
        "multiple": _("Multiple choice"),
        "other": _("Single choice with 'other'"),
        "other_multiple": _("Multiple choice with 'other'"),
        "yesno": _("Yes / no"),
        "integer": _("Whole number"),
        "decimal": _("Number with decimals"),
        "date": _("Date"),
        "string": _("Short text"),
        "text": _("Long text"),
        "display": _("Information text (no answer)"),
        "group": _("Section (group)"),
    }


def operator_labels() -> dict[str, str]:
    """How a condition compares, in plain language."""
    return {
        "=": _("is"),
        "!=": _("is not"),
        ">": _("is more than"),
        "<": _("is less than"),
        ">=": _("is at least"),
        "<=": _("is at most"),
        "answered": _("has been answered"),
        "unanswered": _("has not been answered"),
    }


def status_labels() -> dict[str, str]:
    """A survey's statuses as the builder names them."""
    return {"draft": _("Draft"), "active": _("Published"), "retired": _("Retired")}


def kind_of(item: fhirq.Item) -> str:
    """The kind (a KINDS key) an item is."""
    if item.type == "choice":
        return "multiple" if item.repeats else "single"
    if item.type == "open-choice":
        return "other_multiple" if item.repeats else "other"
    return "yesno" if item.type == "boolean" else item.type


def other_languages(model: fhirq.Questionnaire) -> list[str]:
    """The languages a translator can fill in: every supported one and any already used,
    except the base language."""
    found: list[str] = []
    for lang in (*SUPPORTED_LOCALES, *model.languages()):
        if lang != model.language and lang not in found:
            found.append(lang)
    return found


def item_entries(model: fhirq.Questionnaire, others: list[str]) -> list[dict[str, Any]]:
    """The item list of the builder page: each item with its depth, place among its
    siblings and whether it is translated into each other language."""
    entries: list[dict[str, Any]] = []

    def walk(items: tuple[fhirq.Item, ...], depth: int) -> None:
        for index, item in enumerate(items):
            texts = [item.text] if item.text.get(model.language) else []
            texts.extend(option.display for option in item.options)
            entries.append(
                {
                    "item": item,
                    "depth": depth,
                    "first": index == 0,
                    "last": index == len(items) - 1,
                    "kind": kind_of(item),
                    "translated": {
                        lang: all(t.get(lang) for t in texts) if texts else None for lang in others
                    },
                }
            )
            walk(item.items, depth + 1)

    walk(model.items, 0)
    return entries


def meta_values(model: fhirq.Questionnaire, others: list[str]) -> dict[str, str]:
    """The survey's title, description (in every language) and status as the form shows them."""
    values = {
        "title": model.title.get(model.language, ""),
        "description": model.description.get(model.language, ""),
        "status": model.status if model.status in STATUSES else "draft",
    }
    for lang in others:
        values[f"title_{lang}"] = model.title.get(lang, "")
        values[f"description_{lang}"] = model.description.get(lang, "")
    return values


def item_values(model: fhirq.Questionnaire, item: fhirq.Item, others: list[str]) -> dict[str, Any]:
    """An item as its form shows it."""
    return {
        "kind": kind_of(item),
        "text": item.text.get(model.language, ""),
        "prefix": item.prefix or "",
        "required": item.required,
        "min_value": "" if item.min_value is None else str(item.min_value),
        "max_value": "" if item.max_value is None else str(item.max_value),
        "max_length": "" if item.max_length is None else str(item.max_length),
        "translations": {lang: item.text.get(lang, "") for lang in others},
        "options": [
            {
                "code": option.code,
                "display": option.display.get(model.language, ""),
                "ordinal": "" if option.ordinal is None else str(option.ordinal),
                "translations": {lang: option.display.get(lang, "") for lang in others},
                "remove": False,
            }
            for option in item.options
        ],
        "conditions": [_condition_value(rule) for rule in item.enable_when],
        "behavior": item.enable_behavior,
    }


def _condition_value(rule: fhirq.EnableWhen) -> dict[str, str]:
    if rule.operator == "exists":
        operator = "answered" if rule.answer is True else "unanswered"
        return {"question": rule.question, "operator": operator, "answer": ""}
    answer = rule.answer
    shown = ("true" if answer else "false") if isinstance(answer, bool) else str(answer)
    return {"question": rule.question, "operator": rule.operator, "answer": shown}


def _form_rows(form: MultiDict[str, str], prefix: str) -> list[int]:
    """The row numbers of repeated fields named "<prefix>-<n>-<name>", in order."""
    pattern = re.compile(rf"^{prefix}-(\d+)-")
    found = sorted({int(m.group(1)) for key in form if (m := pattern.match(key))})
    return found[:MAX_ROWS]


def submitted_item(form: MultiDict[str, str], current: dict[str, Any]) -> dict[str, Any]:
    """The item form as submitted (kept as typed, to show again when something is wrong).

    A text field the form did not send keeps the item's current value (`current`, from
    item_values): a translation is only removed by sending it empty."""
    before = {option["code"]: option for option in current["options"]}

    def option_translation(n: int, lang: str) -> str:
        key = f"opt-{n}-{lang}"
        if key in form:
            return form.get(key, "")
        known = before.get(form.get(f"opt-{n}-code", "").strip())
        return str(known["translations"].get(lang, "")) if known else ""

    return {
        "kind": form.get("kind", current["kind"]),
        "text": form.get("text", current["text"]),
        "prefix": form.get("prefix", current["prefix"]),
        "required": "1" in form.getlist("required"),
        "min_value": form.get("min_value", current["min_value"]),
        "max_value": form.get("max_value", current["max_value"]),
        "max_length": form.get("max_length", current["max_length"]),
        "translations": {
            lang: form.get(f"text_{lang}", text) for lang, text in current["translations"].items()
        },
        "options": [
            {
                "code": form.get(f"opt-{n}-code", "").strip(),
                "display": form.get(f"opt-{n}-display", "").strip(),
                "ordinal": form.get(f"opt-{n}-ordinal", "").strip(),
                "translations": {
                    lang: option_translation(n, lang) for lang in current["translations"]
                },
                "remove": "1" in form.getlist(f"opt-{n}-remove"),
            }
            for n in _form_rows(form, "opt")
        ],
        "conditions": [
            {
                "question": form.get(f"cond-{n}-question", ""),
                "operator": form.get(f"cond-{n}-operator", "="),
                "answer": form.get(f"cond-{n}-answer", "").strip(),
            }
            for n in _form_rows(form, "cond")
        ],
        "behavior": form.get("behavior", "all"),
    }


def with_blank_rows(values: dict[str, Any], others: list[str]) -> dict[str, Any]:
    """Room to add answer options and a condition: empty rows after the filled ones."""
    shown = dict(values)
    filled = [o for o in values["options"] if o["code"] or o["display"]]
    shown["options"] = filled + [
        {
            "code": "",
            "display": "",
            "ordinal": "",
            "translations": dict.fromkeys(others, ""),
            "remove": False,
        }
        for _n in range(EXTRA_OPTION_ROWS)
    ]
    conditions = [c for c in values["conditions"] if c["question"]]
    shown["conditions"] = conditions + [
        {"question": "", "operator": "=", "answer": ""} for _n in range(EXTRA_CONDITION_ROWS)
    ]
    return shown


def _descendants(item: fhirq.Item) -> Iterator[fhirq.Item]:
    for child in item.items:
        yield child
        yield from _descendants(child)


def _free_code(taken: set[str]) -> str:
    """The lowest whole number not yet used as a code (for an option typed without one)."""
    n = 1
    while str(n) in taken:
        n += 1
    return str(n)


def condition_targets(model: fhirq.Questionnaire, item: fhirq.Item) -> list[fhirq.Item]:
    """The questions a condition of `item` can name: the answerable ones before it (and any
    a condition already names)."""
    named = {rule.question for rule in item.enable_when}
    inside = {child.link_id for child in _descendants(item)}
    targets: list[fhirq.Item] = []
    before = True
    for other in model.walk():
        if other.link_id == item.link_id:
            before = False
            continue
        if other.type in ("group", "display") or other.link_id in inside:
            continue
        if before or other.link_id in named:
            targets.append(other)
    return targets


def _decimal_error(value: str, integer: bool) -> str | None:
    """Why a typed number is not one (None when it is, or is empty)."""
    if not value.strip():
        return None
    try:
        number = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        return _("Enter a number.")
    if not number.is_finite():
        return _("Enter a number.")
    if integer and number != number.to_integral_value():
        return _("Enter a whole number.")
    return None


_ITEM_FIELDS = frozenset({"kind", "text", "prefix", "min_value", "max_value", "max_length"})


def item_resource(
    saved: dict[str, Any],
    model: fhirq.Questionnaire,
    item: fhirq.Item,
    values: dict[str, Any],
    others: list[str],
    errors: dict[str, list[str]],
) -> dict[str, Any] | None:
    """The survey (`saved`, as saved) with the item as submitted; None (with `errors` filled
    in) when a field is wrong in a way the form can point at."""
    kind = values["kind"] if item.type != "group" else "group"
    if kind not in KINDS:
        errors["kind"] = [_("Choose the kind of question.")]
        return None
    fhir_type, repeats = KINDS[kind]
    if item.type != "group" and fhir_type == "group":
        errors["kind"] = [_("Choose the kind of question.")]
        return None
    if fhir_type not in ("group",) and not values["text"].strip():
        errors["text"] = [_("Write the question.")]
    for key in ("min_value", "max_value"):
        if fhir_type in fhirq.NUMBER_TYPES:
            problem = _decimal_error(values[key], integer=fhir_type == "integer")
            if problem:
                errors[key] = [problem]
    if fhir_type in builder.MAX_LENGTH_TYPES and values["max_length"].strip():
        problem = _decimal_error(values["max_length"], integer=True)
        if problem is None and int(Decimal(values["max_length"].strip())) < 1:
            problem = _("Enter a whole number of at least 1.")
        if problem:
            errors["max_length"] = [problem]
    fields: dict[str, Any] = {
        "type": fhir_type,
        "text": values["text"],
        "prefix": values["prefix"],
        "required": values["required"] and fhir_type not in ("display", "group"),
        "min_value": values["min_value"] if fhir_type in fhirq.NUMBER_TYPES else None,
        "max_value": values["max_value"] if fhir_type in fhirq.NUMBER_TYPES else None,
        "max_length": values["max_length"] if fhir_type in builder.MAX_LENGTH_TYPES else None,
    }
    if fhir_type in fhirq.CHOICE_TYPES:
        fields["repeats"] = repeats
    options: list[dict[str, Any]] = []
    if fhir_type in fhirq.CHOICE_TYPES:
        codes: set[str] = set()
        typed = {o["code"] for o in values["options"] if o["code"]}
        for n, option in enumerate(values["options"]):
            if option["remove"] or not (option["code"] or option["display"]):
                continue
            code = option["code"]
            if not code:  # a new option without a code: the next free number
                code = option["code"] = _free_code(typed | codes)
            if code in codes:
                errors[f"opt-{n}-code"] = [_("Two options have the code '%(code)s'.", code=code)]
            codes.add(code)
            problem = _decimal_error(option["ordinal"], integer=False)
            if problem:
                errors[f"opt-{n}-ordinal"] = [problem]
            options.append(
                {
                    "code": code,
                    "display": option["display"] or code,
                    "ordinal": option["ordinal"] or None,
                    "translations": option["translations"],
                }
            )
    conditions: list[dict[str, Any]] = []
    for n, condition in enumerate(values["conditions"]):
        if not condition["question"]:
            continue
        operator = condition["operator"]
        if operator not in CONDITION_OPERATORS:
            errors[f"cond-{n}-operator"] = [_("Choose how to compare.")]
            continue
        rule: dict[str, Any] = dict(condition)
        if operator in ("answered", "unanswered"):
            rule.update(operator="exists", answer=operator == "answered")
        try:  # each condition on its own, so every wrong one is shown at once
            builder.set_enable_when(saved, item.link_id, [rule], "all")
        except builder.BuilderError as error:
            name = "answer" if (error.field or "").endswith("answer") else "question"
            errors[f"cond-{n}-{name}"] = [str(error.message)]
            continue
        conditions.append(rule)
    behavior = values["behavior"] if values["behavior"] in ("all", "any") else "all"
    if errors:
        return None
    try:
        resource = builder.update_item(saved, item.link_id, fields)
        for lang in others:
            resource = builder.set_translation(
                resource, item.link_id, lang, values["translations"].get(lang, "")
            )
        if fhir_type in fhirq.CHOICE_TYPES:
            resource = builder.set_options(resource, item.link_id, options)
        resource = builder.set_enable_when(resource, item.link_id, conditions, behavior)
    except builder.BuilderError as error:
        field = {"type": "kind"}.get(error.field or "", error.field or "_")
        errors[field if field in _ITEM_FIELDS else "_"] = [str(error.message)]
        return None
    return resource
