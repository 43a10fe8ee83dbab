"""The plan page served from the rendered-page cache (core/fragments.py): never stale, never
another person's, every token the session's own, messages shown once."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from contextlib import contextmanager

import brotli
from flask import Flask, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import func, select

from familyapp.core import clock, fragments
from familyapp.core.db import db
from familyapp.core.lru import SizedLRU
from familyapp.core.models import AuditEvent
from tests.factories import Api, add_member, family_with_child, form_login

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def rendered(app: Flask) -> Iterator[list[str]]:
    """The names of the templates rendered while the block runs."""
    names: list[str] = []

    def record(_sender: Flask, template: object, context: object, **_extra: object) -> None:
        names.append(str(getattr(template, "name", "")))

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert form_login(client, email).status_code == 302
    return client


def _add_medication(app: Flask, email: str, child_id: object, name: str) -> None:
    api = Api(app.test_client())
    assert api.login(email).status_code == 200
    plan = api.get(f"/api/v1/children/{child_id}/plan")
    document = plan.get_json()["document"]
    document["medications"].append({"name": name, "route": "oral"})
    response = api.client.put(
        f"/api/v1/children/{child_id}/plan",
        json=document,
        headers={"X-CSRFToken": api.csrf, "If-Match": plan.headers["ETag"]},
    )
    assert response.status_code == 200, response.get_json()


def test_the_second_read_renders_nothing_and_is_the_same_page(app):
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    client = _signed_in(app, "g@example.org")
    path = f"/children/{child.id}/plan"
    client.get(path)  # shows (and so clears) the message of signing in: never cached
    first = client.get(path)
    with rendered(app) as names:
        second = client.get(path)
    assert first.status_code == second.status_code == 200
    assert names == []  # neither the page nor the plan was rendered again
    assert second.get_data() == first.get_data()
    assert fragments.cache_of(app).hits >= 1


def test_a_change_shows_at_once(app):
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    client = _signed_in(app, "g@example.org")
    path = f"/children/{child.id}/plan"
    assert "Clobazam" not in client.get(path).get_data(as_text=True)
    _add_medication(app, "g@example.org", child.id, "Clobazam")
    assert "Clobazam" in client.get(path).get_data(as_text=True)


def test_edit_links_and_audit_follow_each_reader_not_the_cache(app):
    _, family, child = family_with_child(app, "g@example.org", "Sam")
    add_member(app, family, "nurse@example.org", "care_team")
    add_member(app, family, "viewer@example.org", "viewer")
    path = f"/children/{child.id}/plan"
    # The care team may edit but not read the access log; the viewer may do neither: the
    # plan they share differs only in its edit links.
    nurse = _signed_in(app, "nurse@example.org")
    assert "Edit summary" in nurse.get(path).get_data(as_text=True)
    viewer = _signed_in(app, "viewer@example.org")

    def audited() -> int:
        with app.app_context():
            query = select(func.count()).where(
                AuditEvent.action == "phi.read", AuditEvent.child_id == child.id
            )
            return int(db.session.scalar(query) or 0)

    before = audited()
    for _ in range(2):  # the second read comes from the cache: still audited
        html = viewer.get(path).get_data(as_text=True)
        assert "Edit summary" not in html and "Mark reviewed today" not in html
    assert audited() == before + 2
    assert "Edit summary" in nurse.get(path).get_data(as_text=True)


def test_a_cached_page_carries_this_sessions_token_and_it_works(app):
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    _add_medication(app, "g@example.org", child.id, "Clobazam")  # a plan to review
    path = f"/children/{child.id}/plan"
    phone, laptop = _signed_in(app, "g@example.org"), _signed_in(app, "g@example.org")
    phone.get(path)
    phone.get(path)
    cached = phone.get(path).get_data(as_text=True)
    phone_token = TOKEN.findall(cached)[-1]  # the form "Mark reviewed today"
    laptop.get(path)  # its message of signing in shown
    laptop_token = TOKEN.findall(laptop.get(path).get_data(as_text=True))[-1]
    assert phone_token != laptop_token
    refused = laptop.post(f"/children/{child.id}/plan/review", data={"csrf_token": phone_token})
    assert refused.status_code in (400, 403)
    done = phone.post(f"/children/{child.id}/plan/review", data={"csrf_token": phone_token})
    assert done.status_code == 302
    # The message is shown once, with the new review state, then the page is plain again.
    shown = phone.get(path).get_data(as_text=True)
    assert "Marked as reviewed today." in shown and "Last reviewed by" in shown
    assert "Marked as reviewed today." not in phone.get(path).get_data(as_text=True)


def test_language_and_the_minute_are_part_of_the_page(app):
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    client = _signed_in(app, "g@example.org")
    path = f"/children/{child.id}/plan"
    client.get(path)
    client.get(path)
    clock.travel(61)  # the page says "offline copy from <time>": a minute on, a new page
    with rendered(app) as names:
        client.get(path)
    assert "plan/view.html" in names and "plan/_plan_body.html" not in names  # plan reused
    token = TOKEN.findall(client.get(path).get_data(as_text=True))[0]
    client.post("/language", data={"lang": "es", "next": path, "csrf_token": token})
    spanish = client.get(path).get_data(as_text=True)
    assert 'lang="es"' in spanish and "Plan de cuidado" in spanish


def test_compressed_forms_are_the_same_page(app):
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    _add_medication(app, "g@example.org", child.id, "Clobazam")
    client = _signed_in(app, "g@example.org")
    path = f"/children/{child.id}/plan"
    client.get(path)
    client.get(path)
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    as_br = client.get(path, headers={"Accept-Encoding": "br, gzip"})
    as_gzip = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert as_br.headers["Content-Encoding"] == "br"
    assert as_gzip.headers["Content-Encoding"] == "gzip"
    assert brotli.decompress(as_br.get_data()) == plain.get_data()
    assert gzip.decompress(as_gzip.get_data()) == plain.get_data()
    assert "Accept-Encoding" in as_gzip.headers["Vary"]
    assert b"Clobazam" in plain.get_data()


def test_nothing_is_cached_while_templates_reload(app):
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    client = _signed_in(app, "g@example.org")
    app.jinja_env.auto_reload = True
    path = f"/children/{child.id}/plan"
    client.get(path)
    client.get(path)
    with rendered(app) as names:
        client.get(path)
    assert "plan/_plan_body.html" in names and "plan/view.html" in names


def test_the_cache_keeps_the_most_recent_within_its_budget():
    cache = SizedLRU(100)
    cache.put(b"a", "x" * 40, 40)
    cache.put(b"b", "y" * 40, 40)
    assert cache.get(b"a") == "x" * 40  # a is now the most recently used
    cache.put(b"c", "z" * 40, 40)  # over budget: b, the least recently used, goes
    assert cache.get(b"b") is None
    assert cache.get(b"a") and cache.get(b"c")
    cache.put(b"huge", "w" * 200, 200)  # larger than the whole budget: not kept at all
    assert cache.get(b"huge") is None and len(cache) == 2 and cache.size == 80


def test_a_new_wording_of_a_translation_shows_at_once(app):
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    _add_medication(app, "g@example.org", child.id, "Clobazam")
    api = Api(app.test_client())
    assert api.login("g@example.org").status_code == 200
    plan = api.get(f"/api/v1/children/{child.id}/plan")
    document = dict(plan.get_json()["document"], summary="Sam has a trach.")
    saved = api.client.put(
        f"/api/v1/children/{child.id}/plan",
        json=document,
        headers={"X-CSRFToken": api.csrf, "If-Match": plan.headers["ETag"]},
    )
    assert saved.status_code == 200, saved.get_json()
    path = f"/children/{child.id}/plan?text_lang=es"
    for wording in ("Sam tiene traqueostomía.", "Sam tiene una traqueostomía."):
        # The same state both times (written, not checked): only the words differ.
        put = api.client.put(
            f"/api/v1/children/{child.id}/plan/translations/es",
            json={"translations": {"summary": {"text": wording}}},
            headers={"X-CSRFToken": api.csrf},
        )
        assert put.status_code == 200, put.get_json()
        for _ in range(2):
            page = api.client.get(path).get_data(as_text=True)
            assert wording in page and "translation not checked yet" in page


def test_the_plan_templates_read_nothing_their_keys_do_not_name(app):
    # plan/views.py keys the plan part on child, plan, doc (by digest or as shown), reading and
    # the two rights, and the page on the part's digest and the child's name. A name added to a
    # template must be added to its key too: this test names the templates' inputs.
    from jinja2 import meta

    def inputs(name: str) -> set[str]:
        assert app.jinja_loader is not None
        source = app.jinja_loader.get_source(app.jinja_env, name)[0]
        return set(meta.find_undeclared_variables(app.jinja_env.parse(source)))

    # The labels are the plan's context processor: they depend only on the interface language,
    # which every key holds.
    labels = {"section_title", "field_label", "value_label"}
    keyed = {"child", "plan", "doc", "reading", "can_edit", "can_read_audit"}
    assert inputs("plan/_plan_body.html") == keyed | labels
    assert inputs("plan/view.html") == {"child", "plan_body"}


# What each plain value the context processors give is made of. The page's slot in the data
# generation's memory (fragments._material) names the language, zone, minute, person, session
# and device but not these values themselves: a new one must follow from those, or be added
# to the slot.
PROCESSOR_VALUES = {
    "offline_as_of": "the minute, in the language and zone",
    "keeps_offline_copy": "the person and the session's shared_device",
    "action_disclaimer": "the language",
}


def test_the_context_processors_give_only_values_the_page_slot_accounts_for(app):
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    with app.test_request_context(f"/children/{child.id}/plan"):
        processed: dict[str, object] = {}
        app.update_template_context(processed)
    plain = {
        name
        for name, value in processed.items()
        if isinstance(value, str | int | float | bool | type(None))
    }
    assert plain == set(PROCESSOR_VALUES)
