"""What the shell needs to know about the static files: their version and the precache list."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from familyapp.core.paths import resource_dir

# The app shell that opens with no network: styles, scripts, icons and the offline page.
SHELL_ASSETS = (
    "css/app.css",
    "js/app/app.js",
    "js/app/survey.js",
    "js/shared/outbox.js",
    "js/shared/offline-copy.js",
    "js/app/outbox-ui.js",
    "js/app/offline-ui.js",
    "js/app/outbox-forms.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/icon-maskable-512.png",
)
SW_PARTS = (
    "sw/wiring.js",
    "sw/push.js",
    "sw/strategies.js",
    "shared/outbox.js",
    "shared/offline-copy.js",
)


@lru_cache(maxsize=1)
def static_version() -> str:
    """A short hash of every static file: a new release gets new caches."""
    digest = hashlib.sha256()
    root = resource_dir("static")
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def service_worker_source(offline_url: str, static_prefix: str, offline_max_age_s: int) -> str:
    """The service worker served at /sw.js: the asset list, then strategies, then wiring."""
    root: Path = resource_dir("static") / "js"
    version = static_version()
    assets = [f"{static_prefix}{asset}?v={version}" for asset in SHELL_ASSETS]
    assets.append(offline_url)
    header = (
        "/* Familyapp service worker, generated from static/js/sw/ */\n"
        f"const FAMILYAPP_VERSION = {version!r};\n"
        f"const SHELL_ASSETS = {assets!r};\n"
        f"const OFFLINE_URL = {offline_url!r};\n"
        f"const FAMILYAPP_OFFLINE_MAX_AGE_MS = {offline_max_age_s * 1000};\n"
    ).replace("'", '"')
    body = "\n".join((root / part).read_text("utf-8") for part in reversed(SW_PARTS))
    return header + body
