"""iCalendar (RFC 5545) feeds out and invitation import in, on top of the ``icalendar`` package.

Pure module (no Flask, no database). Times are aware UTC at the edges; inside a feed they are
written as local wall-clock times with a TZID and a matching VTIMEZONE, so calendar clients
repeat an appointment at the same local time across daylight-saving changes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

PRODID = "-//Familyapp//Calendar//EN"
MAX_IMPORTED_EVENTS = 1000
MAX_FILE_BYTES = 1024 * 1024  # an invitation is a few KB; a whole exported calendar fits
_UTC_NAMES = {"UTC", "Etc/UTC", "Etc/Zulu", "Zulu", "GMT", "Etc/GMT", "Z"}
_STATUSES = {"CONFIRMED", "TENTATIVE", "CANCELLED"}
_UNTIL_RE = re.compile(r"(?<![A-Z])UNTIL=(\d{8})(?:T(\d{6})(Z?))?", re.IGNORECASE)
_SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
_WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass
class FeedEvent:
    """One appointment (series) as published in a feed; datetimes are aware UTC."""

    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    tz: str
    rrule: str | None
    cancelled: list[datetime]
    moved: list[tuple[datetime, datetime, datetime]]  # (original, new start, new end)
    location: str = ""
    description: str = ""
    updated: datetime | None = None
    status: str = "CONFIRMED"


@dataclass
class ImportedEvent:
    """One event read from an .ics file; datetimes are aware UTC, tz is an IANA zone name."""

    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    tz: str
    rrule: str | None
    location: str
    description: str
    cancelled: list[datetime] = field(default_factory=list)  # EXDATEs, aware UTC
    status: str = "CONFIRMED"  # CANCELLED: the organiser called the whole event off


def _is_utc(tz: str) -> bool:
    """Whether tz names UTC (written as "Z" times, no VTIMEZONE)."""
    return tz in _UTC_NAMES


def _local(value: datetime, tz: str) -> datetime:
    """Convert an aware datetime to the zone it is written in within the feed."""
    return value.astimezone(UTC if _is_utc(tz) else ZoneInfo(tz))


def _rrule_for_feed(text: str, tz: str) -> icalendar.vRecur:
    """Parse an RRULE value, rewriting a local/date UNTIL as UTC as RFC 5545 requires with TZID."""
    value = text.strip()
    if value.upper().startswith("RRULE:"):
        value = value[6:]
    zone: tzinfo = UTC if _is_utc(tz) else ZoneInfo(tz)

    def to_utc(match: re.Match[str]) -> str:
        day, clock, zulu = match.group(1), match.group(2), match.group(3)
        if zulu:
            return match.group(0)
        local = datetime.strptime(day + (clock or "235959"), "%Y%m%d%H%M%S")
        return "UNTIL=" + local.replace(tzinfo=zone).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    return icalendar.vRecur.from_ical(_UNTIL_RE.sub(to_utc, value))


def _sequence(updated: datetime | None) -> int:
    """SEQUENCE from the last update: minutes since 2020 (monotonic, fits a 32-bit integer)."""
    if updated is None:
        return 0
    return max(0, int((updated.astimezone(UTC) - _SEQUENCE_EPOCH).total_seconds() // 60))


def _add_common(vevent: icalendar.Event, ev: FeedEvent, stamp: datetime) -> None:
    """Add the properties shared by a series VEVENT and its RECURRENCE-ID overrides."""
    vevent.add("uid", ev.uid)
    vevent.add("dtstamp", stamp)
    vevent.add("summary", ev.title)
    if ev.location:
        vevent.add("location", ev.location)
    if ev.description:
        vevent.add("description", ev.description)
    status = ev.status.upper()
    vevent.add("status", status if status in _STATUSES else "CONFIRMED")
    vevent.add("sequence", _sequence(ev.updated))
    if ev.updated is not None:
        vevent.add("last-modified", ev.updated.astimezone(UTC))


def _nth_weekday(day: date) -> int | None:
    """1..4 for the nth weekday of its month, -1 for the last one, None for a fifth non-last."""
    following_month = (day.replace(day=28) + timedelta(days=4)).month
    if (day + timedelta(days=7)).month == following_month:
        return -1
    nth = (day.day - 1) // 7 + 1
    return nth if nth <= 4 else None


def _yearly_runs(moments: list[datetime]) -> list[list[datetime]]:
    """Split transitions into runs of consecutive years that follow one yearly rule."""
    runs: list[list[datetime]] = []
    for moment in moments:
        key = (moment.month, moment.weekday(), moment.time(), _nth_weekday(moment.date()))
        if runs:
            last = runs[-1][-1]
            last_key = (last.month, last.weekday(), last.time(), _nth_weekday(last.date()))
            if key == last_key and key[3] is not None and moment.year == last.year + 1:
                runs[-1].append(moment)
                continue
        runs.append([moment])
    return runs


def _as_yearly_rules(vtimezone: Any) -> None:
    """Rewrite each observance's DTSTART + RDATE list as observances with yearly RRULEs.

    ``add_missing_timezones`` lists every transition as one comma-separated RDATE; Outlook
    and vobject read only the first value of such a list and then get every later year wrong.
    Yearly rules (what the big calendar clients and tzurl publish) read the same everywhere;
    a zone whose rules changed (the US in 2007) gets one observance per era.
    """
    observances = []
    for observance in vtimezone.subcomponents:
        lists = observance.get("RDATE")
        if lists is None:
            observances.append(observance)
            continue
        lists = lists if isinstance(lists, list) else [lists]
        moments = [observance["DTSTART"].dt, *(v.dt for rdate in lists for v in rdate.dts)]
        for run in _yearly_runs(sorted(moments)):
            era = observance.copy()
            del era["DTSTART"], era["RDATE"]
            era.add("dtstart", run[0])
            if len(run) > 1:
                era.add(
                    "rrule",
                    {
                        "FREQ": "YEARLY",
                        "BYMONTH": run[0].month,
                        "BYDAY": f"{_nth_weekday(run[0].date())}{_WEEKDAY_CODES[run[0].weekday()]}",
                        # COUNT, not UNTIL: UNTIL must be UTC here (RFC 5545 3.3.10), and
                        # readers that compare it with the local DTSTART (dateutil) drop
                        # the last transition east of Greenwich.
                        "COUNT": len(run),
                    },
                )
            observances.append(era)
    vtimezone.subcomponents = observances


def build_feed(name: str, events: list[FeedEvent], *, now: datetime | None = None) -> bytes:
    """Serialise events as an RFC 5545 VCALENDAR with VTIMEZONEs for the zones used."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    default_stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    years: list[int] = []
    for ev in events:
        stamp = ev.updated.astimezone(UTC).replace(microsecond=0) if ev.updated else default_stamp
        series = icalendar.Event()
        _add_common(series, ev, stamp)
        series.add("dtstart", _local(ev.starts_at, ev.tz))
        series.add("dtend", _local(ev.ends_at, ev.tz))
        years += [ev.starts_at.year, ev.ends_at.year]
        if ev.rrule:
            series.add("rrule", _rrule_for_feed(ev.rrule, ev.tz))
        if ev.cancelled:
            series.add("exdate", [_local(c, ev.tz) for c in sorted(ev.cancelled)])
        cal.add_component(series)
        for original, new_start, new_end in sorted(ev.moved):
            override = icalendar.Event()
            _add_common(override, ev, stamp)
            override.add("recurrence-id", _local(original, ev.tz))
            override.add("dtstart", _local(new_start, ev.tz))
            override.add("dtend", _local(new_end, ev.tz))
            years += [new_start.year, new_end.year]
            cal.add_component(override)
    if years:
        # Transitions from a year before the earliest event to well past the latest one.
        first = date(max(1970, min(years) - 1), 1, 1)
        last = date(max(2038, max(years) + 10), 1, 1)
        cal.add_missing_timezones(first_date=first, last_date=last)
        for vtimezone in cal.walk("VTIMEZONE"):
            _as_yearly_rules(vtimezone)
    data: bytes = cal.to_ical()
    return data


def _zone_name(value: datetime, tzid: str | None, default_tz: str) -> str:
    """Best IANA name for the zone a parsed DTSTART was written in."""
    for candidate in (
        tzid,
        getattr(value.tzinfo, "key", None),
        getattr(value.tzinfo, "zone", None),
    ):
        if isinstance(candidate, str) and candidate:
            try:
                ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return candidate
    return default_tz


def _as_utc(value: date | datetime, zone: ZoneInfo) -> datetime:
    """Aware UTC instant for a DATE (local midnight), floating or aware DATE-TIME value."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _text(component: Any, name: str) -> str:
    """A text property as a plain str ("" when absent)."""
    value = component.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value) if value is not None else ""


def _exdates(component: Any, zone: ZoneInfo) -> list[datetime]:
    """All EXDATE values of a VEVENT as aware UTC datetimes."""
    raw = component.get("exdate")
    if raw is None:
        return []
    out: list[datetime] = []
    for prop in raw if isinstance(raw, list) else [raw]:
        for item in getattr(prop, "dts", []):
            out.append(_as_utc(item.dt, zone))
    return sorted(out)


def _imported(component: Any, default_tz: str, default_zone: ZoneInfo) -> ImportedEvent:
    """Convert one VEVENT; raises ValueError/KeyError/TypeError when it lacks a usable DTSTART."""
    dtstart_prop: Any = component["DTSTART"]
    start_value = dtstart_prop.dt
    all_day = not isinstance(start_value, datetime)
    if all_day or start_value.tzinfo is None:
        tz = default_tz
    else:
        tzid = dtstart_prop.params.get("TZID")
        offset = start_value.utcoffset()
        if tzid is None and offset == timedelta(0):
            tz = "UTC"  # a "Z" time: recurrence (if any) is defined in UTC
        else:
            tz = _zone_name(start_value, tzid, default_tz)
    zone = default_zone if tz == default_tz else ZoneInfo(tz)
    starts_at = _as_utc(start_value, zone)
    if "DTEND" in component:
        ends_at = _as_utc(component["DTEND"].dt, zone)
    elif "DURATION" in component:
        length = component["DURATION"].dt
        if all_day or start_value.tzinfo is None:
            local = datetime.combine(start_value, time(0, 0)) if all_day else start_value
            ends_at = _as_utc(local + length, zone)
        else:  # wall-clock arithmetic in the event's own zone
            ends_at = (start_value + length).astimezone(UTC)
    elif all_day:
        ends_at = _as_utc(start_value + timedelta(days=1), zone)
    else:
        ends_at = starts_at + timedelta(hours=1)
    if ends_at < starts_at:
        ends_at = starts_at
    if tz == "UTC" and "RRULE" not in component:
        tz = default_tz  # a one-off in UTC is shown in the family's own zone
    rrule_prop = component.get("RRULE")
    if isinstance(rrule_prop, list):
        rrule_prop = rrule_prop[0] if rrule_prop else None
    rrule = rrule_prop.to_ical().decode() if rrule_prop is not None else None
    uid = _text(component, "UID").strip()
    if not uid:
        uid = "import-" + hashlib.sha256(component.to_ical()).hexdigest()[:32]
    return ImportedEvent(
        uid=uid,
        title=_text(component, "SUMMARY").strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        tz=tz,
        rrule=rrule or None,
        location=_text(component, "LOCATION").strip(),
        description=_text(component, "DESCRIPTION").strip(),
        cancelled=_exdates(component, zone),
    )


def parse_ics(data: bytes, default_tz: str) -> list[ImportedEvent]:
    """Read the VEVENTs of an .ics file (series masters only); ValueError("invalid_ics") if bad."""
    default_zone = ZoneInfo(default_tz)
    if b"\x00" in data:  # no calendar holds NUL, and PostgreSQL could not store it
        raise ValueError("invalid_ics")
    try:
        calendars = icalendar.Calendar.from_ical(data, multiple=True)
    except Exception as exc:  # icalendar raises a variety of types on malformed input
        raise ValueError("invalid_ics") from exc
    if not isinstance(calendars, list) or not calendars:
        raise ValueError("invalid_ics")
    if any(cal.name != "VCALENDAR" for cal in calendars):
        raise ValueError("invalid_ics")
    events: list[ImportedEvent] = []
    for cal in calendars:
        for component in cal.walk("VEVENT"):
            if "RECURRENCE-ID" in component:
                continue
            try:
                event = _imported(component, default_tz, default_zone)
            except Exception as exc:  # a VEVENT without a usable DTSTART makes the file unusable
                raise ValueError("invalid_ics") from exc
            if _text(component, "STATUS").strip().upper() == "CANCELLED":
                event.status = "CANCELLED"
            events.append(event)
            if len(events) >= MAX_IMPORTED_EVENTS:
                return events
    return events
