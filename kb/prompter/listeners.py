"""The prompter's listeners (registered by ``kb.listeners``): a customer's message gets
suggestions, an operator's reply is compared with them.

The listeners only pass the message's id on, after the message's commit, to where the
matching runs: by default the Celery workers (ids gathered for a moment and published
as one ``kb.prompter_batch`` task: ``batching``), so that matching (milliseconds of CPU
per message) never competes with the web process that stores, acks and pushes messages. With
``KB_PROMPTER_RUNNER = "thread"`` it runs in a background thread of the process that
stored the message instead (``runner``), for installations without a worker.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from contactcenter import events
from inbox.models import SenderType
from kb.prompter import replies, services
from kb.prompter.batching import batcher
from kb.prompter.runner import runner


def on_message_received(event: events.MessageReceived) -> None:
    if event.session_id is None:
        return
    if event.sender_type == SenderType.CONTACT:
        _dispatch("message", _prompt, event.message_id)
    elif event.sender_type == SenderType.OPERATOR:
        _dispatch("reply", _reply, event.message_id)


def _dispatch(kind: str, job: Callable[[int], None], message_id: int) -> None:
    if getattr(settings, "KB_PROMPTER_RUNNER", "celery") == "thread":
        transaction.on_commit(lambda: runner.submit(job, message_id))
    else:
        transaction.on_commit(lambda: batcher.add(kind, message_id))


def _prompt(message_id: int) -> None:
    services.message_prompt(message_id=message_id)


def _reply(message_id: int) -> None:
    replies.operator_reply_seen(message_id=message_id)


def register() -> None:
    # it only queues the message's id: no atomic block of its own (contactcenter.events)
    events.subscribe(events.MessageReceived, on_message_received, atomic=False)
