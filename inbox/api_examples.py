"""Examples of the OpenAPI schema for sessions and messages: one conversation, Ada
Lovelace asking on the website chat. Shared by the endpoints that answer these shapes
(``sessions/``, ``dialogs/``, ``search/``).
"""

from __future__ import annotations

from typing import Any

SESSION_EXAMPLE: dict[str, Any] = {
    "id": 315,
    "dialog": 12,
    "contact": 7,
    "channel": 1,
    "group": 1,
    "operator": 1,
    "status": "active",
    "close_reason": "",
    "topic": 1,
    "priority": 0,
    "previous_session": None,
    "created_at": "2025-03-03T10:02:11+00:00",
    "queued_at": "2025-03-03T10:02:11+00:00",
    "assigned_at": "2025-03-03T10:02:15+00:00",
    "first_response_at": "2025-03-03T10:02:48+00:00",
    "closed_at": None,
    "last_contact_message_at": "2025-03-03T10:03:30+00:00",
    "contact_name": "Ada Lovelace",
    "contact_anonymous": False,
    "channel_type": "widget",
    "channel_name": "Website chat",
    "group_name": "Support",
    "operator_name": "Anna",
    "topic_title": "Billing",
    "sla_target_s": 60,
    "rating": None,
    "labels": [{"id": 2, "name": "billing", "color": "#2563eb"}],
    "language": None,
    "language_fixed": False,
    "unread_count": 1,
    "last_message": {
        "id": 1032,
        "text": "Great, and do I keep my invoices?",
        "sender_type": "contact",
        "created_at": "2025-03-03T10:03:30+00:00",
    },
}
SESSION_QUEUED_EXAMPLE: dict[str, Any] = {
    **SESSION_EXAMPLE,
    "id": 316,
    "operator": None,
    "status": "queued",
    "topic": 2,
    "assigned_at": None,
    "first_response_at": None,
    "last_contact_message_at": "2025-03-03T10:04:05+00:00",
    "operator_name": None,
    "topic_title": "Buy a plan",
    "group": 2,
    "group_name": "Sales",
    "sla_target_s": 120,
    "created_at": "2025-03-03T10:04:05+00:00",
    "queued_at": "2025-03-03T10:04:05+00:00",
    "last_message": {
        "id": 1040,
        "text": "Hello, how much is the annual plan for 12 seats?",
        "sender_type": "contact",
        "created_at": "2025-03-03T10:04:05+00:00",
    },
}
SESSION_READ_EXAMPLE: dict[str, Any] = {**SESSION_EXAMPLE, "unread_count": 0}
SESSION_CLOSED_EXAMPLE: dict[str, Any] = {
    **SESSION_EXAMPLE,
    "status": "closed",
    "close_reason": "resolved",
    "closed_at": "2025-03-03T10:15:02+00:00",
    "unread_count": 0,
    "last_message": {
        "id": 1036,
        "text": "Done: you are on the annual plan from today. Have a nice day, Ada!",
        "sender_type": "operator",
        "created_at": "2025-03-03T10:14:40+00:00",
    },
}

MESSAGE_CONTACT_EXAMPLE: dict[str, Any] = {
    "id": 1029,
    "dialog": 12,
    "session": 315,
    "sender_type": "contact",
    "sender_name": "Ada Lovelace",
    "text": "Hi! Can I switch my team to the annual plan?",
    "attachments": [],
    "client_id": "w-8f3a1c",
    "created_at": "2025-03-03T10:02:11+00:00",
    "internal": False,
    "status": None,
    "language": None,
    "translations": {},
    "translation_status": None,
}
MESSAGE_OPERATOR_EXAMPLE: dict[str, Any] = {
    "id": 1030,
    "dialog": 12,
    "session": 315,
    "sender_type": "operator",
    "sender_name": "Anna",
    "text": "Hi Ada! Yes, I can move you to the annual plan right away.",
    "attachments": [],
    "client_id": "op-5d1e2a7c",
    "created_at": "2025-03-03T10:02:48+00:00",
    "internal": False,
    "status": None,
    "language": None,
    "translations": {},
    "translation_status": None,
}
MESSAGE_FILE_EXAMPLE: dict[str, Any] = {
    "id": 1031,
    "dialog": 12,
    "session": 315,
    "sender_type": "operator",
    "sender_name": "Anna",
    "text": "Here is the offer for 12 seats.",
    "attachments": [
        {
            "id": 88,
            "name": "annual-plan-offer.pdf",
            "url": "/media/attachments/12/3f9c0a7d1e5b2c48/annual-plan-offer.pdf",
            "content_type": "application/pdf",
            "size": 48213,
        }
    ],
    "client_id": "op-9b7c4d21",
    "created_at": "2025-03-03T10:03:02+00:00",
    "internal": False,
    "status": None,
    "language": None,
    "translations": {},
    "translation_status": None,
}
MESSAGE_NOTE_EXAMPLE: dict[str, Any] = {
    "id": 1037,
    "dialog": 12,
    "session": 316,
    "sender_type": "system",
    "sender_name": "",
    "text": "Transferred by Anna. Wants the annual plan for 12 seats.",
    "attachments": [],
    "client_id": None,
    "created_at": "2025-03-03T10:04:05+00:00",
    "internal": True,
    "status": None,
    "language": None,
    "translations": {},
    "translation_status": None,
}
MESSAGE_PRIVATE_NOTE_EXAMPLE: dict[str, Any] = {
    "id": 1033,
    "dialog": 12,
    "session": 315,
    "sender_type": "operator",
    "sender_name": "Anna",
    "text": "Ada had a refund in January; check the invoice before promising a discount.",
    "attachments": [],
    "client_id": "note-6c2f81",
    "created_at": "2025-03-03T10:03:41+00:00",
    "internal": True,
    "status": None,
    "language": None,
    "translations": {},
    "translation_status": None,
}

MESSAGE_RETRIED_EXAMPLE: dict[str, Any] = {
    "id": 1041,
    "dialog": 14,
    "session": 320,
    "sender_type": "operator",
    "sender_name": "Anna",
    "text": "Your parcel left the warehouse this morning.",
    "attachments": [],
    "client_id": "op-2e7d90aa",
    "created_at": "2025-03-03T11:20:05+00:00",
    "internal": False,
    "status": "pending",
    "language": None,
    "translations": {},
    "translation_status": None,
}
MESSAGE_TRANSLATING_EXAMPLE: dict[str, Any] = {
    **MESSAGE_CONTACT_EXAMPLE,
    "text": "Здравствуйте, где мой заказ?",
    "language": "ru",
    "translations": {},
    "translation_status": "pending",
}
SESSION_LANGUAGE_EXAMPLE: dict[str, Any] = {
    **SESSION_EXAMPLE,
    "language": "uk",
    "language_fixed": True,
}
