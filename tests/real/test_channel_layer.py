"""The channel layer on the real Redis carries a broadcast between two OS processes."""

from __future__ import annotations

import json
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.contrib.auth.models import Group as AuthGroup
from django.db import transaction

from contactcenter import realtime
from tests.conftest import event_frame
from tests.real.support import Process, real

pytestmark = real

# A socket's half in another process: joins a group through the project's settings and
# prints every message it receives. Before saying "ready" it hears its own probe, so the
# subscription is live on the server by then.
LISTENER = """
import asyncio, json, os, sys
import django
django.setup()
from django.conf import settings
from channels.layers import get_channel_layer

group, prefix = sys.argv[1], sys.argv[2]
settings.CHANNEL_LAYERS["default"].setdefault("CONFIG", {})["prefix"] = prefix

async def main():
    layer = get_channel_layer()
    print("layer", type(layer).__module__ + "." + type(layer).__name__, flush=True)
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    await layer.group_send(group, {"type": "probe"})
    assert (await asyncio.wait_for(layer.receive(channel), 10))["type"] == "probe"
    print("ready", flush=True)
    while True:
        message = await asyncio.wait_for(layer.receive(channel), 60)
        print("got " + json.dumps(message, sort_keys=True), flush=True)

asyncio.run(main())
"""


@pytest.mark.django_db(transaction=True)
def test_a_broadcast_reaches_a_group_member_in_another_process_only_after_commit(
    product_env: dict[str, str],
) -> None:
    group = f"{realtime.dialog_group(0)}-{uuid.uuid4().hex}"
    prefix = settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("prefix", "asgi")
    frame = {"type": "message", "text": "across processes"}
    listener = Process([sys.executable, "-c", LISTENER, group, prefix], env=product_env)
    try:
        listener.wait_for(r"^ready$", timeout=30)
        assert listener.matching(r"^layer ") == [
            "layer contactcenter.layer.ResyncingPubSubChannelLayer"
        ]

        with transaction.atomic():
            AuthGroup.objects.create(name=group)
            realtime.broadcast(group, frame)
            time.sleep(0.5)
            assert listener.matching(r"^got ") == [], "a frame left before the commit"

        got = listener.wait_for(r"^got (.*)$", timeout=10)
        message = json.loads(got.group(1))
        assert message["type"] == realtime.EVENT_TYPE and event_frame(message) == frame
        time.sleep(0.3)
        assert len(listener.matching(r"^got ")) == 1
    finally:
        listener.stop()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_broadcast_never_reaches_the_other_process(
    product_env: dict[str, str],
) -> None:
    group = f"{realtime.operator_group(0)}-{uuid.uuid4().hex}"
    prefix = settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("prefix", "asgi")
    listener = Process([sys.executable, "-c", LISTENER, group, prefix], env=product_env)
    try:
        listener.wait_for(r"^ready$", timeout=30)

        with pytest.raises(RuntimeError), transaction.atomic():
            realtime.broadcast(group, {"type": "ghost"})
            raise RuntimeError("rolled back")
        realtime.broadcast(group, {"type": "after"})  # a later send still arrives

        got = listener.wait_for(r"^got (.*)$", timeout=10)
        assert event_frame(json.loads(got.group(1))) == {"type": "after"}
        assert len(listener.matching(r"^got ")) == 1
    finally:
        listener.stop()
