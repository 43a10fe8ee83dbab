"""The plan of care of a child and every saved version of it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from familyapp.core import clock
from familyapp.core.db import Base, IdMixin


class CarePlan(IdMixin, Base):
    """The current plan of one child: a validated document and its version number."""

    __tablename__ = "care_plans"

    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE"), unique=True
    )
    version: Mapped[int] = mapped_column(default=0)
    document: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column()
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    review_cycle_months: Mapped[int] = mapped_column(default=6)
    # The language the family writes the plan (and its action plans) in; translations are
    # into other languages.
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")


class CarePlanVersion(IdMixin, Base):
    """A saved version: the whole document as it was, who saved it and when (append-only)."""

    __tablename__ = "care_plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_plans.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(String(200))


class TextTranslation(IdMixin, Base):
    """A person's translation of one family-written field of a plan or action plan.

    It keeps a digest of the source text it was written from: when the source changes, the
    translation "needs update" and readers see the original until someone updates it.
    """

    __tablename__ = "text_translations"
    __table_args__ = (UniqueConstraint("owner_kind", "owner_id", "field", "locale"),)

    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE"), index=True
    )
    # "plan" (owner_id is the child's id: a child has one plan) or "action_plan".
    owner_kind: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[uuid.UUID] = mapped_column()
    field: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    source_digest: Mapped[str] = mapped_column(String(64))
    # The original as it read when this was written, to show a translator what changed.
    source_text: Mapped[str] = mapped_column(Text, default="")
    written_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    written_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    verified_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    verified_at: Mapped[datetime | None] = mapped_column()
