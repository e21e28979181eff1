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
    run: list[int] = []  # customer messages in a row: prompted together

    def prompt_run() -> int:
        prompted = len(run)
        if run:
            services.messages_prompt_count(message_ids=list(run))
            run.clear()
        return prompted

    for kind, message_id in items:
        try:
            if kind == "message":
                run.append(int(message_id))
                continue
            done += prompt_run()
            if kind == "reply":
                replies.operator_reply_seen(message_id=int(message_id))
                done += 1
        except Exception:
            logger.exception("prompter: %s %s failed", kind, message_id)
    try:
        done += prompt_run()
    except Exception:
        logger.exception("prompter: a batch of %s messages failed", len(run))
    return done
