"""What a push service's answer means for one delivery (RFC 8030), and when to try again.

Pure module (no Flask, no database, no network).
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

MAX_ATTEMPTS = 5
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
DEFAULT_RETRY_AFTER = timedelta(seconds=60)
# RFC 8291: a 4096-byte record less its 86-byte header and 17 bytes of padding and tag.
MAX_PAYLOAD_BYTES = 3993


class Action(enum.StrEnum):
    """What to do after one push-service answer."""

    SENT = "sent"  # 201 (and 200/202 from services that answer so)
    GONE = "gone"  # 404/410: the subscription is dead; delete it
    RETRY = "retry"  # 429 (after Retry-After) or 5xx / network error (backoff)
    CONFIG = "config"  # 400/401/403: our VAPID keys or request are wrong; log loudly
    TOO_LARGE = "too_large"  # 413: the payload will never fit; never retried


@dataclass(frozen=True)
class Verdict:
    """An answer classified, with the time of the next try when there is one."""

    action: Action
    retry_at: datetime | None = None


def retry_after(value: str | None, now: datetime) -> datetime:
    """The moment a Retry-After header (seconds or an HTTP date) points to; a default if bad."""
    if value:
        text = value.strip()
        if text.isdigit():
            return now + timedelta(seconds=min(int(text), 86400))
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
            return max(now, min(when, now + timedelta(days=1)))
    return now + DEFAULT_RETRY_AFTER


def backoff(attempt: int, now: datetime, rng: random.Random | None = None) -> datetime:
    """Exponential backoff with full jitter for the `attempt`-th failure (1-based)."""
    ceiling = min(MAX_BACKOFF, BASE_BACKOFF * (2 ** max(0, attempt - 1)))
    jitter = (rng or random).uniform(0.5, 1.0)
    return now + ceiling * jitter


def classify(status: int | None, headers: dict[str, str], attempt: int, now: datetime) -> Verdict:
    """Classify one answer (status None: the network failed) for the `attempt`-th try."""
    if status in (200, 201, 202):
        return Verdict(Action.SENT)
    if status in (404, 410):
        return Verdict(Action.GONE)
    if status == 413:
        return Verdict(Action.TOO_LARGE)
    if status in (400, 401, 403):
        return Verdict(Action.CONFIG)
    if status == 429:
        return Verdict(Action.RETRY, retry_after(headers.get("retry-after"), now))
    # 5xx, other surprises and network errors: the service may recover; back off and retry.
    return Verdict(Action.RETRY, backoff(attempt, now))


def endpoint_allowed(endpoint: str, hosts: tuple[str, ...]) -> bool:
    """Whether the server may POST to this endpoint: https to a known push service's host.

    An entry "HOST" allows https to HOST and its subdomains; "http://HOST" also allows plain
    http to exactly HOST (a push-service emulator on this machine, in tests and development).
    """
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password:
        return False
    for entry in hosts:
        if entry.startswith("http://"):
            if parts.scheme == "http" and host == entry.removeprefix("http://").rstrip("/"):
                return True
            continue
        if parts.scheme == "https" and (host == entry or host.endswith("." + entry)):
            return True
    return False
