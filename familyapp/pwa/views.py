"""Manifest, service worker, offline page, and the per-user offline copy: which pages, the
header that lets the service worker keep one, and the "as of" line each kept page carries."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime, get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from familyapp.core import clock
from familyapp.core.authz import Perm, requires
from familyapp.core.forms import safe_next
from familyapp.core.i18n import text_direction
from familyapp.pwa import offline_pages, service

bp = Blueprint("pwa", __name__)

THEME_COLOR = "#0f5e6b"


@bp.route("/manifest.webmanifest")
@requires(Perm.PUBLIC)
def manifest() -> Any:
    """The web app manifest, in the reader's language."""
    locale = str(get_locale() or "en")
    version = service.static_version()
    icon = lambda name, size, purpose: {  # noqa: E731 - a tiny local builder reads best here
        "src": url_for("static", filename=f"icons/{name}") + f"?v={version}",
        "sizes": size,
        "type": "image/png",
        "purpose": purpose,
    }
    body = {
        "id": "/",
        "name": _("Familyapp: our child's care plan"),
        "short_name": "Familyapp",
        "description": _("The shared plan of care, sick-day plans and care log, on your phone."),
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "lang": locale,
        "dir": text_direction(locale),
        "icons": [
            icon("icon-192.png", "192x192", "any"),
            icon("icon-512.png", "512x512", "any"),
            icon("icon-maskable-512.png", "512x512", "maskable"),
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/sw.js")
@requires(Perm.PUBLIC)
def service_worker() -> Any:
    """The service worker, from the root so its scope is the whole app; never cached."""
    settings = current_app.extensions["familyapp.settings"]
    source = service.service_worker_source(
        url_for("pwa.offline"), url_for("static", filename=""), settings.session_absolute_seconds
    )
    response = Response(source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/offline")
@requires(Perm.PUBLIC)
def offline() -> Any:
    """Shown by the service worker when a page is not available offline."""
    return render_template("pwa/offline.html")


SHARED_DEVICE = "shared_device"


def keeps_offline_copy() -> bool:
    """Whether this device may keep the signed-in person's offline copy (not a shared one)."""
    return bool(current_user.is_authenticated) and not session.get(SHARED_DEVICE, False)


@bp.route("/offline/pages.json")
@requires(Perm.AUTHENTICATED)
def offline_listing() -> Any:
    """The pages the phone keeps for this person; none on a shared device."""
    keep = keeps_offline_copy()
    pages = offline_pages.pages_for(current_user, url_for) if keep else []
    response = jsonify({"user": str(current_user.id), "keep": keep, "pages": pages})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/device", methods=["POST"])
@requires(Perm.AUTHENTICATED)
def device() -> Any:
    """Mark this device as shared (keep no health information on it) or as one's own."""
    shared = request.form.get("shared_device") == "on"
    session[SHARED_DEVICE] = shared
    if shared:
        message = _("This device is now treated as shared: nothing of the plan is kept on it.")
    else:
        message = _("This device now keeps your offline copy.")
    flash(message, "success")
    return redirect(safe_next(request.form.get("next"), url_for("accounts.account")))


@bp.after_app_request
def mark_offline_copy(response: Response) -> Response:
    """Name the owner on pages that may be kept offline; the service worker keeps only those."""
    if (
        request.method == "GET"
        and request.endpoint in offline_pages.OFFLINE_ENDPOINTS
        and response.status_code == 200
        and response.mimetype == "text/html"
        and keeps_offline_copy()
    ):
        response.headers["X-Familyapp-Offline-User"] = str(current_user.id)
    return response


@bp.app_context_processor
def offline_copy_context() -> dict[str, Any]:
    """What base.html needs to say "offline copy, as of <time>" on a page kept offline."""
    if request.endpoint not in offline_pages.OFFLINE_ENDPOINTS:
        return {"offline_as_of": None, "keeps_offline_copy": False}
    minute = clock.utcnow().replace(second=0, microsecond=0)
    return {
        "offline_as_of": _minute_shown(minute, str(get_locale()), str(get_timezone())),
        "keeps_offline_copy": keeps_offline_copy(),
    }


@functools.lru_cache(maxsize=64)
def _minute_shown(minute: datetime, _locale: str, _zone: str) -> str:
    # Formatted once a minute per language and zone (the arguments it reads from the request),
    # not on every page: Babel's formatting was a tenth of a cached page's time.
    return str(format_datetime(minute, "short"))


@bp.after_app_request
def cache_fingerprinted(response: Response) -> Response:
    """A static file asked for by this release's fingerprint (?v=) is cached for a year."""
    if (
        request.endpoint == "static"
        and response.status_code == 200
        and request.args.get("v") == service.static_version()
    ):
        # The URL changes with every release, so the browser never needs to ask again.
        response.cache_control.public = True
        response.cache_control.max_age = 365 * 24 * 3600
        response.cache_control.immutable = True
    return response
