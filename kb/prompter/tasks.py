"""The prompter's Celery tasks: thin, by id, idempotent (a message is prompted once; a
suggestion's first feedback counts)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from kb.prompter import replies, services

logger = logging.getLogger(__name__)


@shared_task(name="kb.prompter_batch", ignore_result=True)
def prompter_batch(items: list[Any]) -> int:
    """The ids the web processes gathered (``kb.prompter.batching``), in order: each
    ``["message", id]`` is prompted, each ``["reply", id]`` compared with its
    suggestions. One that fails is logged and the others go on."""
    done = 0
    for kind, message_id in items:
        try:
            if kind == "message":
                services.message_prompt(message_id=int(message_id))
            elif kind == "reply":
                replies.operator_reply_seen(message_id=int(message_id))
            done += 1
        except Exception:
            logger.exception("prompter: %s %s failed", kind, message_id)
    return done
