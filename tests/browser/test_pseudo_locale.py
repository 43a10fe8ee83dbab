"""A pseudo-locale makes every string that escaped gettext visible: each catalog entry is shown
as ⟦its English⟧, so English outside the markers on any page is a string no translator can
reach. The walk visits every HTML page in the URL map, as the people who can open it.

The pseudo-locale exists only in tests: its catalog is built here from a fresh extraction of the
code (so a string wrapped today counts before anyone re-extracts messages.pot) into a temporary
folder, which the test app reads through Settings.extra_translation_dirs, and its code is
accepted through Settings.test_locales. Babel needs a locale it has data for, so the code is
en_001 (World English): dates and numbers are formatted as in English.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import gettext
from playwright.sync_api import Page
from sqlalchemy import select
from werkzeug.routing import Rule

from familyapp import cli
from familyapp.accounts.models import PasswordResetToken, User
from familyapp.actionplans import service as actionplans
from familyapp.actionplans.models import ActionPlan
from familyapp.calendar.models import Appointment
from familyapp.carelog import valuation
from familyapp.carelog.models import CareEntry
from familyapp.carelog.taxonomy import CLASS_INFO
from familyapp.core import clock, ids
from familyapp.core.db import Base, db
from familyapp.core.i18n import language_name, select_locale
from familyapp.demo import COORDINATOR, DEMO_PASSWORD, GUARDIAN, NURSE, TEEN
from familyapp.families import access_log
from familyapp.families import service as families
from familyapp.families.models import Child, Family, Membership
from familyapp.plan import translations as plan_translations
from familyapp.plan.models import CarePlan
from familyapp.plan.texts import TEXT_LANGUAGES
from familyapp.plan.views import SINGLE_SECTIONS
from familyapp.settings import SUPPORTED_LOCALES, load_settings
from familyapp.surveys.models import Campaign, Program, Questionnaire
from tests.browser.conftest import LiveServer, PageProblems

pytestmark = pytest.mark.browser

PSEUDO = "en_001"
OPEN, CLOSE = "⟦", "⟧"
ROOT = Path(__file__).resolve().parents[2]

# Not pages: data, documents and files a browser downloads or a script reads.
NOT_HTML = (".pdf", ".csv", ".ics", ".svg", ".png", ".json", ".js", ".webmanifest", ".zip")
NOT_HTML_ENDPOINTS = {"static", "system.healthz"}
# Pages a person opens without an account (a link in a mail, on a card, or the sign-in pages).
PUBLIC_ENDPOINTS = {
    "accounts.login",
    "accounts.register",
    "accounts.forgot_password",
    "accounts.reset_password",
    "families.invitation",
    "actionplans.open_link",
    "pwa.offline",
}
# Pages whose content depends on who reads them: visited by everyone.
EVERYONE = ("/", "/care", "/calendar", "/surveys", "/family", "/plan", "/account")
# Names kept as they are in every language (docs/translating.md) and Babel's own words.
PROPER_NAMES = {"Familyapp", "FHIR", "CSV", "PDF", "QR", "ICS", "NSCH", "JSON", "UTC", "CFR"}

PERCENT_PLACEHOLDER = re.compile(r"(%(?:\(\w+\))?[sdifr]|%%)")
BRACE_PLACEHOLDER = re.compile(r"(\{\w*\})")
URL = re.compile(r"https?://\S+")
EMAIL = re.compile(r"\S+@\S+\.\w+")
WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019]*")
CODE = re.compile(r"[a-z0-9_.:-]+")  # stored codes ("guardian", "seizures"): these must show words
# Code-like texts that are what someone typed, shown as typed: a dose unit, a survey item's code.
TYPED_CODES = {"dose_unit", "linkId", "question"}
# The audit log's device names ("Chrome · Android").
DEVICE_NAMES = {name for _, name in (*access_log._BROWSERS, *access_log._SYSTEMS)}
# Pages that speak another language on purpose: the survey preview shows the whole page as a
# respondent reading the survey's own language sees it (surveys.builder_views.preview).
OTHER_LANGUAGE = {"survey_builder.preview"}

COLLECT = """() => {
  const where = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.classList.length ? "." + [...el.classList].join(".") : "");
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    // translate="no" marks what is not words in any language (a key, recovery codes).
    if (!parent || parent.closest("script, style, noscript, [translate=no]") || !node.data.trim()) {
      continue;
    }
    texts.push([where(parent), node.data]);
  }
  const attrs = [["title", document.title]];
  const names = ["placeholder", "aria-label", "title", "alt", "aria-description",
    "aria-roledescription", "data-confirm"];
  for (const el of document.body.querySelectorAll("*")) {
    for (const name of names) {
      const value = el.getAttribute(name);
      if (value && value.trim()) attrs.push([where(el) + "@" + name, value]);
    }
    if (el.matches("input[type=submit], input[type=button], input[type=reset]") && el.value) {
      attrs.push([where(el) + "@value", el.value]);
    }
  }
  return {texts, attrs};
}"""


def pseudo(text: str, flags: Iterable[str] = ()) -> str:
    """Wrap the words of a msgid in ⟦⟧, leaving its placeholders outside and exactly as they are.

    What fills a placeholder is then checked like the rest of the page: a name from the data,
    a translated word with its own markers, or a number; English passed in shows.
    """
    placeholder = BRACE_PLACEHOLDER if "python-brace-format" in flags else PERCENT_PLACEHOLDER
    if "python-format" not in flags and "python-brace-format" not in flags:
        return OPEN + text + CLOSE
    parts = placeholder.split(text)
    return "".join(
        part if placeholder.fullmatch(part) else OPEN + part + CLOSE for part in parts if part
    )


def build_pseudo_catalog(folder: Path) -> Path:
    """Extract the code's strings and compile them as ⟦msgid⟧ into folder/en_001; returns folder."""
    template = folder / "messages.pot"
    config = str(ROOT / "babel.cfg")
    status = CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            config,
            *cli.EXTRACT_OPTIONS,
            "-o",
            str(template),
            str(ROOT),
        ]
    )
    assert not status, f"pybabel extract failed (exit status {status})"
    with template.open("rb") as handle:
        source = read_po(handle)
    catalog = Catalog(locale=PSEUDO, domain="messages")
    for message in source:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            string: Any = tuple(pseudo(part, message.flags) for part in message.id)
        else:
            string = pseudo(message.id, message.flags)
        catalog.add(message.id, string, context=message.context, flags=message.flags)
    target = folder / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    return folder


@pytest.fixture(scope="session")
def pseudo_translations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pseudo-locale's catalog folder, built once per run."""
    return build_pseudo_catalog(tmp_path_factory.mktemp("pseudo-translations"))


@pytest.fixture
def settings_overrides(pseudo_translations: Path) -> dict[str, Any]:
    """The test app also reads the pseudo catalog and accepts its locale code."""
    return {"extra_translation_dirs": (str(pseudo_translations),), "test_locales": (PSEUDO,)}


def outside_markers(pieces: Iterable[str]) -> tuple[list[str], int]:
    """Each piece's text outside ⟦⟧ (markers may span pieces), and the depth left at the end."""
    depth = 0
    result = []
    for piece in pieces:
        kept = []
        for char in piece:
            if char == OPEN:
                depth += 1
                kept.append(" ")
            elif char == CLOSE:
                depth = max(depth - 1, 0)
                kept.append(" ")
            elif depth == 0:
                kept.append(char)
        result.append("".join(kept))
    return result, depth


def _babel_words() -> set[str]:
    # Month and day names and AM/PM: Babel formats dates in English for the pseudo-locale.
    locale = Locale.parse(PSEUDO)
    words: set[str] = set()
    for table in (locale.months, locale.days):
        for context in table.values():
            for width in context.values():
                words.update(str(name).rstrip(".") for name in width.values())
    for context in locale.day_periods.values():
        for width in context.values():
            words.update(str(name) for name in width.values())
    words.add(str(locale.currency_symbols.get("USD", "")))  # "US$" in World English
    return {word for name in words for word in WORD.findall(name)}


def _strings(key: str, value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        if value.startswith(("{", "[")):  # JSON kept in a string (a questionnaire's scoring)
            try:
                yield from _strings(key, json.loads(value))
                return
            except ValueError:
                pass
        yield key, value
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _strings(str(name), item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(key, item)


def data_strings(extra: Iterable[str] = ()) -> list[str]:
    """Every text the database holds (names, plan text, survey items), and extra, longest first.

    Lower-case codes are left out: a stored code ("guardian") on a page must be shown as words.
    A text that is data and a msgid alike ("Seizures", a sick-day plan's title) counts as data.
    """
    found: set[str] = set(extra)
    for table in Base.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                for key, text in _strings(column, value):
                    text = text.strip()
                    if not WORD.search(text) or (CODE.fullmatch(text) and key not in TYPED_CODES):
                        continue
                    found.add(text)
                    found.update(line.strip() for line in text.splitlines() if line.strip())
                    found.add(text[:80].strip())  # the plan's history names items by 80 characters
    found.update(language_name(code) for code in SUPPORTED_LOCALES)
    # Names of the languages a family writes in come from CLDR (Babel), localized already.
    for code in TEXT_LANGUAGES:
        found.update(
            (
                plan_translations.language_name(code, "en"),
                plan_translations.language_name(code, code),
            )
        )
    # Sources cited as written: the care classes' regulations, the studies and the wage table
    # in force (an administrator types its own with `familyapp wages set`).
    found.update(info.source for info in CLASS_INFO.values() if isinstance(info.source, str))
    rates = valuation.DEFAULT_RATES
    found.update((valuation.ROMLEY, rates.source, rates.minimum_source, rates.region))
    found.update(available_timezones())
    return sorted(found, key=len, reverse=True)


@dataclass
class Walk:
    """What the walk saw: pages checked, rules reached, and the English found on them."""

    base_url: str
    data: list[str]
    allowed_words: set[str]
    pages: int = 0
    reached: set[str] = field(default_factory=set)
    found: dict[str, set[str]] = field(default_factory=dict)

    def leftover(self, text: str) -> str:
        """English in text (already stripped of ⟦⟧) that is neither data nor a date or name."""
        text = EMAIL.sub(" ", URL.sub(" ", text))
        if not WORD.search(text):
            return ""
        for known in self.data:
            if known in text:
                text = re.sub(rf"(?<!\w){re.escape(known)}(?!\w)", " ", text)
        words = [word for word in WORD.findall(text) if word not in self.allowed_words]
        return " ".join(text.split()) if words else ""

    def check(self, page: Page, path: str) -> None:
        """Read the open page and note every piece of English outside the markers."""
        seen = page.evaluate(COLLECT)
        places = [where for where, _ in seen["texts"]]
        kept, depth = outside_markers(text for _, text in seen["texts"])
        if depth:
            self.found.setdefault(f"(unbalanced {OPEN}{CLOSE} on the page)", set()).add(path)
        pairs = list(zip(places, kept, strict=True))
        for where, value in seen["attrs"]:
            [outside], _ = outside_markers([value])
            pairs.append((where, outside))
        for where, text in pairs:
            english = self.leftover(text)
            if english:
                self.found.setdefault(f"{english!r} in {where}", set()).add(path)
        self.pages += 1

    def visit(self, page: Page, path: str, endpoint: str) -> None:
        """Open path if it answers with an HTML page for this person, and check it."""
        response = page.request.get(self.base_url + path)
        if not response.ok or "text/html" not in response.headers.get("content-type", ""):
            return
        page.goto(self.base_url + path)
        if endpoint not in OTHER_LANGUAGE:
            self.check(page, path)
        self.reached.add(endpoint)


@dataclass
class Demo:
    """Ids and tokens from the demo family to fill the URL rules with."""

    values: dict[str, list[str]]
    by_endpoint: dict[str, list[dict[str, str]]]


def _link_ids(items: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    for item in items:
        yield str(item.get("type")), str(item["linkId"])
        yield from _link_ids(item.get("item", []))


def demo_ids(child_id: str, family_id: str, secret_key: str) -> Demo:
    """Collect the demo's ids; make one invitation and one password-reset link to open."""
    guardian = db.session.scalar(select(User).where(User.email == GUARDIAN))
    child = db.session.get(Child, uuid.UUID(child_id))
    family = db.session.get(Family, uuid.UUID(family_id))
    assert guardian is not None and child is not None and family is not None
    invitation = families.create_invitation(
        guardian, family, {"role": "caregiver", "label": "Respite nurse"}, link_base=""
    )
    reset_token = ids.new_token()
    db.session.add(
        PasswordResetToken(
            user_id=guardian.id,
            token_hash=ids.token_digest(reset_token),
            expires_at=clock.utcnow() + timedelta(hours=1),
        )
    )
    db.session.commit()
    teen = db.session.scalar(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(User.email == TEEN, Membership.role == "self")
    )
    assert teen is not None
    link_token = actionplans.list_links(child, secret_key)[0].token
    assert link_token is not None

    plan = db.session.scalar(select(CarePlan).where(CarePlan.child_id == child.id))
    assert plan is not None
    items = [
        {"section": section, "item_id": str(entries[0]["id"])}
        for section, entries in plan.document.items()
        if isinstance(entries, list) and entries and isinstance(entries[0], dict)
    ]
    questionnaire_items = []
    for row in db.session.scalars(select(Questionnaire)):
        kinds: dict[str, str] = {}
        for kind, link_id in _link_ids(row.resource.get("item", [])):
            kinds.setdefault(kind, link_id)  # one item of each kind
        questionnaire_items += [
            {"questionnaire_id": str(row.id), "item_id": link_id} for link_id in kinds.values()
        ]
    first_entry: dict[Any, str] = {}  # one entry per caregiver: each may edit their own
    for entry in db.session.scalars(select(CareEntry).where(CareEntry.deleted_at.is_(None))):
        first_entry.setdefault(entry.caregiver_id, str(entry.id))
    entries = list(first_entry.values())

    def all_ids(model: Any) -> list[str]:
        return [str(row_id) for row_id in db.session.scalars(select(model.id))]

    values = {
        "child_id": [child_id],
        "family_id": [family_id],
        "action_plan_id": all_ids(ActionPlan),
        "appointment_id": all_ids(Appointment)[:3],
        "campaign_id": all_ids(Campaign),
        "program_id": all_ids(Program)[:1],
        "questionnaire_id": all_ids(Questionnaire),
        "entry_id": entries,
        "number": ["1", "2"],
    }
    versions = [{"child_id": child_id, "number": n} for n in values["number"]]
    by_endpoint = {
        "plan.edit_section": [{"child_id": child_id, "section": s} for s in SINGLE_SECTIONS],
        "plan.new_item": [{"child_id": child_id, "section": item["section"]} for item in items],
        "plan.edit_item": [{"child_id": child_id, **item} for item in items],
        "plan.version": versions,
        "survey_builder.item": questionnaire_items,
        "families.invitation": [{"token": str(invitation["url"])}],
        "accounts.reset_password": [{"token": reset_token}],
        "actionplans.open_link": [{"token": link_token}],
        # The translation editors are for one language at a time (?lang=).
        "plan_texts.edit": [{"child_id": child_id, "lang": "es"}],
        "texts.edit": [{"action_plan_id": i, "lang": "vi"} for i in values["action_plan_id"]],
        # Only the young person opens their own page: Chidi, the demo's teen.
        "families.record_privacy": [{"child_id": str(teen.child_id)}],
    }
    return Demo(values, by_endpoint)


def html_rules(app: Flask) -> list[Rule]:
    """The GET rules that answer with a page a person reads."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set())
        and rule.endpoint not in NOT_HTML_ENDPOINTS
        and not rule.rule.startswith("/api/")
        and not rule.rule.endswith(NOT_HTML)
    ]


def paths_for(app: Flask, rule: Rule, demo: Demo) -> list[str]:
    """Concrete paths for one rule, its arguments filled from the demo."""
    combos: list[dict[str, str]] = [{}]
    if rule.endpoint in demo.by_endpoint:
        combos = demo.by_endpoint[rule.endpoint]
    else:
        for name in sorted(rule.arguments):
            assert name in demo.values, f"no demo value for <{name}> in {rule.rule}"
            combos = [{**combo, name: value} for combo in combos for value in demo.values[name]]
    adapter = app.url_map.bind("localhost")
    return [adapter.build(rule.endpoint, combo) for combo in combos]


def _switch_person(page: Page, sign_in: Callable[..., None], base_url: str, email: str) -> None:
    """Sign out as a person does (so no background refresh of their pages races the next
    sign-in), then sign in as email."""
    page.goto(f"{base_url}/account")
    if page.get_by_role("button", name="Sign out").count():
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{base_url}/login*")
    sign_in(page, base_url, email)


def test_no_string_escapes_gettext_on_any_page(
    app: Flask,
    page: Page,
    live_server: LiveServer,
    sign_in: Callable[..., None],
    page_problems: PageProblems,
) -> None:
    with app.test_request_context("/"):
        for user in db.session.scalars(
            select(User).where(User.email.in_([GUARDIAN, COORDINATOR, NURSE, TEEN]))
        ):
            user.locale = PSEUDO  # the account page only offers real languages
        db.session.commit()
        demo = demo_ids(live_server.child_id, live_server.family_id, app.config["SECRET_KEY"])
        # The sessions page shows this browser's user agent, as sent.
        data = data_strings([page.evaluate("navigator.userAgent")])
        walk = Walk(live_server.url, data, _babel_words() | PROPER_NAMES | DEVICE_NAMES)
        db.remove()
    family = live_server.family_id
    rules = html_rules(app)
    pages = {rule.endpoint: paths_for(app, rule, demo) for rule in rules}

    # Without an account: the ?lang choice is the pseudo-locale.
    for endpoint in sorted(PUBLIC_ENDPOINTS):
        for path in pages[endpoint]:
            walk.visit(page, f"{path}?lang={PSEUDO}", endpoint)
    # The guardian opens almost everything; the care team and the nurse what is theirs.
    for email in (GUARDIAN, COORDINATOR, TEEN, NURSE):
        _switch_person(page, sign_in, live_server.url, email)
        for path in EVERYONE:
            walk.visit(page, path, "(everyone)")
        for endpoint, paths in pages.items():
            if endpoint not in walk.reached and endpoint not in PUBLIC_ENDPOINTS:
                for path in paths:
                    walk.visit(page, path, endpoint)
    # Between the password and the code nobody is signed in yet: the ?lang choice applies.
    _switch_person(page, lambda *_args: None, live_server.url, COORDINATOR)
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=email]", COORDINATOR)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("form.card button[type=submit]").click()
    for path in ("/login/code", "/login/code?recovery=1"):
        walk.visit(page, f"{path}{'&' if '?' in path else '?'}lang={PSEUDO}", "accounts.login_code")
    page.goto(f"{live_server.url}/login")
    sign_in(page, live_server.url, NURSE)
    # The error pages speak the reader's language too (the nurse may not read the access log).
    for path, status in ((f"/children/{uuid.uuid4()}", 404), (f"/families/{family}/audit", 403)):
        page_problems.ignored.append(f"the server responded with a status of {status}")
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == status, path
        walk.check(page, path)

    missed = sorted(set(pages) - walk.reached)
    assert missed == [], f"no one could open these pages; give the walk their ids: {missed}"
    assert walk.found == {}, "English outside gettext (text, element: pages):\n" + "\n".join(
        f"  {text}: {', '.join(sorted(paths)[:3])}" for text, paths in sorted(walk.found.items())
    )
    assert walk.pages > 60


def test_only_a_test_app_speaks_the_pseudo_locale(app: Flask, tmp_path: Path) -> None:
    with app.test_request_context(f"/?lang={PSEUDO}"):
        assert select_locale() == PSEUDO
        assert gettext("Sign in") == "⟦Sign in⟧"
        assert gettext("%(amount)s mL", amount="5") == "5⟦ mL⟧"  # what fills it is checked too
    # Real settings never name it: no environment variable sets either field.
    real = load_settings(tmp_path, env={})
    assert real.test_locales == () and real.extra_translation_dirs == ()
    app.extensions["familyapp.settings"] = real
    with app.test_request_context(f"/?lang={PSEUDO}"):
        assert select_locale() == "en"
