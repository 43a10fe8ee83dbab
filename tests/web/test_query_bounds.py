"""Every page's SQL query count is bounded: it does not grow with the family's data.

The demo mother's pages are crawled and each page's queries counted. Her family grows by three
children, each with a full plan, action plans, three years of appointments and months of care,
and the pages are counted; it grows by three more and they are counted again. A page whose
count grew between the last two has a query per item somewhere (N+1); the first growth may
add a fixed query or two (a page shows a child picker once there are several children). Every
page also stays under a ceiling.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event, select

from familyapp.accounts.models import User
from familyapp.core.db import db
from familyapp.demo import GUARDIAN, create_demo
from tests.factories import form_login
from tests.web.test_form_fuzz import _local, _Page

PAGES = 150
CEILING = 40  # queries on any one page


def _counter(statements: list[str]) -> Any:
    def count(*parts: Any) -> None:
        statements.append(str(parts[2]))

    return count


def _counts(app: Flask, client: Any, paths: list[str] | None = None) -> dict[str, int]:
    """Queries per page: of the given pages, or of every page the crawl reaches."""
    assert db.engine is not None
    found: dict[str, int] = {}
    queue = list(paths or ["/", "/care", "/calendar", "/surveys", "/family", "/plan", "/account"])
    while queue and len(found) < PAGES:
        path = queue.pop(0)
        if path in found:
            continue
        statements: list[str] = []
        count = _counter(statements)
        event.listen(db.engine, "before_cursor_execute", count)
        response = client.get(path)
        event.remove(db.engine, "before_cursor_execute", count)
        found[path] = len(statements) if response.status_code == 200 else -1
        if paths is None and response.status_code == 200 and response.mimetype == "text/html":
            page = _Page("http://localhost" + path)
            page.feed(response.get_data(as_text=True))
            queue += [p for link in page.links if (p := _local(link)) and "logout" not in p]
    return found


def _grow(app: Flask, names: tuple[str, ...]) -> None:
    """Three more children in the demo family, each with everything a child has."""
    from familyapp.actionplans import demo_data as plans_data
    from familyapp.actionplans import service as actionplans
    from familyapp.actionplans.schemas import ActionPlanSchema
    from familyapp.calendar import service as calendar
    from familyapp.calendar.schemas import AppointmentSchema
    from familyapp.carelog import service as carelog
    from familyapp.core import clock
    from familyapp.families import service as families
    from familyapp.plan import demo_data
    from familyapp.plan import service as plan
    from familyapp.plan.schemas import PlanDocumentSchema
    from familyapp.system.bench_data import _appointments, _care_rows

    with app.test_request_context("/"):
        parent = db.session.scalar(select(User).where(User.email == GUARDIAN))
        assert parent is not None
        for name in names:
            child = families.create_child(parent, {"display_name": f"{name} Rivera"})
            plan.save_plan(parent, child, PlanDocumentSchema().load(demo_data.FULL_VERSION), 0)
            for data in (plans_data.SEIZURES, plans_data.RESPIRATORY):
                actionplans.create_plan(parent, child, ActionPlanSchema().load(data))
            for data in _appointments(clock.utcnow().date()):
                calendar.create_appointment(parent, child, AppointmentSchema().load(data))
            carelog.import_entries(child, _care_rows(child.id, parent.id, 60, 3))
        db.session.commit()


def test_no_page_queries_more_as_the_family_grows(app: Flask) -> None:
    with app.app_context():
        create_demo()
    client = app.test_client()
    assert form_login(client, GUARDIAN, "familyapp-demo").status_code == 302
    before = {path: n for path, n in _counts(app, client).items() if n >= 0}
    assert len(before) >= 40, sorted(before)
    too_many = {path: n for path, n in before.items() if n > CEILING}
    assert not too_many, too_many
    _grow(app, ("Leo", "Amara", "Kai"))
    middle = _counts(app, client, list(before))
    _grow(app, ("Noor", "Eli", "Zoe"))
    after = _counts(app, client, list(before))
    grew = {path: (before[path], middle[path], n) for path, n in after.items() if n > middle[path]}
    assert not grew, grew
    jumped = {path: (before[path], n) for path, n in middle.items() if n > before[path] + 2}
    assert not jumped, jumped
