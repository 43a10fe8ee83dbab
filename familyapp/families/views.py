"""HTML routes for families, children, members and invitations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from familyapp.carelog import household as carelog
from familyapp.carelog import reports as care_reports
from familyapp.core.authz import Perm, Role, authorize_family, requires
from familyapp.core.errors import ServiceError
from familyapp.core.forms import load_form
from familyapp.core.urls import external_url
from familyapp.families import access_log, privacy, schemas, service

bp = Blueprint("families", __name__)


def invitation_link_base() -> str:
    """Where invitation links point: this server's /invite/ page."""
    return external_url("/invite/")


@bp.route("/family")
@requires(Perm.AUTHENTICATED)
def my_family() -> Any:
    """The user's (first) family, or a prompt to create one."""
    families = service.families_for(current_user)
    if not families:
        return redirect(url_for("families.new_child"))
    return redirect(url_for("families.family", family_id=families[0].family.id))


@bp.route("/families/new", methods=["GET", "POST"])
@requires(Perm.AUTHENTICATED)
def new_family() -> Any:
    """Create another household, with the user as its guardian."""
    errors: dict[str, Any] = {}
    form: dict[str, Any] = {"time_zone": current_user.time_zone}
    if request.method == "POST":
        form = request.form.to_dict()
        data, errors = load_form(schemas.FamilySchema(), request.form)
        if data is not None:
            fam = service.create_family(current_user, data["name"], data["time_zone"])
            flash(_("Saved."), "success")
            return redirect(url_for("families.family", family_id=fam.id))
    return render_template("families/family_new.html", errors=errors, form=form), (
        422 if errors else 200
    )


@bp.route("/families/<family_id>")
@requires(Perm.FAMILY_READ)
def family(family_id: str) -> Any:
    """A family: its children, members and (for guardians) invitations."""
    grant = authorize_family(Perm.FAMILY_READ, family_id)
    fam = service.get_family(family_id)
    # A guardian of one child only does not manage the family's invitations (policy, FAMILY_MANAGE).
    is_guardian = grant.role is Role.GUARDIAN and grant.child_id is None
    return render_template(
        "families/family.html",
        family=fam,
        children=[c for c in service.children_for(current_user) if c.family_id == fam.id],
        members=service.members(fam.id),
        paid_staff=carelog.paid_staff_ids(fam.id),
        paid_staff_roles=carelog.PAID_STAFF_ROLES,
        care_report=bool(care_reports.fully_seen_children(current_user, fam.id)),
        invitations=service.invitations(fam.id) if is_guardian else [],
        is_guardian=is_guardian,
        new_link=request.args.get("link"),
    )


@bp.route("/families/<family_id>/edit", methods=["GET", "POST"])
@requires(Perm.FAMILY_MANAGE)
def edit_family(family_id: str) -> Any:
    """Rename the family or change its time zone."""
    fam = service.get_family(family_id)
    errors: dict[str, Any] = {}
    if request.method == "POST":
        data, errors = load_form(schemas.FamilySchema(), request.form)
        if data is not None:
            service.update_family(current_user, fam, data)
            flash(_("Saved."), "success")
            return redirect(url_for("families.family", family_id=fam.id))
    return render_template("families/family_edit.html", family=fam, errors=errors), (
        422 if errors else 200
    )


@bp.route("/children/new", methods=["GET", "POST"])
@requires(Perm.AUTHENTICATED)
def new_child() -> Any:
    """Add a child (and, for a new user, their family)."""
    errors: dict[str, Any] = {}
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = request.form.to_dict()
        data, errors = load_form(schemas.ChildSchema(), request.form)
        if data is not None:
            try:
                child = service.create_child(current_user, data)
            except ServiceError as error:
                errors = error.errors or {"_": [error.message]}
            else:
                flash(_("%(name)s is added.", name=child.display_name), "success")
                return redirect(url_for("families.child", child_id=child.id))
    return render_template("families/child_form.html", child=None, errors=errors, form=form), (
        422 if errors else 200
    )


@bp.route("/children/<child_id>")
@requires(Perm.CHILD_READ)
def child(child_id: str) -> Any:
    """A child's home: the way into their plan and the other features."""
    kid = service.get_child(child_id)
    return render_template("families/child.html", child=kid, is_self=g.grant.role is Role.SELF)


@bp.route("/children/<child_id>/privacy", methods=["GET", "POST"])
@requires(Perm.RECORD_PRIVACY)
def record_privacy(child_id: str) -> Any:
    """The young person's own page: who sees my record, and stopping or allowing each one."""
    kid = service.get_child(child_id)
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        data, errors = load_form(schemas.RecordShareSchema(), request.form)
        if data is not None:
            try:
                changed = privacy.set_sees_record(
                    current_user, kid, data["membership_id"], data["sees_record"]
                )
            except ServiceError as error:
                errors, status = {"_": [error.message]}, error.status
            else:
                message = (
                    _("%(name)s can see your record again.", name=changed["name"])
                    if changed["sees_record"]
                    else _("%(name)s no longer sees your record.", name=changed["name"])
                )
                flash(message, "success")
                return redirect(url_for("families.record_privacy", child_id=kid.id))
        else:
            status = 422
    return render_template(
        "families/privacy.html",
        child=kid,
        people=privacy.audience(kid),
        adult=privacy.is_adult(kid),
        errors=errors,
    ), status


@bp.route("/children/<child_id>/edit", methods=["GET", "POST"])
@requires(Perm.CHILD_EDIT)
def edit_child(child_id: str) -> Any:
    """Change a child's name, birth date, pronouns or language."""
    kid = service.get_child(child_id)
    errors: dict[str, Any] = {}
    form: dict[str, Any] = schemas.ChildSchema().dump(kid)
    if request.method == "POST":
        form = request.form.to_dict()
        data, errors = load_form(schemas.ChildSchema(), request.form)
        if data is not None:
            service.update_child(current_user, kid, data)
            flash(_("Saved."), "success")
            return redirect(url_for("families.child", child_id=kid.id))
    return render_template("families/child_form.html", child=kid, errors=errors, form=form), (
        422 if errors else 200
    )


@bp.route("/families/<family_id>/invitations/new", methods=["GET", "POST"])
@requires(Perm.FAMILY_MANAGE)
def new_invitation(family_id: str) -> Any:
    """Invite someone with a role, for one child or all, with an optional end date."""
    fam = service.get_family(family_id)
    errors: dict[str, Any] = {}
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = request.form.to_dict()
        data, errors = load_form(schemas.InvitationCreateSchema(), request.form)
        if data is not None:
            try:
                made = service.create_invitation(current_user, fam, data, invitation_link_base())
            except ServiceError as error:
                errors = error.errors or {"_": [error.message]}
            else:
                return render_template("families/invitation_made.html", family=fam, invitation=made)
    return render_template(
        "families/invitation_form.html",
        family=fam,
        errors=errors,
        form=form,
        roles=schemas.ROLES,
        children=fam.children,
    ), (422 if errors else 200)


@bp.route("/families/<family_id>/invitations/<invitation_id>/revoke", methods=["POST"])
@requires(Perm.FAMILY_MANAGE)
def revoke_invitation(family_id: str, invitation_id: str) -> Any:
    """Withdraw an invitation link."""
    service.revoke_invitation(current_user, service.get_family(family_id), invitation_id)
    flash(_("The invitation link no longer works."), "success")
    return redirect(url_for("families.family", family_id=family_id))


@bp.route("/families/<family_id>/members/<membership_id>/remove", methods=["POST"])
@requires(Perm.FAMILY_MANAGE)
def remove_member(family_id: str, membership_id: str) -> Any:
    """Revoke a member's access."""
    try:
        service.remove_membership(current_user, service.get_family(family_id), membership_id)
    except ServiceError as error:
        if error.status == 404:
            raise
        flash(error.message, "error")
    else:
        flash(_("Access removed."), "success")
    return redirect(url_for("families.family", family_id=family_id))


@bp.route("/families/<family_id>/audit")
@requires(Perm.AUDIT_READ)
def audit(family_id: str) -> Any:
    """Who opened or changed the family's records, and what was refused."""
    fam = service.get_family(family_id)
    return render_template("families/audit.html", family=fam, events=service.audit_log(fam.id))


@bp.route("/invite/<token>", methods=["GET"])
@requires(Perm.PUBLIC)
def invitation(token: str) -> Any:
    """The page an invitation link opens: who invites, with what role."""
    invite = service.get_invitation_by_token(token)
    if invite is None:
        return render_template("families/invitation_invalid.html"), 404
    fam = service.get_family(invite.family_id)
    return render_template("families/invitation.html", invite=invite, family=fam, token=token)


@bp.route("/invite/<token>", methods=["POST"])
@requires(Perm.AUTHENTICATED)
def accept_invitation(token: str) -> Any:
    """Accept an invitation with one's own account."""
    try:
        membership = service.accept_invitation(current_user, token)
    except ServiceError:
        return render_template("families/invitation_invalid.html"), 404
    flash(_("You have joined the family."), "success")
    return redirect(url_for("families.family", family_id=membership.family_id))


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    # Role and status names are shown in many templates; they are translated at render time.
    def role_label(role: str) -> str:
        return {
            "guardian": _("Guardian"),
            "caregiver": _("Caregiver"),
            "care_team": _("Care team"),
            "viewer": _("Viewer"),
            "self": _("The young person themself"),
        }.get(role, role)

    def role_help(role: str) -> str:
        return {
            "guardian": _("owns the record, shares it, edits everything"),
            "caregiver": _("reads the plan and sick-day plans, logs care hours"),
            "care_team": _("co-edits the plan with the family, sees reports"),
            "viewer": _("reads only"),
            "self": _(
                "their own account, from age 12: reads their record and chooses who else sees it"
            ),
        }.get(role, "")

    def invitation_status_label(status: str) -> str:
        return {
            "pending": _("waiting"),
            "accepted": _("accepted"),
            "revoked": _("revoked"),
            "expired": _("expired"),
        }.get(status, status)

    return {
        "role_label": role_label,
        "role_help": role_help,
        "invitation_status_label": invitation_status_label,
        "audit_label": access_log.action_label,
        "audit_record_label": access_log.record_label,
    }
