"""TOTP codes and recovery codes: RFC 6238's own test vector, drift, replay, input shapes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from familyapp.accounts import totp

# RFC 6238, appendix B: the SHA-1 key is the ASCII "12345678901234567890"; at T=59 s the
# 8-digit code is 94287082, so the 6-digit one is its last six digits.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_T59 = datetime.fromtimestamp(59, UTC)


def test_codes_match_the_rfc_test_vector():
    assert totp.code_at(RFC_SECRET, totp.step_at(RFC_T59)) == "287082"
    at_1111111109 = datetime.fromtimestamp(1111111109, UTC)
    assert totp.code_at(RFC_SECRET, totp.step_at(at_1111111109)) == "081804"


def test_a_code_is_good_one_step_either_side_and_no_further():
    secret = totp.new_secret()
    now = datetime(2026, 12, 4, 12, 0, 15, tzinfo=UTC)
    step = totp.step_at(now)
    for offset in (-1, 0, 1):
        code = totp.code_at(secret, step + offset)
        assert totp.matching_step(secret, code, now, None) == step + offset
    for offset in (-3, -2, 2, 3):
        code = totp.code_at(secret, step + offset)
        assert totp.matching_step(secret, code, now, None) is None


def test_a_used_step_is_never_accepted_again():
    secret = totp.new_secret()
    now = datetime(2026, 12, 4, 12, 0, 15, tzinfo=UTC)
    step = totp.step_at(now)
    code = totp.code_at(secret, step)
    assert totp.matching_step(secret, code, now, after=step) is None
    assert totp.matching_step(secret, code, now, after=step - 1) == step
    # Nor an older one once a later one was used.
    older = totp.code_at(secret, step - 1)
    assert totp.matching_step(secret, older, now, after=step) is None


def test_spaces_and_dashes_are_ignored_and_other_input_refused():
    secret = totp.new_secret()
    now = datetime(2026, 12, 4, 8, 30, tzinfo=UTC)
    code = totp.code_at(secret, totp.step_at(now))
    assert totp.matching_step(secret, f" {code[:3]} {code[3:]} ", now, None) is not None
    for bad in (
        "",
        "12345",
        "1234567",
        "abcdef",
        code + "0",
        "\uff11\uff12\uff13\uff14\uff15\uff16",
    ):
        assert totp.matching_step(secret, bad, now, None) is None


def test_usable_code_skips_the_step_just_used():
    secret = totp.new_secret()
    now = datetime(2026, 12, 4, 8, 30, tzinfo=UTC)
    step = totp.step_at(now)
    assert totp.usable_code(secret, now, None) == totp.code_at(secret, step)
    assert totp.usable_code(secret, now, step) == totp.code_at(secret, step + 1)
    assert totp.usable_code(secret, now, step + 1) is None
    later = now + timedelta(seconds=totp.STEP_SECONDS)
    assert totp.usable_code(secret, later, step + 1) == totp.code_at(secret, step + 2)


def test_recovery_codes_are_distinct_readable_and_recognised():
    codes = totp.new_recovery_codes()
    assert len(codes) == totp.RECOVERY_CODE_COUNT == len(set(codes))
    for code in codes:
        assert len(code) == 11 and code[5] == "-"
        assert not set(code) & set("01ilo")
        assert totp.looks_like_recovery_code(code)
        assert totp.looks_like_recovery_code(code.upper().replace("-", " "))
    assert not totp.looks_like_recovery_code("123456")


def test_the_qr_code_is_an_inline_svg_with_a_title_and_the_uri_names_the_account():
    uri = totp.provisioning_uri(RFC_SECRET, "priya@example.org")
    assert uri.startswith("otpauth://totp/Familyapp:priya%40example.org?")
    assert f"secret={RFC_SECRET}" in uri and "issuer=Familyapp" in uri
    svg = totp.qr_svg(uri, "Scan <this>")
    assert svg.startswith("<svg") and "<title>Scan &lt;this&gt;</title>" in svg
    assert totp.grouped_secret("ABCDEFGHIJ") == "ABCD EFGH IJ"
