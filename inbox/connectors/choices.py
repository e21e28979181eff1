"""A typed number as the answer to our latest choices, for messengers that show a bot's
buttons as numbered text (or where a contact simply types the number): "2" after a
bot's menu presses its second button, "4" after the rating request gives 4 stars.

Read only: the connector turns the answer into a ``ButtonPress`` and the webhook hands
it on like a pressed button."""

from __future__ import annotations

from typing import Any

from crm import services as crm_services
from inbox.connectors.base import ButtonPress
from inbox.models import Channel, Message, SenderType

MAX_TYPED_DIGITS = 2


def typed_choice(*, channel: Channel, external_id: str, text: str) -> ButtonPress | None:
    """The button that a contact's typed ``text`` (a number) picks among the buttons of
    the latest message we sent them, when that message had buttons; else ``None`` (the
    text is an ordinary message)."""
    typed = text.strip().rstrip(".")
    if not typed.isdigit() or len(typed) > MAX_TYPED_DIGITS:
        return None
    number = int(typed)
    normalized = crm_services.identity_external_id_normalize(
        channel_type=channel.type, external_id=external_id
    )
    latest = (
        Message.objects.filter(
            dialog__channel=channel,
            dialog__identity__external_id=normalized,
            internal=False,
        )
        .exclude(sender_type=SenderType.CONTACT)
        .order_by("-id")
        .values_list("buttons", "button_node", "session__rating")
        .first()
    )
    if latest is None or not isinstance(latest[0], list) or not latest[0]:
        return None
    buttons: list[dict[str, Any]] = latest[0]
    node = latest[1]
    if any(b.get("rating") is not None for b in buttons):
        if latest[2] is not None:
            return None  # already rated: the number is a new message
        if any(b.get("rating") == number for b in buttons):
            return ButtonPress(rating=number)
        return None
    if not 1 <= number <= len(buttons) or node is None:
        return None
    return ButtonPress(node=str(node), button=str(buttons[number - 1]["id"]))
