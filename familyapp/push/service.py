"""Push verbs. VAPID keys are generated into the instance folder on first run, never in code."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from webpush.vapid import VAPID

PRIVATE_FILE = "vapid_private.pem"
PUBLIC_FILE = "vapid_public.pem"
APP_KEY_FILE = "vapid_application_server_key.txt"


@dataclass(frozen=True)
class VapidKeys:
    """Where the server's VAPID key pair lives, and the key browsers subscribe with."""

    private_path: Path
    public_path: Path
    application_server_key: str


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def ensure_vapid_keys(instance: Path) -> VapidKeys:
    """Load the instance's VAPID keys, generating them (P-256, RFC 8292) the first time."""
    private_path, public_path = instance / PRIVATE_FILE, instance / PUBLIC_FILE
    app_key_path = instance / APP_KEY_FILE
    if not (private_path.exists() and public_path.exists() and app_key_path.exists()):
        private_pem, public_pem, app_key = VAPID.generate_keys()
        for path in (private_path, public_path, app_key_path):
            path.unlink(missing_ok=True)
        _write_private(private_path, private_pem)
        public_path.write_bytes(public_pem)
        app_key_path.write_text(app_key)
    return VapidKeys(private_path, public_path, app_key_path.read_text().strip())
