"""Typed, frozen settings from FAMILYAPP_* environment variables and the instance folder."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEFAULT_LOCALE = "en"
# One list of supported locales (design.md, Languages). Order is the order of the switcher.
SUPPORTED_LOCALES: tuple[str, ...] = ("en", "es", "zh", "vi", "ar")
# Complete, but machine-assisted: the language picker says so until a native speaker has
# reviewed the catalog (docs/translating.md). "zh" is Simplified Chinese.
LOCALES_AWAITING_REVIEW: frozenset[str] = frozenset({"zh", "vi", "ar"})
RTL_LOCALES: frozenset[str] = frozenset({"ar", "he", "fa", "ur"})
# The push services browsers subscribe with (Chrome/Edge/Android, Firefox, Safari, Windows).
# The server POSTs to a subscription's endpoint, so only these hosts (and their subdomains)
# are accepted: a forged "subscription" must not make the server call an internal address.
PUSH_SERVICE_HOSTS: tuple[str, ...] = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "push.apple.com",
    "notify.windows.com",
)


def _env_bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(value: str | None, default: int) -> int:
    if value is None or value.strip() == "":
        return default
    return int(value)


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment, resolved once at start."""

    instance_path: Path
    database_url: str
    secret_key: str
    open_registration: bool = True
    session_idle_seconds: int = 8 * 3600
    session_absolute_seconds: int = 14 * 24 * 3600
    login_attempts_per_account: int = 5
    login_attempts_per_ip: int = 30
    login_window_seconds: int = 300
    password_reset_seconds: int = 3600
    invitation_days: int = 14
    base_url: str = ""
    mail_sender: str = "Familyapp <no-reply@familyapp.local>"
    vapid_subject: str = "mailto:admin@familyapp.local"
    push_service_hosts: tuple[str, ...] = PUSH_SERVICE_HOSTS
    proxy_count: int = 0
    trusted_hosts: tuple[str, ...] = ()
    testing: bool = False
    # Tests only, never read from the environment: more catalog folders (searched after the
    # shipped one) and locale codes accepted beside SUPPORTED_LOCALES (the pseudo-locale).
    extra_translation_dirs: tuple[str, ...] = ()
    test_locales: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        """True when the database is the embedded SQLite default."""
        return self.database_url.startswith("sqlite")

    def with_changes(self, **changes: Any) -> Settings:
        """Return a copy with some fields replaced (tests use this)."""
        return replace(self, **changes)


def _instance_secret(instance: Path) -> str:
    # Generated once, kept in the instance folder with owner-only permissions: never in code.
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load_settings(instance_path: Path, env: dict[str, str] | None = None) -> Settings:
    """Read FAMILYAPP_* variables; fill the rest from the instance folder."""
    env = dict(os.environ if env is None else env)
    instance = Path(env.get("FAMILYAPP_INSTANCE_PATH") or instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    database_url = env.get("FAMILYAPP_DATABASE_URL") or f"sqlite:///{instance / 'familyapp.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://") :]
    if database_url.startswith("postgresql://"):
        # psycopg 3 is the driver we install with the [postgres] extra.
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    return Settings(
        instance_path=instance,
        database_url=database_url,
        secret_key=env.get("FAMILYAPP_SECRET_KEY") or _instance_secret(instance),
        open_registration=_env_bool(env.get("FAMILYAPP_OPEN_REGISTRATION"), True),
        session_idle_seconds=_env_int(env.get("FAMILYAPP_SESSION_IDLE_SECONDS"), 8 * 3600),
        session_absolute_seconds=_env_int(
            env.get("FAMILYAPP_SESSION_ABSOLUTE_SECONDS"), 14 * 24 * 3600
        ),
        login_attempts_per_account=_env_int(env.get("FAMILYAPP_LOGIN_ATTEMPTS_PER_ACCOUNT"), 5),
        login_attempts_per_ip=_env_int(env.get("FAMILYAPP_LOGIN_ATTEMPTS_PER_IP"), 30),
        login_window_seconds=_env_int(env.get("FAMILYAPP_LOGIN_WINDOW_SECONDS"), 300),
        base_url=env.get("FAMILYAPP_BASE_URL", "").rstrip("/"),
        mail_sender=env.get("FAMILYAPP_MAIL_SENDER", "Familyapp <no-reply@familyapp.local>"),
        vapid_subject=env.get("FAMILYAPP_VAPID_SUBJECT", "mailto:admin@familyapp.local"),
        push_service_hosts=tuple(
            host.strip().lower()
            for host in env.get("FAMILYAPP_PUSH_SERVICE_HOSTS", ",".join(PUSH_SERVICE_HOSTS)).split(
                ","
            )
            if host.strip()
        ),
        proxy_count=_env_int(env.get("FAMILYAPP_PROXY_COUNT"), 0),
        trusted_hosts=tuple(
            host.strip()
            for host in env.get("FAMILYAPP_TRUSTED_HOSTS", "").split(",")
            if host.strip()
        ),
    )
