"""JSON routes of the care log under /api/v1: the taxonomy and wage rates, care entries
(exactly once per client-made id or Idempotency-Key), reports, CSV, timers and the program."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, abort, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from familyapp.carelog import household, reports, schemas, service, valuation
from familyapp.carelog.models import CareEntry
from familyapp.core import authz, clock
from familyapp.core.api import API_PREFIX, api_route, dump, parse
from familyapp.core.authz import Perm
from familyapp.families import service as families
from familyapp.families.models import Child, Family

bp = Blueprint("carelog_api", __name__, url_prefix=API_PREFIX)

MAX_RANGE_DAYS = 6 * 366  # a five-year report, with room to spare
METHOD_LABELS = {
    valuation.AIDE_ALL: "All hours at a home health aide's wage",
    valuation.MINIMUM_ALL: "All hours at the federal minimum wage",
    valuation.TASK_BASED: "Task-based: skilled tasks at an LPN's wage, the rest at an aide's",
    "foregone": "Foregone earnings: paid work missed at the caregiver's wage",
}


def entry_body(entry: CareEntry) -> dict[str, Any]:
    """A care entry as the API shows it."""
    body: dict[str, Any] = schemas.CareEntrySchema().dump(
        {
            "id": entry.id,
            "child_id": entry.child_id,
            "activity": entry.activity,
            "care_class": entry.care_class,
            "started_at": entry.started_at,
            "minutes": entry.minutes,
            "caregiver": entry.caregiver_id,
            "note": entry.note,
            "performed_by": entry.performed_by,
            "deleted": entry.deleted_at is not None,
        }
    )
    return body


def date_range(subject: Child | Family, default_days: int = 28) -> tuple[date, date]:
    """?from=&to= as local dates of the child's or family's zone (default: the last 4 weeks,
    today included)."""
    today = service.today_for(subject) if isinstance(subject, Child) else service.today_in(subject)
    parsed: dict[str, date] = {}
    for name, default in (("from", today - timedelta(days=default_days - 1)), ("to", today)):
        value = request.args.get(name)
        try:
            parsed[name] = date.fromisoformat(value[:10]) if value else default
        except ValueError:
            raise ValidationError({name: [_("Enter a date like 2019-03-14.")]}) from None
    if parsed["to"] < parsed["from"]:
        raise ValidationError({"to": [_("The end must be after the start.")]})
    if (parsed["to"] - parsed["from"]).days > MAX_RANGE_DAYS:
        raise ValidationError({"to": [_("Choose a range of up to six years.")]})
    return parsed["from"], parsed["to"]


def report_body(
    report: reports.Report, schema: schemas.CareReportSchema | None = None
) -> dict[str, Any]:
    """A report as JSON (method labels in English: the codes are the contract)."""
    for method in [*report.replacement_cost, report.foregone_earnings]:
        method.label = METHOD_LABELS.get(method.code, method.code)
    body: dict[str, Any] = (schema or schemas.CareReportSchema()).dump(report)
    body["rates"] = schemas.WageRatesSchema().dump(report.rates)
    return body


@api_route(
    bp,
    "/care-activities",
    methods=["GET"],
    permission=Perm.AUTHENTICATED,
    response=schemas.ActivitySchema,
    many=True,
)
def list_activities() -> Any:
    """The care-activity taxonomy: code, localized label and class."""
    return jsonify(schemas.ActivitySchema(many=True).dump(household.activities()))


@api_route(
    bp,
    "/children/<child_id>/care-activities",
    methods=["GET"],
    permission=Perm.CARELOG_READ,
    response=schemas.ActivitySchema,
    many=True,
)
def child_activities(child_id: str) -> Any:
    """The taxonomy plus the activities this child's family added."""
    child = families.get_child(child_id)
    return jsonify(schemas.ActivitySchema(many=True).dump(household.activities(child.family_id)))


@api_route(
    bp,
    "/children/<child_id>/care-activities",
    methods=["POST"],
    permission=Perm.CARELOG_WRITE,
    body=schemas.ActivitySchema,
    response=schemas.ActivitySchema,
    status=201,
)
def add_activity(child_id: str) -> Any:
    """Add one of the family's own activities, in the class it chooses."""
    data = parse(schemas.ActivitySchema())
    child = families.get_child(child_id)
    made = household.add_activity(current_user, child.family_id, data["label"], data["care_class"])
    return dump(schemas.ActivitySchema(), made, 201)


@api_route(
    bp,
    "/wage-rates",
    methods=["GET"],
    permission=Perm.AUTHENTICATED,
    response=schemas.WageRatesSchema,
)
def wage_rates() -> Any:
    """The wage rates in force, with their region, year and source."""
    return dump(schemas.WageRatesSchema(), household.rates_in_force())


@api_route(
    bp,
    "/children/<child_id>/care-entries",
    methods=["GET"],
    permission=Perm.CARELOG_READ,
    response=schemas.CareEntrySchema,
    many=True,
)
def list_entries(child_id: str) -> Any:
    """The child's care entries in ?from=&to= (caregivers see the ones they logged)."""
    child = families.get_child(child_id)
    first, last = date_range(child)
    start, end = reports.window(first, last, families.get_family(child.family_id).time_zone)
    found = service.entries(current_user, g.grant, child, start, end, limit=5000)
    return jsonify([entry_body(e) for e in found])


@api_route(
    bp,
    "/children/<child_id>/care-entries",
    methods=["POST"],
    permission=Perm.CARELOG_WRITE,
    body=schemas.CareEntrySchema,
    response=schemas.CareEntrySchema,
    status=201,
)
def create_entry(child_id: str) -> Any:
    """Log care; a replay of the same id or Idempotency-Key returns the stored entry (200)."""
    data = parse(schemas.CareEntrySchema())
    entry, created = service.log_entry(
        current_user,
        g.grant,
        families.get_child(child_id),
        data,
        request.headers.get("Idempotency-Key"),
    )
    response = jsonify(entry_body(entry))
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"{API_PREFIX}/care-entries/{entry.id}"
    return response


@api_route(
    bp,
    "/care-entries/<entry_id>",
    methods=["PUT"],
    permission=Perm.CARELOG_WRITE,
    body=schemas.CareEntrySchema,
    response=schemas.CareEntrySchema,
)
def put_entry(entry_id: str) -> Any:
    """Change a care entry (the earlier version is kept)."""
    data = parse(schemas.CareEntrySchema())
    entry = service.update_entry(current_user, g.grant, service.get_entry(entry_id), data)
    return jsonify(entry_body(entry))


@api_route(
    bp, "/care-entries/<entry_id>", methods=["DELETE"], permission=Perm.CARELOG_WRITE, status=204
)
def delete_entry(entry_id: str) -> Any:
    """Remove a care entry from the reports (it stays in the history)."""
    service.delete_entry(current_user, g.grant, service.get_entry(entry_id))
    return "", 204


@api_route(
    bp,
    "/children/<child_id>/care-report",
    methods=["GET"],
    permission=Perm.CARELOG_READ,
    response=schemas.CareReportSchema,
)
def care_report(child_id: str) -> Any:
    """Hours by class and activity, replacement cost per method, foregone earnings."""
    child = families.get_child(child_id)
    first, last = date_range(child)
    return jsonify(report_body(reports.child_report(current_user, g.grant, child, first, last)))


@api_route(
    bp,
    "/families/<family_id>/care-report",
    methods=["GET"],
    permission=Perm.CARELOG_READ,
    response=schemas.FamilyCareReportSchema,
)
def family_care_report(family_id: str) -> Any:
    """The child report summed over the family's children (guardians and the care team)."""
    family = families.get_family(family_id)
    children = reports.fully_seen_children(current_user, family.id)
    if not children:
        # A caregiver sees only the care time they logged, child by child: the family's
        # totals are not theirs to read (403, as the family itself is no secret to them).
        abort(403)
    first, last = date_range(family)
    authz.record_phi_reads(
        authz.grants_for(current_user.id), family.id, [c.id for c in children], Perm.CARELOG_READ
    )
    found = reports.family_report(current_user, family, children, first, last)
    return jsonify(report_body(found, schemas.FamilyCareReportSchema()))


def csv_response(rows: Any, filename: str) -> Response:
    """A CSV download (UTF-8 with a byte-order mark, so spreadsheets read accents right)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
        writer.writerow(["'" + c if c[:1] in ("=", "+", "-", "@") else c for c in row])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@api_route(
    bp, "/children/<child_id>/care-entries.csv", methods=["GET"], permission=Perm.CARELOG_READ
)
def entries_csv(child_id: str) -> Any:
    """The child's care entries in ?from=&to= as CSV (default: the last year)."""
    child = families.get_child(child_id)
    first, last = date_range(child, default_days=365)
    rows = reports.csv_rows(current_user, g.grant, child, first, last)
    return csv_response(rows, f"care-entries-{first.isoformat()}-{last.isoformat()}.csv")


@api_route(
    bp,
    "/children/<child_id>/care-timer",
    methods=["POST"],
    permission=Perm.CARELOG_WRITE,
    body=schemas.TimerStartSchema,
    status=201,
)
def start_timer(child_id: str) -> Any:
    """Start a stopwatch kept on the server (it survives closing the app)."""
    data = parse(schemas.TimerStartSchema())
    timer = service.start_timer(current_user, g.grant, families.get_child(child_id), data)
    response = jsonify(
        {"activity": timer.activity, "started_at": timer.started_at.isoformat(), "running": True}
    )
    response.status_code = 201
    return response


@api_route(
    bp,
    "/children/<child_id>/care-timer",
    methods=["DELETE"],
    permission=Perm.CARELOG_WRITE,
    response=schemas.CareEntrySchema,
)
def stop_timer(child_id: str) -> Any:
    """Stop the stopwatch: its time becomes a care entry (to `ended_at` if one is sent)."""
    data = parse(schemas.TimerStopSchema()) if request.get_data() else {"ended_at": None}
    entry = service.stop_timer(
        current_user, g.grant, families.get_child(child_id), data["ended_at"]
    )
    if entry is None:
        return jsonify({"running": False, "entry": None})
    return jsonify({"running": False, "entry": entry_body(entry)})


@api_route(
    bp,
    "/children/<child_id>/work-missed",
    methods=["POST"],
    permission=Perm.CARELOG_WRITE,
    body=schemas.WorkMissedSchema,
    status=201,
)
def work_missed(child_id: str) -> Any:
    """Record hours of paid work you missed on a day to care for the child."""
    data = parse(schemas.WorkMissedSchema())
    row = household.record_work_missed(current_user, families.get_child(child_id), data)
    response = jsonify({"id": str(row.id), "day": row.day.isoformat(), "minutes": row.minutes})
    response.status_code = 201
    return response


@api_route(
    bp,
    "/children/<child_id>/nursing-weeks",
    methods=["PUT"],
    permission=Perm.CHILD_EDIT,
    body=schemas.NursingWeekSchema,
)
def nursing_week(child_id: str) -> Any:
    """Home-nursing hours authorised and delivered in a week."""
    data = parse(schemas.NursingWeekSchema())
    row = household.set_nursing_week(current_user, families.get_child(child_id), data)
    return dump(schemas.NursingWeekSchema(), row)


@api_route(bp, "/care-program", methods=["GET"], permission=Perm.PROGRAM_READ)
def program() -> Any:
    """De-identified monthly totals across consenting families (groups under 5 hidden)."""
    if not reports.may_read_program(current_user):
        abort(404)
    months = reports.program_view(current_user, clock.utcnow().date())
    return jsonify(
        [
            {
                "month": m.month.isoformat()[:7],
                "families": m.families if not m.suppressed else None,
                "suppressed": m.suppressed,
                "children": m.children if not m.suppressed else None,
                "hours_per_child": _s(m.hours_per_child),
                "cost_per_child": _s(m.cost_per_child),
                "coordination_hours_per_child": _s(m.coordination_hours_per_child),
                "team_hours_per_child": _s(m.team_hours_per_child),
                "team_cost_per_child": _s(m.team_cost_per_child),
            }
            for m in months
        ]
    )


def _s(value: Any) -> str | None:
    return None if value is None else str(value)
