"""The app in every language it offers: the browser's language before sign-in, the person's
choice after, right-to-left for Arabic, dates and numbers by the locale, and the picker saying
which translations still await a native speaker's review."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.dates import format_date, format_skeleton
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from familyapp.core.i18n import language_name, normalize_locale
from familyapp.settings import LOCALES_AWAITING_REVIEW, SUPPORTED_LOCALES
from tests.factories import csrf_from, family_with_child, form_login
from tests.unit.test_catalogs import _po_path


def _translated(locale: str, msgid: str) -> str:
    with _po_path(locale).open("rb") as handle:
        message = read_po(handle, locale=locale).get(msgid)
    assert message is not None and message.string, f"{msgid!r} untranslated in {locale}"
    return str(message.string)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9", "zh"),
        ("zh-Hans", "zh"),
        ("zh-TW", "en"),  # Traditional Chinese readers get the default, not Simplified
        ("zh-Hant-HK,en;q=0.5", "en"),
        ("vi-VN", "vi"),
        ("ar-EG,ar;q=0.9", "ar"),
        ("fr-FR,es;q=0.8", "es"),  # the first language offered, in the reader's order
        ("", "en"),
    ],
)
def test_before_sign_in_the_page_follows_the_browsers_language(
    client: FlaskClient, header: str, expected: str
) -> None:
    html = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{expected}"' in html
    assert f'dir="{"rtl" if expected == "ar" else "ltr"}"' in html
    if expected != "en":
        assert f"<h1>{_translated(expected, 'Sign in')}</h1>" in html


def test_normalize_locale_knows_the_offered_languages_only() -> None:
    assert normalize_locale("VI") == "vi"
    assert normalize_locale("zh_Hans_CN") == "zh"
    assert normalize_locale("zh-MO") is None
    assert normalize_locale("fr") is None
    assert normalize_locale(None) is None


def test_language_names_are_written_in_their_own_language() -> None:
    names = {code: language_name(code) for code in SUPPORTED_LOCALES}
    assert names["es"] == "Español"
    assert names["vi"] == "Tiếng Việt"
    assert names["ar"] == "العربية"
    assert "简体" in names["zh"]


def test_the_picker_says_which_translations_await_review(client: FlaskClient) -> None:
    html = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    options = dict(re.findall(r'<option value="(\w+)" lang="\w+"[^>]*>([^<]+)</option>', html))
    assert set(options) == set(SUPPORTED_LOCALES)
    for code, text in options.items():
        assert ("awaiting review" in text) == (code in LOCALES_AWAITING_REVIEW), (code, text)


@pytest.mark.parametrize("locale", ["zh", "vi", "ar"])
def test_a_person_chooses_a_language_and_dates_follow_it(
    app: Flask, client: FlaskClient, locale: str
) -> None:
    family_with_child(app, "lan@example.org", "Minh")
    assert form_login(client, "lan@example.org").status_code == 302
    token = csrf_from(client, "/account")
    answer = client.post(
        "/language", data={"lang": locale, "next": "/account", "csrf_token": token}
    )
    assert answer.status_code == 302
    html = client.get("/account").get_data(as_text=True)
    assert f'<html lang="{locale}"' in html
    assert _translated(locale, "Your account") in html
    # The setting is the person's: another browser's language does not override it.
    other = client.get("/calendar", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert f'<html lang="{locale}"' in other
    today = date.today()
    assert format_date(today, "medium", locale=locale) in other  # the agenda's first day
    month = client.get("/calendar?view=month").get_data(as_text=True)
    named = format_skeleton("yMMMM", today, locale=locale)
    assert named in month, f"the month view does not say {named} as {locale} does"
