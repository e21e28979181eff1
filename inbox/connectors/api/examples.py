"""OpenAPI examples of the API channel's endpoints."""

from __future__ import annotations

from typing import Any

MESSAGE_IN_EXAMPLE: dict[str, Any] = {
    "external_id": "user-1842",
    "text": "Hello! My order #5521 has not arrived yet.",
    "client_id": "msg-7f3a9c",
    "name": "Ada Lovelace",
    "email": "ada@example.org",
    "attributes": {"plan": "team", "app_version": "4.2.0"},
}

MESSAGE_MINIMAL_EXAMPLE: dict[str, Any] = {
    "external_id": "user-1842",
    "text": "Any news?",
    "client_id": "msg-7f3aa0",
}

STORED_EXAMPLE: dict[str, Any] = {"id": 9012, "dialog": 431, "session": 1207}

INVALID_EXAMPLE: dict[str, Any] = {
    "text": ["Write a message of 1 to 10,000 characters."],
    "client_id": ["This field is required."],
}

OPERATOR_REPLY_EXAMPLE: dict[str, Any] = {
    "id": 9015,
    "dialog": 431,
    "session": 1207,
    "sender_type": "operator",
    "sender_name": "Anna",
    "text": "Hello Ada, I am checking with the courier now.",
    "attachments": [],
    "client_id": None,
    "created_at": "2026-03-03T10:02:05+00:00",
    "internal": False,
    "status": "sent",
    "language": None,
    "translations": {},
    "translation_status": None,
}

CONTACT_MESSAGE_EXAMPLE: dict[str, Any] = {
    **OPERATOR_REPLY_EXAMPLE,
    "id": 9012,
    "sender_type": "contact",
    "sender_name": "Ada Lovelace",
    "text": "Hello! My order #5521 has not arrived yet.",
    "client_id": "msg-7f3a9c",
    "created_at": "2026-03-03T10:01:40+00:00",
    "status": None,
}
