"""Password rules and hashing (pure: no web, no database).

NIST SP 800-63B §5.1.1.2: at least 8 characters, allow at least 64, no composition rules,
refuse known-common passwords. Hashes are argon2id (RFC 9106) through argon2-cffi, whose
defaults follow the RFC's recommended profile; check_needs_rehash lets us raise the cost
later without a migration.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
MAX_LENGTH = 128

_hasher = PasswordHasher()
# Verifying against this keeps the time of "no such account" equal to "wrong password".
_DUMMY_HASH = _hasher.hash("familyapp-timing-equaliser")


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(
        line.strip().lower()
        for line in path.read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )


def problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Reasons a new password is refused, as message keys (empty when it is acceptable)."""
    found: list[str] = []
    if len(password) < MIN_LENGTH:
        found.append("too_short")
    if len(password) > MAX_LENGTH:
        found.append("too_long")
    lowered = password.lower()
    if lowered in _common():
        found.append("common")
    local = email.split("@")[0].lower()
    if (local and lowered == local) or (email and lowered == email.lower()):
        found.append("like_email")
    if name and lowered == name.lower():
        found.append("like_email")
    return found


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; always spends the same effort, even with no hash."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
