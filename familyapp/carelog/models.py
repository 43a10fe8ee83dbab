"""Care entries (append-only, with their revisions), running timers, paid work missed,
caregiver wages, home-nursing hours, families' own activities, wage tables and consent."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from familyapp.core import clock
from familyapp.core.db import Base, IdMixin

# Who did the work, as the report values it: the family's own unpaid care, paid staff's
# (an agency nurse's hours are the family's nursing benefit, not its hidden work), or the
# care team's unbilled coordination.
FAMILY = "family"
PAID = "paid"
TEAM = "team"


class CareEntry(IdMixin, Base):
    """One stretch of care for a child (the id may be made by the phone that logged it)."""

    __tablename__ = "care_entries"
    __table_args__ = (
        Index("ix_care_entries_child_start", "child_id", "started_at"),
        # The program view's GROUP BY (child, UTC month, class, who) read in index order and
        # from the index alone: SQLite otherwise sorts every entry of the year (0007).
        # PostgreSQL groups by hashing and needs no such index.
        Index(
            "ix_care_entries_child_month",
            "child_id",
            text("substr(started_at, 1, 7)"),
            "care_class",
            "performed_by",
            "minutes",
            "started_at",
            "deleted_at",
            info={"dialects": ("sqlite",)},  # core.migrate.include_for: alembic skips it elsewhere
        ).ddl_if(dialect="sqlite"),
        UniqueConstraint("created_by_id", "idempotency_key"),
    )

    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    caregiver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    activity: Mapped[str] = mapped_column(String(60))
    # The class at the time of logging: a family renaming its own activity later does not
    # silently move past hours between classes.
    care_class: Mapped[str] = mapped_column(String(20))
    performed_by: Mapped[str] = mapped_column(String(10), default=FAMILY)
    started_at: Mapped[datetime] = mapped_column()
    minutes: Mapped[int] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    body_digest: Mapped[str] = mapped_column(String(64))  # what a replay must match
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()  # kept, with its history, not erased


class CareEntryRevision(IdMixin, Base):
    """An entry as it was before an edit or a delete, who changed it and when."""

    __tablename__ = "care_entry_revisions"

    entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("care_entries.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(10))  # updated | deleted
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    changed_at: Mapped[datetime] = mapped_column(default=clock.utcnow)


class CareTimer(IdMixin, Base):
    """A running stopwatch, kept on the server so it survives closing the app."""

    __tablename__ = "care_timers"
    __table_args__ = (UniqueConstraint("user_id", "child_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    activity: Mapped[str] = mapped_column(String(60))
    started_at: Mapped[datetime] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")


class WorkMissedEntry(IdMixin, Base):
    """Hours of paid work a caregiver missed on a day to care for the child."""

    __tablename__ = "work_missed"
    __table_args__ = (Index("ix_work_missed_child_day", "child_id", "day"),)

    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    caregiver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    day: Mapped[date] = mapped_column()
    minutes: Mapped[int] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)


class CaregiverProfile(IdMixin, Base):
    """A member's wage (for foregone earnings) and whether they are paid to give care."""

    __tablename__ = "caregiver_profiles"
    __table_args__ = (UniqueConstraint("family_id", "user_id"),)

    family_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    hourly_wage: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    annual_earnings: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    paid_staff: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=clock.utcnow)


class NursingWeek(IdMixin, Base):
    """Home-nursing hours authorised and delivered in one week (Monday first)."""

    __tablename__ = "nursing_weeks"
    __table_args__ = (UniqueConstraint("child_id", "week_start"),)

    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column()
    authorised_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    delivered_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class CustomActivity(IdMixin, Base):
    """An activity a family added, with the class it chose."""

    __tablename__ = "custom_activities"
    __table_args__ = (UniqueConstraint("family_id", "code"),)

    family_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(120))
    care_class: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class WageTable(IdMixin, Base):
    """Wage rates for a region and year; the newest row in force overrides the defaults."""

    __tablename__ = "wage_tables"

    region: Mapped[str] = mapped_column(String(60))
    year: Mapped[int] = mapped_column()
    source: Mapped[str] = mapped_column(String(300))
    aide: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    lpn: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    rn: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    all_occupations: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    minimum: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    minimum_source: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)


class ProgramConsent(IdMixin, Base):
    """A family's consent to count in a program's de-identified totals (revocable)."""

    __tablename__ = "carelog_consents"

    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE"), unique=True
    )
    given_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    given_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
