"""HTML routes for a family's data rights: download everything held about the family, and
delete the family with everything about it (guardians only)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from familyapp.core.authz import Perm, requires
from familyapp.core.errors import ServiceError
from familyapp.families import service as families
from familyapp.system import service

bp = Blueprint("data_rights", __name__)


@bp.route("/families/<family_id>/data")
@requires(Perm.FAMILY_MANAGE)
def page(family_id: str) -> Any:
    """The family's data: download all of it, or delete all of it."""
    family = families.get_family(family_id)
    return render_template("system/family_data.html", family=family, errors={})


@bp.route("/families/<family_id>/export.zip")
@requires(Perm.FAMILY_MANAGE)
def export(family_id: str) -> Any:
    """Everything about the family as a zip (JSON of every record, FHIR per child)."""
    family = families.get_family(family_id)
    body = service.export_family(current_user, family)
    return Response(
        body,
        mimetype="application/zip",
        headers={"Content-Disposition": 'attachment; filename="familyapp-family-export.zip"'},
    )


@bp.route("/families/<family_id>/delete", methods=["POST"])
@requires(Perm.FAMILY_MANAGE)
def delete(family_id: str) -> Any:
    """Delete the family and everything about it, for good."""
    family = families.get_family(family_id)
    try:
        service.delete_family(
            current_user,
            family,
            request.form.get("password", ""),
            request.form.get("confirm_name", ""),
        )
    except ServiceError as error:
        errors = {key: list(value) for key, value in (error.errors or {}).items()}
        errors.setdefault("_", [error.message])
        page = render_template("system/family_data.html", family=family, errors=errors)
        return page, 422
    flash(_("The family and everything about it were deleted."), "success")
    return redirect(url_for("system.home"))
