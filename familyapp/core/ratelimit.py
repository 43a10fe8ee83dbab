"""Counting attempts in the database, so limits hold across every web process."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from familyapp.core import clock
from familyapp.core.db import db
from familyapp.core.models import RateLimitHit


def count(key: str, window_seconds: int) -> int:
    """How many hits `key` has had within the window."""
    since = clock.utcnow() - timedelta(seconds=window_seconds)
    stmt = (
        select(func.count())
        .select_from(RateLimitHit)
        .where(RateLimitHit.key == key, RateLimitHit.at >= since)
    )
    return int(db.session.scalar(stmt) or 0)


def is_limited(key: str, limit: int, window_seconds: int) -> bool:
    """True when `key` has used up its attempts for the window."""
    return count(key, window_seconds) >= limit


def hit(key: str) -> None:
    """Count one attempt for `key` (committed by the caller)."""
    db.session.add(RateLimitHit(key=key))


def clear(key: str) -> None:
    """Forget the attempts of `key`, e.g. after a successful sign-in."""
    db.session.execute(delete(RateLimitHit).where(RateLimitHit.key == key))


def purge(older_than_seconds: int = 86400) -> int:
    """Delete hits older than any window, keeping the table small."""
    before = clock.utcnow() - timedelta(seconds=older_than_seconds)
    result = db.session.execute(delete(RateLimitHit).where(RateLimitHit.at < before))
    return int(getattr(result, "rowcount", 0) or 0)
