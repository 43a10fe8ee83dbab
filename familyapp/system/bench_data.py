"""Synthetic families for benchmarks (`familyapp bench-data --families N`), made fast.

Two template families are made through the services, so every row is one the app itself would
write: a guardian, one child (or two), a full plan with its history and a review, three action
plans, three years of appointments (weekly and monthly series with one-offs between), years of
care entries, and an answered survey round of the bench program. Every other family is a clone
of a template: its rows are read once (core/ownership.py, which follows the foreign keys), and
copied with new ids, remapped references and a guardian of its own, in bulk inserts of
thousands of rows. Tokens get fresh random values; reminders and sessions are not copied.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, Uuid, select

from familyapp.core import clock
from familyapp.core.db import Base, db

PASSWORD = "bench-password-lantern-7"  # noqa: S105 (published, like the demo password)
EMAIL = "bench{number}@example.org"
STAFF_EMAIL = "bench-staff@example.org"
PROGRAM = "Bench Complex Care Program"
# Not copied: what is tied to one device, one sign-in or one delivery.
NOT_CLONED = frozenset(
    {
        "server_sessions",
        "reminders",
        "reminder_deliveries",
        "push_subscriptions",
        "password_reset_tokens",
        "rate_limit_hits",
        "calendar_feeds",
    }
)
FIRST_NAMES = ("Maya", "Leo", "Amara", "Mateo", "Zoe", "Ibrahim", "Lucia", "Kai", "Noor", "Eli")
FAMILY_NAMES = ("Rivera", "Nguyen", "Okafor", "Haddad", "Kowalski", "Tanaka", "Silva", "Brown")


@dataclass
class Filled:
    """What bench-data wrote."""

    families: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _care_rows(child_id: Any, caregiver: Any, days: int, per_day: int) -> list[dict[str, Any]]:
    """Care logged every day for `days` days: suctioning, feeds, therapy, supervision."""
    kinds = (
        ("suctioning", 7, 15),
        ("tube_feeding", 12, 45),
        ("therapy_exercises", 16, 30),
        ("overnight_supervision", 22, 420),
        ("oral_medication", 9, 10),
        ("bathing", 19, 30),
    )
    start = clock.utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for day in range(1, days + 1):
        for activity, hour, minutes in kinds[:per_day]:
            rows.append(
                {
                    "activity": activity,
                    "started_at": start - timedelta(days=day) + timedelta(hours=hour),
                    "minutes": minutes,
                    "caregiver": caregiver,
                }
            )
    return rows


def _appointments(today: date) -> list[dict[str, Any]]:
    """Three years of a family's calendar as schema input: series and one-offs."""
    first = today - timedelta(days=3 * 365)
    monday = first - timedelta(days=first.weekday())

    def at(day: date, hour: int, minute: int = 0) -> str:
        return datetime(day.year, day.month, day.day, hour, minute).isoformat()

    series = [
        ("Physical therapy", "pt", "FREQ=WEEKLY;BYDAY=MO", 0, 9, 60),
        ("Occupational therapy", "ot", "FREQ=WEEKLY;BYDAY=WE", 2, 10, 45),
        ("Speech therapy", "speech", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", 3, 14, 30),
        ("Home nursing visit", "home_nursing", "FREQ=WEEKLY;BYDAY=TU,FR", 1, 18, 240),
        ("Monthly trach change", "home_nursing", "FREQ=MONTHLY;BYDAY=1MO", 0, 18, 30),
    ]
    found: list[dict[str, Any]] = []
    for title, discipline, rule, weekday, hour, minutes in series:
        day = monday + timedelta(days=weekday)
        found.append(
            {
                "title": title,
                "discipline": discipline,
                "starts_at": at(day, hour),
                "ends_at": (
                    datetime.fromisoformat(at(day, hour)) + timedelta(minutes=minutes)
                ).isoformat(),
                "rrule": rule,
                "reminder_offsets_minutes": [],
            }
        )
    clinics = (
        ("Pulmonology clinic", "pulmonology"),
        ("Neurology clinic", "neurology"),
        ("GI clinic", "gi"),
        ("Complex care clinic", "complex_care"),
        ("ENT: airway check", "ent"),
    )
    for visit, number in enumerate(range(0, 3 * 365 + 180, 14)):  # every other week, and ahead
        day = first + timedelta(days=number)
        title, discipline = clinics[visit % len(clinics)]
        found.append(
            {
                "title": title,
                "discipline": discipline,
                "starts_at": at(day, 13, 30),
                "ends_at": at(day, 14, 30),
                "reminder_offsets_minutes": [],
            }
        )
    return found


def _campaign() -> Any:
    """The bench program's open family-impact round (made once), which every family answers."""
    from familyapp.accounts import service as accounts
    from familyapp.accounts.models import User
    from familyapp.surveys import programs
    from familyapp.surveys import service as surveys
    from familyapp.surveys.models import STAFF, TARGET_PROGRAM, Campaign, Program

    program = db.session.scalar(select(Program).where(Program.name == PROGRAM))
    if program is not None:
        found = db.session.scalar(select(Campaign).where(Campaign.program_id == program.id))
        return program, found
    staff = db.session.scalar(select(User).where(User.email == STAFF_EMAIL))
    if staff is None:
        staff = accounts.register(STAFF_EMAIL, PASSWORD, "Bench Coordinator")
    [nsch] = surveys.install_bundled()
    program = programs.create_program(PROGRAM)
    programs.add_program_member(program, staff, STAFF)
    db.session.commit()
    now = clock.utcnow()
    campaign = surveys.create_campaign(
        staff,
        {
            "program_id": program.id,
            "questionnaire_id": nsch.id,
            "title": "Family impact check-in",
            "target": TARGET_PROGRAM,
            "opens_at": now - timedelta(days=7),
            "closes_at": now + timedelta(days=60),
            "anonymous": False,
        },
    )
    return program, campaign


def _answer(guardian: Any, family_id: uuid.UUID, number: int) -> None:
    """Enroll the family in the bench program and answer its round."""
    from familyapp.surveys import programs, responses

    program, campaign = _campaign()
    programs.enroll_family(program, family_id)
    db.session.commit()
    raw = {
        "care.hours_home": [("1to4", "5to10", "11plus")[number % 3]],
        "care.hours_coordinating": [("lt1", "1to4", "5to10")[number % 3]],
        "work.left_job": [str(number % 2 == 0).lower()],
        "work.cut_hours": ["true"],
        "work.avoided_change": [str(number % 3 == 0).lower()],
        "money.problems_paying": [str(number % 4 == 0).lower()],
        "money.basics": [("never", "rarely", "somewhat_often")[number % 3]],
    }
    responses.submit(guardian, campaign, raw, response_id=None, language="en")


def _template(number: int, children: int, care_days: int, care_per_day: int) -> uuid.UUID:
    """One family made through the services; returns its id."""
    from familyapp.accounts import service as accounts
    from familyapp.actionplans import demo_data as plans_data
    from familyapp.actionplans import service as actionplans
    from familyapp.actionplans.schemas import ActionPlanSchema
    from familyapp.calendar import service as calendar
    from familyapp.calendar.schemas import AppointmentSchema
    from familyapp.carelog import service as carelog
    from familyapp.families import service as families
    from familyapp.plan import demo_data
    from familyapp.plan import service as plan
    from familyapp.plan.schemas import PlanDocumentSchema

    guardian = accounts.register(
        EMAIL.format(number=number), PASSWORD, f"Bench Parent {number}", time_zone="America/Chicago"
    )
    family_id: uuid.UUID | None = None
    for index in range(children):
        child = families.create_child(
            guardian,
            {
                "display_name": f"{FIRST_NAMES[index]} {FAMILY_NAMES[number % len(FAMILY_NAMES)]}",
                "birth_date": date(2016 + index * 3, 3, 14),
            },
        )
        family_id = child.family_id
        first = plan.save_plan(
            guardian, child, PlanDocumentSchema().load(demo_data.FIRST_VERSION), 0
        )
        full = PlanDocumentSchema().load(demo_data.FULL_VERSION)
        second = plan.save_plan(guardian, child, full, first.version)
        full["summary"] += " Reviewed with the complex care team."
        plan.save_plan(guardian, child, full, second.version)
        plan.review(guardian, child)
        for data in (plans_data.SEIZURES, plans_data.RESPIRATORY, plans_data.DYSTONIA):
            actionplans.create_plan(guardian, child, ActionPlanSchema().load(data))
        today = clock.utcnow().date()
        for data in _appointments(today):
            calendar.create_appointment(guardian, child, AppointmentSchema().load(data))
        carelog.import_entries(child, _care_rows(child.id, guardian.id, care_days, care_per_day))
    db.session.commit()
    assert family_id is not None
    _answer(guardian, family_id, number)
    return family_id


@dataclass
class _Table:
    """One table's template rows as the driver takes them (bind-processed once)."""

    table: Table
    columns: list[str]
    rows: list[list[Any]]
    uuid_positions: list[int]
    special: dict[str, int]  # column name -> position, for the values each family changes


@dataclass
class _Template:
    """A template family, ready to copy: its tables parents first, and its ids."""

    tables: list[_Table]
    ids: list[Any]  # every id the family owns (its guardian's too), driver form


def _processors(table: Table) -> list[Callable[[Any], Any] | None]:
    dialect = db.session.get_bind().dialect
    return [column.type._cached_bind_processor(dialect) for column in table.columns]


def _read(family_id: uuid.UUID) -> _Template:
    from familyapp.core import ownership
    from familyapp.families.models import Membership

    rows = {
        name: found for name, found in ownership.owned(family_id).items() if name not in NOT_CLONED
    }
    guardian_id = db.session.scalar(
        select(Membership.user_id).where(Membership.family_id == family_id)
    )
    users = Base.metadata.tables["users"]
    rows["users"] = [
        dict(db.session.execute(select(users).where(users.c.id == guardian_id)).mappings().one())
    ]
    tables: list[_Table] = []
    ids: list[Any] = []
    for table in Base.metadata.sorted_tables:
        found = rows.get(table.name)
        if not found:
            continue
        columns = [column.name for column in table.columns]
        processors = _processors(table)
        native = [
            [
                None if row[name] is None else process(row[name]) if process else row[name]
                for name, process in zip(columns, processors, strict=True)
            ]
            for row in found
        ]
        uuids = [i for i, column in enumerate(table.columns) if isinstance(column.type, Uuid)]
        pk = columns.index("id") if "id" in columns else None
        if pk is not None:
            ids.extend(row[pk] for row in native)
        wanted = ("email", "name", "display_name", "token_hash")
        special = {name: columns.index(name) for name in wanted if name in columns}
        tables.append(_Table(table, columns, native, uuids, special))
    return _Template(tables, ids)


def _fresh_ids(template: _Template) -> dict[Any, Any]:
    """New ids for one copy, keyed by the template's (both in driver form)."""
    table = next(t for t in template.tables if t.uuid_positions)
    process = _processors(table.table)[table.uuid_positions[0]] or (lambda value: value)
    return {old: process(uuid.uuid4()) for old in template.ids}


def _copy(template: _Template, number: int, out: dict[str, list[list[Any]]]) -> int:
    """Append family `number`'s rows to `out`: new ids, references remapped; returns rows."""
    ids = _fresh_ids(template)
    surname = FAMILY_NAMES[number % len(FAMILY_NAMES)]
    count = 0
    for part in template.tables:
        rows = out.setdefault(part.table.name, [])
        positions = part.uuid_positions
        for index, row in enumerate(part.rows):
            copied = list(row)
            for position in positions:
                value = copied[position]
                if value is not None:
                    copied[position] = ids.get(value, value)
            rows.append(copied)
            count += 1
            special = part.special
            if "token_hash" in special:
                copied[special["token_hash"]] = os.urandom(32).hex()
            if part.table.name == "users":
                copied[special["email"]] = EMAIL.format(number=number)
                copied[special["name"]] = f"Bench Parent {number}"
            elif part.table.name == "children":
                first = FIRST_NAMES[(number + index) % len(FIRST_NAMES)]
                copied[special["display_name"]] = f"{first} {surname}"
            elif part.table.name == "families":
                copied[special["name"]] = f"{surname} family {number}"
    return count


def _flush(
    template: _Template, pending: dict[str, list[list[Any]]], written: dict[str, int]
) -> None:
    """Insert what is pending, parents first, in one transaction (COPY on PostgreSQL)."""
    connection = db.session.connection()
    dialect = connection.dialect
    for part in template.tables:
        rows = pending.get(part.table.name)
        if not rows:
            continue
        names = ", ".join(f'"{name}"' for name in part.columns)
        raw = connection.connection.driver_connection
        assert raw is not None
        # Table and column names come from the metadata; every value is a bound parameter.
        if dialect.name == "postgresql":
            statement = f'COPY "{part.table.name}" ({names}) FROM STDIN'
            # psycopg 3: COPY is many times faster than INSERT for this many rows.
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in part.columns)
            statement = f'INSERT INTO "{part.table.name}" ({names}) VALUES ({marks})'  # noqa: S608
            cursor = raw.cursor()
            cursor.executemany(statement, rows)
            cursor.close()
        written[part.table.name] = written.get(part.table.name, 0) + len(rows)
        rows.clear()
    db.session.commit()


def _analyze(templates: list[_Template]) -> None:
    """Fresh planner statistics for the tables a fill writes (PostgreSQL)."""
    # The foreign-key checks are prepared once per connection, planned on the tables' sizes of
    # that moment: planned on a nearly empty users table they scan it, and the fill slowed
    # down as it grew (11 families a second, then 1). Fresh statistics replan them.
    names = {part.table.name for template in templates for part in template.tables}
    tables = ", ".join(f'"{name}"' for name in sorted(names))
    assert db.engine is not None
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"ANALYZE {tables}")


def fill(
    families: int,
    *,
    care_years: float = 2.0,
    care_per_day: int = 1,
    progress: Callable[[int, float], None] | None = None,
) -> Filled:
    """Add `families` synthetic families to the database (the first two made by hand)."""
    from familyapp.accounts.models import User

    started = time.monotonic()
    care_days = int(care_years * 365)
    taken = db.session.scalars(select(User.email).where(User.email.like("bench%@example.org")))
    numbers = {int(email[5:].split("@")[0]) for email in taken if email[5:].split("@")[0].isdigit()}
    first = max(numbers, default=-1) + 1  # more families can be added to a filled database
    templates = []
    for offset, children in enumerate((1, 2)[: max(1, min(2, families))]):
        templates.append(_read(_template(first + offset, children, care_days, care_per_day)))
    done = len(templates)
    written: dict[str, int] = {}
    postgresql = db.session.connection().dialect.name == "postgresql"
    analyzed = 0  # rows written when the statistics were last refreshed
    pending: list[dict[str, list[list[Any]]]] = [{} for _ in templates]
    pending_rows = 0
    for number in range(first + done, first + families):
        which = number % len(templates)
        pending_rows += _copy(templates[which], number, pending[which])
        done += 1
        if pending_rows >= 100_000:
            for template, rows in zip(templates, pending, strict=True):
                _flush(template, rows, written)
            pending_rows = 0
            # Each time the rows written have doubled is enough (autovacuum would, later).
            if postgresql and sum(written.values()) >= 2 * analyzed:
                _analyze(templates)
                analyzed = sum(written.values())
            if progress:
                progress(done, time.monotonic() - started)
    for template, rows in zip(templates, pending, strict=True):
        _flush(template, rows, written)
    return Filled(done, written, time.monotonic() - started)
