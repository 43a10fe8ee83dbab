"""HTML routes for a child's languages: the language the family writes in, how far each
translation of the plan and action plans has come, and translating one action plan."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from familyapp.actionplans import reading, service
from familyapp.core.authz import Perm, has_role_permission, requires
from familyapp.core.errors import ServiceError
from familyapp.families import service as families
from familyapp.plan import schemas as plan_schemas
from familyapp.plan import service as plan_service
from familyapp.plan import translations

bp = Blueprint("texts", __name__)


@bp.route("/children/<child_id>/translations")
@requires(Perm.PLAN_READ)
def overview(child_id: str) -> Any:
    """The languages of the child's plan and action plans, and what each translation lacks."""
    child = families.get_child(child_id)
    plans = service.list_plans(child)
    found = reading.overview(child, plan_service.get_plan(child).document, plans)
    grant = g.get("grant")
    return render_template(
        "actionplans/translations_overview.html",
        child=child,
        overview=found,
        text_languages=translations.TEXT_LANGUAGES,
        can_edit=grant is not None and has_role_permission(grant.role, Perm.PLAN_EDIT),
    )


@bp.route("/children/<child_id>/translations/language", methods=["POST"])
@requires(Perm.PLAN_EDIT)
def set_language(child_id: str) -> Any:
    """Say which language the family writes the plan in."""
    child = families.get_child(child_id)
    try:
        translations.set_language(current_user, child, request.form.get("language", ""))
    except ServiceError as error:
        reasons = [str(text) for texts in (error.errors or {}).values() for text in texts]
        flash(" ".join(reasons) or error.message, "error")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("texts.overview", child_id=child.id))


@bp.route("/action-plans/<action_plan_id>/translations", methods=["GET", "POST"])
@requires(Perm.PLAN_EDIT)
def edit(action_plan_id: str) -> Any:
    """Translate one action plan's signs, steps and calls into one language (?lang=)."""
    plan = service.get_plan(action_plan_id)
    child = families.get_child(plan.child_id)
    locale = request.args.get("lang", "")[:16]
    if not locale:  # the languages page is where one is chosen
        return redirect(url_for("texts.overview", child_id=child.id))
    errors: dict[str, list[str]] = {}
    submitted: dict[str, dict[str, Any]] = {}
    found = reading.action_plan_translations(plan, child, locale)
    if request.method == "POST":
        submitted = plan_schemas.translations_from_form(request.form, [t.path for t in found.texts])
        try:
            reading.save_action_plan_translations(current_user, plan, child, locale, submitted)
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
        title=plan.title,
        back_url=url_for("texts.overview", child_id=child.id),
        errors=errors,
        submitted=submitted,
    ), (422 if errors else 200)
