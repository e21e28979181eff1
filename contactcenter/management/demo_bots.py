"""The demo's bots, on widget channels of their own so that the plain demo channel (and
the browser tests that use it) keep going straight to people.

- "Website with a bot" (``/demo/?bot=1``): the bot "Website helper", always on: a topic
  menu, an order number for support, an e-mail for sales (with priority), billing, or
  goodbye.
- "Billing line": the bot "Billing after hours", only while Billing is closed: it takes
  the customer's name, phone and question, and the chat waits in Billing's queue for
  the morning.
- "Help centre": the bot "FAQ assistant", always on, "FAQ first, then a person": the
  knowledge base (the 40 demo articles of kb/fixtures/demo_kb.json, loaded when the
  knowledge base is empty) answers in Russian or English, and a question it cannot
  answer goes to Support.

Idempotent like the rest of the demo: a bot that exists (by name) is left as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bots.flows.presets import faq_first_flow
from bots.models import Bot, BotMode
from bots.services import flows
from crm.models import ChannelType
from inbox.models import Channel
from kb.models import Article
from kb.services import articles
from routing.models import Group

DEMO_BOT_CHANNEL_NAME = "Website with a bot"
DEMO_AFTER_HOURS_CHANNEL_NAME = "Billing line"
DEMO_FAQ_CHANNEL_NAME = "Help centre"
DEMO_KB = Path(articles.__file__).resolve().parents[1] / "fixtures" / "demo_kb.json"

Note = Callable[[str, bool], None]


def helper_flow(groups: dict[str, Group]) -> dict[str, Any]:
    return {
        "start": "hello",
        "nodes": {
            "hello": {
                "type": "message",
                "text": "Hi! I am the Northwind Lamps assistant. "
                "Write “operator” at any time to talk to a person.",
                "next": "menu",
            },
            "menu": {
                "type": "buttons",
                "text": "What can I help you with?",
                "buttons": [
                    {"id": "order", "title": "My order", "next": "order_number"},
                    {"id": "buy", "title": "Buying lamps", "next": "email"},
                    {"id": "billing", "title": "Invoices and payments", "next": "to_billing"},
                    {"id": "bye", "title": "Nothing, thanks", "next": "bye"},
                ],
            },
            "order_number": {
                "type": "input",
                "text": "What is your order number?",
                "field": "attributes.order",
                "validate": "number",
                "error_text": "An order number has only digits, like 10452.",
                "max_attempts": 3,
                "next": "to_support",
                "fail_next": "to_support",
            },
            "email": {
                "type": "input",
                "text": "Your e-mail, so that our sales team can send you an offer?",
                "field": "email",
                "validate": "email",
                "error_text": "That does not look like an e-mail address.",
                "max_attempts": 3,
                "next": "to_sales",
                "fail_next": "to_sales",
            },
            "to_support": {
                "type": "handoff",
                "group": groups["Support"].pk,
                "text": "Thank you! A support operator will look at your order.",
            },
            "to_sales": {
                "type": "handoff",
                "group": groups["Sales"].pk,
                "priority": 5,
                "text": "Thank you! Connecting you to our sales team.",
            },
            "to_billing": {
                "type": "handoff",
                "group": groups["Billing"].pk,
                "text": "Connecting you to billing.",
            },
            "bye": {"type": "end", "text": "Glad to help! Have a bright day."},
        },
    }


def after_hours_flow(groups: dict[str, Group]) -> dict[str, Any]:
    return {
        "start": "hello",
        "nodes": {
            "hello": {
                "type": "message",
                "text": "Billing is closed now. Leave your details and we will answer "
                "first thing on the next working day.",
                "next": "name",
            },
            "name": {"type": "input", "text": "Your name?", "field": "name", "next": "phone"},
            "phone": {
                "type": "input",
                "text": "A phone number we may call you at?",
                "field": "phone",
                "validate": "phone",
                "error_text": "Please write a phone number, like +44 20 7946 0000.",
                "max_attempts": 2,
                "next": "question",
                "fail_next": "question",
            },
            "question": {
                "type": "input",
                "text": "And your question, in a few words?",
                "field": "attributes.question",
                "next": "to_billing",
            },
            "to_billing": {
                "type": "handoff",
                "group": groups["Billing"].pk,
                "text": "Thank you! Your request waits for billing.",
            },
        },
    }


def demo_bots_load(groups: dict[str, Group], note: Note) -> None:
    helper_channel = _channel(DEMO_BOT_CHANNEL_NAME, groups["Support"], note)
    _bot("Website helper", helper_flow(groups), helper_channel, BotMode.ALWAYS, note)
    billing_channel = _channel(DEMO_AFTER_HOURS_CHANNEL_NAME, groups["Billing"], note)
    _bot(
        "Billing after hours",
        after_hours_flow(groups),
        billing_channel,
        BotMode.OUTSIDE_HOURS,
        note,
    )
    demo_kb_load(note)
    faq_channel = _channel(DEMO_FAQ_CHANNEL_NAME, groups["Support"], note)
    _bot("FAQ assistant", faq_first_flow(), faq_channel, BotMode.ALWAYS, note)


def demo_kb_load(note: Note) -> None:
    """The demo articles, when the knowledge base has none."""
    if Article.objects.exists():
        return
    items = json.loads(DEMO_KB.read_text(encoding="utf-8"))
    articles.articles_import(items=items)
    for _item in items:
        note("article", True)


def _channel(name: str, group: Group, note: Note) -> Channel:
    channel, was_created = Channel.objects.get_or_create(
        type=ChannelType.WIDGET, name=name, defaults={"default_group": group}
    )
    note("channel", was_created)
    return channel


def _bot(name: str, flow: dict[str, Any], channel: Channel, mode: str, note: Note) -> None:
    if Bot.objects.filter(name=name).exists():
        note("bot", False)
        return
    flows.bot_create(name=name, flow=flow, channels=[channel], mode=mode)
    note("bot", True)
