"""The SMTP server that receives customers' e-mail (``manage.py mail_receiver``).

It accepts mail only for the addresses of active e-mail channels (550 for any other
recipient, so it is never an open relay), refuses messages over the size limit (552)
and answers 451 (try again later) when storing fails, so the sending server retries.
Production: put it behind the MX or a forwarding rule; see docs/email.md."""

from __future__ import annotations

import logging
from typing import Any

from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async

from inbox.connectors.email import inbound
from inbox.connectors.email.parse import MAX_MESSAGE_BYTES

logger = logging.getLogger(__name__)


class EmailReceiver:
    """An aiosmtpd handler: RCPT checks the mailbox, DATA stores the message."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        channel = await sync_to_async(inbound.channel_for_address)(address)
        if channel is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode("utf-8")
        try:
            await sync_to_async(inbound.email_deliver)(raw=raw, recipients=envelope.rcpt_tos)
        except ValueError as unreadable:
            return f"550 5.6.0 The message cannot be read: {unreadable}"
        except Exception:
            logger.exception("storing an e-mail failed")
            return "451 4.3.0 Temporary failure; try again later"
        return "250 OK: message accepted"


def controller(
    *, host: str, port: int, max_bytes: int = MAX_MESSAGE_BYTES, server_hostname: str | None = None
) -> Controller:
    """A started-on-demand SMTP server on ``host:port`` in its own thread."""
    return Controller(
        EmailReceiver(),
        hostname=host,
        port=port,
        server_hostname=server_hostname,
        data_size_limit=max_bytes,
        decode_data=False,
    )
