"""The one source of "now", always timezone-aware UTC, so tests can move time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset_seconds: float = 0.0


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC) + timedelta(seconds=_offset_seconds)


def travel(seconds: float) -> None:
    """Move the clock forward (tests only: idle and absolute timeouts, expiries)."""
    global _offset_seconds
    _offset_seconds += seconds


def reset() -> None:
    """Undo every travel()."""
    global _offset_seconds
    _offset_seconds = 0.0


def as_utc(value: datetime) -> datetime:
    """Treat a naive datetime read back from SQLite as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
