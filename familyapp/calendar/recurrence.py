"""RFC 5545 recurrence: validating RRULE values and expanding appointments into occurrences.

Pure module (no Flask, no database). Recurrence is computed in local wall-clock time of the
appointment's IANA zone, so a weekly 09:00 appointment stays at 09:00 local across daylight-
saving changes, exactly as calendar clients do for DTSTART;TZID=... events.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

_FREQS = {"YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"}
_TOO_FREQUENT = {"HOURLY", "MINUTELY", "SECONDLY"}
_KNOWN_PARTS = {
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
}
_UNTIL_RE = re.compile(r"^(\d{8})(T(\d{6})(Z?))?$")
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Windows further than this from DTSTART are reached by fast-forwarding DTSTART (see _fast_forward).
_FAST_FORWARD_AFTER = timedelta(days=400)
_MARGIN = timedelta(days=2)
_PROBE_START = datetime(9950, 1, 3, 9, 0)


@dataclass(frozen=True)
class Occurrence:
    """One concrete occurrence of an appointment; all datetimes are aware UTC."""

    original_start: datetime
    start: datetime
    end: datetime
    moved: bool


def _parts(text: str) -> dict[str, str]:
    """Split an RRULE value into its NAME=VALUE parts; raise ValueError when malformed."""
    value = text.strip()
    if value.upper().startswith("RRULE:"):
        value = value[6:]
    if not value or any(c in value for c in "\r\n:"):
        raise ValueError("invalid")
    parts: dict[str, str] = {}
    for chunk in value.split(";"):
        name, sep, val = chunk.partition("=")
        name = name.strip().upper()
        if not sep or not val or name not in _KNOWN_PARTS or name in parts:
            raise ValueError("invalid")
        parts[name] = val.strip().upper()
    if parts.get("FREQ") not in _FREQS:
        raise ValueError("invalid")
    if "COUNT" in parts and "UNTIL" in parts:
        raise ValueError("invalid")
    if "UNTIL" in parts and not _UNTIL_RE.match(parts["UNTIL"]):
        raise ValueError("invalid")
    return parts


def _local_until(value: str, zone: ZoneInfo) -> str:
    """Rewrite UNTIL as naive local date-time (UTC converted, a date means end of day)."""
    match = _UNTIL_RE.match(value)
    if match is None:  # pragma: no cover - guarded by _parts
        raise ValueError("invalid")
    day, _, clock, zulu = match.groups()
    if clock is None:
        return f"{day}T235959"
    if zulu:
        utc = datetime.strptime(day + clock, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        return utc.astimezone(zone).strftime("%Y%m%dT%H%M%S")
    return f"{day}T{clock}"


def _join(parts: dict[str, str]) -> str:
    """Serialise parts back to an RRULE value."""
    return ";".join(f"{k}={v}" for k, v in parts.items())


def rrule_problem(text: str) -> str | None:
    """Return None for an acceptable RRULE value, else "invalid" or "too_frequent"."""
    try:
        parts = _parts(text)
        for name in ("INTERVAL", "COUNT"):
            if name in parts and (not parts[name].isdigit() or int(parts[name]) < 1):
                return "invalid"
        if "UNTIL" in parts:
            parts["UNTIL"] = _local_until(parts["UNTIL"], ZoneInfo("UTC"))
        rrulestr("RRULE:" + _join(parts), dtstart=datetime(2000, 1, 3, 9, 0))
        # A rule that can never occur (e.g. 30 February) makes dateutil scan to year 9999;
        # probe it unbounded over the last 50 representable years so that scan stays short.
        probe = {k: v for k, v in parts.items() if k not in ("UNTIL", "COUNT")}
        if next(iter(rrulestr("RRULE:" + _join(probe), dtstart=_PROBE_START)), None) is None:
            return "invalid"
    except (ValueError, TypeError, KeyError, OverflowError):
        return "invalid"
    if parts["FREQ"] in _TOO_FREQUENT:
        return "too_frequent"
    if any(len(parts.get(p, "").split(",")) > 1 for p in ("BYHOUR", "BYMINUTE", "BYSECOND")):
        return "too_frequent"
    return None


def _fast_forward(parts: dict[str, str], dtstart: datetime, target: datetime) -> datetime:
    """Return a later DTSTART (<= target) generating the same occurrences from there on.

    Only for rules without COUNT (COUNT must be counted from the real DTSTART). The implicit
    BY* values dateutil derives from DTSTART are made explicit in ``parts`` first, and DTSTART
    moves by whole multiples of the rule's period, so interval alignment and time of day hold.
    """
    if "COUNT" in parts or target - dtstart < _FAST_FORWARD_AFTER:
        return dtstart
    freq = parts["FREQ"]
    interval = int(parts.get("INTERVAL", "1"))
    has_day = any(p in parts for p in ("BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY"))
    if freq == "YEARLY":
        if not has_day:
            parts.setdefault("BYMONTH", str(dtstart.month))
            parts["BYMONTHDAY"] = str(dtstart.day)
        periods = max(0, target.year - dtstart.year - 1) // interval
        return dtstart + relativedelta(years=periods * interval)
    if freq == "MONTHLY":
        if not has_day:
            parts["BYMONTHDAY"] = str(dtstart.day)
        months = (target.year - dtstart.year) * 12 + target.month - dtstart.month
        periods = max(0, months - 1) // interval
        return dtstart + relativedelta(months=periods * interval)
    if freq == "WEEKLY":
        if not has_day:
            parts["BYDAY"] = _WEEKDAYS[dtstart.weekday()]
        step = 7 * interval
    else:  # DAILY and (if ever allowed) finer: whole days keep the time of day.
        step = interval if freq == "DAILY" else 0
        if step == 0:
            return dtstart
    periods = max(0, (target - dtstart).days // step - 1)
    return dtstart + timedelta(days=periods * step)


def _to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Attach zone to a naive local time (fold=0 for ambiguous/non-existent) and convert to UTC."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _aware_utc(value: datetime, name: str) -> datetime:
    """Validate that value is aware and return it in UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


def _local_starts(
    parts: dict[str, str] | None, local_start: datetime, lo: datetime, hi: datetime
) -> Iterator[datetime]:
    """Yield naive local occurrence starts within [lo, hi] (inclusive), in order."""
    if parts is None:
        if lo <= local_start <= hi:
            yield local_start
        return
    dtstart = _fast_forward(parts, local_start, lo)
    rule: Any = rrulestr("RRULE:" + _join(parts), dtstart=dtstart)
    for occ in rule:
        if occ > hi:
            return
        if occ >= lo:
            yield occ


def occurrences(
    starts_at: datetime,
    ends_at: datetime,
    tz: str,
    rrule: str | None,
    window_start: datetime,
    window_end: datetime,
    cancelled: set[datetime] | frozenset[datetime] = frozenset(),
    moved: dict[datetime, tuple[datetime, datetime]] | None = None,
    limit: int = 5000,
) -> list[Occurrence]:
    """Expand an appointment into its occurrences overlapping [window_start, window_end)."""
    zone = ZoneInfo(tz)
    starts_at = _aware_utc(starts_at, "starts_at")
    ends_at = _aware_utc(ends_at, "ends_at")
    window_start = _aware_utc(window_start, "window_start")
    window_end = _aware_utc(window_end, "window_end")
    skip = {_aware_utc(c, "cancelled") for c in cancelled}
    overrides = {
        _aware_utc(k, "moved"): (_aware_utc(s, "moved"), _aware_utc(e, "moved"))
        for k, (s, e) in (moved or {}).items()
    }

    def overlaps(start: datetime, end: datetime) -> bool:
        if start >= window_end:
            return False
        return end > window_start or (end == start and start >= window_start)

    local_start = starts_at.astimezone(zone).replace(tzinfo=None)
    local_end = ends_at.astimezone(zone).replace(tzinfo=None)
    duration = max(local_end - local_start, timedelta(0))
    parts = None if not rrule else _parts(rrule)
    if parts is not None and "UNTIL" in parts:
        parts["UNTIL"] = _local_until(parts["UNTIL"], zone)

    lo = window_start.astimezone(zone).replace(tzinfo=None) - duration - _MARGIN
    hi = window_end.astimezone(zone).replace(tzinfo=None) + _MARGIN
    result: list[Occurrence] = []
    if window_end > window_start and limit > 0:
        for local in _local_starts(parts, local_start, lo, hi):
            if local == local_start:  # keep the exact instants of the first occurrence
                start, end = starts_at, ends_at
            else:
                start = _to_utc(local, zone)
                end = _to_utc(local + duration, zone)
            if start in skip or start in overrides:
                continue
            if overlaps(start, end):
                result.append(Occurrence(start, start, end, moved=False))
                if len(result) >= limit:
                    break
    for original, (new_start, new_end) in overrides.items():
        if original not in skip and overlaps(new_start, new_end):
            result.append(Occurrence(original, new_start, new_end, moved=True))
    result.sort(key=lambda o: (o.start, o.original_start))
    return result[:limit]
