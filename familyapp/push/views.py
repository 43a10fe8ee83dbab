"""HTML routes of notifications: the settings page with devices, a test, and quiet hours."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from familyapp.core.authz import Perm, requires
from familyapp.core.forms import load_form
from familyapp.push import reminders, schemas, service
from familyapp.push.api import device_body

bp = Blueprint("push", __name__)


def _render(errors: dict[str, Any], values: dict[str, Any] | None = None) -> Any:
    prefs = service.preferences(current_user)
    shown = values or {
        "quiet_start": prefs.quiet_start.strftime("%H:%M") if prefs.quiet_start else "",
        "quiet_end": prefs.quiet_end.strftime("%H:%M") if prefs.quiet_end else "",
        "weekly_care_nudge": prefs.weekly_care_nudge,
    }
    return render_template(
        "push/settings.html",
        devices=[device_body(row) for row in service.devices(current_user)],
        values=shown,
        errors=errors,
    ), (422 if errors else 200)


@bp.route("/account/notifications", methods=["GET", "POST"])
@requires(Perm.AUTHENTICATED)
def settings() -> Any:
    """Notifications on this device, your devices, and quiet hours."""
    if request.method == "GET":
        return _render({})
    data, errors = load_form(schemas.PreferencesSchema(), request.form)
    if data is None:
        return _render(errors, dict(request.form))
    service.save_preferences(current_user, data)
    flash(_("Saved."), "success")
    return redirect(url_for("push.settings"))


@bp.route("/account/notifications/test", methods=["POST"])
@requires(Perm.AUTHENTICATED)
def send_test() -> Any:
    """Send a test notification to your devices now."""
    config = current_app.extensions["familyapp.settings"]
    sender = reminders.sender_for(config.instance_path, config.vapid_subject)
    try:
        result = reminders.send_test(sender, current_user)
    finally:
        sender.close()
    if result.sent:
        flash(_("Test notification sent. It should appear in a few seconds."), "success")
    else:
        flash(_("No device took the test notification. Turn notifications on first."), "error")
    return redirect(url_for("push.settings"))


@bp.route("/account/notifications/devices/<device_id>/off", methods=["POST"])
@requires(Perm.AUTHENTICATED)
def device_off(device_id: str) -> Any:
    """Stop notifications to one of your devices."""
    service.remove_device(current_user, device_id)
    flash(_("That device gets no more notifications."), "success")
    return redirect(url_for("push.settings"))
