"""Home, health, OpenAPI and language routes."""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_timezone
from flask_login import current_user

from familyapp.accounts import service as accounts
from familyapp.actionplans import service as actionplans
from familyapp.calendar import service as calendar
from familyapp.core import clock
from familyapp.core.api import build_openapi
from familyapp.core.authz import Perm, requires
from familyapp.core.forms import load_form, safe_next
from familyapp.families import service as families
from familyapp.surveys import service as surveys
from familyapp.system import schemas, service

bp = Blueprint("system", __name__)


@functools.cache  # reading the installed package's metadata costs more than the rest of /healthz
def _version() -> str:
    try:
        return version("familyapp")
    except PackageNotFoundError:
        return "dev"


@bp.route("/")
@requires(Perm.PUBLIC)
def home() -> Any:
    """The home screen: the children the user may see, and the way to each feature."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    children = families.children_for(current_user)
    return render_template(
        "system/home.html",
        children=children,
        families=families.families_for(current_user),
        action_plans=actionplans.plans_by_child([child.id for child in children]),
        week=calendar.days(
            [child.id for child in calendar.visible_children(current_user)],
            str(get_timezone()),
            clock.utcnow().astimezone(get_timezone()).date(),
            7,
        ),
        child_names={child.id: child.display_name for child in children},
        reader_tz=str(get_timezone()),
        surveys=[inv for inv in surveys.open_for(current_user) if not inv.answered],
    )


@bp.route("/healthz")
@requires(Perm.PUBLIC)
def healthz() -> Any:
    """Liveness and database status for load balancers and monitors."""
    ok = service.database_ok()
    body = schemas.HealthSchema().dump(
        {
            "status": "ok" if ok else "degraded",
            "database": "ok" if ok else "unreachable",
            "version": _version(),
        }
    )
    return jsonify(body), (200 if ok else 503)


@bp.route("/api/v1/openapi.json")
@requires(Perm.PUBLIC)
def openapi() -> Any:
    """The OpenAPI 3 description of /api/v1, generated from the marshmallow schemas."""
    return jsonify(build_openapi(current_app))


@bp.route("/language", methods=["POST"])
@requires(Perm.PUBLIC)
def language() -> Any:
    """Switch the interface language (saved to the account when signed in)."""
    data, _errors = load_form(schemas.LanguageSchema(), request.form)
    target = safe_next(request.form.get("next"), url_for("system.home"))
    if data is None:
        return redirect(target)
    session["lang"] = data["lang"]
    if current_user.is_authenticated:
        accounts.update_profile(current_user, {"locale": data["lang"]})
    return redirect(target)
