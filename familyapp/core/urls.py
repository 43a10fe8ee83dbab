"""Absolute links that leave the app (emails, invitation links, QR codes)."""

from __future__ import annotations

from flask import current_app, request


def external_url(path: str) -> str:
    """An absolute URL for `path`, on FAMILYAPP_BASE_URL when it is set.

    Behind a proxy, set FAMILYAPP_BASE_URL (or FAMILYAPP_TRUSTED_HOSTS): otherwise the Host
    header, which a client chooses, would decide where a password-reset link points.
    """
    base = current_app.extensions["familyapp.settings"].base_url
    return (base or request.host_url.rstrip("/")) + path
