"""Text a person types is shown as text, never run: markup and a script written into the plan
stay inert on the page, and the strict CSP blocks an inline script even if one ever reached
the HTML."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from familyapp.accounts.models import User
from familyapp.core.db import db
from familyapp.demo import GUARDIAN
from familyapp.families import service as families
from familyapp.plan import service as plan_service
from familyapp.plan.schemas import PlanDocumentSchema
from tests.browser.conftest import LiveServer, PageProblems

pytestmark = pytest.mark.browser

PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def test_typed_markup_is_shown_as_text_and_inline_script_is_blocked(
    app: Flask,
    page: Page,
    page_problems: PageProblems,
    live_server: LiveServer,
    sign_in: Callable[..., None],
) -> None:
    with app.test_request_context("/"):
        child = families.get_child(live_server.child_id)
        view = plan_service.get_plan(child)
        document = dict(view.document, summary=f"Summary {PAYLOAD}")
        guardian = db.session.scalars(select(User).where(User.email == GUARDIAN)).one()
        loaded = PlanDocumentSchema().load(document)
        plan_service.save_plan(guardian, child, loaded, view.version)
        db.remove()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/children/{live_server.child_id}/plan")
    expect(page.locator(".two-liner")).to_contain_text("<script>window.__pwned=2</script>")
    assert page.locator(".two-liner img").count() == 0
    assert page.evaluate("() => window.__pwned === undefined")
    # Suppose an inline script reached the page anyway: the CSP (script-src 'self') stops it.
    page_problems.ignored.append("Content Security Policy")
    violations = page.evaluate(
        """() => new Promise((resolve) => {
          const seen = [];
          document.addEventListener(
            "securitypolicyviolation", (e) => seen.push(e.violatedDirective));
          const s = document.createElement("script");
          s.textContent = "window.__pwned = 3";
          document.body.appendChild(s);
          setTimeout(() => resolve(seen), 200);
        })"""
    )
    assert any(v.startswith("script-src") for v in violations), violations
    assert page.evaluate("() => window.__pwned === undefined")
    assert dialogs == []
