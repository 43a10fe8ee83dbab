"""Which pages make up a signed-in person's offline copy (design.md, Offline)."""

from __future__ import annotations

from collections.abc import Callable

from familyapp.accounts.models import User
from familyapp.actionplans import service as actionplans
from familyapp.calendar import service as calendar
from familyapp.carelog import service as carelog
from familyapp.core.authz import Perm
from familyapp.surveys import service as surveys

# Endpoints whose pages may be kept on the device for the person who opened them: the reading
# pages with no network, the forms that queue work offline (care log, surveys, plan sections).
# Anything else (history, reports, settings, links and their QR codes) is never kept.
OFFLINE_ENDPOINTS = frozenset(
    {
        "system.home",
        "plan.view",
        "plan.edit_section",
        "plan.edit_item",
        "plan.new_item",
        "actionplans.index",
        "actionplans.show",
        "actionplans.card_preview",
        "calendar.agenda",
        "carelog.home",
        "surveys.index",
        "surveys.answer",
    }
)

UrlFor = Callable[..., str]


def pages_for(user: User, url_for: UrlFor) -> list[str]:
    """The pages to keep for `user`, in the order they matter most (home and plans first)."""
    # The children whose plan the user reads, in the order of children_for (one query).
    children = calendar.visible_children(user, Perm.PLAN_READ)
    pages = [url_for("system.home")]
    by_child = actionplans.plans_by_child([child.id for child in children])
    for child in children:
        pages.append(url_for("actionplans.card_preview", child_id=child.id))
        pages.extend(url_for("actionplans.show", action_plan_id=p.id) for p in by_child[child.id])
        pages.append(url_for("plan.view", child_id=child.id))
        pages.append(url_for("actionplans.index", child_id=child.id))
    if children:
        pages.append(url_for("calendar.agenda"))
    if carelog.loggable_children(user):
        pages.append(url_for("carelog.home"))
    invitations = [inv for inv in surveys.open_for(user) if not inv.answered]
    if invitations:
        pages.append(url_for("surveys.index"))
        pages.extend(url_for("surveys.answer", campaign_id=inv.campaign.id) for inv in invitations)
    return pages
