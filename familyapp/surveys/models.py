"""Programs and their family advisory groups, questionnaires (stored as FHIR JSON), campaigns,
who has answered, saved drafts and responses (identified or anonymous)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from familyapp.core import clock
from familyapp.core.db import Base, IdMixin

# What a person is to a program. Staff (care coordinators, program managers) build surveys,
# send them to any group, to all the program's families or to one family, and read results;
# an advisor (a parent who leads a family advisory group) builds surveys and sends them to
# the program's groups, and reads their results.
STAFF = "staff"
ADVISOR = "advisor"
PROGRAM_ROLES = (STAFF, ADVISOR)

# Whom a campaign asks.
TARGET_GROUP = "group"
TARGET_PROGRAM = "program"
TARGET_FAMILY = "family"
TARGETS = (TARGET_GROUP, TARGET_PROGRAM, TARGET_FAMILY)

# Where a questionnaire came from.
BUNDLED = "bundled"  # shipped with the app (public-domain items only)
IMPORTED = "imported"  # a program's FHIR Questionnaire (e.g. a licensed instrument it holds)
BUILT = "built"  # written in the builder


class Program(IdMixin, Base):
    """A complex-care program or family organisation that runs surveys."""

    __tablename__ = "programs"

    name: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)


class ProgramMember(IdMixin, Base):
    """A person who runs surveys for a program (staff or advisor)."""

    __tablename__ = "program_members"
    __table_args__ = (UniqueConstraint("program_id", "user_id"),)

    program_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))


class ProgramFamily(IdMixin, Base):
    """A family the program serves (its guardians are asked by whole-program campaigns)."""

    __tablename__ = "program_families"
    __table_args__ = (UniqueConstraint("program_id", "family_id"),)

    program_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE"), index=True
    )
    joined_at: Mapped[datetime] = mapped_column(default=clock.utcnow)


class SurveyGroup(IdMixin, Base):
    """A family advisory group (or any named group of respondents) within a program."""

    __tablename__ = "survey_groups"

    program_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)


class SurveyGroupMember(IdMixin, Base):
    """A person in a group."""

    __tablename__ = "survey_group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("survey_groups.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )


class Questionnaire(IdMixin, Base):
    """A survey as a FHIR R4 Questionnaire; frozen once a campaign has used it."""

    __tablename__ = "questionnaires"

    # None: bundled with the app and offered to every program.
    program_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str | None] = mapped_column(String(300))
    version: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))  # in its base language, for lists
    status: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(20))
    resource: Mapped[dict[str, Any]] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(default=1)  # the builder's ETag
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=clock.utcnow)


class Campaign(IdMixin, Base):
    """A questionnaire sent to a group, a program's families or one family, open for a time."""

    __tablename__ = "survey_campaigns"
    __table_args__ = (Index("ix_survey_campaigns_window", "opens_at", "closes_at"),)

    program_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    questionnaire_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(20))
    group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("survey_groups.id", ondelete="RESTRICT")
    )
    family_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE")
    )
    opens_at: Mapped[datetime] = mapped_column()
    closes_at: Mapped[datetime] = mapped_column()
    anonymous: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    @property
    def last_moment(self) -> datetime:
        """The last moment answers are taken (closes_at itself is the first one they are not)."""
        return self.closes_at - timedelta(seconds=1)


class Participation(IdMixin, Base):
    """That a member has answered a campaign (one response each), and nothing about what.

    Kept apart from the response so an anonymous answer cannot be joined back to its author:
    only the day is kept here, and the response keeps no user at all.
    """

    __tablename__ = "survey_participations"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id"),)

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("survey_campaigns.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    answered_on: Mapped[date] = mapped_column()


class Draft(IdMixin, Base):
    """Answers saved part way (deleted when the response is sent)."""

    __tablename__ = "survey_drafts"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id"),)

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("survey_campaigns.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=clock.utcnow)


class Response(IdMixin, Base):
    """One completed response; the id is made by the phone, so a replay lands once.

    Anonymous responses keep neither user nor family and only the day they came in.
    """

    __tablename__ = "survey_responses"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("survey_campaigns.id", ondelete="CASCADE"), index=True
    )
    questionnaire_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="RESTRICT")
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    family_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("families.id", ondelete="SET NULL"), index=True
    )
    submitted_on: Mapped[date] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column()  # identified responses only
    language: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    scores: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    body_digest: Mapped[str] = mapped_column(String(64))  # what a replay must match
