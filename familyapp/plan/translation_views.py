"""HTML routes for translating the plan: each family-written field beside its translation into
one language, with who wrote it, whether a person verified it, and what needs updating."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from familyapp.core.authz import Perm, requires
from familyapp.core.errors import ServiceError
from familyapp.families import service as families
from familyapp.plan import schemas, service, texts, translations

bp = Blueprint("plan_texts", __name__)


@bp.app_context_processor
def _language_helpers() -> dict[str, Any]:
    return {
        "text_language_name": lambda code: translations.language_name(code, str(get_locale())),
        "text_language_endonym": lambda code: translations.language_name(code, code),
        "text_direction_of": texts.direction,
    }


@bp.route("/children/<child_id>/plan/translations", methods=["GET", "POST"])
@requires(Perm.PLAN_EDIT)
def edit(child_id: str) -> Any:
    """Translate the plan's family-written fields into one language (?lang=)."""
    child = families.get_child(child_id)
    locale = request.args.get("lang", "")[:16]
    if not locale:  # the languages page is where one is chosen
        return redirect(url_for("texts.overview", child_id=child.id))
    document = service.get_plan(child).document
    errors: dict[str, list[str]] = {}
    submitted: dict[str, dict[str, Any]] = {}
    found = translations.plan_translations(child, document, locale)
    if request.method == "POST":
        submitted = schemas.translations_from_form(request.form, [t.path for t in found.texts])
        try:
            translations.save_plan_translations(current_user, child, document, locale, submitted)
        except ServiceError as error:
            errors = {key: list(value) for key, value in (error.errors or {}).items()}
            errors.setdefault("_", [error.message])
        else:
            flash(_("Translations saved."), "success")
            return redirect(url_for("texts.overview", child_id=child.id))
    return render_template(
        "plan/translations.html",
        child=child,
        found=found,
        title=_("Plan of care"),
        back_url=url_for("texts.overview", child_id=child.id),
        errors=errors,
        submitted=submitted,
    ), (422 if errors else 200)
