"""Programs, their staff and advisors, the families they serve and their family advisory
groups: who runs surveys, and for whom."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from familyapp.accounts.models import User
from familyapp.core import authz, ids
from familyapp.core.authz import Perm
from familyapp.core.db import db
from familyapp.core.errors import ServiceError
from familyapp.families.models import Family
from familyapp.surveys.models import (
    ADVISOR,
    STAFF,
    Program,
    ProgramFamily,
    ProgramMember,
    SurveyGroup,
    SurveyGroupMember,
)


def create_program(name: str) -> Program:
    """Create a program (from the command line or the demo)."""
    program = Program(name=name.strip()[:160])
    db.session.add(program)
    db.session.flush()
    return program


def add_program_member(program: Program, user: User, role: str) -> ProgramMember:
    """Make a person staff or advisor of a program (idempotent; the role is updated)."""
    if role not in (STAFF, ADVISOR):
        raise ServiceError(_("Unknown program role."), status=422)
    row = db.session.scalar(
        select(ProgramMember).where(
            ProgramMember.program_id == program.id, ProgramMember.user_id == user.id
        )
    )
    if row is None:
        row = ProgramMember(program_id=program.id, user_id=user.id, role=role)
        db.session.add(row)
    row.role = role
    db.session.flush()
    return row


def enroll_family(program: Program, family_id: uuid.UUID) -> None:
    """Count a family among those the program serves (idempotent)."""
    exists = db.session.scalar(
        select(ProgramFamily.id).where(
            ProgramFamily.program_id == program.id, ProgramFamily.family_id == family_id
        )
    )
    if exists is None:
        db.session.add(ProgramFamily(program_id=program.id, family_id=family_id))
        db.session.flush()


def create_group(program: Program, name: str, description: str = "") -> SurveyGroup:
    """Create a family advisory group in a program."""
    group = SurveyGroup(program_id=program.id, name=name.strip()[:160], description=description)
    db.session.add(group)
    db.session.flush()
    return group


def add_group_member(group: SurveyGroup, user_id: uuid.UUID) -> None:
    """Add a person to a group (idempotent)."""
    exists = db.session.scalar(
        select(SurveyGroupMember.id).where(
            SurveyGroupMember.group_id == group.id, SurveyGroupMember.user_id == user_id
        )
    )
    if exists is None:
        db.session.add(SurveyGroupMember(group_id=group.id, user_id=user_id))
        db.session.flush()


@dataclass(frozen=True)
class ProgramRole:
    """A program and what the user is to it."""

    program: Program
    role: str


def programs_for(user: User) -> list[ProgramRole]:
    """The programs the user runs surveys for, by name."""
    rows = db.session.execute(
        select(Program, ProgramMember.role)
        .join(ProgramMember, ProgramMember.program_id == Program.id)
        .where(ProgramMember.user_id == user.id)
        .order_by(Program.name)
    ).all()
    return [ProgramRole(program, role) for program, role in rows]


def is_author(user: User) -> bool:
    """Whether the user runs surveys for any program (shows the builder in the menu)."""
    return (
        db.session.scalar(select(ProgramMember.id).where(ProgramMember.user_id == user.id))
        is not None
    )


def program_for(user: User, program_id: uuid.UUID | str, perm: Perm) -> ProgramRole:
    """The program with the user's role in it; 404 (audited) when the user has none."""
    parsed = ids.parse_uuid(str(program_id))
    row = None
    if parsed is not None:
        row = db.session.execute(
            select(Program, ProgramMember.role)
            .join(ProgramMember, ProgramMember.program_id == Program.id)
            .where(Program.id == parsed, ProgramMember.user_id == user.id)
        ).first()
    if row is None:
        authz.refuse(perm, f"program:{program_id}")
    return ProgramRole(row[0], row[1])


def groups(program_id: uuid.UUID) -> list[tuple[SurveyGroup, int]]:
    """The program's groups with how many people each has."""
    rows = db.session.execute(
        select(SurveyGroup, func.count(SurveyGroupMember.id))
        .outerjoin(SurveyGroupMember, SurveyGroupMember.group_id == SurveyGroup.id)
        .where(SurveyGroup.program_id == program_id)
        .group_by(SurveyGroup.id)
        .order_by(SurveyGroup.name)
    ).all()
    return [(group, count) for group, count in rows]


def program_families(program_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """The families a program serves, as (id, name), for choosing one family to ask."""
    rows = db.session.execute(
        select(Family.id, Family.name)
        .join(ProgramFamily, ProgramFamily.family_id == Family.id)
        .where(ProgramFamily.program_id == program_id)
        .order_by(Family.name)
    ).all()
    return [(row[0], row[1]) for row in rows]


def role_in(user: User, program_id: uuid.UUID) -> str | None:
    """The user's role in a program, or None."""
    return db.session.scalar(
        select(ProgramMember.role).where(
            ProgramMember.program_id == program_id, ProgramMember.user_id == user.id
        )
    )
