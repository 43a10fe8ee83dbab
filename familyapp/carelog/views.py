"""HTML routes of the care log: quick entry and the server-side timer (the phone pages), a
child's report with its chart, methods and sources, the printable PDF, and the program view."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from babel.numbers import format_currency, format_decimal
from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from familyapp.carelog import chart, household, reports, schemas, service, taxonomy, valuation
from familyapp.core import authz, clock, ids
from familyapp.core.authz import Perm, has_role_permission, requires
from familyapp.core.errors import ServiceError
from familyapp.core.forms import load_form
from familyapp.families import service as families
from familyapp.families.models import Child

bp = Blueprint("carelog", __name__)

RANGES: dict[str, Any] = {
    "week": _l("Last 7 days"),
    "month": _l("Last 30 days"),
    "year": _l("Last 12 months"),
    "custom": _l("Choose dates"),
}
RANGE_DAYS = {"week": 7, "month": 30, "year": 365}
METHOD_LABELS: dict[str, Any] = {
    valuation.AIDE_ALL: _l("Every hour at a home health aide's wage"),
    valuation.MINIMUM_ALL: _l("Every hour at the federal minimum wage"),
    valuation.TASK_BASED: _l(
        "Task-based: skilled tasks at a nurse's (LPN) wage, the rest at an aide's"
    ),
    "foregone": _l("Foregone earnings: paid work missed at the caregiver's wage"),
}
ENTRY_FIELDS = ("id", "activity", "started_at", "minutes", "note")


@bp.app_template_filter("money")
def money(value: Decimal | None) -> str:
    """An amount in US dollars as the reader's locale writes money."""
    if value is None:
        return ""
    return format_currency(value, "USD", locale=get_locale())


@bp.app_template_filter("hours")
def hours(value: Decimal | None) -> str:
    """Hours to one decimal, as the reader's locale writes numbers."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.0", locale=get_locale())


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "care_class_label": taxonomy.class_label,
        "care_classes": taxonomy.CLASS_INFO,
        "method_label": lambda code: str(METHOD_LABELS.get(code, code)),
    }


def _grouped(family_id: Any) -> list[tuple[str, list[household.ActivityView]]]:
    found = household.activities(family_id)
    return [
        (taxonomy.class_label(code), [a for a in found if a.care_class == code])
        for code in taxonomy.CLASSES
    ]


def _now_local() -> str:
    local = clock.utcnow().astimezone(get_timezone()).replace(tzinfo=None, second=0, microsecond=0)
    return local.isoformat(timespec="minutes")


def _home(
    children: list[tuple[Child, authz.Grant]],
    child: Child,
    grant: authz.Grant,
    values: dict[str, Any],
    errors: dict[str, Any],
) -> Any:
    now = clock.utcnow()
    recent = service.entries(current_user, grant, child, now - timedelta(days=7), now, limit=30)
    labels = household.activity_labels(child.family_id)
    timer = next((t for t in service.running_timers(current_user) if t.child_id == child.id), None)
    return render_template(
        "carelog/home.html",
        children=[c for c, _g in children],
        child=child,
        groups=_grouped(child.family_id),
        values=values,
        errors=errors,
        recent=recent,
        labels=labels,
        timer=timer,
        timer_minutes=int((now - timer.started_at).total_seconds() // 60) if timer else 0,
        can_change=lambda entry: service.may_change(current_user, grant, entry),
        family_link=_family_link(child),
        can_program=any(
            has_role_permission(grant.role, Perm.PROGRAM_READ)
            for grant in authz.grants_for(current_user.id)
        ),
    ), (422 if errors else 200)


def _pick(
    children: list[tuple[Child, authz.Grant]], wanted: str | None
) -> tuple[Child, authz.Grant]:
    for child, grant in children:
        if str(child.id) == wanted:
            return child, grant
    return children[0]


@bp.route("/care", methods=["GET", "POST"])
@requires(Perm.AUTHENTICATED)
def home() -> Any:
    """Log care in seconds: quick entry, the timer, and the last week's entries."""
    children = service.loggable_children(current_user)
    if not children:
        return render_template("carelog/none.html")
    if request.method == "GET":
        child, grant = _pick(children, request.args.get("child"))
        values = {"id": str(ids.new_id()), "started_at": _now_local(), "minutes": ""}
        return _home(children, child, grant, values, {})
    # The child comes from the form, so the policy is asked here rather than by the URL.
    grant = authz.authorize_child(Perm.CARELOG_WRITE, request.form.get("child_id", ""))
    child = families.get_child(request.form.get("child_id", ""))
    values = {name: request.form.get(name, "") for name in ENTRY_FIELDS}
    data, errors = load_form(schemas.CareEntrySchema(), request.form)
    if data is not None:
        try:
            entry, _created = service.log_entry(current_user, grant, child, data)
        except ServiceError as error:
            errors = error.errors
        else:
            label = household.activity_labels(child.family_id).get(entry.activity, entry.activity)
            flash(
                _(
                    "Saved: %(minutes)s minutes of %(activity)s.",
                    minutes=entry.minutes,
                    activity=label,
                ),
                "success",
            )
            return redirect(url_for("carelog.home", child=child.id))
    return _home(children, child, grant, values, errors)


@bp.route("/children/<child_id>/care/timer", methods=["POST"])
@requires(Perm.CARELOG_WRITE)
def timer_start(child_id: str) -> Any:
    """Start the stopwatch (kept on the server: closing the app does not stop it)."""
    child = families.get_child(child_id)
    data, errors = load_form(schemas.TimerStartSchema(), request.form)
    try:
        if data is None:
            raise ServiceError(_("Please correct the fields shown."), status=422, errors=errors)
        service.start_timer(current_user, g.grant, child, data)
    except ServiceError as error:
        flash(
            " ".join(str(m) for ms in error.errors.values() for m in ms) or error.message, "error"
        )
    else:
        flash(_("Timer started. You can close the app; it keeps running."), "success")
    return redirect(url_for("carelog.home", child=child.id))


@bp.route("/children/<child_id>/care/timer/stop", methods=["POST"])
@requires(Perm.CARELOG_WRITE)
def timer_stop(child_id: str) -> Any:
    """Stop the stopwatch: its time becomes an entry."""
    child = families.get_child(child_id)
    try:
        entry = service.stop_timer(current_user, g.grant, child)
    except ServiceError as error:
        flash(
            " ".join(str(m) for ms in error.errors.values() for m in ms) or error.message, "error"
        )
    else:
        if entry is None:
            flash(_("Timer stopped. Less than a minute was not saved."), "success")
        else:
            flash(_("Timer stopped: %(minutes)s minutes saved.", minutes=entry.minutes), "success")
    return redirect(url_for("carelog.home", child=child.id))


@bp.route("/care/entries/<entry_id>", methods=["GET", "POST"])
@requires(Perm.CARELOG_WRITE)
def edit(entry_id: str) -> Any:
    """Change an entry (what it was is kept)."""
    entry = service.get_entry(entry_id)
    if entry.deleted_at is not None or not service.may_change(current_user, g.grant, entry):
        abort(404 if entry.deleted_at is not None else 403)
    child = families.get_child(entry.child_id)
    errors: dict[str, Any] = {}
    values: dict[str, Any]
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in ENTRY_FIELDS}
        data, errors = load_form(schemas.CareEntrySchema(), request.form)
        if data is not None:
            try:
                service.update_entry(current_user, g.grant, entry, data)
            except ServiceError as error:
                errors = error.errors
            else:
                flash(_("Entry saved."), "success")
                return redirect(url_for("carelog.home", child=child.id))
    else:
        local = entry.started_at.astimezone(get_timezone()).replace(tzinfo=None)
        values = {
            "activity": entry.activity,
            "started_at": local.isoformat(timespec="minutes"),
            "minutes": entry.minutes,
            "note": entry.note,
        }
    return render_template(
        "carelog/edit.html",
        entry=entry,
        child=child,
        groups=_grouped(child.family_id),
        values=values,
        errors=errors,
        revisions=service.revisions(entry),
        labels=household.activity_labels(child.family_id),
    ), (422 if errors else 200)


@bp.route("/care/entries/<entry_id>/delete", methods=["POST"])
@requires(Perm.CARELOG_WRITE)
def delete(entry_id: str) -> Any:
    """Remove an entry from the reports (its history stays)."""
    entry = service.get_entry(entry_id)
    service.delete_entry(current_user, g.grant, entry)
    flash(_("Entry removed."), "success")
    return redirect(url_for("carelog.home", child=entry.child_id))


def _range(today: date) -> tuple[str, date, date, dict[str, Any]]:
    chosen = request.args.get("range", "month")
    chosen = chosen if chosen in RANGES else "month"
    errors: dict[str, Any] = {}
    if chosen == "custom":
        try:
            first, last = (
                date.fromisoformat(request.args.get("from", "")),
                date.fromisoformat(request.args.get("to", "")),
            )
            if last < first:
                errors = {"to": [_("The end must be after the start.")]}
        except ValueError:
            errors = {"from": [_("Enter a date like 2019-03-14.")]}
        if not errors:
            return chosen, first, last, {}
        chosen = "month"
    return chosen, today - timedelta(days=RANGE_DAYS[chosen] - 1), today, errors


def _family_link(child: Child) -> str | None:
    """The family's name when the family report is offered (else None): more than one child,
    all of whose time the user reads in full (guardians and the care team)."""
    if len(reports.fully_seen_children(current_user, child.family_id)) < 2:
        return None
    return families.get_family(child.family_id).name


@bp.route("/children/<child_id>/care/report")
@requires(Perm.CARELOG_READ)
def report(child_id: str) -> Any:
    """Hours by class and activity, a weekly chart, every valuation method with its source."""
    child = families.get_child(child_id)
    today = service.today_for(child)
    chosen, first, last, errors = _range(today)
    found = reports.child_report(current_user, g.grant, child, first, last)
    grant = g.grant
    profile = household.profile(child.family_id, current_user.id)
    return render_template(
        "carelog/report.html",
        child=child,
        family=None,
        subject=child.display_name,
        scope={"child_id": child.id},
        report_endpoint="carelog.report",
        pdf_endpoint="carelog.report_pdf",
        family_link=_family_link(child),
        report=found,
        chart=chart.weekly([(w.week_start, w.hours) for w in found.weeks]),
        ranges=RANGES,
        chosen=chosen,
        errors=errors,
        national=valuation.NATIONAL_AVERAGES,
        can_log=has_role_permission(grant.role, Perm.CARELOG_WRITE),
        can_nursing=has_role_permission(grant.role, Perm.CHILD_EDIT),
        can_consent=has_role_permission(grant.role, Perm.FAMILY_MANAGE),
        consented=household.consented(child.family_id),
        profile=profile,
        today=today,
        this_monday=today - timedelta(days=today.weekday()),
    )


@bp.route("/children/<child_id>/care/report.pdf")
@requires(Perm.CARELOG_READ)
def report_pdf(child_id: str) -> Any:
    """The printable "cost of care" summary."""
    from familyapp.carelog import pdf  # fpdf2 only for the few requests that print

    child = families.get_child(child_id)
    _chosen, first, last, _errors = _range(service.today_for(child))
    found = reports.child_report(current_user, g.grant, child, first, last)
    body = pdf.cost_of_care_pdf(child, found, {k: str(v) for k, v in METHOD_LABELS.items()})
    return _pdf_response(body)


def _pdf_response(body: bytes) -> Response:
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'inline; filename="cost-of-care.pdf"'},
    )


def _family_report(family_id: str) -> tuple[Any, list[Child], str, date, date, dict[str, Any]]:
    # The route allowed CARELOG_READ on the whole family; the report sums only the children
    # the user reads in full, and a caregiver (their own time only) is refused (403).
    family = families.get_family(family_id)
    children = reports.fully_seen_children(current_user, family.id)
    if not children:
        abort(403)
    chosen, first, last, errors = _range(service.today_in(family))
    authz.record_phi_reads(
        authz.grants_for(current_user.id), family.id, [c.id for c in children], Perm.CARELOG_READ
    )
    return family, children, chosen, first, last, errors


@bp.route("/families/<family_id>/care/report")
@requires(Perm.CARELOG_READ)
def family_report(family_id: str) -> Any:
    """The family's report: every child's care summed, valued and charted as one child's."""
    family, children, chosen, first, last, errors = _family_report(family_id)
    found = reports.family_report(current_user, family, children, first, last)
    return render_template(
        "carelog/report.html",
        child=None,
        family=family,
        subject=family.name,
        scope={"family_id": family.id},
        report_endpoint="carelog.family_report",
        pdf_endpoint="carelog.family_report_pdf",
        family_link=None,
        report=found,
        chart=chart.weekly([(w.week_start, w.hours) for w in found.weeks]),
        ranges=RANGES,
        chosen=chosen,
        errors=errors,
        national=valuation.NATIONAL_AVERAGES,
        can_log=False,
        can_nursing=False,
        can_consent=False,
    )


@bp.route("/families/<family_id>/care/report.pdf")
@requires(Perm.CARELOG_READ)
def family_report_pdf(family_id: str) -> Any:
    """The printable "cost of care" summary for the whole family."""
    from familyapp.carelog import pdf  # fpdf2 only for the few requests that print

    family, children, _chosen, first, last, _errors = _family_report(family_id)
    found = reports.family_report(current_user, family, children, first, last)
    # The footer and title name the family (the PDF page class reads display_name).
    subject = SimpleNamespace(display_name=family.name, birth_date=None)
    labels = {k: str(v) for k, v in METHOD_LABELS.items()}
    return _pdf_response(pdf.cost_of_care_pdf(subject, found, labels))


def _flash_errors(errors: dict[str, Any]) -> None:
    flash(" ".join(str(m) for ms in errors.values() for m in ms), "error")


def _back(child: Child) -> Any:
    keep: dict[str, Any] = {k: v for k, v in request.args.items() if k in ("range", "from", "to")}
    return redirect(url_for("carelog.report", child_id=child.id, **keep))


def _save_form(
    child_id: str, schema: Any, save: Callable[[Child, dict[str, Any]], Any], done: str
) -> Any:
    # The report page's small forms: validate, save or say what is wrong, back to the report.
    child = families.get_child(child_id)
    data, errors = load_form(schema, request.form)
    if data is None:
        _flash_errors(errors)
    else:
        save(child, data)
        flash(done, "success")
    return _back(child)


@bp.route("/children/<child_id>/care/work-missed", methods=["POST"])
@requires(Perm.CARELOG_WRITE)
def work_missed(child_id: str) -> Any:
    """Record paid work you missed to care for the child."""
    return _save_form(
        child_id,
        schemas.WorkMissedSchema(),
        lambda child, data: household.record_work_missed(current_user, child, data),
        _("Paid work missed saved."),
    )


@bp.route("/children/<child_id>/care/wage", methods=["POST"])
@requires(Perm.CARELOG_WRITE)
def wage(child_id: str) -> Any:
    """Set your own wage for foregone earnings (or leave it blank for the median)."""
    return _save_form(
        child_id,
        schemas.WageSchema(),
        lambda child, data: household.set_wage(current_user, child.family_id, data),
        _("Your wage is saved."),
    )


@bp.route("/children/<child_id>/care/nursing", methods=["POST"])
@requires(Perm.CHILD_EDIT)
def nursing(child_id: str) -> Any:
    """Record a week's home-nursing hours, authorised and delivered."""
    return _save_form(
        child_id,
        schemas.NursingWeekSchema(),
        lambda child, data: household.set_nursing_week(current_user, child, data),
        _("Nursing hours saved."),
    )


@bp.route("/children/<child_id>/care/consent", methods=["POST"])
@requires(Perm.FAMILY_MANAGE)
def consent(child_id: str) -> Any:
    """Give or withdraw the family's consent to count in de-identified program totals."""
    child = families.get_child(child_id)
    given = request.form.get("given") == "1"
    household.set_consent(current_user, child.family_id, given)
    flash(
        _("Thank you: your family now counts in the program's totals, without names.")
        if given
        else _("Your family no longer counts in the program's totals."),
        "success",
    )
    return _back(child)


@bp.route("/families/<family_id>/care/paid-staff", methods=["POST"])
@requires(Perm.FAMILY_MANAGE)
def paid_staff(family_id: str) -> Any:
    """Mark a member as paid staff (an agency nurse), or not; their hours move with it."""
    family = families.get_family(family_id)
    data, errors = load_form(schemas.PaidStaffSchema(), request.form)
    if data is None:
        _flash_errors(errors)
    else:
        household.set_paid_staff(current_user, family.id, data["user_id"], data["paid"])
        flash(
            _("Saved: their care hours are shown apart, as paid care.")
            if data["paid"]
            else _("Saved: their care hours count as the family's."),
            "success",
        )
    return redirect(url_for("families.family", family_id=family.id))


@bp.route("/children/<child_id>/care/activities", methods=["POST"])
@requires(Perm.CARELOG_WRITE)
def add_activity(child_id: str) -> Any:
    """Add one of the family's own activities, in the class it chooses."""
    child = families.get_child(child_id)
    data, errors = load_form(schemas.ActivitySchema(), request.form)
    if data is None:
        _flash_errors(errors)
    else:
        made = household.add_activity(
            current_user, child.family_id, data["label"], data["care_class"]
        )
        flash(_("Activity added: %(label)s.", label=made.label), "success")
    return redirect(url_for("carelog.home", child=child.id))


@bp.route("/care/program")
@requires(Perm.PROGRAM_READ)
def program() -> Any:
    """De-identified monthly totals across consenting families, small groups hidden."""
    if not reports.may_read_program(current_user):
        abort(404)
    today = clock.utcnow().date()
    return render_template(
        "carelog/program.html",
        months=reports.program_view(current_user, today),
        families=len(reports.program_families(current_user)),
        minimum=reports.MIN_GROUP,
        rates=household.rates_in_force(),
    )
