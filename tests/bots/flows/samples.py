"""Flows the bot tests share: the contract's example, with the groups it hands off to."""

from __future__ import annotations

import copy
from typing import Any

CONTRACT_FLOW: dict[str, Any] = {
    "start": "hello",
    "nodes": {
        "hello": {"type": "message", "text": "Hi!", "next": "menu"},
        "menu": {
            "type": "buttons",
            "text": "What about?",
            "buttons": [
                {"id": "b1", "title": "Delivery", "next": "kb"},
                {"id": "b2", "title": "Sales", "next": "email"},
                {"id": "b3", "title": "Nothing, thanks", "next": "bye"},
            ],
        },
        "email": {
            "type": "input",
            "text": "Your e-mail?",
            "field": "email",
            "validate": "email",
            "error_text": "That is not an e-mail",
            "max_attempts": 3,
            "next": "is_vip",
            "fail_next": "to_sales",
        },
        "is_vip": {
            "type": "condition",
            "rules": [
                {"field": "contact.attributes.vip", "op": "equals", "value": True, "next": "to_vip"}
            ],
            "else": "to_sales",
        },
        "kb": {"type": "faq", "next": "menu", "no_match_next": "to_support"},
        "to_sales": {"type": "handoff", "group": 1, "text": "Connecting you to sales"},
        "to_vip": {"type": "handoff", "group": 2, "priority": 10},
        "to_support": {"type": "handoff", "group": None},
        "bye": {"type": "end", "text": "Glad to help!"},
    },
}


def contract_flow(*, sales: int = 1, vip: int = 2) -> dict[str, Any]:
    """The contract's flow, handing off to the groups ``sales`` and ``vip``."""
    flow = copy.deepcopy(CONTRACT_FLOW)
    flow["nodes"]["to_sales"]["group"] = sales
    flow["nodes"]["to_vip"]["group"] = vip
    return flow
