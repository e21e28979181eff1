"""Examples of the bots API's requests and answers, shown in its OpenAPI schema (and
validated against that schema by tests/test_api_examples.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample

FLOW_EXAMPLE: dict[str, Any] = {
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

BOT_EXAMPLE: dict[str, Any] = {
    "id": 1,
    "name": "Front desk",
    "channels": [1],
    "mode": "always",
    "handoff_keywords": ["operator", "оператор"],
    "flow": FLOW_EXAMPLE,
    "version": 3,
    "created_at": "2025-03-01T09:00:00Z",
    "updated_at": "2025-03-04T16:20:00Z",
}

BOT_RESPONSES = [OpenApiExample("The front-desk bot", value=BOT_EXAMPLE, response_only=True)]

BOT_CREATE_EXAMPLES = [
    OpenApiExample(
        "A menu bot on the website",
        value={"name": "Front desk", "channels": [1], "mode": "always", "flow": FLOW_EXAMPLE},
        request_only=True,
    ),
    OpenApiExample(
        "Created: version 1",
        value={**BOT_EXAMPLE, "version": 1, "updated_at": BOT_EXAMPLE["created_at"]},
        response_only=True,
        status_codes=["201"],
    ),
    OpenApiExample(
        "A flow with problems",
        value={
            "flow": [
                "menu: “buttons[b2].next” leads to “emial”, which is not a node.",
                "email: Nothing leads to these nodes from the start.",
            ],
            "problems": [
                {
                    "code": "unknown_next",
                    "nodes": ["menu"],
                    "message": "“buttons[b2].next” leads to “emial”, which is not a node.",
                },
                {
                    "code": "unreachable",
                    "nodes": ["email"],
                    "message": "Nothing leads to these nodes from the start.",
                },
            ],
        },
        response_only=True,
        status_codes=["400"],
    ),
]

BOT_UPDATE_EXAMPLES = [
    OpenApiExample("Only after hours", value={"mode": "outside_hours"}, request_only=True),
    OpenApiExample(
        "A new flow: the next version",
        value={"flow": FLOW_EXAMPLE},
        request_only=True,
    ),
    OpenApiExample("Changed", value=BOT_EXAMPLE, response_only=True),
]

VERSION_EXAMPLE: dict[str, Any] = {
    "number": 3,
    "flow": FLOW_EXAMPLE,
    "restored_from": None,
    "created_at": "2025-03-04T16:20:00Z",
    "created_by": "admin",
}

VERSIONS_EXAMPLES = [
    OpenApiExample(
        "Version 3, the newest (the list is paginated, newest first)",
        value=VERSION_EXAMPLE,
        response_only=True,
    )
]

RESTORE_EXAMPLES = [
    OpenApiExample(
        "Version 1 brought back as version 4",
        value={**BOT_EXAMPLE, "version": 4},
        response_only=True,
    )
]

SIMULATE_EXAMPLES = [
    OpenApiExample(
        "A VIP asks for sales",
        value={
            "inputs": [{"button": "b2"}, "not an e-mail", "ann@example.com"],
            "contact": {"name": "Ann", "attributes": {"vip": True}},
            "group_open": True,
        },
        request_only=True,
    ),
    OpenApiExample(
        "Handed to the VIP group",
        value={
            "transcript": [
                {"from": "bot", "text": "Hi!"},
                {
                    "from": "bot",
                    "text": "What about?",
                    "buttons": [
                        {"id": "b1", "title": "Delivery"},
                        {"id": "b2", "title": "Sales"},
                        {"id": "b3", "title": "Nothing, thanks"},
                    ],
                    "node": "menu",
                },
                {"from": "contact", "text": "Sales"},
                {"from": "bot", "text": "Your e-mail?"},
                {"from": "contact", "text": "not an e-mail"},
                {"from": "bot", "text": "That is not an e-mail"},
                {"from": "contact", "text": "ann@example.com"},
            ],
            "outcome": "handoff",
            "group": 2,
            "priority": 10,
            "node": "to_vip",
            "group_open": True,
            "offline_message": None,
            "collected": {"email": "ann@example.com"},
        },
        response_only=True,
    ),
]
