"""HTML routes of the survey builder: write a survey question by question on a phone, translate
it, preview it as a respondent sees it in each language, and publish it.

Every change is a whole new FHIR Questionnaire made by builder.py and saved through
service.save_questionnaire with the revision the page was drawn from, so two people editing
at once get "someone else changed this" (412) instead of overwriting each other, and every
rule of questionnaire.parse explains what is wrong before anything is saved (422). Once a
campaign has used a survey its questions are frozen (409): it can only be copied.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from familyapp.core import authz
from familyapp.core.authz import Perm, requires
from familyapp.core.errors import ServiceError
from familyapp.settings import SUPPORTED_LOCALES
from familyapp.surveys import builder, programs, service
from familyapp.surveys import questionnaire as fhirq
from familyapp.surveys.models import BUILT
from familyapp.surveys.models import Questionnaire as QuestionnaireRow
from familyapp.surveys.views import enable_when_json

bp = Blueprint("survey_builder", __name__)

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


# ------------------------------------------------------------------------------ helpers


def _load(questionnaire_id: str) -> tuple[QuestionnaireRow, programs.ProgramRole | None]:
    """A questionnaire the user may build with: one of a program they run (with their role),
    or a bundled one (no role: it can only be copied); 404 (audited) otherwise."""
    row = service.get_questionnaire(current_user, questionnaire_id)
    if row.program_id is None:
        if not programs.is_author(current_user):
            authz.refuse(Perm.SURVEY_MANAGE, f"questionnaire:{row.id}")
        return row, None
    return row, programs.program_for(current_user, row.program_id, Perm.SURVEY_MANAGE)


def _revision() -> int:
    """The revision the submitted page was drawn from (-1 when missing: treated as stale)."""
    try:
        return int(request.form.get("revision", ""))
    except ValueError:
        return -1


def _other_languages(model: fhirq.Questionnaire) -> list[str]:
    """The languages a translator can fill in: every supported one and any already used,
    except the base language."""
    found: list[str] = []
    for lang in (*SUPPORTED_LOCALES, *model.languages()):
        if lang != model.language and lang not in found:
            found.append(lang)
    return found


@contextmanager
def _speaking(lang: str) -> Iterator[None]:
    """Write respondent-facing defaults (a welcome text, "Option 1") in the survey's language."""
    if lang in SUPPORTED_LOCALES:
        with force_locale(lang):
            yield
    else:
        yield


_ITEM_STEP = re.compile(r"^item\[(\d+)\]$")


def _link_id_at(resource: dict[str, Any], path: str) -> str | None:
    """The linkId of the item a problem's path ("item[2].item[0].enableWhen[0]") is in."""
    items: Any = resource.get("item")
    found: str | None = None
    for step in path.split("."):
        match = _ITEM_STEP.match(step)
        if not match or not isinstance(items, list):
            break
        index = int(match.group(1))
        if index >= len(items) or not isinstance(items[index], dict):
            break
        found = str(items[index].get("linkId") or "") or found
        items = items[index].get("item")
    return found


def _problems(
    error: ServiceError, attempted: dict[str, Any], row: QuestionnaireRow
) -> list[dict[str, Any]]:
    """The problems of a refused save, each with a link to the item it is about when that
    item exists in the saved survey."""
    saved = set(builder.link_ids(row.resource))
    shown = []
    for problem in error.errors.get("problems") or []:
        path = str(problem.get("path") or "")
        link_id = _link_id_at(attempted, path)
        url = None
        if link_id and link_id in saved:
            url = url_for("survey_builder.item", questionnaire_id=row.id, item_id=link_id)
        elif path in ("title", "description", "status") or path.startswith("_title"):
            url = "#meta"
        shown.append({"message": problem.get("message", ""), "link_id": link_id, "url": url})
    return shown


def _save(row: QuestionnaireRow, resource: dict[str, Any]) -> QuestionnaireRow:
    return service.save_questionnaire(current_user, row, resource, _revision())


def _entries(model: fhirq.Questionnaire, others: list[str]) -> list[dict[str, Any]]:
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


def _meta_values(model: fhirq.Questionnaire, others: list[str]) -> dict[str, str]:
    values = {
        "title": model.title.get(model.language, ""),
        "description": model.description.get(model.language, ""),
        "status": model.status if model.status in STATUSES else "draft",
    }
    for lang in others:
        values[f"title_{lang}"] = model.title.get(lang, "")
        values[f"description_{lang}"] = model.description.get(lang, "")
    return values


def _copy_targets(row: QuestionnaireRow) -> list[programs.ProgramRole]:
    """The programs a copy can go to: the survey's own first."""
    mine = programs.programs_for(current_user)
    return sorted(mine, key=lambda role: role.program.id != row.program_id)


def _edit_page(
    row: QuestionnaireRow,
    role: programs.ProgramRole | None,
    *,
    status: int = 200,
    message: str | None = None,
    problems: list[dict[str, Any]] | None = None,
    errors: dict[str, list[str]] | None = None,
    meta: dict[str, str] | None = None,
    adding: dict[str, str] | None = None,
    revision: int | None = None,
) -> Any:
    model = service.parsed(row)
    others = _other_languages(model)
    used = service.in_use(row)
    return (
        render_template(
            "surveys/builder_edit.html",
            row=row,
            role=role,
            q=model,
            others=others,
            entries=_entries(model, others),
            groups=[
                (item.link_id, fhirq.text_in(item.text, model.language, model.language))
                for item in model.walk()
                if item.type == "group"
            ],
            in_use=used,
            editable=role is not None and not used,
            copy_targets=_copy_targets(row),
            meta=meta or _meta_values(model, others),
            adding=adding or {"kind": "single", "text": "", "parent": ""},
            kinds=kind_labels(),
            statuses=status_labels(),
            message=message,
            problems=problems or [],
            errors=errors or {},
            status=status,
            revision=row.revision if revision is None else revision,
            text_in=fhirq.text_in,
        ),
        status,
    )


def _refused(
    error: ServiceError,
    row: QuestionnaireRow,
    attempted: dict[str, Any],
    page: Callable[..., Any],
) -> Any:
    """A refused save shown on the page it came from, with the problems listed. After a 412
    the page keeps the revision it was drawn from, so saving again is refused again until
    the survey is reloaded: nobody overwrites a change they have not seen."""
    return page(
        status=error.status,
        message=error.message,
        problems=_problems(error, attempted, row),
        revision=_revision() if error.status == 412 else None,
    )


# ------------------------------------------------------------------------------- routes


@bp.route("/programs/<program_id>/questionnaires/new", methods=["GET", "POST"])
@requires(Perm.SURVEY_MANAGE)
def new(program_id: str) -> Any:
    """Start a new survey: its title and the language it is written in."""
    role = programs.program_for(current_user, program_id, Perm.SURVEY_MANAGE)
    locale = str(get_locale())
    values = {"title": "", "language": locale if locale in SUPPORTED_LOCALES else "en"}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = {
            "title": request.form.get("title", "").strip(),
            "language": request.form.get("language", ""),
        }
        if not values["title"]:
            errors["title"] = [_("Give the survey a title.")]
        elif len(values["title"]) > 300:
            errors["title"] = [_("Use at most %(max)s characters.", max=300)]
        if values["language"] not in SUPPORTED_LOCALES:
            errors["language"] = [_("Choose one of the languages.")]
        if not errors:
            with _speaking(values["language"]):
                intro = _("Thank you for taking the time to answer these questions.")
            resource = builder.blank(values["title"], values["language"], intro=intro)
            try:
                row = service.import_questionnaire(
                    current_user, role.program.id, resource, origin=BUILT
                )
            except ServiceError as error:
                errors["_"] = [error.message]
                status = error.status
            else:
                flash(_("Your survey is started. Add its questions."), "success")
                return redirect(url_for("survey_builder.edit", questionnaire_id=row.id))
        status = status if status != 200 else 422
    return (
        render_template(
            "surveys/builder_new.html",
            role=role,
            values=values,
            errors=errors,
            languages=SUPPORTED_LOCALES,
        ),
        status,
    )


@bp.route("/questionnaires/<questionnaire_id>/edit")
@requires(Perm.SURVEY_MANAGE)
def edit(questionnaire_id: str) -> Any:
    """The builder: the survey's title and status, its questions, and adding one."""
    row, role = _load(questionnaire_id)
    return _edit_page(row, role)


@bp.route("/questionnaires/<questionnaire_id>/meta", methods=["POST"])
@requires(Perm.SURVEY_MANAGE)
def meta(questionnaire_id: str) -> Any:
    """Save the title, description, their translations and the status (publish)."""
    row, role = _load(questionnaire_id)
    model = service.parsed(row)
    others = _other_languages(model)
    # A field the form did not send keeps its value: a translation is removed by sending "".
    values = {key: request.form.get(key, now) for key, now in _meta_values(model, others).items()}
    errors: dict[str, list[str]] = {}
    if not values["title"].strip():
        errors["title"] = [_("Give the survey a title.")]
    if values["status"] not in STATUSES:
        errors["status"] = [_("Choose one of the options.")]

    def page(**kwargs: Any) -> Any:
        return _edit_page(row, role, meta=values, errors=errors, **kwargs)

    if errors:
        return page(status=422)
    resource = builder.set_meta(
        row.resource, values["title"], values["description"], values["status"]
    )
    for lang in others:
        resource = builder.set_translation(resource, None, lang, values[f"title_{lang}"])
        resource = builder.set_translation(
            resource, None, lang, values[f"description_{lang}"], field="description"
        )
    try:
        _save(row, resource)
    except ServiceError as error:
        return _refused(error, row, resource, page)
    flash(_("Published.") if values["status"] == "active" else _("Saved."), "success")
    return redirect(url_for("survey_builder.edit", questionnaire_id=row.id))


@bp.route("/questionnaires/<questionnaire_id>/items", methods=["POST"])
@requires(Perm.SURVEY_MANAGE)
def add_item(questionnaire_id: str) -> Any:
    """Add a question (or a text, or a section) at the end of the survey or of a section."""
    row, role = _load(questionnaire_id)
    model = service.parsed(row)
    values = {
        "kind": request.form.get("kind", ""),
        "text": request.form.get("text", "").strip(),
        "parent": request.form.get("parent", ""),
    }
    errors: dict[str, list[str]] = {}
    if values["kind"] not in KINDS:
        errors["kind"] = [_("Choose the kind of question.")]
    if not values["text"]:
        errors["text"] = [_("Write the question.")]
    elif len(values["text"]) > fhirq.MAX_TEXT:
        errors["text"] = [_("Use at most %(max)s characters.", max=fhirq.MAX_TEXT)]
    parent = values["parent"] or None
    group = model.item(parent) if parent is not None else None
    if parent is not None and (group is None or group.type != "group"):
        errors["parent"] = [_("Choose one of the sections.")]

    def page(**kwargs: Any) -> Any:
        return _edit_page(row, role, adding=values, errors=errors, **kwargs)

    if errors:
        return page(status=422)
    kind, repeats = KINDS[values["kind"]]
    link_id = builder.next_link_id(row.resource)
    with _speaking(model.language):
        options = builder.default_options(_("Option %(n)s"))
        child_text = _("The questions of this section follow.")
    resource = builder.add_item(
        row.resource,
        parent=parent,
        type=kind,
        text=values["text"],
        link_id=link_id,
        repeats=repeats,
        options=options,
        child_text=child_text,
    )
    try:
        _save(row, resource)
    except ServiceError as error:
        return _refused(error, row, resource, page)
    flash(_("Added. Now fill in the details."), "success")
    return redirect(url_for("survey_builder.item", questionnaire_id=row.id, item_id=link_id))


@bp.route("/questionnaires/<questionnaire_id>/items/<path:item_id>/move", methods=["POST"])
@requires(Perm.SURVEY_MANAGE)
def move_item(questionnaire_id: str, item_id: str) -> Any:
    """Move an item one place up or down within its section."""
    link_id = item_id  # not named link_id in the URL: @requires reads that as a card link
    row, role = _load(questionnaire_id)
    if service.parsed(row).item(link_id) is None:
        abort(404)
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        return _edit_page(row, role, status=422, message=_("Choose up or down."))
    resource = builder.move_item(row.resource, link_id, direction)
    try:
        _save(row, resource)
    except ServiceError as error:
        return _refused(error, row, resource, lambda **kw: _edit_page(row, role, **kw))
    return redirect(url_for("survey_builder.edit", questionnaire_id=row.id) + f"#item-{link_id}")


@bp.route("/questionnaires/<questionnaire_id>/items/<path:item_id>/delete", methods=["POST"])
@requires(Perm.SURVEY_MANAGE)
def delete_item(questionnaire_id: str, item_id: str) -> Any:
    """Delete an item (a section with everything in it) and the conditions that named it."""
    link_id = item_id  # not named link_id in the URL: @requires reads that as a card link
    row, role = _load(questionnaire_id)
    model = service.parsed(row)
    found = model.item(link_id)
    if found is None:
        abort(404)
    resource = builder.delete_item(row.resource, link_id)
    try:
        _save(row, resource)
    except ServiceError as error:
        return _refused(error, row, resource, lambda **kw: _edit_page(row, role, **kw))
    text = fhirq.text_in(found.text, model.language, model.language) or link_id
    flash(_("Deleted “%(text)s”.", text=text[:80]), "success")
    return redirect(url_for("survey_builder.edit", questionnaire_id=row.id))


@bp.route("/questionnaires/<questionnaire_id>/copy", methods=["POST"])
@requires(Perm.SURVEY_MANAGE)
def copy(questionnaire_id: str) -> Any:
    """Start a new draft from this survey (a bundled one, or one already sent)."""
    row, _role = _load(questionnaire_id)
    program_id = request.form.get("program_id") or (str(row.program_id) if row.program_id else "")
    if not program_id:
        targets = programs.programs_for(current_user)
        program_id = str(targets[0].program.id) if targets else ""
    target = programs.program_for(current_user, program_id, Perm.SURVEY_MANAGE)
    made = service.copy_questionnaire(current_user, row, target.program.id)
    flash(_("This is your copy: change it as you like."), "success")
    return redirect(url_for("survey_builder.edit", questionnaire_id=made.id))


# ------------------------------------------------------------------------- one item


def _item_values(model: fhirq.Questionnaire, item: fhirq.Item, others: list[str]) -> dict[str, Any]:
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


def _submitted_item(form: MultiDict[str, str], current: dict[str, Any]) -> dict[str, Any]:
    """The item form as submitted (kept as typed, to show again when something is wrong).

    A text field the form did not send keeps the item's current value (`current`, from
    _item_values): a translation is only removed by sending it empty."""
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


def _with_blank_rows(values: dict[str, Any], others: list[str]) -> dict[str, Any]:
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


def _condition_targets(model: fhirq.Questionnaire, item: fhirq.Item) -> list[fhirq.Item]:
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


def _item_page(
    row: QuestionnaireRow,
    role: programs.ProgramRole | None,
    item: fhirq.Item,
    values: dict[str, Any] | None = None,
    *,
    status: int = 200,
    message: str | None = None,
    problems: list[dict[str, Any]] | None = None,
    errors: dict[str, list[str]] | None = None,
    revision: int | None = None,
) -> Any:
    model = service.parsed(row)
    others = _other_languages(model)
    used = service.in_use(row)
    shown = _with_blank_rows(values or _item_values(model, item, others), others)
    kind = shown["kind"] if shown["kind"] in KINDS else kind_of(item)
    fhir_type = KINDS[kind][0]
    return (
        render_template(
            "surveys/builder_item.html",
            row=row,
            role=role,
            q=model,
            item=item,
            values=shown,
            fhir_type=fhir_type,
            others=others,
            targets=_condition_targets(model, item),
            kinds={k: v for k, v in kind_labels().items() if k != "group"},
            operators=operator_labels(),
            in_use=used,
            editable=role is not None and not used,
            copy_targets=_copy_targets(row),
            message=message,
            problems=problems or [],
            errors=errors or {},
            status=status,
            revision=row.revision if revision is None else revision,
            text_in=fhirq.text_in,
            max_length_types=builder.MAX_LENGTH_TYPES,
            choice_types=fhirq.CHOICE_TYPES,
            number_types=fhirq.NUMBER_TYPES,
        ),
        status,
    )


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


def _item_resource(
    row: QuestionnaireRow,
    model: fhirq.Questionnaire,
    item: fhirq.Item,
    values: dict[str, Any],
    others: list[str],
    errors: dict[str, list[str]],
) -> dict[str, Any] | None:
    """The survey with the item as submitted; None (with `errors` filled in) when a field
    is wrong in a way the form can point at."""
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
            builder.set_enable_when(row.resource, item.link_id, [rule], "all")
        except builder.BuilderError as error:
            name = "answer" if (error.field or "").endswith("answer") else "question"
            errors[f"cond-{n}-{name}"] = [str(error.message)]
            continue
        conditions.append(rule)
    behavior = values["behavior"] if values["behavior"] in ("all", "any") else "all"
    if errors:
        return None
    try:
        resource = builder.update_item(row.resource, item.link_id, fields)
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


@bp.route("/questionnaires/<questionnaire_id>/items/<path:item_id>", methods=["GET", "POST"])
@requires(Perm.SURVEY_MANAGE)
def item(questionnaire_id: str, item_id: str) -> Any:
    """Edit one question: its text, answers, options, translations and when it is shown."""
    link_id = item_id  # not named link_id in the URL: @requires reads that as a card link
    row, role = _load(questionnaire_id)
    model = service.parsed(row)
    found = model.item(link_id)
    if found is None:
        abort(404)
    if request.method == "GET":
        return _item_page(row, role, found)
    others = _other_languages(model)
    values = _submitted_item(request.form, _item_values(model, found, others))
    errors: dict[str, list[str]] = {}
    resource = _item_resource(row, model, found, values, others, errors)
    if resource is None:
        return _item_page(row, role, found, values, status=422, errors=errors)
    try:
        _save(row, resource)
    except ServiceError as error:
        return _refused(
            error, row, resource, lambda **kw: _item_page(row, role, found, values, **kw)
        )
    flash(_("Saved."), "success")
    return redirect(url_for("survey_builder.edit", questionnaire_id=row.id) + f"#item-{link_id}")


# -------------------------------------------------------------------------- preview


@bp.route("/questionnaires/<questionnaire_id>/preview")
@requires(Perm.SURVEY_MANAGE)
def preview(questionnaire_id: str) -> Any:
    """The survey as a respondent's phone shows it, in any of its languages; nothing can be
    sent from it."""
    row, role = _load(questionnaire_id)
    model = service.parsed(row)
    languages = [model.language, *_other_languages(model)]
    asked = request.args.get("lang", "")
    locale = str(get_locale())
    lang = asked if asked in languages else (locale if locale in languages else model.language)

    def page() -> Any:
        return render_template(
            "surveys/builder_preview.html",
            row=row,
            role=role,
            q=model,
            lang=lang,
            languages=languages,
            values={},
            errors={},
            text_in=fhirq.text_in,
            enable_json=enable_when_json,
        )

    # The whole page in the language previewed (its "(required)", "Yes", "No" too), when the
    # app speaks it; otherwise only the survey's own texts are in that language.
    if lang in SUPPORTED_LOCALES:
        with force_locale(lang):
            return page()
    return page()
