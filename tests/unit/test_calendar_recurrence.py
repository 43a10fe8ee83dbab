"""Recurrence expansion in local wall-clock time, exceptions, and RRULE validation."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from familyapp.calendar.recurrence import Occurrence, occurrences, rrule_problem

CHICAGO = ZoneInfo("America/Chicago")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def chi(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHICAGO).astimezone(UTC)


# Tuesday 2026-10-06 09:00-09:45 CDT (14:00Z), weekly on Tuesdays.
FIRST_START = chi(2026, 10, 6, 9, 0)
FIRST_END = chi(2026, 10, 6, 9, 45)


def weekly(window_start, window_end, rule="FREQ=WEEKLY;BYDAY=TU", **kw):
    return occurrences(
        FIRST_START, FIRST_END, "America/Chicago", rule, window_start, window_end, **kw
    )


def test_weekly_stays_at_nine_local_across_both_dst_changes():
    occ = weekly(utc(2026, 10, 1), utc(2027, 4, 1))
    # 2026-10-06 .. 2027-03-30 inclusive: 26 Tuesdays.
    assert len(occ) == 26
    for o in occ:
        local = o.start.astimezone(CHICAGO)
        assert local.time() == time(9, 0)
        assert local.weekday() == 1
        assert o.end - o.start == timedelta(minutes=45)
        assert o.start.tzinfo is UTC and o.original_start == o.start and not o.moved
    by_date = {o.start.astimezone(CHICAGO).date().isoformat(): o.start for o in occ}
    # CDT before 2026-11-01, CST until 2027-03-14, CDT after.
    assert by_date["2026-10-27"] == utc(2026, 10, 27, 14, 0)
    assert by_date["2026-11-03"] == utc(2026, 11, 3, 15, 0)
    assert by_date["2027-03-09"] == utc(2027, 3, 9, 15, 0)
    assert by_date["2027-03-16"] == utc(2027, 3, 16, 14, 0)
    assert [o.start for o in occ] == sorted(o.start for o in occ)


def test_window_is_half_open_and_catches_overlapping_occurrence():
    # Window opens mid-appointment: 09:30 local on 2026-11-03 overlaps the 09:00-09:45 visit.
    occ = weekly(chi(2026, 11, 3, 9, 30), chi(2026, 11, 10, 9, 0))
    assert [o.start for o in occ] == [chi(2026, 11, 3, 9, 0)]
    # Window ending exactly at the end does include it; starting exactly at the end does not.
    assert len(weekly(chi(2026, 11, 3, 9, 0), chi(2026, 11, 3, 9, 45))) == 1
    assert weekly(chi(2026, 11, 3, 9, 45), chi(2026, 11, 3, 10, 0)) == []


def test_monthly_trach_change_on_the_fifteenth():
    start = chi(2026, 1, 15, 7, 30)
    occ = occurrences(
        start,
        start + timedelta(minutes=30),
        "America/Chicago",
        "FREQ=MONTHLY;BYMONTHDAY=15",
        utc(2026, 1, 1),
        utc(2027, 1, 1),
    )
    assert [o.start.astimezone(CHICAGO).date().month for o in occ] == list(range(1, 13))
    assert all(o.start.astimezone(CHICAGO).day == 15 for o in occ)
    assert all(o.start.astimezone(CHICAGO).time() == time(7, 30) for o in occ)
    # UTC hour differs between winter (CST, 13:30Z) and summer (CDT, 12:30Z).
    assert occ[0].start == utc(2026, 1, 15, 13, 30)
    assert occ[6].start == utc(2026, 7, 15, 12, 30)


def test_count_limits_the_series():
    occ = weekly(utc(2026, 1, 1), utc(2028, 1, 1), rule="RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=10")
    assert len(occ) == 10
    assert occ[-1].start == chi(2026, 12, 8, 9, 0)
    # A window after the tenth occurrence is empty.
    assert weekly(utc(2026, 12, 9), utc(2027, 6, 1), rule="FREQ=WEEKLY;BYDAY=TU;COUNT=10") == []


def test_until_in_utc_and_as_local_date():
    # UNTIL in UTC, exactly at the 2026-11-03 occurrence (15:00Z): inclusive.
    occ = weekly(utc(2026, 1, 1), utc(2028, 1, 1), rule="FREQ=WEEKLY;UNTIL=20261103T150000Z")
    assert [o.start.astimezone(CHICAGO).day for o in occ] == [6, 13, 20, 27, 3]
    # A date-only UNTIL includes that whole local day.
    occ = weekly(utc(2026, 1, 1), utc(2028, 1, 1), rule="FREQ=WEEKLY;UNTIL=20261103")
    assert occ[-1].start == chi(2026, 11, 3, 9, 0)
    assert len(occ) == 5


def test_cancelled_and_moved_occurrences():
    cancelled = {chi(2026, 10, 13, 9, 0)}
    moved_original = chi(2026, 10, 20, 9, 0)
    moved = {moved_original: (chi(2026, 10, 22, 14, 0), chi(2026, 10, 22, 15, 0))}
    occ = weekly(utc(2026, 10, 1), utc(2026, 11, 1), cancelled=cancelled, moved=moved)
    assert [o.start for o in occ] == [
        chi(2026, 10, 6, 9, 0),
        chi(2026, 10, 22, 14, 0),
        chi(2026, 10, 27, 9, 0),
    ]
    moved_occ = occ[1]
    assert moved_occ == Occurrence(
        moved_original, chi(2026, 10, 22, 14, 0), chi(2026, 10, 22, 15, 0), moved=True
    )


def test_moved_into_window_from_outside_and_out_of_window():
    original = chi(2026, 11, 3, 9, 0)
    # Moved from 3 Nov (outside the window) to 30 Oct (inside): it shows up.
    moved = {original: (chi(2026, 10, 30, 9, 0), chi(2026, 10, 30, 10, 0))}
    occ = weekly(chi(2026, 10, 28, 0, 0), chi(2026, 11, 1, 0, 0), moved=moved)
    assert [(o.original_start, o.start, o.moved) for o in occ] == [
        (original, chi(2026, 10, 30, 9, 0), True)
    ]
    # And its original slot is empty in a window that covers only 3 Nov.
    assert weekly(chi(2026, 11, 3, 0, 0), chi(2026, 11, 4, 0, 0), moved=moved) == []
    # A cancelled original wins over a move.
    assert (
        weekly(chi(2026, 10, 28, 0, 0), chi(2026, 11, 1, 0, 0), moved=moved, cancelled={original})
        == []
    )


def test_single_appointment_without_rrule():
    occ = occurrences(
        FIRST_START, FIRST_END, "America/Chicago", None, utc(2026, 10, 1), utc(2026, 11, 1)
    )
    assert occ == [Occurrence(FIRST_START, FIRST_START, FIRST_END, moved=False)]
    assert (
        occurrences(
            FIRST_START, FIRST_END, "America/Chicago", None, utc(2026, 11, 1), utc(2026, 12, 1)
        )
        == []
    )


def test_far_future_window_returns_right_dates():
    # Daily since 2000; look at a week in 2090 (fast-forwarded, not expanded from 2000).
    start = chi(2000, 1, 1, 8, 0)
    occ = occurrences(
        start,
        start + timedelta(hours=1),
        "America/Chicago",
        "FREQ=DAILY",
        chi(2090, 7, 1, 0, 0),
        chi(2090, 7, 8, 0, 0),
    )
    assert [o.start for o in occ] == [chi(2090, 7, d, 8, 0) for d in range(1, 8)]
    # Every second week on Tuesday/Thursday since 2026: interval alignment is kept.
    occ = weekly(
        chi(2080, 1, 1, 0, 0),
        chi(2080, 2, 1, 0, 0),
        rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH",
    )
    first = FIRST_START.astimezone(CHICAGO).date()
    for o in occ:
        local = o.start.astimezone(CHICAGO)
        assert local.time() == time(9, 0)
        monday = local.date() - timedelta(days=local.weekday())
        assert ((monday - (first - timedelta(days=first.weekday()))).days // 7) % 2 == 0
    assert len(occ) in (4, 5)
    # Yearly birthday check-up on 29 February keeps its leap-day.
    leap = chi(2024, 2, 29, 10, 0)
    occ = occurrences(
        leap,
        leap + timedelta(hours=1),
        "America/Chicago",
        "FREQ=YEARLY",
        utc(2095, 1, 1),
        utc(2105, 1, 1),
    )
    assert [o.start.astimezone(CHICAGO).date().isoformat() for o in occ] == [
        "2096-02-29",
        "2104-02-29",
    ]
    # Monthly on the 31st skips short months even when fast-forwarded.
    end_of_month = chi(2026, 1, 31, 10, 0)
    occ = occurrences(
        end_of_month,
        end_of_month + timedelta(hours=1),
        "America/Chicago",
        "FREQ=MONTHLY",
        utc(2070, 1, 1),
        utc(2070, 7, 1),
    )
    assert [o.start.astimezone(CHICAGO).month for o in occ] == [1, 3, 5]


def test_limit_caps_result():
    occ = occurrences(
        FIRST_START,
        FIRST_END,
        "America/Chicago",
        "FREQ=DAILY",
        utc(2026, 1, 1),
        utc(2036, 1, 1),
        limit=50,
    )
    assert len(occ) == 50
    assert occ[0].start == FIRST_START


def test_nonexistent_local_time_is_normalised():
    # 02:30 daily: on 2027-03-14 02:30 does not exist in Chicago; it maps to 03:30 CDT.
    start = chi(2027, 3, 12, 2, 30)
    occ = occurrences(
        start,
        start + timedelta(minutes=30),
        "America/Chicago",
        "FREQ=DAILY",
        utc(2027, 3, 12),
        utc(2027, 3, 17),
    )
    assert [o.start for o in occ] == [
        utc(2027, 3, 12, 8, 30),
        utc(2027, 3, 13, 8, 30),
        utc(2027, 3, 14, 8, 30),
        utc(2027, 3, 15, 7, 30),
        utc(2027, 3, 16, 7, 30),
    ]
    assert occ[2].start.astimezone(CHICAGO).time() == time(3, 30)
    # Ambiguous 01:30 on 2026-11-01 takes the first (CDT) instance.
    start = chi(2026, 10, 30, 1, 30)
    occ = occurrences(
        start,
        start + timedelta(minutes=30),
        "America/Chicago",
        "FREQ=DAILY",
        utc(2026, 11, 1),
        utc(2026, 11, 2),
    )
    assert [o.start for o in occ] == [utc(2026, 11, 1, 6, 30)]


def test_naive_datetimes_are_rejected():
    with pytest.raises(ValueError):
        occurrences(
            datetime(2026, 1, 1, 9),
            datetime(2026, 1, 1, 10),
            "UTC",
            None,
            utc(2026, 1, 1),
            utc(2026, 2, 1),
        )


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;BYDAY=TU;COUNT=10",
        "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=10",
        "FREQ=MONTHLY;BYMONTHDAY=15",
        "FREQ=DAILY",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR;UNTIL=20271231T235959Z",
        "FREQ=MONTHLY;BYDAY=-1FR",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "freq=weekly;byday=tu",
    ],
)
def test_rrule_problem_accepts_good_rules(rule):
    assert rrule_problem(rule) is None


@pytest.mark.parametrize(
    "rule",
    [
        "",
        "garbage",
        "FREQ=FORTNIGHTLY",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;COUNT=3;UNTIL=20270101T000000Z",
        "FREQ=WEEKLY;COUNT=0",
        "FREQ=WEEKLY;INTERVAL=0",
        "FREQ=WEEKLY;FREQ=DAILY",
        "FREQ=DAILY;UNTIL=tomorrow",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=WEEKLY\nEXDATE:20270101T000000Z",
    ],
)
def test_rrule_problem_rejects_invalid_rules(rule):
    assert rrule_problem(rule) == "invalid"


@pytest.mark.parametrize(
    "rule", ["FREQ=MINUTELY", "FREQ=SECONDLY;COUNT=3", "FREQ=HOURLY", "FREQ=DAILY;BYHOUR=9,21"]
)
def test_rrule_problem_refuses_too_frequent(rule):
    assert rrule_problem(rule) == "too_frequent"
