"""Tables that belong to no feature: server-side sessions, the audit log, rate-limit hits,
the data generation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, BigInteger, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from familyapp.core import clock
from familyapp.core.db import Base, IdMixin


class ServerSession(Base):
    """A signed-in (or anonymous, CSRF-holding) browser session, kept on the server."""

    __tablename__ = "server_sessions"

    # The cookie carries a random token; only its SHA-256 is stored, so a copy of this table
    # cannot be replayed as cookies.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=clock.utcnow, index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class AuditEvent(IdMixin, Base):
    """One line of the audit log: who did what to which record, and whether it was allowed."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_family_at", "family_id", "at"),)

    at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    family_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE")
    )
    child_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("children.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    target: Mapped[str | None] = mapped_column(String(200))
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)


class RateLimitHit(IdMixin, Base):
    """One counted attempt (a failed sign-in, a reset request) under a key such as an IP."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key_at", "key", "at"),)

    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=clock.utcnow)


class DataGeneration(Base):
    """One row: a number every committed write raises (core/generation.py)."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


# The row exists from the start, so raising it is always an UPDATE (two first writers inserting
# it at once would fail one of their transactions).
event.listen(
    DataGeneration.__table__,
    "after_create",
    DDL("INSERT INTO data_generation (id, value) VALUES (1, 0)"),
)
