"""iCalendar feed output (checked by two independent parsers and expanders) and .ics import."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import vobject

from familyapp.calendar.ical import FeedEvent, build_feed, parse_ics
from familyapp.calendar.recurrence import occurrences

CHICAGO = ZoneInfo("America/Chicago")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def chi(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHICAGO).astimezone(UTC)


NOW = utc(2026, 9, 1, 12, 0)


def _weekly_pt() -> FeedEvent:
    return FeedEvent(
        uid="appt-1@familyapp",
        title="Physio",
        starts_at=chi(2026, 10, 6, 9, 0),
        ends_at=chi(2026, 10, 6, 9, 45),
        tz="America/Chicago",
        rrule="FREQ=WEEKLY;BYDAY=TU",
        cancelled=[chi(2026, 11, 10, 9, 0)],
        moved=[(chi(2026, 11, 17, 9, 0), chi(2026, 11, 19, 14, 0), chi(2026, 11, 19, 15, 0))],
        location="Children's Hospital, Room 4",
        description="Bring the AFOs; parking, level 2",
        updated=utc(2026, 9, 1, 10, 30),
    )


def _trach() -> FeedEvent:
    return FeedEvent(
        uid="appt-2@familyapp",
        title="Trach change",
        starts_at=chi(2026, 1, 15, 7, 30),
        ends_at=chi(2026, 1, 15, 8, 0),
        tz="America/Chicago",
        rrule="FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20271215",
        cancelled=[],
        moved=[],
    )


def _one_off_utc() -> FeedEvent:
    return FeedEvent(
        uid="appt-3@familyapp",
        title="Video visit",
        starts_at=utc(2026, 11, 2, 16, 0),
        ends_at=utc(2026, 11, 2, 16, 30),
        tz="UTC",
        rrule=None,
        cancelled=[],
        moved=[],
        status="TENTATIVE",
    )


def _vobject_read(data: bytes) -> Any:
    # vobject keeps the first VTIMEZONE it saw for a TZID in a module-level map; forget it so
    # each feed is read from its own VTIMEZONE, as a phone reading one feed would.
    getattr(vobject.icalendar, "__tzidMap").clear()
    return vobject.readOne(data.decode())


def _feed() -> bytes:
    return build_feed("Sam's appointments", [_weekly_pt(), _trach(), _one_off_utc()], now=NOW)


def test_feed_parses_and_has_calendar_properties_and_vtimezone():
    data = _feed()
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["PRODID"]) == "-//Familyapp//Calendar//EN"
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == "Sam's appointments"
    tzids = [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")]
    assert tzids == ["America/Chicago"]
    events = cal.walk("VEVENT")
    assert len(events) == 4  # 3 series/one-offs + 1 RECURRENCE-ID override
    master = next(e for e in events if e["UID"] == "appt-1@familyapp" and "RECURRENCE-ID" not in e)
    assert master["DTSTART"].params["TZID"] == "America/Chicago"
    assert master["DTSTART"].dt == datetime(2026, 10, 6, 9, 0, tzinfo=CHICAGO)
    assert master["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=TU"
    assert str(master["SUMMARY"]) == "Physio"
    assert str(master["LOCATION"]) == "Children's Hospital, Room 4"
    assert str(master["STATUS"]) == "CONFIRMED"
    assert int(master["SEQUENCE"]) > 0
    assert master["DTSTAMP"].dt == utc(2026, 9, 1, 10, 30)
    exdate = master["EXDATE"]
    assert exdate.params["TZID"] == "America/Chicago"
    assert [d.dt for d in exdate.dts] == [datetime(2026, 11, 10, 9, 0, tzinfo=CHICAGO)]
    override = next(e for e in events if "RECURRENCE-ID" in e)
    assert override["UID"] == "appt-1@familyapp"
    assert override["RECURRENCE-ID"].dt == datetime(2026, 11, 17, 9, 0, tzinfo=CHICAGO)
    trach = next(e for e in events if e["UID"] == "appt-2@familyapp")
    # A date-only UNTIL is published as UTC, as RFC 5545 requires alongside a TZID DTSTART.
    assert b"UNTIL=20271216T055959Z" in trach["RRULE"].to_ical()
    one_off = next(e for e in events if e["UID"] == "appt-3@familyapp")
    assert b"DTSTART:20261102T160000Z" in one_off.to_ical()
    assert str(one_off["STATUS"]) == "TENTATIVE"
    assert b"\r\n" in data


def _expected(ev: FeedEvent, start: datetime, end: datetime) -> set[tuple[datetime, datetime]]:
    return {
        (o.start, o.end)
        for o in occurrences(
            ev.starts_at,
            ev.ends_at,
            ev.tz,
            ev.rrule,
            start,
            end,
            cancelled=set(ev.cancelled),
            moved={orig: (s, e) for orig, s, e in ev.moved},
        )
    }


@pytest.mark.parametrize("event", [_weekly_pt, _trach])
def test_independent_expander_agrees_with_occurrences_across_dst(event):
    ev = event()
    cal = icalendar.Calendar.from_ical(build_feed("x", [ev], now=NOW))
    start, end = utc(2026, 10, 1), utc(2027, 4, 30)
    theirs = {
        (e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC))
        for e in recurring_ical_events.of(cal).between(start, end)
    }
    ours = _expected(ev, start, end)
    assert theirs == ours
    assert len(ours) > 5
    if ev.uid == "appt-1@familyapp":
        starts = {s for s, _ in ours}
        assert chi(2026, 11, 10, 9, 0) not in starts  # EXDATE
        assert chi(2026, 11, 17, 9, 0) not in starts  # moved away ...
        assert chi(2026, 11, 19, 14, 0) in starts  # ... to here
        assert utc(2026, 11, 3, 15, 0) in starts  # CST
        assert utc(2027, 3, 16, 14, 0) in starts  # CDT again
        assert {s.astimezone(CHICAGO).time() for s in starts} == {time(9, 0), time(14, 0)}


@pytest.mark.parametrize("event", [_weekly_pt, _trach])
def test_vobject_parser_agrees_with_occurrences_across_dst(event):
    # vobject has its own RFC 5545 parser (and VTIMEZONE handling), unrelated to icalendar's:
    # a second reading of the same bytes, as a phone calendar would make.
    ev = event()
    start, end = utc(2026, 10, 1), utc(2027, 4, 30)
    parsed = _vobject_read(build_feed("x", [ev], now=NOW))
    masters = [e for e in parsed.vevent_list if not hasattr(e, "recurrence_id")]
    overrides = [e for e in parsed.vevent_list if hasattr(e, "recurrence_id")]
    assert len(masters) == 1
    master = masters[0]
    # vobject turns TZID + VTIMEZONE into a tzinfo of its own (not zoneinfo's).
    assert master.dtstart.value.tzinfo is not None
    assert not isinstance(master.dtstart.value.tzinfo, ZoneInfo)
    duration = master.dtend.value - master.dtstart.value
    replaced = {o.recurrence_id.value.astimezone(UTC) for o in overrides}
    theirs = {
        (s.astimezone(UTC), (s + duration).astimezone(UTC))
        for s in master.getrruleset(addRDate=True).between(start, end, inc=True)
        if s.astimezone(UTC) not in replaced
    }
    theirs |= {
        (o.dtstart.value.astimezone(UTC), o.dtend.value.astimezone(UTC))
        for o in overrides
        if start <= o.dtstart.value.astimezone(UTC) < end
    }
    ours = _expected(ev, start, end)
    assert theirs == ours
    # The wall-clock time holds across the November and March changes.
    assert len({s.astimezone(UTC).utcoffset() for s, _ in ours}) == 1
    assert len({s.astimezone(CHICAGO).utcoffset() for s, _ in ours}) == 2


def test_parse_ics_round_trips_build_feed():
    events = parse_ics(_feed(), "Europe/London")
    assert [(e.uid, e.title, e.rrule, e.tz) for e in events] == [
        ("appt-1@familyapp", "Physio", "FREQ=WEEKLY;BYDAY=TU", "America/Chicago"),
        (
            "appt-2@familyapp",
            "Trach change",
            "FREQ=MONTHLY;UNTIL=20271216T055959Z;BYMONTHDAY=15",
            "America/Chicago",
        ),
        ("appt-3@familyapp", "Video visit", None, "Europe/London"),
    ]
    physio = events[0]
    original = _weekly_pt()
    assert physio.starts_at == original.starts_at
    assert physio.ends_at == original.ends_at
    assert physio.location == original.location
    assert physio.description == original.description
    assert physio.cancelled == original.cancelled
    assert events[2].starts_at == utc(2026, 11, 2, 16, 0)


CLINIC_TZID = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Clinic EHR//Scheduling//EN\r
METHOD:REQUEST\r
BEGIN:VTIMEZONE\r
TZID:America/New_York\r
BEGIN:STANDARD\r
DTSTART:20071104T020000\r
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r
TZOFFSETFROM:-0400\r
TZOFFSETTO:-0500\r
TZNAME:EST\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:20070311T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r
TZOFFSETFROM:-0500\r
TZOFFSETTO:-0400\r
TZNAME:EDT\r
END:DAYLIGHT\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:20261201-neuro-123@clinic.example\r
DTSTAMP:20261101T120000Z\r
DTSTART;TZID=America/New_York:20261201T103000\r
DTEND;TZID=America/New_York:20261201T111500\r
SUMMARY:Neurology follow-up\r
LOCATION:Clinic B\\, 3rd floor\r
DESCRIPTION:Please arrive 15 minutes early.\\nBring seizure log.\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:20261201-neuro-123@clinic.example\r
DTSTAMP:20261101T120000Z\r
RECURRENCE-ID;TZID=America/New_York:20261201T103000\r
DTSTART;TZID=America/New_York:20261202T103000\r
DTEND;TZID=America/New_York:20261202T111500\r
SUMMARY:Override is skipped for now\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:cancelled@clinic.example\r
DTSTAMP:20261101T120000Z\r
DTSTART;TZID=America/New_York:20261203T103000\r
SUMMARY:Cancelled visit\r
STATUS:CANCELLED\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_parse_clinic_invitation_with_tzid():
    ev, called_off = parse_ics(CLINIC_TZID, "America/Chicago")
    assert (ev.status, called_off.status) == ("CONFIRMED", "CANCELLED")
    assert called_off.uid == "cancelled@clinic.example"
    assert ev.uid == "20261201-neuro-123@clinic.example"
    assert ev.title == "Neurology follow-up"
    assert ev.tz == "America/New_York"
    assert ev.starts_at == utc(2026, 12, 1, 15, 30)
    assert ev.ends_at == utc(2026, 12, 1, 16, 15)
    assert ev.location == "Clinic B, 3rd floor"
    assert ev.description == "Please arrive 15 minutes early.\nBring seizure log."
    assert ev.rrule is None


def _single(body: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        + body.replace("\n", "\r\n")
        + "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_parse_utc_z_event_without_dtend_uses_duration():
    data = _single(
        "UID:z@x\nDTSTAMP:20260101T000000Z\nDTSTART:20260710T143000Z\nDURATION:PT90M\n"
        "SUMMARY:Echo\n"
    )
    [ev] = parse_ics(data, "America/Chicago")
    assert ev.starts_at == utc(2026, 7, 10, 14, 30)
    assert ev.ends_at == utc(2026, 7, 10, 16, 0)
    assert ev.tz == "America/Chicago"  # one-off in UTC is shown in the family's zone


def test_parse_utc_z_recurring_event_keeps_utc_zone():
    data = _single("UID:zr@x\nDTSTART:20260710T143000Z\nRRULE:FREQ=WEEKLY\nSUMMARY:Call\n")
    [ev] = parse_ics(data, "America/Chicago")
    assert ev.tz == "UTC"
    assert ev.rrule == "FREQ=WEEKLY"
    assert ev.ends_at == ev.starts_at + timedelta(hours=1)  # no DTEND/DURATION: one hour


def test_parse_floating_event_uses_default_zone():
    data = _single("UID:f@x\nDTSTART:20261105T090000\nDTEND:20261105T093000\nSUMMARY:Dietitian\n")
    [ev] = parse_ics(data, "America/Chicago")
    assert ev.tz == "America/Chicago"
    assert ev.starts_at == utc(2026, 11, 5, 15, 0)
    assert ev.ends_at == utc(2026, 11, 5, 15, 30)


def test_parse_all_day_event():
    data = _single("UID:d@x\nDTSTART;VALUE=DATE:20261105\nSUMMARY:Equipment delivery\n")
    [ev] = parse_ics(data, "America/Chicago")
    assert ev.starts_at == chi(2026, 11, 5, 0, 0)
    assert ev.ends_at == chi(2026, 11, 6, 0, 0)
    data = _single("UID:d2@x\nDTSTART;VALUE=DATE:20261105\nDTEND;VALUE=DATE:20261107\n")
    [ev] = parse_ics(data, "America/Chicago")
    assert ev.ends_at - ev.starts_at == timedelta(days=2)
    assert ev.title == ""


@pytest.mark.parametrize(
    "data",
    [
        b"garbage",
        b"",
        b"\xff\xfe\x00not ics",
        b"BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n",
        _single("UID:nodtstart@x\nSUMMARY:No start\n"),
    ],
)
def test_garbage_raises_invalid_ics(data):
    with pytest.raises(ValueError, match="invalid_ics"):
        parse_ics(data, "America/Chicago")


def test_import_is_capped():
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:{i}@x\r\nDTSTART:20260101T090000Z\r\nEND:VEVENT\r\n"
        for i in range(1005)
    )
    data = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n".encode()
    assert len(parse_ics(data, "UTC")) == 1000


@pytest.mark.parametrize(
    "tz",
    ["America/Chicago", "Europe/London", "Australia/Sydney", "America/Sao_Paulo", "Asia/Kolkata"],
)
def test_published_vtimezone_gives_the_zones_offsets_for_every_year(tz):
    # Yearly rules where the zone has them, single RDATEs where its rules changed (the US in
    # 2007, Brazil dropping daylight time in 2019): a reader that knows only the VTIMEZONE
    # (vobject here) must get the same offset as the tz database in every month.
    zone = ZoneInfo(tz)
    start = datetime(2005, 6, 1, 12, 0, tzinfo=zone).astimezone(UTC)
    ev = FeedEvent(
        uid="z@familyapp",
        title="x",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        tz=tz,
        rrule="FREQ=MONTHLY",
        cancelled=[],
        moved=[],
    )
    parsed = _vobject_read(build_feed("x", [ev], now=NOW))
    theirs = parsed.vevent.dtstart.value.tzinfo
    checked = 0
    for year in range(2005, 2036):
        for month in range(1, 13):
            for day in (1, 15):
                local = datetime(year, month, day, 12, 0)
                assert local.replace(tzinfo=theirs).utcoffset() == (
                    local.replace(tzinfo=zone).utcoffset()
                ), (tz, local)
                checked += 1
    assert checked == 31 * 24
