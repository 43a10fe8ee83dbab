"""The verbs of the plan: read, save (with optimistic concurrency), edit one item, review,
history and diffs. Every save keeps the whole previous document as a version.
"""

from __future__ import annotations

import calendar
import copy
import functools
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import Executable, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from familyapp.accounts.models import User
from familyapp.core import audit, clock
from familyapp.core.db import db
from familyapp.core.errors import ServiceError
from familyapp.families.models import Child
from familyapp.plan import diff as plan_diff
from familyapp.plan.models import CarePlan, CarePlanVersion
from familyapp.plan.schemas import LIST_SECTIONS, PlanDocumentSchema

DEFAULT_REVIEW_MONTHS = 6


class StaleVersion(ServiceError):
    """The plan changed since the writer read it: nothing was saved (HTTP 412)."""

    status = 412

    def __init__(self, current: PlanView) -> None:
        super().__init__(
            _("Someone else saved the plan while you were editing. Compare and try again.")
        )
        self.current = current


@dataclass
class PlanView:
    """A plan as pages and the API show it (a child with no saved plan has version 0)."""

    child_id: uuid.UUID
    version: int
    document: dict[str, Any]
    updated_at: Any
    updated_by: str | None
    reviewed_at: Any
    reviewed_by: str | None
    review_due: date | None
    review_overdue: bool
    language: str = "en"  # the language the family writes the plan in
    digest: str = ""  # of the document as read (its canonical JSON): names it in cache keys


def empty_document() -> dict[str, Any]:
    """A plan with nothing in it yet, in its canonical stored form."""
    return canonical(PlanDocumentSchema().load({}))


def canonical(loaded: dict[str, Any]) -> dict[str, Any]:
    """The stored (JSON) form of a validated document."""
    result: dict[str, Any] = PlanDocumentSchema().dump(loaded)
    return result


def upgraded(document: dict[str, Any]) -> dict[str, Any]:
    """A stored document in the current schema's form: fields added since it was saved appear
    with their defaults, so readers see every field and an unchanged re-save is no new version."""
    return _upgraded_with_digest(document)[0]


def _upgraded_with_digest(document: dict[str, Any]) -> tuple[dict[str, Any], str]:
    text, digest = _upgraded_text(json.dumps(document, sort_keys=True))
    result: dict[str, Any] = json.loads(text)
    return result, digest


# Upgrading is marshmallow's load and dump of the whole document (about 10 ms for a full plan,
# a quarter of the plan page), and a pure function of the stored JSON: each process keeps the
# latest answers by the document's text (lru_cache is thread-safe), and every reader gets its
# own copy from json.loads (about 0.1 ms), never a shared dict it could change.
@functools.lru_cache(maxsize=128)
def _upgraded_text(text: str) -> tuple[str, str]:
    document = json.loads(text)
    try:
        loaded: dict[str, Any] = PlanDocumentSchema().load(document)
    except ValidationError:
        result = text  # saved under older rules: shown as it was rather than not at all
    else:
        result = json.dumps(canonical(loaded))
    return result, hashlib.blake2b(result.encode(), digest_size=20).hexdigest()


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Aug + 6 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _plan_row(child_id: uuid.UUID) -> CarePlan | None:
    return db.session.scalar(select(CarePlan).where(CarePlan.child_id == child_id))


@functools.cache
def _plan_with_names_query() -> Executable:
    # Built once: aliasing User anew on each read cost more than running the query.
    updater, reviewer = aliased(User), aliased(User)
    return (
        select(CarePlan, updater.name, reviewer.name)
        .outerjoin(updater, updater.id == CarePlan.updated_by_id)
        .outerjoin(reviewer, reviewer.id == CarePlan.reviewed_by_id)
        .where(CarePlan.child_id == bindparam("child_id"))
    )


def _plan_with_names(child_id: uuid.UUID) -> tuple[CarePlan | None, dict[uuid.UUID, str]]:
    """The plan row and the names of who last changed and reviewed it, in one query."""
    found = db.session.execute(_plan_with_names_query(), {"child_id": child_id}).first()
    if found is None:
        return None, {}
    row, updated_by, reviewed_by = found
    names = {}
    if row.updated_by_id is not None and updated_by is not None:
        names[row.updated_by_id] = updated_by
    if row.reviewed_by_id is not None and reviewed_by is not None:
        names[row.reviewed_by_id] = reviewed_by
    return row, names


def _names(*user_ids: uuid.UUID | None) -> dict[uuid.UUID, str]:
    wanted = {uid for uid in user_ids if uid is not None}
    if not wanted:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(wanted))).all())


def _view(
    child_id: uuid.UUID, row: CarePlan | None, names: dict[uuid.UUID, str] | None = None
) -> PlanView:
    if row is None:
        return PlanView(child_id, 0, empty_document(), None, None, None, None, None, True)
    if names is None:
        names = _names(row.updated_by_id, row.reviewed_by_id)
    due = None
    if row.reviewed_at is not None:
        due = add_months(row.reviewed_at.date(), row.review_cycle_months)
    overdue = due is None or due <= clock.utcnow().date()
    document, digest = _upgraded_with_digest(row.document)
    return PlanView(
        child_id=child_id,
        version=row.version,
        document=document,
        updated_at=row.updated_at if row.version else None,
        updated_by=names.get(row.updated_by_id) if row.updated_by_id else None,
        reviewed_at=row.reviewed_at,
        reviewed_by=names.get(row.reviewed_by_id) if row.reviewed_by_id else None,
        review_due=due,
        review_overdue=overdue,
        language=row.language or "en",
        digest=digest,
    )


def get_plan(child: Child) -> PlanView:
    """The child's current plan (one query whatever its size)."""
    return _view(child.id, *_plan_with_names(child.id))


def save_plan(
    user: User,
    child: Child,
    document: dict[str, Any],
    expected_version: int,
    note: str | None = None,
) -> PlanView:
    """Replace the plan with a validated document, if nobody saved since `expected_version`."""
    # FOR UPDATE (PostgreSQL) makes a second writer wait for the first, then see its version;
    # SQLite serialises writers itself. The unique (plan, number) of versions backs both up.
    row = db.session.scalar(select(CarePlan).where(CarePlan.child_id == child.id).with_for_update())
    current = row.version if row else 0
    if expected_version != current:
        raise StaleVersion(_view(child.id, row))
    stored = canonical(document)
    if row is not None and stored == upgraded(row.document):
        return _view(child.id, row)  # nothing changed: no empty version in the history
    now = clock.utcnow()
    if row is None:
        row = CarePlan(child_id=child.id, version=0, document={}, created_at=now)
        db.session.add(row)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()  # another first save created the plan a moment ago
            raise StaleVersion(_view(child.id, _plan_row(child.id))) from None
    row.version = current + 1
    row.document = stored
    row.updated_at = now
    row.updated_by_id = user.id
    db.session.add(
        CarePlanVersion(
            plan_id=row.id,
            number=row.version,
            document=stored,
            created_at=now,
            created_by_id=user.id,
            note=note,
        )
    )
    audit.record(
        "plan.saved",
        actor_id=user.id,
        family_id=child.family_id,
        child_id=child.id,
        detail={"version": row.version},
    )
    try:
        db.session.commit()
    except IntegrityError:
        # Another save of the same version (or the first plan row) won the race.
        db.session.rollback()
        raise StaleVersion(_view(child.id, _plan_row(child.id))) from None
    return _view(child.id, row)


def _loaded(view: PlanView) -> dict[str, Any]:
    loaded: dict[str, Any] = PlanDocumentSchema().load(copy.deepcopy(view.document))
    return loaded


def save_item(
    user: User,
    child: Child,
    section: str,
    item: dict[str, Any],
    expected_version: int,
) -> PlanView:
    """Add or replace one item of a list section (matched by its id)."""
    if section not in LIST_SECTIONS:
        raise ServiceError(_("Not found"), status=404)
    view = get_plan(child)
    if view.version != expected_version:
        raise StaleVersion(view)
    document = _loaded(view)
    items = document[section]
    for index, existing in enumerate(items):
        if existing["id"] == item["id"]:
            items[index] = item
            break
    else:
        items.append(item)
    return save_plan(user, child, document, expected_version)


def delete_item(
    user: User, child: Child, section: str, item_id: str, expected_version: int
) -> PlanView:
    """Remove one item of a list section."""
    if section not in LIST_SECTIONS:
        raise ServiceError(_("Not found"), status=404)
    view = get_plan(child)
    if view.version != expected_version:
        raise StaleVersion(view)
    document = _loaded(view)
    kept = [item for item in document[section] if item["id"] != item_id]
    if len(kept) == len(document[section]):
        raise ServiceError(_("Not found"), status=404)
    document[section] = kept
    return save_plan(user, child, document, expected_version)


def save_fields(
    user: User, child: Child, section: str, values: dict[str, Any], expected_version: int
) -> PlanView:
    """Save a single-value section: the summary or the baseline."""
    view = get_plan(child)
    if view.version != expected_version:
        raise StaleVersion(view)
    document = _loaded(view)
    if section == "summary":
        document["summary"] = values.get("summary", "")
    elif section == "baseline":
        document["baseline"] = values
    else:
        raise ServiceError(_("Not found"), status=404)
    return save_plan(user, child, document, expected_version)


def find_item(view: PlanView, section: str, item_id: str) -> dict[str, Any] | None:
    """One item of a list section of the current plan, by id."""
    for item in view.document.get(section, []):
        if item.get("id") == item_id:
            return dict(item)
    return None


def review(user: User, child: Child, review_cycle_months: int | None = None) -> PlanView:
    """Record that the plan was reviewed today by this user (one action)."""
    row = _plan_row(child.id)
    if row is None or row.version == 0:
        raise ServiceError(_("Write the plan before marking it reviewed."), status=409)
    row.reviewed_at = clock.utcnow()
    row.reviewed_by_id = user.id
    if review_cycle_months:
        row.review_cycle_months = review_cycle_months
    audit.record(
        "plan.reviewed",
        actor_id=user.id,
        family_id=child.family_id,
        child_id=child.id,
        detail={"version": row.version},
    )
    db.session.commit()
    return _view(child.id, row)


def versions(child: Child) -> list[dict[str, Any]]:
    """The plan's history, newest first, with who saved each version."""
    row = _plan_row(child.id)
    if row is None:
        return []
    rows = db.session.execute(
        select(CarePlanVersion.number, CarePlanVersion.created_at, CarePlanVersion.note, User.name)
        .outerjoin(User, User.id == CarePlanVersion.created_by_id)
        .where(CarePlanVersion.plan_id == row.id)
        .order_by(CarePlanVersion.number.desc())
    ).all()
    return [
        {"number": number, "created_at": at, "note": note, "created_by": name}
        for number, at, note, name in rows
    ]


def get_version(child: Child, number: int) -> dict[str, Any]:
    """One saved version with its document."""
    found = db.session.execute(
        select(CarePlanVersion, User.name)
        .join(CarePlan, CarePlan.id == CarePlanVersion.plan_id)
        .outerjoin(User, User.id == CarePlanVersion.created_by_id)
        .where(CarePlan.child_id == child.id, CarePlanVersion.number == number)
    ).first()
    if found is None:
        raise ServiceError(_("Not found"), status=404)
    version, name = found
    return {
        "number": version.number,
        "created_at": version.created_at,
        "created_by": name,
        "note": version.note,
        "document": version.document,
    }


def diff_versions(child: Child, older: int, newer: int) -> list[plan_diff.Change]:
    """What changed between two versions (version 0 is the empty plan)."""
    before = empty_document() if older == 0 else get_version(child, older)["document"]
    after = get_version(child, newer)["document"]
    return plan_diff.diff_documents(before, after)


def reviews_due(today: date) -> list[tuple[uuid.UUID, date]]:
    """(child, due date) of every reviewed plan whose review cycle has run out by `today`."""
    # Every cycle is at least a month, so plans reviewed in the last 28 days are never due.
    cutoff = datetime.combine(today - timedelta(days=28), time(0, 0), tzinfo=UTC)
    rows = db.session.execute(
        select(CarePlan.child_id, CarePlan.reviewed_at, CarePlan.review_cycle_months).where(
            CarePlan.reviewed_at.is_not(None), CarePlan.reviewed_at < cutoff
        )
    )
    found = []
    for child_id, reviewed_at, months in rows:
        if reviewed_at is None:  # excluded by the query; keeps the types honest
            continue
        due = add_months(reviewed_at.date(), months)
        if due <= today:
            found.append((child_id, due))
    return found
