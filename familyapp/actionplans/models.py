"""Action plans of a child, and the emergency links that open the child's emergency card."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from familyapp.core import clock
from familyapp.core.db import Base, IdMixin


class ActionPlan(IdMixin, Base):
    """A sick-day / emergency action plan for one of the child's known emergencies."""

    __tablename__ = "action_plans"
    __table_args__ = (Index("ix_action_plans_child_kind", "child_id", "kind"),)

    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(120))
    document: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    template: Mapped[str | None] = mapped_column(String(20))
    reviewed_by: Mapped[str] = mapped_column(String(120), default="")
    reviewed_on: Mapped[date | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class EmergencyLink(IdMixin, Base):
    """A revocable, expiring link to the child's emergency card, for someone with no account.

    The token is looked up by its SHA-256 and kept encrypted (with a key derived from the app's
    secret) so the guardians can print its QR code again; a copy of the table alone opens nothing.
    """

    __tablename__ = "emergency_links"

    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    label: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None] = mapped_column()
    opened_count: Mapped[int] = mapped_column(default=0)
    last_opened_at: Mapped[datetime | None] = mapped_column()

    def status(self, now: datetime) -> str:
        """active, revoked or expired."""
        if self.revoked_at is not None:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return "active"
