"""Families (households), children, memberships, invitations and young people's record limits."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ColumnElement, ForeignKey, String, UniqueConstraint, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from familyapp.core import clock
from familyapp.core.db import Base, IdMixin, TimestampMixin


class Family(IdMixin, TimestampMixin, Base):
    """A household that holds one or more children's records."""

    __tablename__ = "families"

    name: Mapped[str] = mapped_column(String(120))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")

    children: Mapped[list[Child]] = relationship(
        back_populates="family", order_by="Child.created_at"
    )


class Child(IdMixin, TimestampMixin, Base):
    """A child whose plan of care the family keeps."""

    __tablename__ = "children"

    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE"), index=True
    )
    display_name: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[date | None] = mapped_column()
    pronouns: Mapped[str | None] = mapped_column(String(40))
    preferred_language: Mapped[str | None] = mapped_column(String(16))

    family: Mapped[Family] = relationship(back_populates="children")


class Membership(IdMixin, Base):
    """A user's role in a family, optionally for one child only and for a limited time."""

    __tablename__ = "memberships"

    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    child_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE")
    )
    title: Mapped[str | None] = mapped_column(String(120))
    starts_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    @staticmethod
    def active_at(now: datetime) -> ColumnElement[bool]:
        """SQL for "inside its dates at `now`": the policy's Grant.active, for queries."""
        return and_(
            or_(Membership.starts_at.is_(None), Membership.starts_at <= now),
            or_(Membership.expires_at.is_(None), Membership.expires_at > now),
        )


class Invitation(IdMixin, Base):
    """A link that lets one person join a family with a role; only the token's hash is kept."""

    __tablename__ = "invitations"

    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    child_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE")
    )
    label: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    expires_at: Mapped[datetime] = mapped_column()
    access_expires_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    accepted_at: Mapped[datetime | None] = mapped_column()
    accepted_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None] = mapped_column()

    def status(self, now: datetime) -> str:
        """pending, accepted, revoked or expired."""
        if self.revoked_at is not None:
            return "revoked"
        if self.accepted_at is not None:
            return "accepted"
        if now >= self.expires_at:
            return "expired"
        return "pending"


class RecordLimit(IdMixin, Base):
    """A young person's choice that one member of the family does not see their record.

    Made by the young person (12 or older, with their own account); for a minor it can name
    anyone but a guardian, for an adult (18 or older) guardians too.
    """

    __tablename__ = "record_limits"
    __table_args__ = (UniqueConstraint("child_id", "membership_id"),)

    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE"), index=True
    )
    membership_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
