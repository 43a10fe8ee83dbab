"""Quiet hours across zones and daylight-saving changes; what push-service answers mean."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from familyapp.push.delivery import (
    BASE_BACKOFF,
    DEFAULT_RETRY_AFTER,
    MAX_BACKOFF,
    Action,
    backoff,
    classify,
    endpoint_allowed,
    retry_after,
)
from familyapp.push.quiet import is_quiet, quiet_end_after

CHI = "America/Chicago"
NIGHT = (time(21, 0), time(7, 0))


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (local(CHI, 2026, 12, 1, 20, 59), False),
        (local(CHI, 2026, 12, 1, 21, 0), True),
        (local(CHI, 2026, 12, 2, 0, 30), True),
        (local(CHI, 2026, 12, 2, 6, 59), True),
        (local(CHI, 2026, 12, 2, 7, 0), False),
        (local(CHI, 2026, 12, 2, 12, 0), False),
    ],
)
def test_overnight_quiet_hours(moment, quiet):
    assert is_quiet(moment, CHI, *NIGHT) is quiet


def test_daytime_quiet_hours_do_not_wrap():
    nap = (time(13, 0), time(15, 0))
    assert is_quiet(local(CHI, 2026, 12, 1, 14, 0), CHI, *nap)
    assert not is_quiet(local(CHI, 2026, 12, 1, 23, 0), CHI, *nap)


def test_no_quiet_hours_or_empty_window_never_defers():
    moment = local(CHI, 2026, 12, 1, 23, 0)
    assert quiet_end_after(moment, CHI, None, None) == moment.astimezone(UTC)
    assert quiet_end_after(moment, CHI, time(9, 0), time(9, 0)) == moment.astimezone(UTC)


def test_deferred_to_the_morning_in_the_users_zone():
    evening = local(CHI, 2026, 12, 1, 22, 15)
    assert quiet_end_after(evening, CHI, *NIGHT) == local(CHI, 2026, 12, 2, 7, 0).astimezone(UTC)
    after_midnight = local(CHI, 2026, 12, 2, 3, 0)
    assert quiet_end_after(after_midnight, CHI, *NIGHT) == (
        local(CHI, 2026, 12, 2, 7, 0).astimezone(UTC)
    )


def test_the_same_moment_is_quiet_in_one_zone_and_not_in_another():
    moment = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # 22:00 in Chicago, 05:00 in Madrid
    assert is_quiet(moment, CHI, *NIGHT)
    assert is_quiet(moment, "Europe/Madrid", *NIGHT)
    assert not is_quiet(moment, "Asia/Tokyo", *NIGHT)  # 13:00 in Tokyo
    assert quiet_end_after(moment, "Europe/Madrid", *NIGHT) == datetime(
        2026, 12, 2, 6, 0, tzinfo=UTC
    )


def test_quiet_hours_follow_the_wall_clock_across_dst():
    # Chicago falls back on 1 Nov 2026: the night is 25 hours long, the end is still 07:00 CST.
    night = local(CHI, 2026, 10, 31, 23, 0)
    end = quiet_end_after(night, CHI, *NIGHT)
    assert end == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)  # 07:00 CST (UTC-6)
    # ...and springs forward on 14 Mar 2027: 07:00 CDT is 12:00 UTC.
    spring = local(CHI, 2027, 3, 14, 1, 30)
    assert quiet_end_after(spring, CHI, *NIGHT) == datetime(2027, 3, 14, 12, 0, tzinfo=UTC)


def test_an_end_inside_the_spring_forward_gap_is_the_first_moment_after_it():
    # Quiet until 02:30, which does not exist on 14 Mar 2027 in Chicago.
    window = (time(22, 0), time(2, 30))
    end = quiet_end_after(local(CHI, 2027, 3, 14, 1, 0), CHI, *window)
    assert end == datetime(2027, 3, 14, 8, 30, tzinfo=UTC)  # 03:30 CDT
    assert not is_quiet(end, CHI, *window)


NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (201, Action.SENT),
        (200, Action.SENT),
        (404, Action.GONE),
        (410, Action.GONE),
        (413, Action.TOO_LARGE),
        (400, Action.CONFIG),
        (401, Action.CONFIG),
        (403, Action.CONFIG),
        (429, Action.RETRY),
        (500, Action.RETRY),
        (503, Action.RETRY),
        (None, Action.RETRY),
    ],
)
def test_classify(status, action):
    verdict = classify(status, {}, 1, NOW)
    assert verdict.action is action
    assert (verdict.retry_at is not None) is (action is Action.RETRY)


def test_429_waits_for_retry_after_in_seconds_or_as_a_date():
    assert classify(429, {"retry-after": "120"}, 1, NOW).retry_at == NOW + timedelta(seconds=120)
    dated = classify(429, {"retry-after": "Tue, 01 Dec 2026 12:05:00 GMT"}, 1, NOW)
    assert dated.retry_at == NOW + timedelta(minutes=5)
    assert retry_after("soon", NOW) == NOW + DEFAULT_RETRY_AFTER
    assert retry_after(None, NOW) == NOW + DEFAULT_RETRY_AFTER
    assert retry_after("Mon, 01 Jan 2001 00:00:00 GMT", NOW) == NOW  # never in the past


def test_backoff_grows_exponentially_with_jitter_and_a_ceiling():
    rng = random.Random(7)
    delays = [backoff(n, NOW, rng) - NOW for n in range(1, 10)]
    for n, delay in enumerate(delays, start=1):
        ceiling = min(MAX_BACKOFF, BASE_BACKOFF * 2 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert delays[3] > delays[0]
    assert len({round(d.total_seconds()) for d in delays}) > 5  # jittered, not lock-step


@pytest.mark.parametrize(
    ("endpoint", "allowed"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", True),
        ("https://updates.push.services.mozilla.com/wpush/v2/x", True),
        ("https://web.push.apple.com/QGx", True),
        ("https://wns2-par02p.notify.windows.com/w/?token=x", True),
        ("http://fcm.googleapis.com/fcm/send/abc", False),  # https only
        ("https://evil-fcm.googleapis.com.example.org/x", False),
        ("https://127.0.0.1:5432/", False),
        ("https://user:pw@fcm.googleapis.com/x", False),
        ("http://localhost:8090/notify/x", True),  # listed below for the emulator
        ("http://localhost.example.org/notify/x", False),
        ("https://169.254.169.254/latest/meta-data", False),
    ],
)
def test_only_push_service_endpoints_are_allowed(endpoint, allowed):
    hosts = (
        "fcm.googleapis.com",
        "updates.push.services.mozilla.com",
        "push.apple.com",
        "notify.windows.com",
        "http://localhost",
    )
    assert endpoint_allowed(endpoint, hosts) is allowed
