"""The prompter's Celery tasks: thin, by id, idempotent (a message is prompted once; a
suggestion's first feedback counts)."""

from __future__ import annotations

from celery import shared_task

from kb.prompter import replies, services


@shared_task(name="kb.prompter_message", ignore_result=True)
def prompter_message(message_id: int) -> int | None:
    """Suggestions for a customer's message (none outside chats with an operator)."""
    prompted = services.message_prompt(message_id=message_id)
    return len(prompted.suggestions) if prompted is not None else None


@shared_task(name="kb.prompter_reply", ignore_result=True)
def prompter_reply(message_id: int) -> int:
    """Feedback and candidate articles from an operator's reply."""
    return len(replies.operator_reply_seen(message_id=message_id))
