"""HTML routes of the calendar: the agenda (phone default), week and month views, the
appointment forms, one occurrence moved or cancelled, feeds and .ics import."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from babel.dates import format_skeleton, format_time, get_day_names
from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from familyapp.calendar import ical, schemas, service
from familyapp.calendar.models import Appointment
from familyapp.core import clock
from familyapp.core.authz import Perm, has_role_permission, requires
from familyapp.core.errors import ServiceError, field_errors
from familyapp.core.forms import load_form
from familyapp.core.urls import external_url
from familyapp.families import service as families
from familyapp.families.models import Child

bp = Blueprint("calendar", __name__)

DISCIPLINE_LABELS: dict[str, Any] = {
    "primary_care": _l("Primary care"),
    "complex_care": _l("Complex care"),
    "pulmonology": _l("Pulmonology"),
    "neurology": _l("Neurology"),
    "gi": _l("Gastroenterology (GI)"),
    "ent": _l("Ear, nose and throat (ENT)"),
    "orthopedics": _l("Orthopedics"),
    "pt": _l("Physical therapy"),
    "ot": _l("Occupational therapy"),
    "speech": _l("Speech therapy"),
    "nutrition": _l("Nutrition"),
    "social_work": _l("Social work"),
    "home_nursing": _l("Home nursing visit"),
    "dme_delivery": _l("Equipment (DME) delivery"),
    "school_iep": _l("School meeting / IEP"),
    "lab": _l("Lab"),
    "imaging": _l("Imaging"),
    "telehealth": _l("Telehealth"),
    "other": _l("Other appointment"),
}
# Repeat choices a parent picks on a phone; anything else is written as an RRULE by hand.
REPEATS: dict[str, str] = {
    "none": "",
    "daily": "FREQ=DAILY",
    "weekly": "FREQ=WEEKLY",
    "biweekly": "FREQ=WEEKLY;INTERVAL=2",
    "monthly": "FREQ=MONTHLY",
}
REPEAT_LABELS: dict[str, Any] = {
    "none": _l("Does not repeat"),
    "daily": _l("Every day"),
    "weekly": _l("Every week"),
    "biweekly": _l("Every 2 weeks"),
    "monthly": _l("Every month"),
    "custom": _l("Custom rule (RRULE)"),
}
REMINDER_CHOICES = (10080, 2880, 1440, 120, 60, 30)
VIEWS = ("agenda", "week", "month")
AGENDA_DAYS = 30
FIELDS = (
    "title",
    "discipline",
    "provider",
    "location",
    "starts_at",
    "ends_at",
    "timezone",
    "rrule",
    "notes",
    "bring",
    "questions",
    "after_notes",
)


@bp.app_template_filter("reminder")
def reminder_label(minutes: int) -> str:
    """'2 hours before', '1 day before' in the reader's language."""
    if minutes % 1440 == 0:
        days = minutes // 1440
        return ngettext("%(num)d day before", "%(num)d days before", days)
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(num)d hour before", "%(num)d hours before", hours)
    return ngettext("%(num)d minute before", "%(num)d minutes before", minutes)


@bp.app_template_filter("in_zone")
def in_zone(value: datetime, tz: str | None = None) -> datetime:
    """An aware moment in zone `tz` (default: the reader's zone)."""
    return value.astimezone(service.zone(tz) if tz else get_timezone())


@bp.app_template_filter("time_only")
def time_only(value: datetime, tz: str | None = None) -> str:
    """A time of day as the reader's locale writes it, in `tz` (default: the reader's zone)."""
    local = in_zone(value, tz) if value.tzinfo else value
    return format_time(local.replace(tzinfo=None), "short", locale=get_locale())


@bp.app_template_filter("month_year")
def month_year(value: date) -> str:
    """'December 2026' / 'diciembre de 2026'."""
    return format_skeleton("yMMMM", value, locale=get_locale())


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "discipline_label": lambda key: str(DISCIPLINE_LABELS.get(key, key)),
        "DISCIPLINES": schemas.DISCIPLINES,
        "reminder_label": reminder_label,
    }


def _can(perm: Perm) -> bool:
    grant = g.get("grant")
    return grant is not None and has_role_permission(grant.role, perm)


def _today() -> date:
    return clock.utcnow().astimezone(get_timezone()).date()


def _parse_day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else _today()
    except ValueError:
        return _today()


@bp.route("/calendar")
@requires(Perm.AUTHENTICATED)
def agenda() -> Any:
    """Agenda (next 30 days, by day), week or month across the children one may see."""
    visible = service.visible_children(current_user)
    view = request.args.get("view", "agenda")
    view = view if view in VIEWS else "agenda"
    child_param = request.args.get("child", "")
    children = [c for c in visible if str(c.id) == child_param] or visible
    discipline = request.args.get("discipline") or None
    if discipline not in schemas.DISCIPLINES:
        discipline = None
    anchor = _parse_day(request.args.get("start"))
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        days, previous, following = 7, first - timedelta(days=7), first + timedelta(days=7)
    elif view == "month":
        month_first = anchor.replace(day=1)
        first = month_first - timedelta(days=month_first.weekday())
        following = (month_first + timedelta(days=32)).replace(day=1)
        last = following - timedelta(days=1)
        days = (last - first).days + 1 + (6 - last.weekday())
        previous = (month_first - timedelta(days=1)).replace(day=1)
    else:
        first = anchor
        days = AGENDA_DAYS
        previous = first - timedelta(days=AGENDA_DAYS)
        following = first + timedelta(days=AGENDA_DAYS)
    grouped = service.days([c.id for c in children], str(get_timezone()), first, days, discipline)
    editable = [c for c in visible if service.may_edit(current_user, c)]
    return render_template(
        "calendar/agenda.html",
        view=view,
        days=grouped,
        weeks=[grouped[i : i + 7] for i in range(0, len(grouped), 7)],
        month=anchor.replace(day=1) if view == "month" else None,
        first=first,
        today=_today(),
        previous=previous,
        following=following,
        visible=visible,
        child_param=child_param if len(children) == 1 and len(visible) > 1 else "",
        discipline=discipline or "",
        editable=editable,
        count=sum(len(d.items) for d in grouped),
        child_names={c.id: c.display_name for c in visible},
        reader_tz=str(get_timezone()),
        day_names=get_day_names("abbreviated", locale=get_locale()),
    )


def _reminders(form: MultiDict[str, str]) -> list[Any]:
    return [value for value in form.getlist("reminder_offsets_minutes") if value]


def form_data(form: MultiDict[str, str]) -> dict[str, Any]:
    """The appointment form as the schema's input (repeat presets become an RRULE)."""
    values: dict[str, Any] = {name: form.get(name) or None for name in FIELDS}
    for name in ("title", "provider", "location", "notes", "bring", "questions", "after_notes"):
        values[name] = form.get(name, "")
    repeat = form.get("repeat", "none")
    if repeat in REPEATS:
        rule = REPEATS[repeat]
        until = form.get("repeat_until", "").strip()
        if rule and until:
            rule += ";UNTIL=" + until.replace("-", "")
        values["rrule"] = rule or None
    values["reminder_offsets_minutes"] = _reminders(form)
    return values


def _form_values(appointment: Appointment | None, family_tz: str) -> dict[str, Any]:
    if appointment is None:
        start = datetime.combine(_today() + timedelta(days=1), time(9, 0))
        return {
            "discipline": "other",
            "starts_at": start.isoformat(timespec="minutes"),
            "ends_at": (start + timedelta(hours=1)).isoformat(timespec="minutes"),
            "timezone": family_tz,
            "repeat": "none",
            "reminder_offsets_minutes": [1440, 120],
        }
    values: dict[str, Any] = {name: getattr(appointment, name) or "" for name in FIELDS}
    values["starts_at"] = service.to_local(appointment.starts_at, appointment.timezone).isoformat(
        timespec="minutes"
    )
    values["ends_at"] = service.to_local(appointment.ends_at, appointment.timezone).isoformat(
        timespec="minutes"
    )
    values["reminder_offsets_minutes"] = list(appointment.reminder_offsets_minutes or [])
    values["repeat"], values["repeat_until"] = _repeat_of(appointment.rrule)
    return values


def _repeat_of(rule: str | None) -> tuple[str, str]:
    if not rule:
        return "none", ""
    base, _sep, until = rule.partition(";UNTIL=")
    if until and ";" not in until and len(until) == 8 and until.isdigit():
        day = f"{until[:4]}-{until[4:6]}-{until[6:]}"
    elif not until:
        day = ""
    else:
        return "custom", ""
    for key, preset in REPEATS.items():
        if preset and preset == base:
            return key, day
    return "custom", ""


def _submitted_values(form: MultiDict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {name: form.get(name, "") for name in FIELDS}
    values["repeat"] = form.get("repeat", "none")
    values["repeat_until"] = form.get("repeat_until", "")
    values["reminder_offsets_minutes"] = [int(v) for v in _reminders(form) if v.isdigit()]
    return values


def _render_form(
    child: Child,
    appointment: Appointment | None,
    values: dict[str, Any],
    errors: dict[str, Any],
) -> Any:
    family = families.get_family(child.family_id)
    return render_template(
        "calendar/form.html",
        child=child,
        appointment=appointment,
        values=values,
        errors=errors,
        family_tz=family.time_zone,
        repeats=REPEAT_LABELS,
        reminder_choices=REMINDER_CHOICES,
    ), (422 if errors else 200)


def _errors_for_form(errors: dict[str, Any], form: MultiDict[str, str]) -> dict[str, Any]:
    # The rule is picked from presets on the form: its error belongs next to that picker.
    if "rrule" in errors and form.get("repeat", "none") != "custom":
        errors["repeat"] = errors.pop("rrule")
    return errors


@bp.route("/children/<child_id>/appointments/new", methods=["GET", "POST"])
@requires(Perm.PLAN_EDIT)
def new(child_id: str) -> Any:
    """Add an appointment for a child."""
    child = families.get_child(child_id)
    family = families.get_family(child.family_id)
    if request.method == "GET":
        return _render_form(child, None, _form_values(None, family.time_zone), {})
    try:
        data = schemas.AppointmentSchema().load(form_data(request.form))
    except ValidationError as error:
        errors = _errors_for_form(field_errors(error), request.form)
        return _render_form(child, None, _submitted_values(request.form), errors)
    made = service.create_appointment(current_user, child, data)
    flash(_("Appointment saved."), "success")
    return redirect(url_for("calendar.show", appointment_id=made.id))


@bp.route("/appointments/<appointment_id>")
@requires(Perm.PLAN_READ)
def show(appointment_id: str) -> Any:
    """One appointment: when, where, what to bring and ask; the next occurrences of a series."""
    appointment = service.get_appointment(appointment_id)
    child = families.get_child(appointment.child_id)
    now = clock.utcnow()
    occurrences = [
        item
        for item in service.agenda([child.id], now - timedelta(hours=12), now + timedelta(days=120))
        if item.appointment.id == appointment.id
    ][:8]
    return render_template(
        "calendar/show.html",
        appointment=appointment,
        child=child,
        occurrences=occurrences,
        start=service.to_local(appointment.starts_at, appointment.timezone),
        end=service.to_local(appointment.ends_at, appointment.timezone),
        repeat=_repeat_of(appointment.rrule),
        repeats=REPEAT_LABELS,
        can_edit=_can(Perm.PLAN_EDIT),
    )


@bp.route("/appointments/<appointment_id>/edit", methods=["GET", "POST"])
@requires(Perm.PLAN_EDIT)
def edit(appointment_id: str) -> Any:
    """Change an appointment (the whole series)."""
    appointment = service.get_appointment(appointment_id)
    child = families.get_child(appointment.child_id)
    family = families.get_family(child.family_id)
    if request.method == "GET":
        return _render_form(child, appointment, _form_values(appointment, family.time_zone), {})
    try:
        data = schemas.AppointmentSchema().load(form_data(request.form))
    except ValidationError as error:
        errors = _errors_for_form(field_errors(error), request.form)
        return _render_form(child, appointment, _submitted_values(request.form), errors)
    service.update_appointment(current_user, appointment, data)
    flash(_("Appointment saved."), "success")
    return redirect(url_for("calendar.show", appointment_id=appointment.id))


@bp.route("/appointments/<appointment_id>/delete", methods=["POST"])
@requires(Perm.PLAN_EDIT)
def delete(appointment_id: str) -> Any:
    """Cancel an appointment (every occurrence of a series)."""
    appointment = service.get_appointment(appointment_id)
    service.delete_appointment(current_user, appointment)
    flash(_("Appointment cancelled."), "success")
    return redirect(url_for("calendar.agenda"))


@bp.route("/appointments/<appointment_id>/occurrence", methods=["POST"])
@requires(Perm.PLAN_EDIT)
def occurrence(appointment_id: str) -> Any:
    """Cancel or move one occurrence of a series."""
    appointment = service.get_appointment(appointment_id)
    cancel = request.form.get("action") == "cancel"
    data, errors = load_form(
        schemas.ExceptionSchema(),
        MultiDict(
            {
                "original_start": request.form.get("original_start", ""),
                "cancelled": "true" if cancel else "false",
                "starts_at": request.form.get("starts_at", ""),
                "ends_at": request.form.get("ends_at", ""),
            }
        ),
    )
    try:
        if data is None:
            raise ServiceError(_("Please correct the fields shown."), status=422, errors=errors)
        service.set_exception(
            current_user,
            appointment,
            data["original_start"],
            cancelled=cancel,
            new_start_local=data.get("starts_at"),
            new_end_local=data.get("ends_at"),
        )
    except ServiceError as error:
        message = " ".join(str(m) for messages in (error.errors or {}).values() for m in messages)
        flash(message or str(error), "error")
    else:
        flash(_("That day was cancelled.") if cancel else _("That day was moved."), "success")
    return redirect(url_for("calendar.show", appointment_id=appointment.id))


@bp.route("/children/<child_id>/appointments/import", methods=["GET", "POST"])
@requires(Perm.PLAN_EDIT)
def import_ics(child_id: str) -> Any:
    """Add appointments from an invitation (.ics) file; the same invitation twice is one."""
    child = families.get_child(child_id)
    family = families.get_family(child.family_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read(ical.MAX_FILE_BYTES + 1) if upload else b""
        try:
            if not data:
                raise ValueError("empty")
            if len(data) > ical.MAX_FILE_BYTES:
                raise ValueError("too_big")
            events = ical.parse_ics(data, family.time_zone)
            if not events:
                raise ValueError("empty")
        except ValueError:
            errors = {
                "file": [_("Choose a calendar file (.ics) from an invitation or a clinic portal.")]
            }
        else:
            result = service.import_events(current_user, child, events)
            flash(import_message(result), "success")
            return redirect(url_for("calendar.agenda", child=child.id))
    return render_template("calendar/import.html", child=child, errors=errors), (
        422 if errors else 200
    )


def import_message(result: service.ImportResult) -> str:
    """What an import did, in words."""
    parts = [
        ngettext("%(num)d added", "%(num)d added", result.created),
        ngettext("%(num)d updated", "%(num)d updated", result.updated),
    ]
    if result.removed:
        parts.append(ngettext("%(num)d cancelled", "%(num)d cancelled", result.removed))
    if result.skipped:
        parts.append(ngettext("%(num)d skipped", "%(num)d skipped", result.skipped))
    return _("Calendar file read: %(summary)s.", summary=", ".join(parts))


@bp.route("/calendar/feeds", methods=["GET", "POST"])
@requires(Perm.AUTHENTICATED)
def feeds() -> Any:
    """Your private calendar feed addresses: make one for a phone, revoke one you lost."""
    made = None
    errors: dict[str, Any] = {}
    if request.method == "POST":
        data, errors = load_form(schemas.FeedSchema(), request.form)
        if data is not None:
            _feed, token = service.create_feed(current_user, data.get("label") or "")
            made = external_url(url_for("calendar.feed", token=token))
    return render_template(
        "calendar/feeds.html",
        feeds=service.list_feeds(current_user),
        made=made,
        webcal=made.replace("https://", "webcal://").replace("http://", "webcal://")
        if made
        else None,
        errors=errors,
    ), (422 if errors else 200)


@bp.route("/calendar/feeds/<feed_id>/revoke", methods=["POST"])
@requires(Perm.AUTHENTICATED)
def revoke_feed(feed_id: str) -> Any:
    """Stop a feed address from working."""
    service.revoke_feed(current_user, feed_id)
    flash(_("That calendar address no longer works."), "success")
    return redirect(url_for("calendar.feeds"))


def feed_response(body: bytes, status: int = 200) -> Response:
    """A calendar feed response: text/calendar, never cached by the browser or proxies."""
    response = Response(body, status=status, mimetype="text/calendar")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/calendar/feed/<token>.ics")
@requires(Perm.PUBLIC)
def feed(token: str) -> Any:
    """The private iCalendar feed a phone calendar subscribes to (the token is the key)."""
    owner = service.feed_owner(token[:100])
    if owner is None:
        return feed_response(b"", 404)
    events, name = service.feed_events(owner)
    return feed_response(ical.build_feed(name, events, now=clock.utcnow()))
