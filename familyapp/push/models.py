"""Push subscriptions (one per device), quiet hours, the reminder queue and each delivery."""

from __future__ import annotations

import uuid
from datetime import datetime, time

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from familyapp.core import clock
from familyapp.core.db import Base, IdMixin


class PushSubscription(IdMixin, Base):
    """One browser's PushSubscription for a user: where to send, and its encryption keys."""

    __tablename__ = "push_subscriptions"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    endpoint: Mapped[str] = mapped_column(String(2000))
    # SHA-256 of the endpoint: endpoints can be longer than a portable unique index allows.
    endpoint_hash: Mapped[str] = mapped_column(String(64), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime | None] = mapped_column()
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column()


class PushPreference(Base):
    """A user's quiet hours (in their own time zone) and the weekly care-log nudge."""

    __tablename__ = "push_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    quiet_start: Mapped[time | None] = mapped_column()
    quiet_end: Mapped[time | None] = mapped_column()
    # Sunday evening: "time to log this week's care hours" (for those who log care).
    weekly_care_nudge: Mapped[bool] = mapped_column(default=False)


class Reminder(IdMixin, Base):
    """One notification due for one user at one time; claimed by a worker, then delivered."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_status_due", "status", "due_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # What made it, unique: planning the same appointment occurrence twice adds nothing.
    source: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    # Message parameters (no health details: lock screens, push vendors), rendered at send
    # time in the recipient's language.
    params: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    url: Mapped[str] = mapped_column(String(500), default="/")
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime] = mapped_column()
    # After this the reminder is pointless (the appointment has started): dropped, not sent.
    not_after: Mapped[datetime | None] = mapped_column()
    ttl_seconds: Mapped[int] = mapped_column(default=3600)
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    status: Mapped[str] = mapped_column(String(12), default="pending")
    claim: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)


class ReminderDelivery(IdMixin, Base):
    """What happened when a reminder went to one device: at most one success per device."""

    __tablename__ = "reminder_deliveries"
    __table_args__ = (UniqueConstraint("reminder_id", "subscription_id"),)

    reminder_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reminders.id", ondelete="CASCADE"), index=True
    )
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(12))  # sent, gone, failed, retry
    http_status: Mapped[int | None] = mapped_column()
    detail: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(default=clock.utcnow)
