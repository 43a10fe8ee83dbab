"""Quiet hours: when a reminder that falls inside a user's quiet hours is sent instead.

Pure module (no Flask, no database). Quiet hours are wall-clock times in the user's own IANA
zone, so "21:00 to 07:00" means the same evening and morning before and after a daylight-
saving change.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def is_quiet(moment: datetime, tz: str, start: time | None, end: time | None) -> bool:
    """Whether the aware `moment` falls inside the quiet hours [start, end) in zone `tz`."""
    if start is None or end is None or start == end:
        return False
    local = moment.astimezone(ZoneInfo(tz)).time().replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window runs past midnight


def quiet_end_after(moment: datetime, tz: str, start: time | None, end: time | None) -> datetime:
    """`moment` itself when it is not quiet, else the (UTC) end of the quiet hours it is in."""
    if not is_quiet(moment, tz, start, end):
        return moment.astimezone(UTC)
    assert end is not None  # is_quiet is False without both ends
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    day = local.date() if local.time().replace(tzinfo=None) < end else local.date() + timedelta(1)
    # A wall-clock end that does not exist that day (inside a spring-forward gap) is read
    # with fold=0, i.e. the same instant as an hour later: the first moment that is not quiet.
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
