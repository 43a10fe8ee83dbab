"""Users, password-reset tokens and the second sign-in factor (TOTP and recovery codes)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from familyapp.core import clock
from familyapp.core.db import Base, IdMixin, TimestampMixin


class User(IdMixin, TimestampMixin, Base):
    """A person with their own sign-in: there are no shared logins."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_active: Mapped[bool] = mapped_column(default=True)
    password_changed_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    # The authenticator app's shared secret (base32); None while two-step sign-in is off.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column()
    # The 30-second step of the last code accepted: a code is good once, so one read over a
    # shoulder or from a phishing page cannot be replayed within its window.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    # Flask-Login's protocol, spelled out rather than inherited from UserMixin so that
    # is_active is the column above.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class PasswordResetToken(IdMixin, Base):
    """A single-use, expiring link to set a new password; only its hash is stored."""

    __tablename__ = "password_reset_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class RecoveryCode(IdMixin, Base):
    """A single-use code for signing in without the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_codes"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    used_at: Mapped[datetime | None] = mapped_column()
