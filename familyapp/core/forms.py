"""HTML forms validated by the same marshmallow schemas as the JSON API."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from familyapp.core.errors import field_errors


def form_values(form: MultiDict[str, str]) -> dict[str, Any]:
    """Flatten form data; the last value wins, so a hidden '0' before a checkbox means 'off'.

    Empty strings become None so optional fields (dates, numbers) validate as missing.
    """
    values: dict[str, Any] = {}
    for key in form:
        value = form.getlist(key)[-1]
        values[key] = None if value == "" else value
    return values


def load_form(
    schema: Schema, form: MultiDict[str, str], *, partial: bool = False
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Validate a submitted form: (data, {}) when valid, (None, field errors) when not."""
    values = form_values(form)
    try:
        return schema.load(values, partial=partial), {}
    except ValidationError as error:
        return None, field_errors(error)


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after sign-in (no open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


class EmailField(fields.String):
    """An email address; its error is translated (marshmallow's Email field insists on str)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})["format"] = "email"
        super().__init__(**kwargs)
        self.validators.insert(0, validate.Email())
