"""Time-based one-time passwords (RFC 6238) and recovery codes: the pure parts, no database.

pyotp computes the codes (a small, well-kept implementation of RFC 4226/6238 that every
authenticator app agrees with); what is ours is the policy around it: a code is accepted one
step either side of now (phone clocks drift), and never twice.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from io import BytesIO

import pyotp
import segno

STEP_SECONDS = 30
DIGITS = 6
# One step either side: a code typed as it turns over, or a phone clock half a minute off.
DRIFT_STEPS = 1
ISSUER = "Familyapp"
RECOVERY_CODE_COUNT = 10
# No 0/O, 1/I/L: the codes are copied by hand from paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10  # about 49 bits each
# The demo coordinator's secret, published in README.md so that anyone trying the demo can add
# it to an authenticator app (and the sign-in page shows its current code): never use it for
# a real account.
PUBLISHED_DEMO_SECRET = "FAMILYAPPDEMOCOORDINATORPRIYASHA"  # noqa: S105 - published on purpose


def new_secret() -> str:
    """A fresh random shared secret (160 bits, base32, as authenticator apps expect)."""
    return pyotp.random_base32(length=32)


def step_at(moment: datetime) -> int:
    """The 30-second step a moment falls in."""
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The code for one step."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(step * STEP_SECONDS)


def usable_code(secret: str, now: datetime, after: int | None) -> str | None:
    """The code for the earliest step from now on that has not been used (demo hints)."""
    current = step_at(now)
    for step in range(current, current + DRIFT_STEPS + 1):
        if after is None or step > after:
            return code_at(secret, step)
    return None


def normalize_code(text: str) -> str:
    """What the person typed, without the spaces and dashes apps and paper put in codes."""
    return "".join(ch for ch in text.strip().lower() if ch not in " -\u00a0")


def matching_step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    """The step whose code this is (within the drift allowed and later than `after`), if any."""
    code = normalize_code(code)
    # isdigit() alone admits other scripts' digits, which compare_digest cannot take.
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    current = step_at(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue  # used already: a replayed code
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=ISSUER
    )


def qr_svg(uri: str, title: str) -> str:
    """The otpauth address as an inline SVG QR code (no image request, no script)."""
    buffer = BytesIO()
    # Black on white with the standard 4-module quiet zone, so it scans in dark mode too.
    segno.make_qr(uri, error="m").save(
        buffer,
        kind="svg",
        scale=5,
        border=4,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgclass="qr",
        title=title,
    )
    return buffer.getvalue().decode()


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes() -> list[str]:
    """Fresh single-use recovery codes, written as two groups of five."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def looks_like_recovery_code(code: str) -> bool:
    """True for input shaped like a recovery code (rather than a six-digit code)."""
    code = normalize_code(code)
    return len(code) == _RECOVERY_LENGTH and all(ch in _RECOVERY_ALPHABET for ch in code)
