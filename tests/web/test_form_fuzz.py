"""The HTML forms fuzzed with hypothesis, as the demo mother: every form reachable from her
pages is sent with its fields swapped for empty, huge, malformed, hostile or out-of-range values.
None may answer 5xx, and a refused submission (4xx) changes no data row.

The forms are found by crawling her pages (links and <form method="post">), so a new form is
fuzzed the day it appears. Derandomized, so a failure repeats.
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from familyapp.core.db import Base, db
from familyapp.demo import create_demo
from tests.factories import form_login

EXAMPLES = 2  # per form, after the EVERY_FIELD posts (CI time)
PAGES = 300  # the crawl stops after this many pages
# The data generation follows the sessions: a refused form still flashes its message.
UNCOUNTED = {"audit_events", "rate_limit_hits", "server_sessions", "data_generation"}
NOT_HTML = (".pdf", ".csv", ".ics", ".svg", ".png", ".json", ".js", ".webmanifest", ".zip")
# Forms that would end the fuzzer's own session or account rather than test input handling.
SKIPPED_ACTIONS = ("/logout", "/signout", "/account/sessions", "/account/delete")
HOSTILE = [
    "",
    " ",
    "x" * 20_000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "-1",
    "0",
    "1e309",
    "NaN",
    "99999999999999999999",
    "2026-02-30",
    "2026-13-01T25:61",
    "00:00",
    "\u202e\u0000\ufeff",
    "مرحبا",
    "中文",
    "../../etc/passwd",
    "00000000-0000-0000-0000-000000000000",
]

EVERY_FIELD = ["", "x" * 20_000, "<script>alert(1)</script>", "-1", "2026-02-30", "\u202e\u0000"]


@dataclass
class Form:
    """A <form method="post"> and its fields: name -> (original value, choices)."""

    action: str
    fields: dict[str, tuple[str, list[str]]] = field(default_factory=dict)


class _Page(HTMLParser):
    """The links and post forms of one HTML page."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.url, a["href"]))
        elif tag == "form" and a.get("method", "get").lower() == "post":
            self._form = Form(urljoin(self.url, a.get("action") or self.url))
            self.forms.append(self._form)
        elif self._form is not None and a.get("name"):
            name = a["name"]
            if tag == "input" and a.get("type") in ("submit", "button", "file", "image"):
                return
            if tag == "select":
                self._select = name
                self._form.fields.setdefault(name, ("", []))
            elif tag in ("input", "textarea"):
                kept = self._form.fields.get(name, ("", []))
                checked = a.get("type") not in ("checkbox", "radio") or "checked" in a
                value = a.get("value", "") if checked else kept[0]
                self._form.fields[name] = (value, [*kept[1], a.get("value", "")])
        elif tag == "option" and self._form is not None and self._select:
            value, choices = self._form.fields[self._select]
            option = a.get("value", "")
            self._form.fields[self._select] = (
                option if "selected" in a or not choices else value,
                [*choices, option],
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _local(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
        return None
    if parts.path.endswith(NOT_HTML) or parts.path.startswith(("/static", "/api/")):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _endpoint(app: Flask, action: str) -> str:
    try:
        endpoint, _ = app.url_map.bind("localhost").match(action.split("?")[0], method="POST")
    except Exception:  # a form posting somewhere no route takes: fuzzed on its own
        return action
    return str(endpoint)


def _crawl(app: Flask, client: Any) -> dict[str, Form]:
    """The post forms reachable from the home screen: per route, two with different fields."""
    seen: set[str] = set()
    queue = deque(["/", "/care", "/calendar", "/surveys", "/family", "/plan", "/account"])
    forms: dict[str, Form] = {}
    while queue and len(seen) < PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = _Page("http://localhost" + path)
        page.feed(response.get_data(as_text=True))
        for form in page.forms:
            action = _local(form.action)
            if action is None or any(skip in action for skip in SKIPPED_ACTIONS):
                continue
            endpoint = _endpoint(app, action)
            key = endpoint + "|" + ",".join(sorted(form.fields))
            if key not in forms and sum(k.startswith(endpoint + "|") for k in forms) < 2:
                forms[key] = Form(action, form.fields)
        for link in page.links:
            local = _local(link)
            if local and local not in seen and "logout" not in local:
                queue.append(local)
    return forms


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for table in Base.metadata.sorted_tables:
        if table.name in UNCOUNTED:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        for row in db.session.execute(sa.select(table).order_by(*order)):
            digest.update(repr(tuple(row)).encode())
    db.session.rollback()
    return digest.hexdigest()


def _values(form: Form) -> st.SearchStrategy[dict[str, str]]:
    """The form as sent by a browser, each field kept, blanked, or swapped for something odd."""
    per_field = {}
    for name, (value, choices) in form.fields.items():
        if name == "csrf_token":
            per_field[name] = st.just(value)
            continue
        options = [value, *choices, *HOSTILE]
        per_field[name] = st.sampled_from(options) | st.text(max_size=60)
    return st.fixed_dictionaries(per_field)


def _sender(app: Flask, client: Any, form: Form, problems: list[str], sent: dict[str, int]) -> Any:
    """Post one set of values to the form and check the answer."""

    def send(values: dict[str, str]) -> None:
        with app.app_context():
            before = _fingerprint()
        response = client.post(form.action, data=values)
        sent["posts"] += 1
        label = f"POST {form.action} -> {response.status_code}"
        if response.status_code >= 500:
            problems.append(f"{label} with {values!r:.300}")
        elif response.status_code >= 400:
            sent["refused"] += 1
            with app.app_context():
                if _fingerprint() != before:
                    problems.append(f"{label}: refused, yet the database changed")
        location = response.headers.get("Location", "")
        if response.status_code == 302 and "/login" in location:  # signed out: back in
            form_login(client, "parent@example.org", "familyapp-demo")

    return send


def test_every_form_survives_fuzzed_input(app: Flask) -> None:
    with app.app_context():
        create_demo()
    app.config["PROPAGATE_UNEXPECTED"] = False  # a crash must show as a 500, not a traceback
    client = app.test_client()
    assert form_login(client, "parent@example.org", "familyapp-demo").status_code == 302
    forms = _crawl(app, client)
    assert len(forms) >= 25, sorted(forms)
    problems: list[str] = []
    sent = {"posts": 0, "refused": 0}

    for form in forms.values():
        send = _sender(app, client, form, problems, sent)
        # The same odd value in every field at once, then hypothesis's mixes.
        for odd in EVERY_FIELD:
            send(
                {
                    name: value if name == "csrf_token" else odd
                    for name, (value, _) in form.fields.items()
                }
            )
        run = settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )(given(values=_values(form))(send))
        run()
    assert not problems, "\n".join(problems[:30])
    assert sent["posts"] >= len(forms) * (len(EVERY_FIELD) + 1), sent
    assert sent["refused"] >= len(forms), sent
