"""The emergency card as an ER clinician meets it: opened from its link with no account on a
phone, and printed (a fridge sheet from the browser), where it must fit and stay readable."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect
from pypdf import PdfReader

from familyapp.actionplans import service as actionplans
from familyapp.core.db import db
from familyapp.families import service as families
from tests.browser.conftest import PHONE, LiveServer

pytestmark = pytest.mark.browser


def _link_url(app: Flask, live_server: LiveServer) -> str:
    with app.test_request_context("/"):
        child = families.get_child(live_server.child_id)
        secret = app.extensions["familyapp.settings"].secret_key
        links = [v for v in actionplans.list_links(child, secret) if v.status == "active"]
        assert links, "the demo family has an active emergency link"
        token = links[0].token
        db.remove()
    return f"{live_server.url}/e/{token}"


def test_a_clinician_opens_the_card_with_no_account_and_it_prints_on_two_pages_at_most(
    app: Flask, browser: Browser, live_server: LiveServer
) -> None:
    url = _link_url(app, live_server)
    context = browser.new_context(**PHONE)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Maya")
        assert page.locator("script").count() == 0
        assert context.cookies() == []  # no account, no session
        page.emulate_media(media="print")
        pdf = page.pdf(format="Letter", print_background=False)
    finally:
        context.close()
    reader = PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 2, f"the card prints on {len(reader.pages)} pages"
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Maya" in text and re.search(r"[Aa]llerg", text)
    assert "Latex" in text or "latex" in text  # the demo's severe allergy is on paper
