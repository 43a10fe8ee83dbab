"""The demo's surveys: the Lakeside complex-care program, its family advisory council, six
other families it serves, and three rounds of the bundled family-impact survey (two closed,
one open and waiting for Ana) plus the council's own anonymous survey about meetings.

Every response goes through responses.submit, so scores, participation and anonymity are
exactly what a real response would leave behind."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update

from familyapp.accounts import service as accounts
from familyapp.accounts.models import User
from familyapp.core import clock
from familyapp.core.authz import Role
from familyapp.core.db import db
from familyapp.families.models import Child, Family, Membership
from familyapp.surveys import programs, responses, service
from familyapp.surveys.models import (
    ADVISOR,
    BUILT,
    STAFF,
    TARGET_GROUP,
    TARGET_PROGRAM,
    Campaign,
    Response,
)

PROGRAM_NAME = "Lakeside Complex Care Program"
COUNCIL_NAME = "Family Advisory Council"
TZ = "America/Chicago"

# Six more families the program serves (each with one guardian who can sign in with the demo
# password), so program results clear the five-respondent floor.
OTHER_FAMILIES = [
    ("Okafor family", "Ngozi Okafor", "ngozi@example.org", "en", "Chidi"),
    ("Nguyen family", "Lan Nguyen", "lan@example.org", "en", "Minh"),
    ("Hernández family", "Rosa Hernández", "rosa@example.org", "es", "Mateo"),
    ("Kowalski family", "Ewa Kowalski", "ewa@example.org", "en", "Zofia"),
    ("Johnson family", "Keisha Johnson", "keisha@example.org", "en", "Jayden"),
    ("Ali family", "Amina Ali", "amina@example.org", "en", "Yusuf"),
]

# Answers to the family-impact survey per family and round: (home hours, coordination
# hours, left job, cut hours, avoided change, problems paying, basics).
ROUNDS: dict[str, list[tuple[str, str, bool, bool, bool, bool, str]]] = {
    "autumn-2025": [
        ("11plus", "5to10", True, True, True, True, "somewhat_often"),  # Rivera
        ("5to10", "1to4", False, True, True, False, "rarely"),
        ("11plus", "11plus", True, True, False, True, "very_often"),
        ("1to4", "1to4", False, False, True, False, "never"),
        ("5to10", "5to10", False, True, False, True, "somewhat_often"),
        ("11plus", "5to10", True, False, True, True, "somewhat_often"),
        ("lt1", "lt1", False, False, False, False, "never"),
    ],
    "spring-2026": [
        ("11plus", "5to10", False, True, True, True, "rarely"),  # Rivera
        ("5to10", "1to4", False, True, False, False, "rarely"),
        ("11plus", "5to10", True, True, False, True, "somewhat_often"),
        ("1to4", "lt1", False, False, True, False, "never"),
        ("5to10", "5to10", False, True, True, True, "very_often"),
        ("5to10", "1to4", False, False, True, False, "rarely"),
        ("no_home_care", "lt1", False, False, False, False, "never"),
    ],
    # The open round: everyone but the Riveras has answered.
    "autumn-2026": [
        ("5to10", "1to4", False, False, True, False, "rarely"),
        ("11plus", "11plus", True, True, True, True, "very_often"),
        ("1to4", "1to4", False, True, False, False, "never"),
        ("5to10", "1to4", False, True, False, True, "somewhat_often"),
        ("11plus", "5to10", True, True, True, True, "somewhat_often"),
        ("lt1", "no_coordination", False, False, False, False, "never"),
    ],
}

# The council's own survey, written in the builder (so it shows groups, multiple choice,
# a follow-up question that appears only after "yes", and both languages).
_T = "http://hl7.org/fhir/StructureDefinition/translation"


def _es(text: str) -> dict[str, Any]:
    return {
        "extension": [
            {
                "url": _T,
                "extension": [
                    {"url": "lang", "valueCode": "es"},
                    {"url": "content", "valueString": text},
                ],
            }
        ]
    }


def _option(code: str, en: str, es: str) -> dict[str, Any]:
    return {"valueCoding": {"code": code, "display": en, "_display": _es(es)}}


COUNCIL_SURVEY: dict[str, Any] = {
    "resourceType": "Questionnaire",
    "language": "en",
    "status": "active",
    "name": "CouncilMeetings2026",
    "title": "Council meetings in 2027",
    "_title": _es("Reuniones del consejo en 2027"),
    "description": "Help us plan next year's council meetings.",
    "_description": _es("Ayúdenos a planear las reuniones del consejo del próximo año."),
    "item": [
        {
            "linkId": "times",
            "type": "choice",
            "repeats": True,
            "required": True,
            "text": "Which times work for you?",
            "_text": _es("¿Qué horarios le funcionan?"),
            "answerOption": [
                _option("weekday_morning", "Weekday mornings", "Mañanas entre semana"),
                _option("weekday_evening", "Weekday evenings", "Tardes entre semana"),
                _option("saturday", "Saturday mornings", "Sábados por la mañana"),
            ],
        },
        {
            "linkId": "video",
            "type": "boolean",
            "required": True,
            "text": "Would you join meetings by video?",
            "_text": _es("¿Se uniría a las reuniones por video?"),
        },
        {
            "linkId": "video_help",
            "type": "boolean",
            "text": "Would you like help setting up video calls?",
            "_text": _es("¿Le gustaría ayuda para configurar las videollamadas?"),
            "enableWhen": [{"question": "video", "operator": "=", "answerBoolean": True}],
        },
        {
            "linkId": "topics",
            "type": "text",
            "maxLength": 2000,
            "text": "What should the council work on next?",
            "_text": _es("¿En qué debería trabajar el consejo ahora?"),
        },
    ],
}

COUNCIL_ANSWERS = [
    {"times": ["weekday_evening"], "video": ["true"], "video_help": ["false"]},
    {"times": ["saturday"], "video": ["true"], "video_help": ["true"]},
    {"times": ["weekday_evening", "saturday"], "video": ["false"]},
    {
        "times": ["weekday_morning"],
        "video": ["true"],
        "video_help": ["false"],
        "topics": ["Respite hours and how to find nurses."],
    },
    {"times": ["weekday_evening"], "video": ["true"], "video_help": ["false"]},
]


def _guardian(family_name: str, person: str, email: str, locale: str, child: str) -> User:
    user = accounts.create_user_unchecked(
        email, "familyapp-demo", person, locale=locale, time_zone=TZ
    )
    family = Family(name=family_name, time_zone=TZ)
    db.session.add(family)
    db.session.flush()
    db.session.add(Child(family_id=family.id, display_name=child))
    db.session.add(Membership(family_id=family.id, user_id=user.id, role=Role.GUARDIAN.value))
    db.session.flush()
    return user


def _raw(answers: tuple[str, str, bool, bool, bool, bool, str]) -> dict[str, list[str]]:
    home, coordinating, left, cut, avoided, paying, basics = answers
    return {
        "care.hours_home": [home],
        "care.hours_coordinating": [coordinating],
        "work.left_job": [str(left).lower()],
        "work.cut_hours": [str(cut).lower()],
        "work.avoided_change": [str(avoided).lower()],
        "money.problems_paying": [str(paying).lower()],
        "money.basics": [basics],
    }


def _answer_all(
    campaign: Campaign, people: list[User], answers: list[dict[str, list[str]]]
) -> None:
    for user, raw in zip(people, answers, strict=False):
        responses.submit(user, campaign, raw, response_id=None, language=user.locale or "en")


def _backdate(campaign: Campaign, opened: datetime, closed: datetime) -> None:
    # The past rounds were answered while they were open; move them and their answers back.
    campaign.opens_at = opened
    campaign.closes_at = closed
    day = (opened + timedelta(days=5)).date()
    db.session.execute(
        update(Response)
        .where(Response.campaign_id == campaign.id)
        .values(
            submitted_on=day, submitted_at=datetime.combine(day, time(19), tzinfo=opened.tzinfo)
        )
    )
    db.session.commit()


def create(parent: User, papa: User, coordinator: User) -> None:
    """Add the demo program, its council, families, campaigns and responses (once)."""
    if db.session.scalar(select(Campaign.id).limit(1)) is not None:
        return
    [nsch] = service.install_bundled()
    program = programs.create_program(PROGRAM_NAME)
    programs.add_program_member(program, coordinator, STAFF)
    rivera = db.session.scalar(select(Membership.family_id).where(Membership.user_id == parent.id))
    assert rivera is not None
    programs.enroll_family(program, rivera)
    others = [_guardian(*row) for row in OTHER_FAMILIES]
    for user in others:
        family_id = db.session.scalar(
            select(Membership.family_id).where(Membership.user_id == user.id)
        )
        assert family_id is not None
        programs.enroll_family(program, family_id)
    council = programs.create_group(
        program, COUNCIL_NAME, "Parents who advise the program on how it serves families."
    )
    for user in [parent, papa, *others[:4]]:
        programs.add_group_member(council, user.id)
    # Ngozi leads the council with the program's staff: she may write and send its surveys.
    programs.add_program_member(program, others[0], ADVISOR)
    db.session.commit()

    now = clock.utcnow()
    rounds = [
        ("autumn-2025", "Family impact check-in, autumn 2025", now - timedelta(days=400)),
        ("spring-2026", "Family impact check-in, spring 2026", now - timedelta(days=220)),
    ]
    for key, title, opened in rounds:
        campaign = service.create_campaign(
            coordinator,
            {
                "program_id": program.id,
                "questionnaire_id": nsch.id,
                "title": title,
                "target": TARGET_PROGRAM,
                "opens_at": now - timedelta(days=1),
                "closes_at": now + timedelta(days=1),
                "anonymous": False,
            },
        )
        _answer_all(campaign, [parent, *others], [_raw(a) for a in ROUNDS[key]])
        _backdate(campaign, opened, opened + timedelta(days=30))
    current = service.create_campaign(
        coordinator,
        {
            "program_id": program.id,
            "questionnaire_id": nsch.id,
            "title": "Family impact check-in, autumn 2026",
            "target": TARGET_PROGRAM,
            "opens_at": now - timedelta(days=10),
            "closes_at": now + timedelta(days=14),
            "anonymous": False,
        },
    )
    _answer_all(current, others, [_raw(a) for a in ROUNDS["autumn-2026"]])
    built = service.import_questionnaire(coordinator, program.id, COUNCIL_SURVEY, origin=BUILT)
    meetings = service.create_campaign(
        coordinator,
        {
            "program_id": program.id,
            "questionnaire_id": built.id,
            "title": "Council meetings in 2027",
            "target": TARGET_GROUP,
            "group_id": council.id,
            "opens_at": now - timedelta(days=3),
            "closes_at": now + timedelta(days=21),
            "anonymous": True,
        },
    )
    _answer_all(meetings, [papa, *others[:4]], COUNCIL_ANSWERS)
