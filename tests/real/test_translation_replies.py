"""Translated replies on PostgreSQL: the provider's round trip runs beside the reply's
store, so a store that waits (here behind another transaction's lock on the dialog)
does not add its wait to the provider's; against the LibreTranslate-shaped server on
loopback."""

from __future__ import annotations

import threading
import time

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, transaction

from inbox.models import Dialog, Message, SenderType, TranslationStatus
from inbox.services import translation_pool
from tests.inbox.test_translations import ANSWER, ANSWER_RU, _next, _operator, _widget, _widget_chat
from tests.real.support import real
from tests.translation.fixtures import libre, translating

__all__ = ["libre", "translating"]  # fixtures

pytestmark = real

HELD_S = 0.6  # how long another transaction keeps the dialog locked
PROVIDER_S = 0.6  # how long the provider takes


def _dialog_held(dialog_id: int, locked: threading.Event) -> None:
    try:
        with transaction.atomic():
            list(Dialog.objects.select_for_update().filter(pk=dialog_id).values_list("pk"))
            locked.set()
            time.sleep(HELD_S)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_reply_held_up_while_stored_arrives_one_provider_latency_after_it_was_sent(
    translating, settings
):
    settings.TRANSLATION_REPLY_WAIT_S = 3.0
    channel, token, operator, session = await sync_to_async(_widget_chat)()
    await sync_to_async(lambda: Dialog.objects.filter(pk=session.dialog_id).update(language="ru"))()
    translating.delay_s = PROVIDER_S
    widget = await _widget(channel, token)
    op = await _operator(operator.user)
    locked = threading.Event()
    holder = threading.Thread(target=_dialog_held, args=(session.dialog_id, locked))
    holder.start()
    assert await sync_to_async(locked.wait)(5)

    started = time.monotonic()
    await op.send_json_to({"type": "message", "session": session.pk, "text": ANSWER})
    delivered = await _next(widget, "message", timeout=5)
    waited = time.monotonic() - started
    await sync_to_async(holder.join)()

    assert connection.vendor == "postgresql"
    assert delivered["message"]["translations"] == {"ru": ANSWER_RU}
    # one wait, not the lock's and then the provider's (1.2 s)
    assert waited < HELD_S + PROVIDER_S - 0.25
    assert [body["q"] for body in translating.calls("/translate")] == [[ANSWER]]
    await sync_to_async(translation_pool.drain)()  # the outcome is written after the push
    stored = await sync_to_async(
        lambda: Message.objects.get(dialog_id=session.dialog_id, sender_type=SenderType.OPERATOR)
    )()
    assert stored.translation_status == TranslationStatus.TRANSLATED
    await widget.disconnect()
    await op.disconnect()
