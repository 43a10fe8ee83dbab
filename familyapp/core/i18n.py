"""Languages: which locale a request speaks, and locale-aware formatting for templates."""

from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel import numbers as babel_numbers
from flask import Flask, current_app, has_app_context, has_request_context, request, session
from flask_babel import Babel, format_date, format_datetime, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_context
from marshmallow import Schema, fields, validate

from familyapp.core import clock
from familyapp.core.paths import resource_dir
from familyapp.settings import (
    DEFAULT_LOCALE,
    LOCALES_AWAITING_REVIEW,
    RTL_LOCALES,
    SUPPORTED_LOCALES,
)

babel = Babel()


def translate_validation_messages() -> None:
    """Give marshmallow's built-in messages in the reader's language (lazy, resolved per request).

    Every schema validates forms and JSON alike, so a bad date typed on a phone must be
    explained in Spanish to a Spanish reader, not in marshmallow's English.
    """
    fields.Field.default_error_messages.update(
        required=_l("This field is required."),
        null=_l("This field is required."),
        validator_failed=_l("This value is not valid."),
    )
    fields.String.default_error_messages.update(
        invalid=_l("Enter text."), invalid_utf8=_l("Enter text.")
    )
    fields.Date.default_error_messages.update(
        invalid=_l("Enter a date like 2019-03-14."), format=_l("Enter a date like 2019-03-14.")
    )
    fields.DateTime.default_error_messages.update(
        invalid=_l("Enter a date and time."),
        invalid_awareness=_l("Enter a date and time."),
        format=_l("Enter a date and time."),
    )
    fields.Number.default_error_messages.update(
        invalid=_l("Enter a number."), too_large=_l("This number is too large.")
    )
    fields.Decimal.default_error_messages["special"] = _l("Enter a number.")
    fields.Integer.default_error_messages["invalid"] = _l("Enter a whole number.")
    fields.Boolean.default_error_messages["invalid"] = _l("Choose yes or no.")
    fields.UUID.default_error_messages["invalid_uuid"] = _l("Choose one of the options.")
    validate.Email.default_message = _l("Enter an email address like name@example.org.")
    validate.Length.message_min = _l("Use at least {min} characters.")
    validate.Length.message_max = _l("Use at most {max} characters.")
    validate.Length.message_all = _l("Use between {min} and {max} characters.")
    validate.Length.message_equal = _l("Use exactly {equal} characters.")
    validate.OneOf.default_message = _l("Choose one of the options.")
    Schema._default_error_messages = {
        "type": _l("The data sent has the wrong shape."),
        "unknown": _l("This field is not expected."),
    }


translate_validation_messages()


# Chinese written in Traditional characters is not Simplified Chinese: better the default
# language than a script the reader may not read.
_TRADITIONAL_CHINESE = {"hant", "tw", "hk", "mo"}


def _test_locales() -> tuple[str, ...]:
    """Locale codes a test app accepts beside SUPPORTED_LOCALES (none for real users)."""
    if not has_app_context():
        return ()
    settings = current_app.extensions.get("familyapp.settings")
    return settings.test_locales if settings else ()


def normalize_locale(value: str | None) -> str | None:
    """Map 'es-MX', 'ES' or 'zh-Hans-CN' to a supported locale, or None."""
    if not value:
        return None
    for code in _test_locales():
        if value.replace("-", "_").lower() == code.lower():
            return code
    parts = value.replace("_", "-").lower().split("-")
    base = parts[0]
    if base == "zh" and _TRADITIONAL_CHINESE.intersection(parts[1:]):
        return None
    return base if base in SUPPORTED_LOCALES else None


def select_locale() -> str:
    """Locale precedence: user setting, then ?lang, then the session, then Accept-Language."""
    if not has_request_context():
        return DEFAULT_LOCALE  # CLI commands (demo, workers) speak the default language
    if current_user and current_user.is_authenticated:
        chosen = normalize_locale(getattr(current_user, "locale", None))
        if chosen:
            return chosen
    chosen = normalize_locale(request.args.get("lang"))
    if chosen:
        return chosen
    chosen = normalize_locale(session.get("lang"))
    if chosen:
        return chosen
    for value, _quality in request.accept_languages:  # best first
        chosen = normalize_locale(value)
        if chosen:
            return chosen
    return DEFAULT_LOCALE


@functools.lru_cache(maxsize=64)
def _parsed_locale(identifier: str) -> Locale:
    return Locale.parse(identifier)


def select_timezone() -> str:
    """The user's IANA time zone, else UTC."""
    if not has_request_context():
        return "UTC"
    if current_user and current_user.is_authenticated:
        return getattr(current_user, "time_zone", None) or "UTC"
    return "UTC"


# How a language names itself in the picker, where the bare code would be ambiguous.
_DISPLAY_AS = {"zh": "zh_Hans"}


def language_name(code: str) -> str:
    """The name of a language in that language ('Español', '中文 (简体)'), for the switcher."""
    shown = _DISPLAY_AS.get(code, code)
    name = Locale.parse(shown).get_display_name(shown) or code
    return name[:1].upper() + name[1:]


def awaiting_review(code: str) -> bool:
    """True for a complete catalog that a native speaker has not reviewed yet."""
    return code in LOCALES_AWAITING_REVIEW


def text_direction(code: str) -> str:
    """'rtl' for right-to-left locales, else 'ltr'."""
    return "rtl" if code in RTL_LOCALES else "ltr"


def is_timezone(value: str) -> bool:
    """True for a valid IANA zone name."""
    return value in _zones()


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def zone(name: str | None) -> ZoneInfo:
    """A ZoneInfo for a stored zone name, UTC when missing."""
    return ZoneInfo(name or "UTC")


def today_in_zone(name: str | None) -> date:
    """Today's date in a stored zone (a family's), by the app's clock."""
    return clock.utcnow().astimezone(zone(name)).date()


def init_app(app: Flask) -> None:
    """Configure Flask-Babel and the template filters."""
    settings = app.extensions.get("familyapp.settings")
    extra = settings.extra_translation_dirs if settings else ()
    # Later folders win: a test's pseudo-locale catalog is searched after the shipped ones.
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        [str(resource_dir("translations")), *extra]
    )
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LOCALE
    babel.init_app(
        app,
        # Parsed once per language, not on every request (Flask-Babel takes a Locale too).
        locale_selector=lambda: _parsed_locale(select_locale()),
        timezone_selector=select_timezone,
    )

    def _date(value: date | datetime | None, fmt: str = "medium") -> str:
        return "" if value is None else format_date(value, fmt)

    def _datetime(value: datetime | None, fmt: str = "medium") -> str:
        return "" if value is None else format_datetime(value, fmt)

    app.jinja_env.filters["date"] = _date
    app.jinja_env.filters["datetime"] = _datetime

    def _number(value: Any) -> str:
        # Doses are stored as decimal strings ("2.5"), so they keep their exact digits.
        if value is None or value == "":
            return ""
        try:
            return babel_numbers.format_decimal(
                Decimal(str(value)), locale=get_locale(), decimal_quantization=False
            )
        except InvalidOperation:
            return str(value)

    def _isodate(value: Any) -> date | None:
        if not value:
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            return None

    app.jinja_env.filters["number"] = _number
    _install_fast_gettext(app)
    app.jinja_env.filters["isodate"] = _isodate
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["language_name"] = language_name
    app.jinja_env.globals["text_direction"] = text_direction
    app.jinja_env.globals["SUPPORTED_LOCALES"] = SUPPORTED_LOCALES
    app.jinja_env.globals["awaiting_review"] = awaiting_review


def _install_fast_gettext(app: Flask) -> None:
    """Template gettext that looks the translations up once per render, not once per string."""

    # Flask-Babel's template callables look the catalog up again for every string (the
    # request's g, the locale, the cache: tens of microseconds each), and the plan page has
    # over a hundred strings. A context processor looks it up once when rendering begins, so a
    # render inside force_locale still gets that locale's catalog; macros imported without the
    # caller's context fall back to the lookup.
    @app.context_processor
    def _catalog() -> dict[str, Any]:
        return {"_catalog": get_translations()}

    def catalog(context: Any) -> Any:
        return context.get("_catalog") or get_translations()

    @pass_context
    def gettext(context: Any, string: str) -> str:
        return str(catalog(context).ugettext(string))

    @pass_context
    def ngettext(context: Any, singular: str, plural: str, number: int) -> str:
        return str(catalog(context).ungettext(singular, plural, number))

    @pass_context
    def pgettext(context: Any, msgctxt: str, string: str) -> str:
        return str(catalog(context).upgettext(msgctxt, string))

    @pass_context
    def npgettext(context: Any, msgctxt: str, singular: str, plural: str, number: int) -> str:
        return str(catalog(context).unpgettext(msgctxt, singular, plural, number))

    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=gettext, ngettext=ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext
    )
