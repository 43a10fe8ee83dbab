"""What the guardians' access log says about each row: the action in words, which part of the
child's record was opened, and a short name for the device that opened an emergency link.

Pure (no database, no request): the service shapes the rows, the page looks the words up here.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l

# Every action code written with audit.record / record_now / record_all_now that can carry a
# family id, and the account-level ones too, so a row never shows a raw code.
ACTION_LABELS: dict[str, Any] = {
    "phi.read": _l("opened the record"),
    "access.denied": _l("tried to open a record"),
    "family.created": _l("created the family"),
    "family.updated": _l("changed the family"),
    "child.created": _l("added a child"),
    "child.updated": _l("changed a child's details"),
    "invitation.created": _l("created an invitation"),
    "invitation.revoked": _l("revoked an invitation"),
    "invitation.accepted": _l("accepted an invitation"),
    "membership.revoked": _l("removed someone's access"),
    "plan.saved": _l("saved the plan of care"),
    "plan.reviewed": _l("reviewed the plan of care"),
    "plan.language": _l("said which language the plan is written in"),
    "family.exported": _l("downloaded everything about the family"),
    "family.deleted": _l("deleted a family and everything about it"),
    "plan.translated": _l("translated parts of the plan"),
    "actionplan.created": _l("added an action plan"),
    "actionplan.updated": _l("changed an action plan"),
    "actionplan.deleted": _l("removed an action plan"),
    "emergency_link.created": _l("made an emergency link"),
    "emergency_link.revoked": _l("revoked an emergency link"),
    "emergency_card.opened": _l("opened the emergency card with a link"),
    "appointment.created": _l("added an appointment"),
    "appointment.updated": _l("changed an appointment"),
    "appointment.deleted": _l("removed an appointment"),
    "appointment.imported": _l("imported appointments"),
    "appointment.occurrence_changed": _l("moved or cancelled one appointment of a series"),
    "calendar_feed.created": _l("made a calendar feed"),
    "calendar_feed.revoked": _l("revoked a calendar feed"),
    "care_entry.created": _l("logged care time"),
    "care_entry.updated": _l("changed logged care time"),
    "care_entry.deleted": _l("removed logged care time"),
    "care_activity.created": _l("added a care activity"),
    "work_missed.created": _l("recorded work missed"),
    "nursing_week.saved": _l("saved nursing hours"),
    "caregiver.paid_staff": _l("changed who is paid care staff"),
    "carelog.consent": _l("changed consent to program totals"),
    "wage_table.saved": _l("changed the wage table"),
    "survey.campaign.created": _l("sent a survey"),
    "survey.questionnaire.saved": _l("saved a questionnaire"),
    "survey.results.read": _l("read survey results"),
    "survey.results.export": _l("exported survey results"),
    "push.subscribed": _l("turned on notifications"),
    "push.unsubscribed": _l("turned off notifications"),
    "account.created": _l("created an account"),
    "login.ok": _l("signed in"),
    "login.failed": _l("failed to sign in"),
    "password.changed": _l("changed their password"),
    "password.reset_requested": _l("asked to reset their password"),
    "password.reset": _l("reset their password"),
    "session.ended": _l("ended a session"),
    "login.second_factor_ok": _l("entered their sign-in code"),
    "login.second_factor_failed": _l("entered a wrong sign-in code"),
    "totp.enabled": _l("turned on two-step sign-in"),
    "totp.disabled": _l("turned off two-step sign-in"),
    "totp.recovery_codes_replaced": _l("made new recovery codes"),
    "record.limited": _l("stopped someone seeing their record"),
    "record.shared": _l("let someone see their record again"),
}

# Codes added later still read as words: the feature prefix says what kind of thing it was.
PREFIX_LABELS: dict[str, Any] = {
    "plan": _l("changed the plan of care"),
    "actionplan": _l("changed an action plan"),
    "emergency_link": _l("changed an emergency link"),
    "emergency_card": _l("used an emergency link"),
    "appointment": _l("changed the calendar"),
    "calendar_feed": _l("changed a calendar feed"),
    "care_entry": _l("changed logged care time"),
    "carelog": _l("changed the care log"),
    "survey": _l("used surveys"),
    "invitation": _l("changed an invitation"),
    "membership": _l("changed someone's access"),
    "child": _l("changed a child's details"),
    "family": _l("changed the family"),
}

RECORD_LABELS: dict[str, Any] = {
    "plan": _l("plan of care"),
    "action_plans": _l("action plans"),
    "emergency_card": _l("emergency card"),
    "emergency_links": _l("emergency links"),
    "calendar": _l("calendar"),
    "carelog": _l("care hours"),
    "child": _l("child's details"),
    "record": _l("record"),
}

# The part of the record a change is about, from its action's feature prefix.
_ACTION_RECORDS = {
    "plan": "plan",
    "actionplan": "action_plans",
    "emergency_card": "emergency_card",
    "emergency_link": "emergency_links",
    "appointment": "calendar",
    "care_entry": "carelog",
    "work_missed": "carelog",
    "nursing_week": "carelog",
    "child": "child",
}


def action_label(action: str) -> str:
    """The action in words; never the raw code, even for a code this list does not know."""
    known = ACTION_LABELS.get(action)
    if known is not None:
        return str(known)
    prefix = PREFIX_LABELS.get(action.split(".", 1)[0])
    return str(prefix) if prefix is not None else str(_l("other activity"))


def record_label(kind: str) -> str:
    """The part of the record that was opened, in words."""
    return str(RECORD_LABELS.get(kind, RECORD_LABELS["record"]))


def record_kind(action: str, target: str | None, path: str | None = None) -> str:
    """Which part of a child's record a row is about, from its action, target or request path."""
    by_action = _ACTION_RECORDS.get(action.split(".", 1)[0])
    if by_action is not None:
        return by_action
    # Reads name the request ("GET /children/<id>/plan"), refusals carry the path in their
    # detail; other rows name a resource ("action_plan:<id>").
    text = (path or (target or "").split(" ", 1)[-1]).lower()
    if "emergency-card" in text or "emergency.pdf" in text:
        return "emergency_card"
    if "emergency-link" in text or text.startswith("emergency_link"):
        return "emergency_links"
    if "action-plan" in text or text.startswith("action_plan"):
        return "action_plans"
    if re.search(r"/plan\b", text):
        return "plan"
    if "appointment" in text or "/calendar" in text:
        return "calendar"
    if "/care" in text or text.startswith("care_entry"):
        return "carelog"
    if "/children/" in text:
        return "child"
    return "record"


def child_in_target(target: str | None) -> str | None:
    """The child id a refusal's target names ("child:<id>"), if any."""
    if target and target.startswith("child:"):
        return target.removeprefix("child:")
    return None


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def short_user_agent(user_agent: str, limit: int = 40) -> str:
    """A short device name ("Chrome · Android") for a user agent, or its first characters."""
    user_agent = (user_agent or "").strip()
    browser = next((name for key, name in _BROWSERS if key in user_agent), "")
    system = next((name for key, name in _SYSTEMS if key in user_agent), "")
    if browser or system:
        return " · ".join(part for part in (browser, system) if part)
    return user_agent if len(user_agent) <= limit else user_agent[: limit - 1] + "…"
