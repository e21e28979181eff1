"""Ready-made flows an admin starts a bot from."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def faq_first_flow() -> dict[str, Any]:
    """ "FAQ first, then a person": the knowledge base answers each question (in the
    customer's language), and a question it cannot answer goes to people (the channel's
    default group)."""
    return {
        "start": "ask",
        "nodes": {
            "ask": {
                "type": "faq",
                "text": _("Hello! Ask your question and I will try to answer at once."),
                "next": "ask",
                "no_match_next": "people",
            },
            "people": {
                "type": "handoff",
                "group": None,
                "text": _("I will pass your question to a person; please wait a moment."),
            },
        },
    }
