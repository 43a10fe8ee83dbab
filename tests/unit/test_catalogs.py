"""Translation catalogs: complete, placeholder-safe, in step with the source, compiled, served."""

from __future__ import annotations

import gettext
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from familyapp import cli
from familyapp.settings import SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
LOCALES = SUPPORTED_LOCALES
# Every language the app offers is complete; English is the source.
COMPLETE = tuple(code for code in SUPPORTED_LOCALES if code != "en")
PLURAL_FORMS = {"es": 2, "zh": 1, "vi": 1, "ar": 6}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
BRACE = re.compile(r"\{\w+\}")

# The same options as `familyapp translations extract`, so the check and the command agree.
EXTRACT_OPTIONS = ["-F", "babel.cfg", *cli.EXTRACT_OPTIONS]
REFRESH_HINT = (
    "Run: .venv/bin/pybabel -q extract "
    + " ".join(EXTRACT_OPTIONS)
    + " -o translations/messages.pot ."
    " && .venv/bin/pybabel update -i translations/messages.pot -d translations"
    " --no-fuzzy-matching (or `familyapp translations extract`), translate the new entries,"
    " then .venv/bin/pybabel compile -d translations."
)


def _po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _read_po(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _msgids(catalog: Catalog) -> set[str]:
    return {str(message.id) for message in catalog if message.id}


def _texts(value: object) -> list[str]:
    # Plural entries carry tuples; single ones a string.
    if isinstance(value, (tuple, list)):
        return [str(item) for item in value]
    return [str(value or "")]


@pytest.mark.parametrize("locale", COMPLETE)
def test_catalog_of_a_complete_language_is_fully_translated(locale):
    catalog = _read_po(_po_path(locale), locale)
    missing = []
    fuzzy = []
    for message in catalog:
        if not message.id:
            continue
        if not all(text.strip() for text in _texts(message.string)):
            missing.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert len(_msgids(catalog)) > 0
    assert missing == [], f"untranslated in {locale}: {missing}"
    assert fuzzy == [], f"fuzzy in {locale} (review and remove the flag): {fuzzy}"
    assert not catalog.fuzzy, f"the {locale} catalog header is marked fuzzy"


@pytest.mark.parametrize("locale", COMPLETE)
def test_catalog_has_the_plural_forms_of_its_language(locale):
    catalog = _read_po(_po_path(locale), locale)
    assert catalog.num_plurals == PLURAL_FORMS[locale]
    for message in catalog:
        if message.id and message.pluralizable:
            assert len(_texts(message.string)) == PLURAL_FORMS[locale], message.id
    if locale == "es":
        assert catalog.plural_expr.replace(" ", "") in {"(n!=1)", "n!=1"}


@pytest.mark.parametrize("locale", COMPLETE)
def test_translations_keep_every_placeholder_and_line_break(locale):
    catalog = _read_po(_po_path(locale), locale)
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        sources = _texts(message.id)
        expected = {found for source in sources for found in PLACEHOLDER.findall(source)}
        braces = {found for source in sources for found in BRACE.findall(source)}
        for text in _texts(message.string):
            # A language with one plural form may leave the count implicit in no form, but it
            # may not invent or rename a placeholder.
            found = set(PLACEHOLDER.findall(text))
            if found != expected and not (message.pluralizable and found < expected):
                wrong.append((message.id, text))
            if "python-brace-format" in message.flags and set(BRACE.findall(text)) != braces:
                wrong.append((message.id, text))
        if not message.pluralizable and str(message.string).count("\n") != sources[0].count("\n"):
            wrong.append((message.id, message.string))
    assert wrong == [], f"placeholders or line breaks differ from the msgid: {wrong}"


def test_committed_template_matches_the_source(tmp_path):
    fresh = tmp_path / "messages.pot"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            *EXTRACT_OPTIONS,
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    committed = _msgids(_read_po(POT))
    current = _msgids(_read_po(fresh))
    assert current == committed, (
        f"translations/messages.pot is stale. New in source: {sorted(current - committed)}; "
        f"gone from source: {sorted(committed - current)}. {REFRESH_HINT}"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_exactly_the_template_messages(locale):
    template = _msgids(_read_po(POT))
    catalog = _msgids(_read_po(_po_path(locale), locale))
    assert catalog == template, (
        f"translations/{locale} is out of step with messages.pot. "
        f"Missing: {sorted(template - catalog)}; extra: {sorted(catalog - template)}. "
        + REFRESH_HINT
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_committed_mo_is_compiled_from_the_current_po(locale):
    committed_mo = _po_path(locale).with_suffix(".mo")
    assert committed_mo.is_file(), f"{committed_mo} is missing: run pybabel compile -d translations"
    buffer = io.BytesIO()
    write_mo(buffer, _read_po(_po_path(locale), locale))
    buffer.seek(0)
    expected = gettext.GNUTranslations(buffer)._catalog  # type: ignore[attr-defined]
    with committed_mo.open("rb") as handle:
        actual = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    stale = sorted(
        str(key) for key in set(expected) | set(actual) if expected.get(key) != actual.get(key)
    )
    assert stale == [], (
        f"{committed_mo.relative_to(ROOT)} is stale; run "
        f".venv/bin/pybabel compile -d translations. Differing entries: {stale}"
    )


def test_login_page_speaks_spanish_from_the_catalog(client):
    catalog = _read_po(_po_path("es"), "es")
    message = catalog.get("Sign in")
    assert message is not None, "'Sign in' is not in the es catalog"
    spanish = str(message.string)
    assert spanish and spanish != "Sign in"

    page = client.get("/login", headers={"Accept-Language": "es"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'lang="es"' in html
    assert f"<h1>{spanish}</h1>" in html
    assert "<h1>Sign in</h1>" not in html

    english = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Sign in</h1>" in english
