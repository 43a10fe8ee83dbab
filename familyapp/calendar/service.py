"""The verbs of the calendar: appointments in the family's time zone, the agenda across
children (recurrence expanded in local wall-clock time), exceptions, feeds and .ics import."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from familyapp.accounts.models import User
from familyapp.calendar import ical, recurrence
from familyapp.calendar.models import Appointment, AppointmentException, CalendarFeed
from familyapp.calendar.recurrence import rrule_problem
from familyapp.core import audit, authz, clock, ids
from familyapp.core.authz import Perm
from familyapp.core.db import db
from familyapp.core.errors import ServiceError
from familyapp.core.i18n import zone
from familyapp.families import service as families
from familyapp.families.models import Child

FEED_HISTORY = timedelta(days=366)


def child_of_appointment(appointment_id: uuid.UUID) -> uuid.UUID | None:
    """The child an appointment belongs to (for the policy)."""
    return db.session.scalar(select(Appointment.child_id).where(Appointment.id == appointment_id))


def install_policy() -> None:
    """Tell the policy how an appointment leads to its child."""
    authz.register_child_resource("appointment_id", child_of_appointment)


def _to_utc(local: datetime, tz: str) -> datetime:
    return local.replace(tzinfo=zone(tz)).astimezone(clock.utcnow().tzinfo)


def to_local(moment: datetime, tz: str) -> datetime:
    """A UTC moment as naive local time in `tz` (for forms and the API)."""
    return moment.astimezone(zone(tz)).replace(tzinfo=None)


def _series_end(
    starts_at: datetime, ends_at: datetime, tz: str, rule: str | None
) -> datetime | None:
    if not rule:
        return ends_at
    upper = rule.upper()
    if "COUNT=" not in upper and "UNTIL=" not in upper:
        return None
    far = starts_at + timedelta(days=366 * 30)
    found = recurrence.occurrences(starts_at, ends_at, tz, rule, starts_at, far)
    return found[-1].end if found else ends_at


def _apply(appointment: Appointment, data: dict[str, Any], family_tz: str) -> None:
    tz = data.get("timezone") or appointment.timezone or family_tz
    appointment.timezone = tz
    for key in (
        "title",
        "discipline",
        "provider",
        "location",
        "notes",
        "bring",
        "questions",
        "after_notes",
    ):
        if key in data:
            setattr(
                appointment, key, (data[key] or "").strip() if key == "title" else data[key] or ""
            )
    appointment.starts_at = _to_utc(data["starts_at"], tz)
    appointment.ends_at = _to_utc(data["ends_at"], tz)
    rule = (data.get("rrule") or "").strip().removeprefix("RRULE:") or None
    appointment.rrule = rule
    appointment.reminder_offsets_minutes = sorted(set(data.get("reminder_offsets_minutes") or []))
    appointment.series_ends_at = _series_end(appointment.starts_at, appointment.ends_at, tz, rule)
    appointment.updated_at = clock.utcnow()


def create_appointment(user: User, child: Child, data: dict[str, Any]) -> Appointment:
    """Add an appointment (or series) for a child."""
    family = families.get_family(child.family_id)
    appointment = Appointment(
        child_id=child.id, uid=f"{ids.new_id()}@familyapp", created_by_id=user.id
    )
    _apply(appointment, data, family.time_zone)
    db.session.add(appointment)
    db.session.flush()
    audit.record(
        "appointment.created",
        actor_id=user.id,
        family_id=child.family_id,
        child_id=child.id,
        target=f"appointment:{appointment.id}",
    )
    db.session.commit()
    return appointment


def get_appointment(appointment_id: uuid.UUID | str) -> Appointment:
    """One appointment (callers have passed the policy)."""
    parsed = ids.parse_uuid(str(appointment_id))
    found = db.session.get(Appointment, parsed) if parsed else None
    if found is None:
        raise ServiceError(_("Not found"), status=404)
    return found


def update_appointment(user: User, appointment: Appointment, data: dict[str, Any]) -> Appointment:
    """Change an appointment or a whole series."""
    family = families.get_family(families.get_child(appointment.child_id).family_id)
    _apply(appointment, data, family.time_zone)
    audit.record(
        "appointment.updated",
        actor_id=user.id,
        family_id=family.id,
        child_id=appointment.child_id,
        target=f"appointment:{appointment.id}",
    )
    db.session.commit()
    return appointment


def delete_appointment(user: User, appointment: Appointment) -> None:
    """Cancel an appointment (a whole series) by removing it."""
    audit.record(
        "appointment.deleted",
        actor_id=user.id,
        family_id=families.family_of_child(appointment.child_id),
        child_id=appointment.child_id,
        target=f"appointment:{appointment.id}",
        detail={"title": appointment.title},
    )
    db.session.delete(appointment)
    db.session.commit()


def set_exception(
    user: User,
    appointment: Appointment,
    original_start: datetime,
    *,
    cancelled: bool,
    new_start_local: datetime | None = None,
    new_end_local: datetime | None = None,
) -> None:
    """Cancel or move one occurrence of a series."""
    original = original_start.astimezone(clock.utcnow().tzinfo)
    starts = recurrence.occurrences(
        appointment.starts_at,
        appointment.ends_at,
        appointment.timezone,
        appointment.rrule,
        original - timedelta(minutes=1),
        original + timedelta(minutes=1),
    )
    if not any(o.original_start == original for o in starts):
        raise ServiceError(
            _("Please correct the fields shown."),
            status=422,
            errors={"original_start": [_("There is no occurrence at this time.")]},
        )
    if not cancelled and (
        new_start_local is None or new_end_local is None or new_end_local <= new_start_local
    ):
        raise ServiceError(
            _("Please correct the fields shown."),
            status=422,
            errors={"ends_at": [_("The end must be after the start.")]},
        )
    row = db.session.scalar(
        select(AppointmentException).where(
            AppointmentException.appointment_id == appointment.id,
            AppointmentException.original_start == original,
        )
    ) or AppointmentException(appointment_id=appointment.id, original_start=original)
    row.cancelled = cancelled
    row.new_starts_at = None if cancelled else _to_utc(new_start_local, appointment.timezone)  # type: ignore[arg-type]
    row.new_ends_at = None if cancelled else _to_utc(new_end_local, appointment.timezone)  # type: ignore[arg-type]
    db.session.add(row)
    audit.record(
        "appointment.occurrence_changed",
        actor_id=user.id,
        family_id=families.family_of_child(appointment.child_id),
        child_id=appointment.child_id,
        target=f"appointment:{appointment.id}",
        detail={"cancelled": cancelled},
    )
    db.session.commit()


def _exceptions_of(
    appointments: list[Appointment], window: tuple[datetime, datetime] | None = None
) -> dict[uuid.UUID, list[AppointmentException]]:
    # One query for the exceptions of every appointment shown (never one per series), and
    # only those near the window: a series of years has years of cancelled and moved dates.
    exceptions: dict[uuid.UUID, list[AppointmentException]] = {}
    if not appointments:
        return exceptions
    stmt = select(AppointmentException).where(
        AppointmentException.appointment_id.in_([a.id for a in appointments])
    )
    if window is not None:
        # An occurrence overlapping the window may start up to its length (plus the margin
        # the expansion itself uses) before it.
        longest = max(a.ends_at - a.starts_at for a in appointments)
        lo, hi = window[0] - longest - timedelta(days=2), window[1] + timedelta(days=2)
        stmt = stmt.where(
            or_(
                AppointmentException.original_start.between(lo, hi),
                AppointmentException.new_starts_at.between(lo, hi),
            )
        )
    for row in db.session.scalars(stmt):
        exceptions.setdefault(row.appointment_id, []).append(row)
    return exceptions


@dataclass(frozen=True)
class AgendaItem:
    """One occurrence in someone's agenda."""

    appointment: Appointment
    start: datetime
    end: datetime
    original_start: datetime
    moved: bool


def agenda(
    child_ids: list[uuid.UUID],
    window_start: datetime,
    window_end: datetime,
    discipline: str | None = None,
) -> list[AgendaItem]:
    """Every occurrence of the children's appointments in the window, in time order."""
    if not child_ids:
        return []
    stmt = select(Appointment).where(
        Appointment.child_id.in_(child_ids),
        Appointment.starts_at < window_end,
        or_(Appointment.series_ends_at.is_(None), Appointment.series_ends_at > window_start),
    )
    if discipline:
        stmt = stmt.where(Appointment.discipline == discipline)
    appointments = list(db.session.scalars(stmt))
    exceptions = _exceptions_of(appointments, (window_start, window_end))
    items: list[AgendaItem] = []
    for appointment in appointments:
        rows = exceptions.get(appointment.id, [])
        cancelled = frozenset(r.original_start for r in rows if r.cancelled)
        moved = {
            r.original_start: (r.new_starts_at, r.new_ends_at)
            for r in rows
            if not r.cancelled and r.new_starts_at and r.new_ends_at
        }
        for occurrence in recurrence.occurrences(
            appointment.starts_at,
            appointment.ends_at,
            appointment.timezone,
            appointment.rrule,
            window_start,
            window_end,
            cancelled,
            moved,
        ):
            items.append(
                AgendaItem(
                    appointment,
                    occurrence.start,
                    occurrence.end,
                    occurrence.original_start,
                    occurrence.moved,
                )
            )
    items.sort(key=lambda item: (item.start, item.appointment.title))
    return items


def appointments_for(
    child_ids: list[uuid.UUID], since: datetime
) -> list[tuple[Appointment, list[AppointmentException]]]:
    """The children's appointments still running after `since`, with their exceptions."""
    if not child_ids:
        return []
    appointments = list(
        db.session.scalars(
            select(Appointment).where(
                Appointment.child_id.in_(child_ids),
                or_(Appointment.series_ends_at.is_(None), Appointment.series_ends_at > since),
            )
        )
    )
    exceptions = _exceptions_of(appointments)
    return [(a, exceptions.get(a.id, [])) for a in appointments]


def create_feed(user: User, label: str) -> tuple[CalendarFeed, str]:
    """Make a private feed URL token for the user's calendar (shown once)."""
    token = ids.new_token()
    feed = CalendarFeed(user_id=user.id, token_hash=ids.token_digest(token), label=label.strip())
    db.session.add(feed)
    db.session.flush()
    audit.record("calendar_feed.created", actor_id=user.id, target=f"calendar_feed:{feed.id}")
    db.session.commit()
    return feed, token


def list_feeds(user: User) -> list[CalendarFeed]:
    """The user's live feeds."""
    return list(
        db.session.scalars(
            select(CalendarFeed)
            .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
            .order_by(CalendarFeed.created_at.desc())
        )
    )


def revoke_feed(user: User, feed_id: uuid.UUID | str) -> None:
    """Stop a feed URL from working."""
    parsed = ids.parse_uuid(str(feed_id))
    feed = db.session.get(CalendarFeed, parsed) if parsed else None
    if feed is None or feed.user_id != user.id:
        raise ServiceError(_("Not found"), status=404)
    feed.revoked_at = clock.utcnow()
    audit.record("calendar_feed.revoked", actor_id=user.id, target=f"calendar_feed:{feed.id}")
    db.session.commit()


def feed_owner(token: str) -> User | None:
    """The user whose live feed this token opens, or None."""
    feed = db.session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == ids.token_digest(token), CalendarFeed.revoked_at.is_(None)
        )
    )
    if feed is None:
        return None
    feed.last_fetched_at = clock.utcnow()
    db.session.commit()
    user = db.session.get(User, feed.user_id)
    return user if user is not None and user.is_active else None


@dataclass(frozen=True)
class ImportResult:
    """What an .ics import did."""

    created: int
    updated: int
    removed: int
    skipped: int


def import_events(user: User, child: Child, events: list[ical.ImportedEvent]) -> ImportResult:
    """Add or refresh appointments from an invitation file; the same UID updates, never doubles."""
    created = updated = removed = skipped = 0
    existing = {
        a.uid: a
        for a in db.session.scalars(
            select(Appointment).where(
                Appointment.child_id == child.id, Appointment.uid.in_([e.uid for e in events])
            )
        )
    }
    for event in events:
        found = existing.get(event.uid)
        if event.status == "CANCELLED":
            # A clinic's cancellation of an invitation we hold removes it; one we never saw
            # is nothing to add.
            if found is not None:
                db.session.delete(found)
                removed += 1
            else:
                skipped += 1
            continue
        if event.rrule and rrule_problem(event.rrule) is not None:
            skipped += 1
            continue
        appointment = found or Appointment(
            child_id=child.id, uid=event.uid[:255], created_by_id=user.id, discipline="other"
        )
        appointment.title = (event.title or _("Appointment"))[:200]
        appointment.location = event.location[:500]
        if not found:
            appointment.notes = event.description[:5000]
        appointment.timezone = event.tz
        appointment.starts_at = event.starts_at
        appointment.ends_at = max(event.ends_at, event.starts_at + timedelta(minutes=1))
        appointment.rrule = event.rrule
        appointment.reminder_offsets_minutes = list(appointment.reminder_offsets_minutes or [])
        appointment.series_ends_at = _series_end(
            appointment.starts_at, appointment.ends_at, event.tz, event.rrule
        )
        appointment.updated_at = clock.utcnow()
        db.session.add(appointment)
        db.session.flush()
        for moment in event.cancelled:
            if (
                db.session.scalar(
                    select(AppointmentException.id).where(
                        AppointmentException.appointment_id == appointment.id,
                        AppointmentException.original_start == moment,
                    )
                )
                is None
            ):
                db.session.add(
                    AppointmentException(
                        appointment_id=appointment.id, original_start=moment, cancelled=True
                    )
                )
        existing[event.uid] = appointment
        if found:
            updated += 1
        else:
            created += 1
    audit.record(
        "appointment.imported",
        actor_id=user.id,
        family_id=child.family_id,
        child_id=child.id,
        target=f"child:{child.id}",
        detail={"created": created, "updated": updated, "removed": removed},
    )
    db.session.commit()
    return ImportResult(created, updated, removed, skipped)


def visible_children(user: User, perm: Perm = Perm.PLAN_READ) -> list[Child]:
    """The children whose calendar the user may read; reads by non-guardians are audited."""
    grants = authz.grants_for(user.id)
    visible = []
    for child in families.children_for(user):
        grant = authz.decide_child(grants, perm, child.family_id, child.id)
        if grant is None:
            continue
        authz.record_phi_read(grant, child.family_id, child.id, perm)
        visible.append(child)
    return visible


def may_edit(user: User, child: Child) -> bool:
    """Whether the user may add and change this child's appointments (to show the buttons)."""
    grants = authz.grants_for(user.id)
    return authz.decide_child(grants, Perm.PLAN_EDIT, child.family_id, child.id) is not None


def feed_events(owner: User) -> tuple[list[ical.FeedEvent], str]:
    """The owner's appointments as feed events (titles carry the child's name), and the name."""
    grants = authz.grants_for(owner.id)
    children = {}
    for child in families.children_for(owner):
        grant = authz.decide_child(grants, Perm.PLAN_READ, child.family_id, child.id)
        if grant is not None:
            # A phone polling the feed is a read of the child's record like any other.
            authz.record_phi_read(grant, child.family_id, child.id, Perm.PLAN_READ, owner.id)
            children[child.id] = child
    events = []
    # A year of history is what a phone calendar shows of the past; older visits stay in the
    # app, and leaving them out keeps a years-long calendar's feed small for every poll.
    since = clock.utcnow() - FEED_HISTORY
    for appointment, rows in appointments_for(list(children), since):
        child = children[appointment.child_id]
        # Only the provider goes to the phone's calendar (and its vendor's servers): notes,
        # questions and after-visit notes stay in the app.
        events.append(
            ical.FeedEvent(
                uid=appointment.uid,
                title=f"{child.display_name}: {appointment.title}",
                starts_at=appointment.starts_at,
                ends_at=appointment.ends_at,
                tz=appointment.timezone,
                rrule=appointment.rrule,
                cancelled=[r.original_start for r in rows if r.cancelled],
                moved=[
                    (r.original_start, r.new_starts_at, r.new_ends_at)
                    for r in rows
                    if not r.cancelled and r.new_starts_at and r.new_ends_at
                ],
                location=appointment.location,
                description=appointment.provider,
                updated=appointment.updated_at,
            )
        )
    return events, _("Familyapp appointments")


@dataclass(frozen=True)
class Day:
    """One local day of someone's calendar with its occurrences."""

    day: date
    items: list[AgendaItem]


def days(
    child_ids: list[uuid.UUID],
    tz: str,
    first: date,
    count: int,
    discipline: str | None = None,
) -> list[Day]:
    """The occurrences of `count` local days from `first` in zone `tz`, grouped by day."""
    local = zone(tz)
    start = datetime.combine(first, time(0, 0), tzinfo=local)
    end = datetime.combine(first + timedelta(days=count), time(0, 0), tzinfo=local)
    grouped: dict[date, list[AgendaItem]] = {}
    for item in agenda(child_ids, start, end, discipline):
        # A visit running past midnight is listed on the day it starts (or on the first day
        # shown, when the window opens mid-visit).
        key = max(item.start.astimezone(local).date(), first)
        grouped.setdefault(key, []).append(item)
    return [
        Day(first + timedelta(days=i), grouped.get(first + timedelta(days=i), []))
        for i in range(count)
    ]


@dataclass(frozen=True)
class DueReminder:
    """One reminder an appointment asks for: which occurrence, how long before, and when."""

    appointment: Appointment
    start: datetime
    offset_minutes: int
    due_at: datetime


def reminders_due(window_start: datetime, window_end: datetime) -> list[DueReminder]:
    """Every (occurrence, offset) of every appointment whose reminder falls in the window."""
    longest = timedelta(minutes=60 * 24 * 30)  # the schema's largest offset
    stmt = select(Appointment).where(
        Appointment.starts_at < window_end + longest,
        or_(Appointment.series_ends_at.is_(None), Appointment.series_ends_at > window_start),
    )
    appointments = [a for a in db.session.scalars(stmt) if a.reminder_offsets_minutes]
    exceptions = _exceptions_of(appointments, (window_start, window_end + longest))
    found = []
    for appointment in appointments:
        offsets = appointment.reminder_offsets_minutes
        rows = exceptions.get(appointment.id, [])
        cancelled = frozenset(r.original_start for r in rows if r.cancelled)
        moved = {
            r.original_start: (r.new_starts_at, r.new_ends_at)
            for r in rows
            if not r.cancelled and r.new_starts_at and r.new_ends_at
        }
        for occurrence in recurrence.occurrences(
            appointment.starts_at,
            appointment.ends_at,
            appointment.timezone,
            appointment.rrule,
            window_start,
            window_end + timedelta(minutes=max(offsets)),
            cancelled,
            moved,
        ):
            for offset in offsets:
                due = occurrence.start - timedelta(minutes=offset)
                if window_start <= due < window_end:
                    found.append(DueReminder(appointment, occurrence.start, offset, due))
    return found


def reminder_still_wanted(
    appointment_id: uuid.UUID, start: datetime, offset_minutes: int
) -> Appointment | None:
    """The appointment when it still has an occurrence at `start` with that offset, else None."""
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or offset_minutes not in (appointment.reminder_offsets_minutes or []):
        return None
    items = agenda(
        [appointment.child_id], start - timedelta(minutes=1), start + timedelta(minutes=1)
    )
    if any(i.appointment.id == appointment.id and i.start == start for i in items):
        return appointment
    return None
