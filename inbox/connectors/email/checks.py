"""The e-mail channel's "Test connection": logs in to the IMAP mailbox and to the
outgoing mail server with the channel's settings and says, in plain words, what works
and what does not. Nothing is read, marked or sent."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from inbox.connectors.base import DeliveryRefused
from inbox.connectors.email import imap
from inbox.connectors.email.connector import smtp_open
from inbox.models import Channel


@dataclass(frozen=True, slots=True)
class CheckResult:
    ok: bool
    text: str


def email_channel_check(*, channel: Channel) -> list[CheckResult]:
    """One sentence for receiving and one for sending."""
    config = dict(channel.config or {})
    return [_receiving(config), _sending(config)]


def _receiving(config: dict[str, Any]) -> CheckResult:
    address = str(config.get("address") or "")
    if not config.get("imap_host"):
        if not address:
            return CheckResult(False, _("Receiving: set the address customers write to."))
        return CheckResult(
            True,
            _(
                "Receiving: no IMAP mailbox is set, so e-mail to %(address)s arrives only "
                "through the SMTP receiver (manage.py mail_receiver)."
            )
            % {"address": address},
        )
    try:
        found = imap.connection_test(config=config)
    except imap.ImapError as error:
        return CheckResult(False, _("Receiving (IMAP) failed: %(error)s.") % {"error": error})
    text = ngettext(
        "Receiving (IMAP): logged in to %(host)s; %(folder)s has %(n)d unread message.",
        "Receiving (IMAP): logged in to %(host)s; %(folder)s has %(n)d unread messages.",
        found.unread,
    ) % {"host": found.host, "folder": found.folder, "n": found.unread}
    if found.idle:
        text += " " + _("The server announces new mail at once (IDLE).")
    else:
        text += " " + _("The server has no IDLE: new mail is read every minute.")
    return CheckResult(True, text)


def _sending(config: dict[str, Any]) -> CheckResult:
    host = str(config.get("smtp_host") or "")
    if not host:
        return CheckResult(
            False, _("Sending: set the outgoing mail server (SMTP), or replies cannot leave.")
        )
    try:
        with smtp_open(config) as smtp:
            smtp.noop()
    except DeliveryRefused:
        return CheckResult(False, _("Sending: set the outgoing mail server (SMTP)."))
    except smtplib.SMTPAuthenticationError as error:
        return CheckResult(
            False,
            _("Sending (SMTP) failed: %(host)s refused the login: %(error)s.")
            % {"host": host, "error": _said(error)},
        )
    except (smtplib.SMTPException, OSError, ValueError) as error:
        return CheckResult(
            False,
            _("Sending (SMTP) failed: %(host)s: %(error)s.") % {"host": host, "error": error},
        )
    if config.get("smtp_user"):
        text = _("Sending (SMTP): %(host)s accepted the login of %(user)s.") % {
            "host": host,
            "user": config["smtp_user"],
        }
    else:
        text = _("Sending (SMTP): %(host)s answers; no login is set.") % {"host": host}
    return CheckResult(True, text)


def _said(error: smtplib.SMTPResponseException) -> str:
    detail = error.smtp_error
    text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    return f"{error.smtp_code} {text}"
