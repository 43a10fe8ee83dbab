"""Reading the care log: a child's or a family's report for any range of dates (hours by class
and activity, a weekly series, every valuation method side by side, foregone earnings, the
nursing shortfall; a family's sums its children's with the same code) and the program view
(de-identified totals across consenting families, small groups hidden).

Each read is a fixed number of queries whatever the size of the log: entries are read as plain
columns once and summed here; the program view sums in SQL, in one query for its 12 months,
and finds the user's consenting families in SQL too (not through their policy grants)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext
from sqlalchemy import Select, String, cast, func, literal_column, select

from familyapp.accounts.models import User
from familyapp.carelog import household, service, taxonomy, valuation
from familyapp.carelog.models import (
    FAMILY,
    PAID,
    TEAM,
    CareEntry,
    CaregiverProfile,
    NursingWeek,
    ProgramConsent,
    WorkMissedEntry,
)
from familyapp.core import authz
from familyapp.core.authz import Grant, Perm
from familyapp.core.db import db
from familyapp.core.i18n import zone
from familyapp.families import service as families
from familyapp.families.models import Child, Family

# Program totals are shown only for groups of at least this many families, so no family can
# be picked out of a month's figures (small-cell suppression, as public-health tables do).
MIN_GROUP = 5
PROGRAM_MONTHS = 12
ZERO = Decimal(0)


@dataclass
class Hours:
    """Hours of one class or activity."""

    code: str
    label: str
    care_class: str
    hours: Decimal


@dataclass
class Week:
    """Family care hours in the week starting on a Monday."""

    week_start: date
    hours: Decimal


@dataclass
class Method:
    """A valuation method's result as the report shows it."""

    code: str
    hours: Decimal
    amount: Decimal
    annualised: Decimal
    national_average: Decimal | None
    wages: dict[str, Decimal]
    source: str
    label: str = ""


@dataclass
class Report:
    """A child's (or a family's) care report for [from_, to] (local dates in the family's
    time zone). A family report has no child_id, and its family_id and children set."""

    child_id: uuid.UUID | None
    from_: date
    to: date
    days: int
    family_hours: Decimal
    hours_per_week: Decimal
    by_class: list[Hours]
    by_activity: list[Hours]
    weeks: list[Week]
    replacement_cost: list[Method]
    foregone_earnings: Method
    work_missed_hours: Decimal
    paid_staff_hours: Decimal
    team_hours: Decimal
    team_cost: Decimal
    nursing_authorised_hours: Decimal
    nursing_delivered_hours: Decimal
    nursing_shortfall_hours: Decimal
    rates: valuation.WageRates
    own_only: bool
    national_hours_per_week: Decimal = field(
        default=valuation.NATIONAL_AVERAGES[valuation.AIDE_ALL].hours_per_week
    )
    family_id: uuid.UUID | None = None
    children: list[Child] = field(default_factory=list)


def window(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """Local dates first..last in zone `tz` as a UTC [start, end) window."""
    local = zone(tz)
    start = datetime.combine(first, time(0, 0), tzinfo=local).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0, 0), tzinfo=local).astimezone(UTC)
    return start, end


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def child_report(user: User, grant: Grant, child: Child, first: date, last: date) -> Report:
    """The child's care report for local dates first..last (a caregiver's: their own time)."""
    family = families.get_family(child.family_id)
    return _report(user, family, [child.id], first, last, own_only=not service.sees_all(grant))


def fully_seen_children(user: User, family_id: uuid.UUID) -> list[Child]:
    """The family's children whose every entry the user may read: those a guardian or
    care-team grant of theirs covers (a caregiver's grant shows only their own time)."""
    grants = [
        g for g in authz.grants_for(user.id) if g.family_id == family_id and service.sees_all(g)
    ]
    if not grants:
        return []
    children = db.session.scalars(
        select(Child).where(Child.family_id == family_id).order_by(Child.created_at)
    )
    return [
        child
        for child in children
        if any(g.child_id is None or g.child_id == child.id for g in grants)
    ]


def family_report(
    user: User, family: Family, children: Sequence[Child], first: date, last: date
) -> Report:
    """The family's care report for local dates first..last: the entries, work missed and
    nursing hours of `children` (see fully_seen_children) summed, valued as one child's are."""
    found = _report(user, family, [c.id for c in children], first, last, own_only=False)
    found.child_id = None
    found.family_id = family.id
    found.children = list(children)
    return found


def _report(
    user: User,
    family: Family,
    child_ids: list[uuid.UUID],
    first: date,
    last: date,
    *,
    own_only: bool,
) -> Report:
    """The report over the children `child_ids` of one family, in a fixed number of queries
    whatever the number of children and entries (the ids go in one IN list each time)."""
    start, end = window(first, last, family.time_zone)
    stmt = select(
        CareEntry.started_at,
        CareEntry.minutes,
        CareEntry.activity,
        CareEntry.care_class,
        CareEntry.performed_by,
    ).where(
        CareEntry.child_id.in_(child_ids),
        CareEntry.deleted_at.is_(None),
        CareEntry.started_at >= start,
        CareEntry.started_at < end,
    )
    if own_only:
        stmt = stmt.where(CareEntry.caregiver_id == user.id)
    local = zone(family.time_zone)
    by_class: dict[str, int] = defaultdict(int)
    by_activity: dict[tuple[str, str], int] = defaultdict(int)
    by_week: dict[date, int] = defaultdict(int)
    other: dict[str, int] = defaultdict(int)
    for started_at, minutes, activity, care_class, performed_by in db.session.execute(stmt):
        if performed_by != FAMILY:
            other[performed_by] += minutes
            continue
        by_class[care_class] += minutes
        by_activity[(activity, care_class)] += minutes
        by_week[_monday(started_at.astimezone(local).date())] += minutes

    labels = household.activity_labels(family.id)
    rates = household.rates_in_force()
    days = (last - first).days + 1
    class_hours = {code: valuation.hours(m) for code, m in by_class.items()}
    total = sum(class_hours.values(), ZERO)
    methods = [
        Method(
            r.code,
            r.hours,
            r.amount,
            valuation.annualised(r.amount, days),
            _national(r.code),
            r.wages,
            r.source,
        )
        for r in valuation.replacement_costs(class_hours, rates)
    ]
    missed = _work_missed(user, child_ids, family.id, first, last, own_only)
    foregone_amount = valuation.foregone_earnings(missed, rates)
    missed_hours = sum((item.hours for item in missed), ZERO)
    foregone = Method(
        "foregone",
        missed_hours,
        foregone_amount,
        valuation.annualised(foregone_amount, days),
        _national("foregone"),
        {"default": rates.all_occupations},
        "; ".join((valuation.ROMLEY, rates.source, gettext("annual earnings / 2,088"))),
    )
    authorised, delivered = _nursing(child_ids, first, last)
    team_hours = valuation.hours(other[TEAM])
    weeks = []
    monday = _monday(first)
    while monday <= last:
        weeks.append(Week(monday, valuation.hours(by_week.get(monday, 0))))
        monday += timedelta(days=7)
    return Report(
        child_id=child_ids[0] if len(child_ids) == 1 else None,
        from_=first,
        to=last,
        days=days,
        family_hours=total,
        hours_per_week=valuation.per_week(total, days),
        by_class=[
            Hours(code, taxonomy.class_label(code), code, class_hours.get(code, ZERO))
            for code in taxonomy.CLASSES
        ],
        by_activity=sorted(
            (
                Hours(code, labels.get(code, code), care_class, valuation.hours(m))
                for (code, care_class), m in by_activity.items()
            ),
            key=lambda h: (-h.hours, h.label),
        ),
        weeks=weeks,
        replacement_cost=methods,
        foregone_earnings=foregone,
        work_missed_hours=missed_hours,
        paid_staff_hours=valuation.hours(other[PAID]),
        team_hours=team_hours,
        team_cost=valuation.team_cost(team_hours, rates),
        nursing_authorised_hours=authorised,
        nursing_delivered_hours=delivered,
        nursing_shortfall_hours=max(authorised - delivered, ZERO),
        rates=rates,
        own_only=own_only,
    )


def _national(code: str) -> Decimal | None:
    found = valuation.NATIONAL_AVERAGES.get(code)
    return found.amount if found else None


def _work_missed(
    user: User,
    child_ids: list[uuid.UUID],
    family_id: uuid.UUID,
    first: date,
    last: date,
    own_only: bool,
) -> list[valuation.WorkMissed]:
    # Summed per caregiver over the children: each caregiver's wage applies once to their hours.
    stmt = (
        select(WorkMissedEntry.caregiver_id, func.sum(WorkMissedEntry.minutes))
        .where(
            WorkMissedEntry.child_id.in_(child_ids),
            WorkMissedEntry.day >= first,
            WorkMissedEntry.day <= last,
        )
        .group_by(WorkMissedEntry.caregiver_id)
    )
    if own_only:
        stmt = stmt.where(WorkMissedEntry.caregiver_id == user.id)
    minutes = {caregiver: int(total) for caregiver, total in db.session.execute(stmt)}
    if not minutes:
        return []
    wages = {
        row.user_id: row
        for row in db.session.scalars(
            select(CaregiverProfile).where(
                CaregiverProfile.family_id == family_id,
                CaregiverProfile.user_id.in_([c for c in minutes if c is not None]),
            )
        )
    }
    items = []
    for caregiver, total in minutes.items():
        wage = wages.get(caregiver) if caregiver else None
        items.append(
            valuation.WorkMissed(
                valuation.hours(total),
                wage.hourly_wage if wage else None,
                wage.annual_earnings if wage else None,
            )
        )
    return items


def _nursing(child_ids: list[uuid.UUID], first: date, last: date) -> tuple[Decimal, Decimal]:
    row = db.session.execute(
        select(func.sum(NursingWeek.authorised_hours), func.sum(NursingWeek.delivered_hours)).where(
            NursingWeek.child_id.in_(child_ids),
            NursingWeek.week_start >= _monday(first),
            NursingWeek.week_start <= last,
        )
    ).one()
    return Decimal(row[0] or 0), Decimal(row[1] or 0)


def csv_rows(
    user: User, grant: Grant, child: Child, first: date, last: date
) -> Iterable[list[str]]:
    """The entries of a range as CSV rows (header first), oldest first, local times."""
    family = families.get_family(child.family_id)
    start, end = window(first, last, family.time_zone)
    labels = household.activity_labels(child.family_id)
    names = {m["user_id"]: m["name"] for m in families.members(child.family_id)}
    local = zone(family.time_zone)
    stmt = (
        select(CareEntry)
        .where(
            CareEntry.child_id == child.id,
            CareEntry.deleted_at.is_(None),
            CareEntry.started_at >= start,
            CareEntry.started_at < end,
        )
        .order_by(CareEntry.started_at)
    )
    if not service.sees_all(grant):
        stmt = stmt.where(CareEntry.caregiver_id == user.id)
    yield [
        "id",
        "started_at",
        "minutes",
        "activity",
        "activity_label",
        "class",
        "performed_by",
        "caregiver",
        "note",
    ]
    for entry in db.session.scalars(stmt.execution_options(yield_per=1000)):
        yield [
            str(entry.id),
            entry.started_at.astimezone(local).isoformat(),
            str(entry.minutes),
            entry.activity,
            labels.get(entry.activity, entry.activity),
            entry.care_class,
            entry.performed_by,
            names.get(entry.caregiver_id, "") if entry.caregiver_id else "",
            entry.note,
        ]


@dataclass
class ProgramMonth:
    """One month of de-identified program totals (None figures: suppressed, too few families)."""

    month: date
    families: int
    suppressed: bool
    children: int = 0
    hours_per_child: Decimal | None = None
    cost_per_child: Decimal | None = None
    coordination_hours_per_child: Decimal | None = None
    team_hours_per_child: Decimal | None = None
    team_cost_per_child: Decimal | None = None


def _consenting(user: User) -> Select[uuid.UUID]:
    # A whole-family grant with PROGRAM_READ, as authz.decide_family asks for a non-read
    # permission, and the family's consent: one query, whatever the size of the panel.
    team = families.families_with_role(user.id, Perm.PROGRAM_READ, whole_family=True)
    return select(ProgramConsent.family_id).where(ProgramConsent.family_id.in_(team))


def program_families(user: User) -> list[uuid.UUID]:
    """Families on whose care team the user is and which consented to program totals."""
    return list(db.session.scalars(_consenting(user)))


def may_read_program(user: User) -> bool:
    """Whether the user is on any care team now (the program view's readers)."""
    return bool(
        db.session.scalar(select(families.families_with_role(user.id, Perm.PROGRAM_READ).exists()))
    )


def _months(today: date, count: int) -> list[date]:
    months = []
    first = today.replace(day=1)
    for _ in range(count):
        months.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def _sqlite() -> bool:
    assert db.engine is not None
    return db.engine.dialect.name == "sqlite"


def _month_bucket() -> Any:
    # The UTC calendar month of a start; its text begins 'YYYY-MM' (times are stored in UTC).
    if not _sqlite():
        # A timestamp, not to_char's text: cheaper to compute, hash and sort for 241,000 rows.
        return func.date_trunc("month", func.timezone("UTC", CareEntry.started_at))
    # SQLite keeps a DateTime as 'YYYY-MM-DD HH:MM:SS.ffffff' text, so the month is its first
    # 7 characters. Written exactly as ix_care_entries_child_month's expression (literals, not
    # bound parameters), so SQLite reads the groups in index order instead of sorting 241,000
    # rows (migration 0007, docs/performance.md).
    return func.substr(CareEntry.started_at, literal_column("1"), literal_column("7"))


def program_view(user: User, today: date) -> list[ProgramMonth]:
    """Hours and cost per child per month over the last 12 months, across consenting families;
    a month with fewer than 5 families is suppressed."""
    rates = household.rates_in_force()
    months = _months(today, PROGRAM_MONTHS)
    children_of = select(Child.id).where(Child.family_id.in_(_consenting(user)))
    # Ids are only counted here, never shown: read as text, which spares making 19,000 UUID
    # objects for a 1,000-family program (SQLite stores them as text; PostgreSQL casts).
    child_id = cast(CareEntry.child_id, String)
    family_of = {
        child: family
        for child, family in db.session.execute(
            select(cast(Child.id, String), cast(Child.family_id, String)).where(
                Child.family_id.in_(_consenting(user))
            )
        )
    }
    grouped: dict[str, list[Any]] = defaultdict(list)
    if family_of:
        # One GROUP BY for the whole year, the families as a subquery (never a bound list, which
        # SQLite caps and which would grow with the panel). Child first, then month: the order of
        # the index, so the groups stream out of it.
        bucket = _month_bucket()
        start = datetime.combine(months[0], time(0, 0), tzinfo=UTC)
        following = (months[-1] + timedelta(days=32)).replace(day=1)
        end = datetime.combine(following, time(0, 0), tzinfo=UTC)
        stmt = (
            select(
                child_id,
                bucket,
                CareEntry.care_class,
                CareEntry.performed_by,
                func.sum(CareEntry.minutes),
            )
            .where(
                CareEntry.child_id.in_(children_of),
                CareEntry.deleted_at.is_(None),
                CareEntry.started_at >= start,
                CareEntry.started_at < end,
                *_index_window(bucket, months),
            )
            .group_by(CareEntry.child_id, bucket, CareEntry.care_class, CareEntry.performed_by)
        )
        # Through the connection: plain rows, without the ORM's result machinery per row.
        rows = db.session.connection().execute(stmt).all()
        for child, month_key, care_class, performed_by, minutes in rows:
            grouped[str(month_key)[:7]].append(
                (family_of.get(child), child, care_class, performed_by, minutes)
            )
    return [_program_month(m, grouped.get(m.isoformat()[:7], []), rates) for m in months]


def _index_window(bucket: Any, months: list[date]) -> list[Any]:
    # The same window again, as months, so SQLite seeks its index by month too. PostgreSQL
    # would only evaluate it twice more per row (and misjudge the row count from it).
    if not _sqlite():
        return []
    return [bucket >= months[0].isoformat()[:7], bucket <= months[-1].isoformat()[:7]]


def _program_month(month: date, rows: Sequence[Any], rates: valuation.WageRates) -> ProgramMonth:
    contributing = {row[0] for row in rows}
    if len(contributing) < MIN_GROUP:
        return ProgramMonth(month, len(contributing), True)
    children_seen = set()
    # Whole minutes summed first, as integers, and made hours once per class: exact, and
    # 19,000 Decimal divisions fewer for a 1,000-family program.
    family_minutes: dict[str, int] = defaultdict(int)
    team_minutes = 0
    for _family_id, child_id, care_class, performed_by, minutes in rows:
        children_seen.add(child_id)
        if performed_by == TEAM:
            team_minutes += int(minutes)
        elif performed_by == FAMILY:
            family_minutes[care_class] += int(minutes)
    by_class = {code: valuation.hours(m) for code, m in family_minutes.items()}
    coordination = by_class.get(taxonomy.COORDINATION, ZERO)
    team = valuation.hours(team_minutes)
    children = len(children_seen)
    task = next(
        r for r in valuation.replacement_costs(by_class, rates) if r.code == valuation.TASK_BASED
    )
    per = Decimal(children)
    return ProgramMonth(
        month,
        len(contributing),
        False,
        children,
        (sum(by_class.values(), ZERO) / per).quantize(Decimal("0.1")),
        valuation.money(task.amount / per),
        (coordination / per).quantize(Decimal("0.1")),
        (team / per).quantize(Decimal("0.1")),
        valuation.money(valuation.team_cost(team, rates) / per),
    )
