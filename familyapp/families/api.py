"""JSON routes for families, children, members and invitations under /api/v1."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_login import current_user

from familyapp.core.api import API_PREFIX, api_route, dump, parse
from familyapp.core.authz import Perm, authorize_family
from familyapp.core.urls import external_url
from familyapp.families import privacy, schemas, service

bp = Blueprint("families_api", __name__, url_prefix=API_PREFIX)


@api_route(
    bp,
    "/children",
    methods=["GET"],
    permission=Perm.AUTHENTICATED,
    response=schemas.ChildSchema,
    many=True,
)
def list_children() -> Any:
    """Every child the user may see."""
    return jsonify(schemas.ChildSchema(many=True).dump(service.children_for(current_user)))


@api_route(
    bp,
    "/children",
    methods=["POST"],
    permission=Perm.AUTHENTICATED,
    body=schemas.ChildSchema,
    response=schemas.ChildSchema,
    status=201,
)
def create_child() -> Any:
    """Add a child; a user with no family gets one."""
    data = parse(schemas.ChildSchema())
    return dump(schemas.ChildSchema(), service.create_child(current_user, data), 201)


@api_route(
    bp,
    "/children/<child_id>",
    methods=["GET"],
    permission=Perm.CHILD_READ,
    response=schemas.ChildSchema,
)
def get_child(child_id: str) -> Any:
    """One child."""
    return dump(schemas.ChildSchema(), service.get_child(child_id))


@api_route(
    bp,
    "/children/<child_id>",
    methods=["PATCH"],
    permission=Perm.CHILD_EDIT,
    body=schemas.ChildSchema,
    response=schemas.ChildSchema,
)
def patch_child(child_id: str) -> Any:
    """Change a child's details."""
    data = parse(schemas.ChildSchema(exclude=("family_id",)), partial=True)
    child = service.update_child(current_user, service.get_child(child_id), data)
    return dump(schemas.ChildSchema(), child)


@api_route(
    bp,
    "/families",
    methods=["GET"],
    permission=Perm.AUTHENTICATED,
    response=schemas.FamilySchema,
    many=True,
)
def list_families() -> Any:
    """The user's families with their role in each."""
    rows = [
        {"id": v.family.id, "name": v.family.name, "time_zone": v.family.time_zone, "role": v.role}
        for v in service.families_for(current_user)
    ]
    return jsonify(schemas.FamilySchema(many=True).dump(rows))


@api_route(
    bp,
    "/families",
    methods=["POST"],
    permission=Perm.AUTHENTICATED,
    body=schemas.FamilySchema,
    response=schemas.FamilySchema,
    status=201,
)
def create_family() -> Any:
    """Create a household with the user as guardian."""
    data = parse(schemas.FamilySchema())
    return dump(schemas.FamilySchema(), service.create_family(current_user, **data), 201)


@api_route(
    bp,
    "/families/<family_id>",
    methods=["GET"],
    permission=Perm.FAMILY_READ,
    response=schemas.FamilySchema,
)
def get_family(family_id: str) -> Any:
    """One family."""
    grant = authorize_family(Perm.FAMILY_READ, family_id)
    fam = service.get_family(family_id)
    return dump(
        schemas.FamilySchema(),
        {"id": fam.id, "name": fam.name, "time_zone": fam.time_zone, "role": grant.role},
    )


@api_route(
    bp,
    "/families/<family_id>",
    methods=["PATCH"],
    permission=Perm.FAMILY_MANAGE,
    body=schemas.FamilySchema,
    response=schemas.FamilySchema,
)
def patch_family(family_id: str) -> Any:
    """Rename a family or change its time zone."""
    data = parse(schemas.FamilySchema(), partial=True)
    return dump(
        schemas.FamilySchema(),
        service.update_family(current_user, service.get_family(family_id), data),
    )


@api_route(
    bp,
    "/families/<family_id>/members",
    methods=["GET"],
    permission=Perm.FAMILY_READ,
    response=schemas.MemberSchema,
    many=True,
)
def list_members(family_id: str) -> Any:
    """The family's members and their roles."""
    return jsonify(
        schemas.MemberSchema(many=True).dump(service.members(service.get_family(family_id).id))
    )


@api_route(
    bp,
    "/families/<family_id>/members/<membership_id>",
    methods=["DELETE"],
    permission=Perm.FAMILY_MANAGE,
    status=204,
)
def delete_member(family_id: str, membership_id: str) -> Any:
    """Revoke a member's access (never the last guardian)."""
    service.remove_membership(current_user, service.get_family(family_id), membership_id)
    return "", 204


@api_route(
    bp,
    "/families/<family_id>/invitations",
    methods=["GET"],
    permission=Perm.FAMILY_MANAGE,
    response=schemas.InvitationSchema,
    many=True,
)
def list_invitations(family_id: str) -> Any:
    """The family's invitations and their status."""
    fam = service.get_family(family_id)
    return jsonify(schemas.InvitationSchema(many=True).dump(service.invitations(fam.id)))


@api_route(
    bp,
    "/families/<family_id>/invitations",
    methods=["POST"],
    permission=Perm.FAMILY_MANAGE,
    body=schemas.InvitationCreateSchema,
    response=schemas.InvitationSchema,
    status=201,
)
def create_invitation(family_id: str) -> Any:
    """Make an invitation link (its url is returned once)."""
    data = parse(schemas.InvitationCreateSchema())
    made = service.create_invitation(
        current_user, service.get_family(family_id), data, external_url("/invite/")
    )
    return dump(schemas.InvitationSchema(), made, 201)


@api_route(
    bp,
    "/families/<family_id>/invitations/<invitation_id>",
    methods=["DELETE"],
    permission=Perm.FAMILY_MANAGE,
    status=204,
)
def delete_invitation(family_id: str, invitation_id: str) -> Any:
    """Revoke an invitation link."""
    service.revoke_invitation(current_user, service.get_family(family_id), invitation_id)
    return "", 204


@api_route(
    bp,
    "/invitations/accept",
    methods=["POST"],
    permission=Perm.AUTHENTICATED,
    body=schemas.AcceptInvitationSchema,
)
def accept_invitation() -> Any:
    """Join a family with the token from an invitation link."""
    data = parse(schemas.AcceptInvitationSchema())
    membership = service.accept_invitation(current_user, data["token"])
    return jsonify(
        {"id": str(membership.id), "family_id": str(membership.family_id), "role": membership.role}
    )


@api_route(bp, "/families/<family_id>/audit", methods=["GET"], permission=Perm.AUDIT_READ)
def get_audit(family_id: str) -> Any:
    """The family's audit log (guardians only)."""
    rows = service.audit_log(service.get_family(family_id).id)
    return jsonify([dict(row, at=row["at"].isoformat()) for row in rows])


@api_route(
    bp,
    "/children/<child_id>/audience",
    methods=["GET"],
    permission=Perm.RECORD_PRIVACY,
    response=schemas.AudienceSchema,
    many=True,
)
def get_audience(child_id: str) -> Any:
    """The young person's own list: who sees my record, and whom I may stop or allow."""
    people = privacy.audience(service.get_child(child_id))
    return jsonify(schemas.AudienceSchema(many=True).dump(people))


@api_route(
    bp,
    "/children/<child_id>/audience/<membership_id>",
    methods=["PUT"],
    permission=Perm.RECORD_PRIVACY,
    body=schemas.SeesRecordSchema,
    response=schemas.AudienceSchema,
)
def put_audience(child_id: str, membership_id: str) -> Any:
    """Let one member see the young person's record, or stop them (guardians only from 18)."""
    data = parse(schemas.SeesRecordSchema())
    child = service.get_child(child_id)
    changed = privacy.set_sees_record(current_user, child, membership_id, data["sees_record"])
    return dump(schemas.AudienceSchema(), changed)
