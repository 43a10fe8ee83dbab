"""Appointments (with RFC 5545 recurrence and its exceptions) and private calendar feeds."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from familyapp.core import clock
from familyapp.core.db import Base, IdMixin


class Appointment(IdMixin, Base):
    """One appointment, or a recurring series of them, for a child."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_child_start", "child_id", "starts_at"),
        UniqueConstraint("child_id", "uid"),
    )

    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(255))  # iCalendar UID: imports are matched by it
    title: Mapped[str] = mapped_column(String(200))
    discipline: Mapped[str] = mapped_column(String(30))
    provider: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(String(500), default="")
    starts_at: Mapped[datetime] = mapped_column()  # first occurrence, UTC
    ends_at: Mapped[datetime] = mapped_column()
    timezone: Mapped[str] = mapped_column(String(64))  # recurrence runs in this wall clock
    rrule: Mapped[str | None] = mapped_column(String(500))
    # The end of the series (UTC), or None when it never ends: lets the agenda skip old series.
    series_ends_at: Mapped[datetime | None] = mapped_column()
    reminder_offsets_minutes: Mapped[list[int]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    bring: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[str] = mapped_column(Text, default="")
    after_notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    def detail(self) -> dict[str, Any]:
        """Nothing but the columns, for dumping."""
        return {column.name: getattr(self, column.name) for column in self.__table__.columns}


class AppointmentException(IdMixin, Base):
    """One occurrence of a series cancelled or moved (EXDATE / RECURRENCE-ID)."""

    __tablename__ = "appointment_exceptions"
    __table_args__ = (UniqueConstraint("appointment_id", "original_start"),)

    appointment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), index=True
    )
    original_start: Mapped[datetime] = mapped_column()
    cancelled: Mapped[bool] = mapped_column(default=False)
    new_starts_at: Mapped[datetime | None] = mapped_column()
    new_ends_at: Mapped[datetime | None] = mapped_column()


class CalendarFeed(IdMixin, Base):
    """A private iCalendar feed of a user's appointments; only the token's hash is kept."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_fetched_at: Mapped[datetime | None] = mapped_column()
