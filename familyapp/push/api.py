"""JSON routes of push notifications under /api/v1: the key, devices, and a test message."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from flask_login import current_user

from familyapp.core.api import API_PREFIX, api_route, dump, parse
from familyapp.core.authz import Perm
from familyapp.push import reminders, schemas, service

bp = Blueprint("push_api", __name__, url_prefix=API_PREFIX)


def _settings() -> Any:
    return current_app.extensions["familyapp.settings"]


def device_body(row: Any) -> dict[str, Any]:
    """A device as the API and the settings page show it."""
    return {
        "id": row.id,
        "label": row.label,
        "service": service.service_name(row),
        "created_at": row.created_at,
        "last_sent_at": row.last_sent_at,
    }


@api_route(
    bp,
    "/push/public-key",
    methods=["GET"],
    permission=Perm.AUTHENTICATED,
    response=schemas.PublicKeySchema,
)
def public_key() -> Any:
    """The VAPID applicationServerKey (base64url) to subscribe with."""
    keys = service.ensure_vapid_keys(_settings().instance_path)
    return jsonify({"public_key": keys.application_server_key})


@api_route(
    bp,
    "/push/subscriptions",
    methods=["GET"],
    permission=Perm.AUTHENTICATED,
    response=schemas.DeviceSchema,
    many=True,
)
def list_subscriptions() -> Any:
    """Your devices that receive notifications."""
    rows = [device_body(row) for row in service.devices(current_user)]
    return jsonify(schemas.DeviceSchema(many=True).dump(rows))


@api_route(
    bp,
    "/push/subscriptions",
    methods=["POST"],
    permission=Perm.AUTHENTICATED,
    body=schemas.SubscriptionSchema,
    response=schemas.DeviceSchema,
    status=201,
)
def create_subscription() -> Any:
    """Register this browser's PushSubscription for your reminders."""
    data = parse(schemas.SubscriptionSchema())
    row = service.subscribe(current_user, data, _settings().push_service_hosts)
    return dump(schemas.DeviceSchema(), device_body(row), 201)


@api_route(
    bp,
    "/push/subscriptions",
    methods=["DELETE"],
    permission=Perm.AUTHENTICATED,
    body=schemas.EndpointSchema,
    status=204,
)
def delete_subscription() -> Any:
    """Turn notifications off for one device (by its endpoint)."""
    data = parse(schemas.EndpointSchema())
    service.unsubscribe(current_user, data["endpoint"])
    return "", 204


@api_route(
    bp,
    "/push/test",
    methods=["POST"],
    permission=Perm.AUTHENTICATED,
    response=schemas.TestResultSchema,
)
def send_test() -> Any:
    """Send a test notification to your devices now."""
    settings = _settings()
    sender = reminders.sender_for(settings.instance_path, settings.vapid_subject)
    try:
        result = reminders.send_test(sender, current_user)
    finally:
        sender.close()
    return dump(schemas.TestResultSchema(), result)
