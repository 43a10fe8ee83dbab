"""HTML routes of the survey builder: write a survey question by question on a phone, translate
it, preview it as a respondent sees it in each language, and publish it.

Every change is a whole new FHIR Questionnaire made by builder.py and saved through
service.save_questionnaire with the revision the page was drawn from, so two people editing
at once get "someone else changed this" (412) instead of overwriting each other, and every
rule of questionnaire.parse explains what is wrong before anything is saved (422). Once a
campaign has used a survey its questions are frozen (409): it can only be copied.

The routes are here; the pages they draw, and saving from them, are in builder_pages.py, and
the forms (what they show, what was submitted) in builder_forms.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from familyapp.core import authz
from familyapp.core.authz import Perm, requires
from familyapp.core.errors import ServiceError
from familyapp.settings import SUPPORTED_LOCALES
from familyapp.surveys import builder, programs, service
from familyapp.surveys import questionnaire as fhirq
from familyapp.surveys.builder_forms import (
    KINDS,
    STATUSES,
    item_resource,
    item_values,
    meta_values,
    other_languages,
    submitted_item,
)
from familyapp.surveys.builder_pages import edit_page, item_page, refused, save
from familyapp.surveys.models import BUILT
from familyapp.surveys.models import Questionnaire as QuestionnaireRow
from familyapp.surveys.views import enable_when_json

bp = Blueprint("survey_builder", __name__)


def _load(questionnaire_id: str) -> tuple[QuestionnaireRow, programs.ProgramRole | None]:
    """A questionnaire the user may build with: one of a program they run (with their role),
    or a bundled one (no role: it can only be copied); 404 (audited) otherwise."""
    row = service.get_questionnaire(current_user, questionnaire_id)
    if row.program_id is None:
        if not programs.is_author(current_user):
            authz.refuse(Perm.SURVEY_MANAGE, f"questionnaire:{row.id}")
        return row, None
    return row, programs.program_for(current_user, row.program_id, Perm.SURVEY_MANAGE)


@contextmanager
def _speaking(lang: str) -> Iterator[None]:
    """Write respondent-facing defaults (a welcome text, "Option 1") in the survey's language."""
    if lang in SUPPORTED_LOCALES:
        with force_locale(lang):
            yield
    else:
        yield


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
    return edit_page(row, role)


@bp.route("/questionnaires/<questionnaire_id>/meta", methods=["POST"])
@requires(Perm.SURVEY_MANAGE)
def meta(questionnaire_id: str) -> Any:
    """Save the title, description, their translations and the status (publish)."""
    row, role = _load(questionnaire_id)
    model = service.parsed(row)
    others = other_languages(model)
    # A field the form did not send keeps its value: a translation is removed by sending "".
    values = {key: request.form.get(key, now) for key, now in meta_values(model, others).items()}
    errors: dict[str, list[str]] = {}
    if not values["title"].strip():
        errors["title"] = [_("Give the survey a title.")]
    if values["status"] not in STATUSES:
        errors["status"] = [_("Choose one of the options.")]

    def page(**kwargs: Any) -> Any:
        return edit_page(row, role, meta=values, errors=errors, **kwargs)

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
        save(row, resource)
    except ServiceError as error:
        return refused(error, row, resource, page)
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
        return edit_page(row, role, adding=values, errors=errors, **kwargs)

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
        save(row, resource)
    except ServiceError as error:
        return refused(error, row, resource, page)
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
        return edit_page(row, role, status=422, message=_("Choose up or down."))
    resource = builder.move_item(row.resource, link_id, direction)
    try:
        save(row, resource)
    except ServiceError as error:
        return refused(error, row, resource, lambda **kw: edit_page(row, role, **kw))
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
        save(row, resource)
    except ServiceError as error:
        return refused(error, row, resource, lambda **kw: edit_page(row, role, **kw))
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
        return item_page(row, role, found)
    others = other_languages(model)
    values = submitted_item(request.form, item_values(model, found, others))
    errors: dict[str, list[str]] = {}
    resource = item_resource(row.resource, model, found, values, others, errors)
    if resource is None:
        return item_page(row, role, found, values, status=422, errors=errors)
    try:
        save(row, resource)
    except ServiceError as error:
        return refused(error, row, resource, lambda **kw: item_page(row, role, found, values, **kw))
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
    languages = [model.language, *other_languages(model)]
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
