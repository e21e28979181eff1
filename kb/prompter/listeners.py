"""The prompter's listeners (registered by ``kb.listeners``): a customer's message gets
suggestions, an operator's reply is compared with them. Both only hand the message's id
to the prompter's background thread (``runner``), after the message's commit."""

from __future__ import annotations

from contactcenter import events
from inbox.models import SenderType
from kb.prompter import replies, services
from kb.prompter.runner import runner


def on_message_received(event: events.MessageReceived) -> None:
    if event.session_id is None:
        return
    if event.sender_type == SenderType.CONTACT:
        runner.submit(_prompt, event.message_id)
    elif event.sender_type == SenderType.OPERATOR:
        runner.submit(_reply, event.message_id)


def _prompt(message_id: int) -> None:
    services.message_prompt(message_id=message_id)


def _reply(message_id: int) -> None:
    replies.operator_reply_seen(message_id=message_id)


def register() -> None:
    events.subscribe(events.MessageReceived, on_message_received)
