from __future__ import annotations

from argon2 import PasswordHasher

from familyapp.accounts import passwords


def test_length_rules_follow_nist():
    assert "too_short" in passwords.problems("short7!")
    assert passwords.problems("eight ch") == []
    assert passwords.problems("x" * 64 + "y") == []  # at least 64 allowed
    assert "too_long" in passwords.problems("z" * 129)


def test_common_and_personal_passwords_refused():
    assert "common" in passwords.problems("Password123")
    assert "like_email" in passwords.problems("rosadiaz", email="rosadiaz@example.org")
    assert passwords.problems("purple-otter-lamp", email="rosadiaz@example.org") == []


def test_hash_is_argon2id_and_verifies():
    hashed = passwords.hash_password("purple-otter-lamp")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "purple-otter-lamp")
    assert not passwords.verify(hashed, "purple-otter-lamb")
    assert not passwords.verify(None, "anything")
    assert not passwords.verify("garbage", "anything")


def test_weaker_hash_needs_rehash():
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("purple-otter-lamp")
    assert passwords.needs_rehash(weak)
    assert not passwords.needs_rehash(passwords.hash_password("purple-otter-lamp"))
