"""Manifest, service worker and offline page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from familyapp.core.authz import Perm, requires
from familyapp.core.i18n import text_direction
from familyapp.pwa import service

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
    source = service.service_worker_source(url_for("pwa.offline"), url_for("static", filename=""))
    response = Response(source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/offline")
@requires(Perm.PUBLIC)
def offline() -> Any:
    """Shown by the service worker when a page is not available offline."""
    return render_template("pwa/offline.html")
