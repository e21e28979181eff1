"""The e-mail connector: reads an e-mail into ``Inbound`` messages and sends operators'
replies by SMTP with threading headers.

Channel settings (``Channel.config``): ``address`` (the mailbox customers write to),
``from_address`` (default: ``address``), ``from_name`` (default: the channel's name),
``smtp_host``, ``smtp_port`` (default 25), ``smtp_security`` (``starttls``, ``ssl`` or
none), ``smtp_user``, ``smtp_password`` (secret), ``subject`` (of replies to a thread
without one)."""

from __future__ import annotations

import contextlib
import mimetypes
import smtplib
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

from crm.models import ChannelType
from inbox.connectors.base import (
    Connector,
    DeliveryRefused,
    Inbound,
    SendFailed,
    buttons_as_text,
)
from inbox.connectors.email.models import EmailReference
from inbox.connectors.email.parse import email_parse
from inbox.models import Message, SenderType

SMTP_TIMEOUT_S = 30
# References kept in a reply: enough to thread, short enough for any server.
MAX_REFERENCES = 20


class EmailConnector(Connector):
    channel_type = ChannelType.EMAIL

    @property
    def address(self) -> str:
        return str(self.channel.config.get("address") or "").strip().lower()

    # --- inbound --------------------------------------------------------------------

    def parse(self, payload: bytes) -> list[Inbound]:
        parsed = email_parse(payload)
        if parsed.automatic or parsed.sender == self.address:
            return []  # auto-replies and our own mail would answer each other forever
        return [
            Inbound(
                external_id=parsed.sender,
                text=parsed.text or parsed.subject or "(no text)",
                client_id=parsed.client_id,
                name=parsed.sender_name,
                email=parsed.sender,
                meta={
                    "message_id": parsed.message_id,
                    "subject": parsed.subject,
                    "references": " ".join((*parsed.references, parsed.message_id)),
                    # the e-mails this one answers, for threading it into its session
                    "thread_ids": tuple(filter(None, (parsed.in_reply_to, *parsed.references))),
                    "parsed": parsed,
                },
            )
        ]

    # --- outbound -------------------------------------------------------------------

    def send(self, message: Message) -> str:
        sent = EmailReference.objects.filter(message=message).first()
        if sent is not None:  # a retry of a task that had sent it
            return sent.header_message_id
        email_message = self.compose(message)
        self._deliver(email_message)
        EmailReference.objects.get_or_create(
            message=message,
            defaults={
                "header_message_id": email_message["Message-ID"],
                "subject": str(email_message["Subject"]),
                "references": str(email_message.get("References", "")),
            },
        )
        return str(email_message["Message-ID"])

    def compose(self, message: Message) -> EmailMessage:
        """The reply as an e-mail, threaded under the customer's latest e-mail: Subject
        "Re: ...", In-Reply-To and References. Its Message-ID is fixed by the message's
        id, so a repeated send is recognised as the same e-mail."""
        dialog = message.dialog
        config = self.channel.config
        from_address = str(config.get("from_address") or self.address)
        domain = from_address.rpartition("@")[2] or "localhost"
        last = (
            EmailReference.objects.filter(
                message__dialog=dialog, message__sender_type=SenderType.CONTACT
            )
            .order_by("-message__id")
            .first()
        )
        email_message = EmailMessage()
        email_message["From"] = formataddr(
            (str(config.get("from_name") or self.channel.name), from_address)
        )
        to = dialog.identity.external_id if dialog.identity else dialog.contact.email
        if not to:
            raise DeliveryRefused("the dialog has no e-mail address")
        email_message["To"] = formataddr((dialog.contact.name, to))
        email_message["Subject"] = _reply_subject(
            last.subject if last else "", str(config.get("subject") or self.channel.name)
        )
        email_message["Date"] = formatdate(localtime=False)
        email_message["Message-ID"] = f"<cc.{message.pk}.{self.channel.key}@{domain}>"
        if last is not None:
            email_message["In-Reply-To"] = last.header_message_id
            references = last.references.split()[-MAX_REFERENCES:]
            email_message["References"] = " ".join(references)
        # a bot's choices or the rating request's scores: numbered lines to reply with
        email_message.set_content(buttons_as_text(message.delivery_text or "", message.buttons))
        for attachment in message.attachments.all():
            maintype, _sep, subtype = (
                attachment.content_type
                or mimetypes.guess_type(attachment.name)[0]
                or "application/octet-stream"
            ).partition("/")
            with attachment.file.open("rb") as file:
                email_message.add_attachment(
                    file.read(), maintype=maintype, subtype=subtype, filename=attachment.name
                )
        return email_message

    def _deliver(self, email_message: EmailMessage) -> None:
        try:
            with smtp_open(self.channel.config) as smtp:
                smtp.send_message(email_message)
        except smtplib.SMTPRecipientsRefused as refused:
            codes = [code for code, _text in refused.recipients.values()]
            if all(code >= 500 for code in codes):
                raise DeliveryRefused(str(refused.recipients)) from refused
            raise SendFailed(str(refused.recipients)) from refused
        except smtplib.SMTPResponseException as error:
            if error.smtp_code >= 500 and not isinstance(error, smtplib.SMTPAuthenticationError):
                raise DeliveryRefused(f"{error.smtp_code} {error.smtp_error!r}") from error
            raise SendFailed(f"{error.smtp_code} {error.smtp_error!r}") from error
        except (smtplib.SMTPException, OSError) as error:
            raise SendFailed(str(error)) from error


@contextlib.contextmanager
def smtp_open(config: dict[str, Any]) -> Iterator[smtplib.SMTP]:
    """A connection to the channel's outgoing mail server, secured and logged in as
    configured. ``DeliveryRefused`` when no server is set; smtplib's errors otherwise."""
    host = str(config.get("smtp_host") or "")
    if not host:
        raise DeliveryRefused("the channel has no smtp_host")
    port = int(config.get("smtp_port") or 25)
    security = str(config.get("smtp_security") or "").lower()
    if security == "ssl":
        context = ssl.create_default_context()
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_S, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_S)
    with smtp:
        if security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if config.get("smtp_user"):
            smtp.login(str(config["smtp_user"]), str(config.get("smtp_password") or ""))
        yield smtp


def _reply_subject(subject: str, fallback: str) -> str:
    subject = subject.strip()
    if not subject:
        return fallback
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"
