"""Reads of the e-mail connector."""

from __future__ import annotations

from typing import Any

from inbox.connectors.email.models import EmailReference
from inbox.models import SenderType

MAX_EMAILS = 200


def dialog_emails(*, dialog_id: int, after_id: int = 0) -> list[dict[str, Any]]:
    """The customer's e-mails in the dialog with a message id above ``after_id``."""
    references = (
        EmailReference.objects.filter(
            message__dialog_id=dialog_id,
            message__sender_type=SenderType.CONTACT,
            message_id__gt=after_id,
        )
        .order_by("message_id")
        .values("message_id", "subject", "header_message_id", "html")[:MAX_EMAILS]
    )
    return [
        {
            "message": row["message_id"],
            "subject": row["subject"],
            "message_id": row["header_message_id"],
            "html": row["html"],
        }
        for row in references
    ]
