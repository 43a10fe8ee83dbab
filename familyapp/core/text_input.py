"""Text no database can store, refused at the door: the NUL character (U+0000).

PostgreSQL text columns cannot hold NUL (SQLite can), so a form field, query parameter or JSON
string carrying one would fail deep in a write as a 500. No person types it; it comes from
broken or hostile clients. It is refused before any handler runs, with a message saying so,
and nothing is written.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import gettext as _

from familyapp.core.errors import ServiceError

NUL = "\x00"
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def has_nul(value: Any) -> bool:
    """Whether a string, or any key or string inside a JSON value, holds a NUL character."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_nul(item) for item in value)
    return False


def refuse() -> ServiceError:
    """The error for text holding NUL, in the reader's language."""
    return ServiceError(
        _(
            "The text sent holds an invisible NUL character (U+0000), which cannot be stored. "
            "Nothing was saved: remove it and try again."
        ),
        status=400,
    )


def _request_has_nul() -> bool:
    if NUL in request.path or any(
        has_nul(key) or has_nul(value) for key, value in request.args.items(multi=True)
    ):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    if request.mimetype in FORM_TYPES:
        return any(has_nul(key) or has_nul(value) for key, value in request.form.items(multi=True))
    if request.is_json:
        return has_nul(request.get_json(silent=True))
    return False


def init_app(app: Flask) -> None:
    """Refuse every request whose text holds NUL."""

    @app.before_request
    def _refuse_nul() -> None:
        if request.routing_exception is None and _request_has_nul():
            raise refuse()
