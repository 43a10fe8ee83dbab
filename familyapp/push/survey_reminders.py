"""Survey reminders: an invitation when a campaign opens (or when someone joins it later) and
one reminder two days before it closes, only for those who have not answered. The texts name
no survey and no health topic: a lock screen shows them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from babel.dates import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from familyapp.accounts.models import User
from familyapp.core import clock
from familyapp.core.db import db
from familyapp.core.i18n import zone
from familyapp.push.models import Reminder
from familyapp.push.queue import add_reminder, reachable
from familyapp.surveys import service as surveys

INVITE = "survey_invite"
CLOSING = "survey_closing"
KINDS = frozenset({INVITE, CLOSING})
CLOSING_BEFORE = timedelta(days=2)
# A campaign open for less than this gets the invitation only: a reminder two days before
# closing would arrive on the heels of the invitation.
MIN_OPEN_FOR_CLOSING = timedelta(days=4)
PLAN_WINDOW = timedelta(hours=26)
MAX_TTL = 2419200  # 4 weeks, the longest push services keep a message


def _ttl(until: datetime, now: datetime) -> int:
    return int(min(max((until - now).total_seconds(), 60), MAX_TTL))


def plan(now: datetime | None = None) -> int:
    """Queue survey invitations and closing reminders (idempotent); how many were added."""
    now = now or clock.utcnow()
    added = 0
    for campaign in surveys.open_campaigns(now):
        asked = list(db.session.scalars(surveys.asked(campaign)))
        if not asked:
            continue
        users = list(db.session.scalars(select(User).where(User.id.in_(asked))))
        people = reachable({campaign.id: users}).get(campaign.id, [])
        answered = surveys.answered_by(campaign.id, [user.id for user in people])
        closing_due = campaign.closes_at - CLOSING_BEFORE
        wants_closing = (
            campaign.closes_at - campaign.opens_at >= MIN_OPEN_FOR_CLOSING
            and closing_due < now + PLAN_WINDOW
        )
        for user in people:
            if user.id in answered or not user.is_active:
                continue
            added += add_reminder(_row(INVITE, campaign.id, user.id, now, campaign.closes_at))
            if wants_closing:
                due = max(closing_due, now)
                added += add_reminder(_row(CLOSING, campaign.id, user.id, due, campaign.closes_at))
    db.session.commit()
    return added


def _row(
    kind: str, campaign_id: uuid.UUID, user_id: uuid.UUID, due: datetime, closes: datetime
) -> Reminder:
    word = "open" if kind == INVITE else "close"
    return Reminder(
        user_id=user_id,
        # One invitation and one closing reminder per person per campaign, ever.
        source=f"survey-{word}:{campaign_id}:{user_id}",
        kind=kind,
        params={"campaign": str(campaign_id), "closes": closes.isoformat()},
        url=f"/surveys/{campaign_id}",
        due_at=due,
        not_after=closes,
        ttl_seconds=_ttl(closes, due),
        urgency="low" if kind == INVITE else "normal",
    )


def still_wanted(reminder: Reminder) -> bool:
    """Whether the campaign is still open and its person has not answered yet."""
    campaign = surveys.get_campaign(reminder.params.get("campaign", ""))
    if campaign is None or not surveys.is_open(campaign):
        return False
    return reminder.user_id not in surveys.answered_by(campaign.id, [reminder.user_id])


def message(reminder: Reminder, user: User) -> str:
    """The notification text in the recipient's language (called inside force_locale)."""
    if reminder.kind == INVITE:
        return _("A new survey is waiting for you. Open Familyapp to answer it.")
    closes = datetime.fromisoformat(reminder.params["closes"]) - timedelta(seconds=1)
    day = format_date(closes.astimezone(zone(user.time_zone)).date(), "long", locale=user.locale)
    return _("A survey closes on %(date)s. Open Familyapp to answer it.", date=day)
