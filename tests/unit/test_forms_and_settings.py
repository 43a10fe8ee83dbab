from __future__ import annotations

import stat

from werkzeug.datastructures import MultiDict

from familyapp.core.forms import form_values, safe_next
from familyapp.core.i18n import normalize_locale
from familyapp.push.service import ensure_vapid_keys
from familyapp.settings import load_settings


def test_safe_next_only_follows_local_paths():
    assert safe_next("/account", "/") == "/account"
    assert safe_next("//evil.example", "/") == "/"
    assert safe_next("https://evil.example/", "/") == "/"
    assert safe_next("/\\evil.example", "/") == "/"
    assert safe_next(None, "/home") == "/home"
    assert safe_next("account", "/") == "/"


def test_form_values_last_wins_and_blank_is_none():
    values = form_values(MultiDict([("a", "0"), ("a", "1"), ("b", "")]))
    assert values == {"a": "1", "b": None}


def test_locale_normalisation():
    assert normalize_locale("es-MX") == "es"
    assert normalize_locale("EN_gb") == "en"
    assert normalize_locale("fr") is None
    assert normalize_locale(None) is None


def test_settings_generate_secret_once_and_read_env(tmp_path):
    first = load_settings(tmp_path, env={})
    second = load_settings(tmp_path, env={})
    assert first.secret_key == second.secret_key and len(first.secret_key) > 40
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert first.database_url == f"sqlite:///{tmp_path / 'familyapp.db'}"
    custom = load_settings(
        tmp_path,
        env={
            "FAMILYAPP_DATABASE_URL": "postgres://u@h/db",
            "FAMILYAPP_SECRET_KEY": "from-env",
            "FAMILYAPP_OPEN_REGISTRATION": "false",
            "FAMILYAPP_SESSION_IDLE_SECONDS": "5",
        },
    )
    assert custom.database_url == "postgresql+psycopg://u@h/db"
    assert custom.secret_key == "from-env"
    assert custom.open_registration is False and custom.session_idle_seconds == 5


def test_vapid_keys_generated_once_private_key_owner_only(tmp_path):
    keys = ensure_vapid_keys(tmp_path)
    again = ensure_vapid_keys(tmp_path)
    assert keys.application_server_key == again.application_server_key
    assert len(keys.application_server_key) >= 86  # 65-byte P-256 point, base64url
    assert stat.S_IMODE(keys.private_path.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in keys.private_path.read_bytes()
