"""JSON routes of the calendar under /api/v1, and the calendar feed itself."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from familyapp.calendar import ical, schemas, service
from familyapp.calendar.models import Appointment
from familyapp.core import clock
from familyapp.core.api import API_PREFIX, api_route, dump, parse
from familyapp.core.authz import Perm
from familyapp.core.urls import external_url
from familyapp.families import service as families

bp = Blueprint("calendar_api", __name__, url_prefix=API_PREFIX)


def appointment_body(
    appointment: Appointment, occurrences: list[Any] | None = None
) -> dict[str, Any]:
    """An appointment with local start and end in its own time zone, as the API shows it."""
    body = appointment.detail()
    body["starts_at"] = service.to_local(appointment.starts_at, appointment.timezone)
    body["ends_at"] = service.to_local(appointment.ends_at, appointment.timezone)
    result: dict[str, Any] = schemas.AppointmentSchema().dump(body)
    if occurrences is not None:
        result["occurrences"] = [
            {
                "starts_at": item.start.isoformat(),
                "ends_at": item.end.isoformat(),
                "original_start": item.original_start.isoformat(),
                "moved": item.moved,
            }
            for item in occurrences
        ]
    return result


def _window() -> tuple[datetime, datetime]:
    parsed = []
    for name, default in (("from", clock.utcnow()), ("to", clock.utcnow() + timedelta(days=30))):
        value = request.args.get(name)
        if not value:
            parsed.append(default)
            continue
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError({name: [_("Enter a date like 2019-03-14.")]}) from None
        parsed.append(moment if moment.tzinfo else moment.replace(tzinfo=clock.utcnow().tzinfo))
    start, end = parsed
    if end <= start or end - start > timedelta(days=400):
        raise ValidationError({"to": [_("Choose a window of up to 400 days after the start.")]})
    return start, end


@api_route(
    bp,
    "/children/<child_id>/appointments",
    methods=["GET"],
    permission=Perm.PLAN_READ,
    response=schemas.AppointmentSchema,
    many=True,
)
def list_appointments(child_id: str) -> Any:
    """The child's appointments overlapping ?from=&to= (default: the next 30 days)."""
    child = families.get_child(child_id)
    start, end = _window()
    items = service.agenda([child.id], start, end)
    grouped: dict[Any, list[Any]] = {}
    order: list[Appointment] = []
    for item in items:
        if item.appointment.id not in grouped:
            order.append(item.appointment)
        grouped.setdefault(item.appointment.id, []).append(item)
    return jsonify([appointment_body(a, grouped[a.id]) for a in order])


@api_route(
    bp,
    "/children/<child_id>/appointments",
    methods=["POST"],
    permission=Perm.PLAN_EDIT,
    body=schemas.AppointmentSchema,
    response=schemas.AppointmentSchema,
    status=201,
)
def create_appointment(child_id: str) -> Any:
    """Add an appointment or a recurring series."""
    data = parse(schemas.AppointmentSchema())
    made = service.create_appointment(current_user, families.get_child(child_id), data)
    response = jsonify(appointment_body(made))
    response.status_code = 201
    return response


@api_route(
    bp,
    "/appointments/<appointment_id>",
    methods=["GET"],
    permission=Perm.PLAN_READ,
    response=schemas.AppointmentSchema,
)
def get_appointment(appointment_id: str) -> Any:
    """One appointment."""
    return jsonify(appointment_body(service.get_appointment(appointment_id)))


@api_route(
    bp,
    "/appointments/<appointment_id>",
    methods=["PUT"],
    permission=Perm.PLAN_EDIT,
    body=schemas.AppointmentSchema,
    response=schemas.AppointmentSchema,
)
def put_appointment(appointment_id: str) -> Any:
    """Change an appointment or a whole series."""
    data = parse(schemas.AppointmentSchema())
    updated = service.update_appointment(
        current_user, service.get_appointment(appointment_id), data
    )
    return jsonify(appointment_body(updated))


@api_route(
    bp, "/appointments/<appointment_id>", methods=["DELETE"], permission=Perm.PLAN_EDIT, status=204
)
def delete_appointment(appointment_id: str) -> Any:
    """Cancel an appointment (the whole series)."""
    service.delete_appointment(current_user, service.get_appointment(appointment_id))
    return "", 204


@api_route(
    bp,
    "/appointments/<appointment_id>/exceptions",
    methods=["POST"],
    permission=Perm.PLAN_EDIT,
    body=schemas.ExceptionSchema,
)
def post_exception(appointment_id: str) -> Any:
    """Cancel or move one occurrence of a series."""
    data = parse(schemas.ExceptionSchema())
    appointment = service.get_appointment(appointment_id)
    service.set_exception(
        current_user,
        appointment,
        data["original_start"],
        cancelled=data["cancelled"],
        new_start_local=data.get("starts_at"),
        new_end_local=data.get("ends_at"),
    )
    return jsonify({"status": "saved"})


@api_route(
    bp,
    "/children/<child_id>/appointments/import",
    methods=["POST"],
    permission=Perm.PLAN_EDIT,
    response=schemas.ImportResultSchema,
)
def import_appointments(child_id: str) -> Any:
    """Add or refresh appointments from an iCalendar (text/calendar) body, matched by UID."""
    child = families.get_child(child_id)
    family = families.get_family(child.family_id)
    data = request.get_data(cache=False)
    try:
        if len(data) > ical.MAX_FILE_BYTES:
            raise ValueError("too_big")
        events = ical.parse_ics(data, family.time_zone)
        if not events:
            raise ValueError("empty")
    except ValueError:
        raise ValidationError(
            {"file": [_("Choose a calendar file (.ics) from an invitation or a clinic portal.")]}
        ) from None
    result = service.import_events(current_user, child, events)
    return dump(schemas.ImportResultSchema(), result)


@api_route(
    bp,
    "/calendar-feeds",
    methods=["POST"],
    permission=Perm.AUTHENTICATED,
    body=schemas.FeedSchema,
    response=schemas.FeedSchema,
    status=201,
)
def create_feed() -> Any:
    """Make a private iCalendar feed URL of your appointments (shown once)."""
    data = parse(schemas.FeedSchema())
    feed, token = service.create_feed(current_user, data.get("label", ""))
    body = {
        "id": feed.id,
        "label": feed.label,
        "created_at": feed.created_at,
        "url": external_url(f"/calendar/feed/{token}.ics"),
    }
    return dump(schemas.FeedSchema(), body, 201)


@api_route(
    bp, "/calendar-feeds/<feed_id>", methods=["DELETE"], permission=Perm.AUTHENTICATED, status=204
)
def delete_feed(feed_id: str) -> Any:
    """Revoke a calendar feed URL."""
    service.revoke_feed(current_user, feed_id)
    return "", 204
