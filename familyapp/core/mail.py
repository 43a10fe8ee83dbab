"""Sending mail. The embedded default writes each message to the log (and keeps the last few
in memory for tests); with FAMILYAPP_SMTP_HOST set it goes out over SMTP.
"""

from __future__ import annotations

import logging
import os
import smtplib
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage

log = logging.getLogger("familyapp.mail")


@dataclass(frozen=True)
class Mail:
    """One message as sent."""

    to: str
    subject: str
    body: str


OUTBOX: deque[Mail] = deque(maxlen=50)


def send(to: str, subject: str, body: str, sender: str) -> None:
    """Send (or, in the embedded default, log) a plain-text message."""
    mail = Mail(to=to, subject=subject, body=body)
    OUTBOX.append(mail)
    host = os.environ.get("FAMILYAPP_SMTP_HOST")
    if not host:
        log.warning("mail to %s: %s\n%s", to, subject, body)
        return
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    port = int(os.environ.get("FAMILYAPP_SMTP_PORT", "587"))
    with smtplib.SMTP(host, port, timeout=20) as smtp:
        smtp.starttls()
        user = os.environ.get("FAMILYAPP_SMTP_USER")
        if user:
            smtp.login(user, os.environ.get("FAMILYAPP_SMTP_PASSWORD", ""))
        smtp.send_message(message)
