"""Secrets the app must show again later (an emergency link's token for its QR code), encrypted
with a key derived from the app's secret key (Fernet: AES-128-CBC + HMAC-SHA256, from the
`cryptography` package the push feature already needs)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


def _fernet(secret_key: str, purpose: str) -> Fernet:
    # One key per purpose, so a value sealed for one use cannot be unsealed as another.
    digest = hashlib.sha256(f"familyapp:{purpose}:{secret_key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret_key: str, purpose: str, value: str) -> bytes:
    """Encrypt and authenticate `value`."""
    return _fernet(secret_key, purpose).encrypt(value.encode("utf-8"))


def unseal(secret_key: str, purpose: str, sealed: bytes) -> str | None:
    """Decrypt a sealed value; None when it was sealed with another key or tampered with."""
    try:
        return _fernet(secret_key, purpose).decrypt(sealed).decode("utf-8")
    except InvalidToken:
        return None
