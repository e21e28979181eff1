"""Examples of the crm API's requests and answers, shown in its OpenAPI schema (and
validated against that schema by tests/test_api_examples.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample

CONTACT_EXAMPLE: dict[str, Any] = {
    "id": 7,
    "name": "Ada Lovelace",
    "display_name": "Ada Lovelace",
    "email": "ada@example.org",
    "phone": "+44 20 7946 0958",
    "attributes": {"plan": "team", "company": "Analytical Engines Ltd"},
    "identities": [
        {"channel_type": "widget", "external_id": "1:5f0c8e2a9b7d4c31a6e2f8b0d9c4a7e1"},
        {"channel_type": "telegram", "external_id": "100200300"},
    ],
    "created_at": "2025-03-03T10:02:10Z",
    "updated_at": "2025-03-03T10:06:40Z",
}
CONTACT_CREATE_EXAMPLE: dict[str, Any] = {
    "name": "Ada Lovelace",
    "email": "ada@example.org",
    "phone": "+44 20 7946 0958",
    "attributes": {"plan": "team", "company": "Analytical Engines Ltd"},
    "identities": [{"channel_type": "telegram", "external_id": "100200300"}],
}


PIPELINE_EXAMPLE = {
    "id": 1,
    "name": "Sales",
    "is_default": True,
    "stages": [
        {"id": 1, "name": "New", "position": 0},
        {"id": 2, "name": "Proposal", "position": 1},
        {"id": 3, "name": "Negotiation", "position": 2},
        {"id": 4, "name": "Contract", "position": 3},
    ],
    "created_at": "2025-03-01T09:00:00Z",
}


LEAD_EXAMPLE = {
    "id": 42,
    "contact": 7,
    "contact_name": "Ada Lovelace",
    "session": 315,
    "title": "Ada — annual plan",
    "pipeline": 1,
    "pipeline_name": "Sales",
    "stage": 2,
    "stage_name": "Proposal",
    "owner": 5,
    "owner_name": "Anna",
    "status": "in_progress",
    "status_display": "In progress",
    "fields": {"seats": 12, "budget": 2400, "product": "Team plan, yearly"},
    "url": "/crm/leads/42/",
    "created_at": "2025-03-03T10:15:00Z",
    "updated_at": "2025-03-04T08:02:00Z",
}


TASK_EXAMPLE = {
    "id": 9,
    "title": "Send Ada the annual plan offer",
    "description": "12 seats, yearly billing; keep her invoice history.",
    "lead": 42,
    "lead_title": "Ada — annual plan",
    "contact": 7,
    "contact_name": "Ada Lovelace",
    "assignee": 5,
    "assignee_name": "Anna",
    "due_at": "2025-03-05T15:00:00Z",
    "done": False,
    "done_at": None,
    "is_overdue": False,
    "created_at": "2025-03-04T08:10:00Z",
}


TIMELINE_ENTRY_EXAMPLE: dict[str, Any] = {
    "session": 315,
    "dialog": 12,
    "channel": 1,
    "channel_type": "widget",
    "channel_name": "Website chat",
    "group": 1,
    "group_name": "Support",
    "operator": 1,
    "operator_name": "Anna",
    "topic_title": "Billing",
    "status": "closed",
    "close_reason": "resolved",
    "created_at": "2025-03-03T10:02:11Z",
    "closed_at": "2025-03-03T10:15:02Z",
    "first_message_text": "Hi! Can I switch my team to the annual plan?",
}
MERGE_SUGGESTION_EXAMPLE: dict[str, Any] = {
    "id": 4,
    "contact": 19,
    "contact_name": "Ada L.",
    "candidate": 7,
    "candidate_name": "Ada Lovelace",
    "candidate_email": "ada@example.org",
    "candidate_phone": "+44 20 7946 0958",
    "reason": "email",
    "created_at": "2025-03-05T08:41:00Z",
    "resolved": False,
    "resolution": "",
}


CONTACT_LIST_EXAMPLES = [
    OpenApiExample("Found by ?search=ada", value=CONTACT_EXAMPLE, response_only=True)
]

CONTACT_RETRIEVE_EXAMPLES = [
    OpenApiExample("Ada Lovelace", value=CONTACT_EXAMPLE, response_only=True)
]

CONTACT_CREATE_EXAMPLES = [
    OpenApiExample("With a Telegram identity", value=CONTACT_CREATE_EXAMPLE, request_only=True),
    OpenApiExample(
        "Created",
        value={
            **CONTACT_EXAMPLE,
            "identities": CONTACT_CREATE_EXAMPLE["identities"],
            "updated_at": CONTACT_EXAMPLE["created_at"],
        },
        response_only=True,
        status_codes=["201"],
    ),
    OpenApiExample(
        "The identity is someone else's",
        value={"detail": "The identity telegram 100200300 already belongs to another contact."},
        response_only=True,
        status_codes=["409"],
    ),
]

CONTACT_UPDATE_EXAMPLES = [
    OpenApiExample(
        "Add a phone, replace the attributes",
        value={
            "phone": "+44 20 7946 0958",
            "attributes": {"plan": "team", "company": "Analytical Engines Ltd"},
        },
        request_only=True,
    ),
    OpenApiExample("Changed", value=CONTACT_EXAMPLE, response_only=True),
]

CONTACT_MERGE_EXAMPLES = [
    OpenApiExample(
        "Fold Ada's duplicate (contact 19) into Ada (7)",
        value={"source": 19},
        request_only=True,
    ),
    OpenApiExample(
        "Ada with the duplicate's identities", value=CONTACT_EXAMPLE, response_only=True
    ),
]

PIPELINE_LIST_EXAMPLES = [OpenApiExample("Pipelines", value=PIPELINE_EXAMPLE, response_only=True)]

PIPELINE_RETRIEVE_EXAMPLES = [
    OpenApiExample("A pipeline", value=PIPELINE_EXAMPLE, response_only=True)
]

PIPELINE_CREATE_EXAMPLES = [
    OpenApiExample(
        "A funnel",
        value={
            "name": "Sales",
            "is_default": True,
            "stages": [
                {"name": "New"},
                {"name": "Proposal"},
                {"name": "Negotiation"},
                {"name": "Contract"},
            ],
        },
        request_only=True,
    ),
    OpenApiExample("Created", value=PIPELINE_EXAMPLE, response_only=True),
]

PIPELINE_UPDATE_EXAMPLES = [
    OpenApiExample(
        "Rename a stage, add one, drop one",
        value={
            "stages": [
                {"id": 1, "name": "Incoming"},
                {"id": 2, "name": "Proposal"},
                {"id": 4, "name": "Contract"},
                {"name": "Paid"},
            ]
        },
        request_only=True,
    ),
    OpenApiExample(
        "Changed",
        value={
            **PIPELINE_EXAMPLE,
            "stages": [
                {"id": 1, "name": "Incoming", "position": 0},
                {"id": 2, "name": "Proposal", "position": 1},
                {"id": 4, "name": "Contract", "position": 2},
                {"id": 5, "name": "Paid", "position": 3},
            ],
        },
        response_only=True,
    ),
]

LEAD_LIST_EXAMPLES = [OpenApiExample("Leads", value=LEAD_EXAMPLE, response_only=True)]

LEAD_RETRIEVE_EXAMPLES = [OpenApiExample("A lead", value=LEAD_EXAMPLE, response_only=True)]

LEAD_CREATE_EXAMPLES = [
    OpenApiExample(
        "From a chat (owner: the caller; pipeline: the default; stage: its first)",
        value={"contact": 7, "session": 315, "title": "Ada — annual plan"},
        request_only=True,
    ),
    OpenApiExample(
        "Everything given",
        value={
            "contact": 7,
            "title": "Ada — annual plan",
            "session": 315,
            "pipeline": 1,
            "stage": 2,
            "owner": 5,
            "status": "in_progress",
            "fields": {"seats": 12, "budget": 2400, "product": "Team plan, yearly"},
        },
        request_only=True,
    ),
    OpenApiExample("Created", value=LEAD_EXAMPLE, response_only=True),
    OpenApiExample(
        "A second click",
        value={
            "detail": "This customer already has an open lead from this "
            "conversation: “Ada — annual plan”.",
            "lead": 42,
            "url": "/crm/leads/42/",
        },
        response_only=True,
        status_codes=["409"],
    ),
]

LEAD_UPDATE_EXAMPLES = [
    OpenApiExample("Move to another stage", value={"stage": 3}, request_only=True),
    OpenApiExample(
        "Close as won",
        value={"status": "won", "fields": {"seats": 12, "budget": 2400, "paid": True}},
        request_only=True,
    ),
    OpenApiExample(
        "Changed",
        value={
            **LEAD_EXAMPLE,
            "stage": 3,
            "stage_name": "Negotiation",
            "updated_at": "2025-03-04T09:30:00Z",
        },
        response_only=True,
    ),
]

TASK_LIST_EXAMPLES = [OpenApiExample("Tasks", value=TASK_EXAMPLE, response_only=True)]

TASK_RETRIEVE_EXAMPLES = [OpenApiExample("A task", value=TASK_EXAMPLE, response_only=True)]

TASK_CREATE_EXAMPLES = [
    OpenApiExample(
        "A follow-up about a lead",
        value={
            "title": "Send Ada the annual plan offer",
            "description": "12 seats, yearly billing; keep her invoice history.",
            "lead": 42,
            "assignee": 5,
            "due_at": "2025-03-05T15:00:00Z",
        },
        request_only=True,
    ),
    OpenApiExample("Created", value=TASK_EXAMPLE, response_only=True),
]

TASK_UPDATE_EXAMPLES = [
    OpenApiExample("Mark done", value={"done": True}, request_only=True),
    OpenApiExample("Postpone", value={"due_at": "2025-03-07T10:00:00Z"}, request_only=True),
    OpenApiExample(
        "Done",
        value={**TASK_EXAMPLE, "done": True, "done_at": "2025-03-05T11:20:00Z"},
        response_only=True,
    ),
]

CONTACT_TIMELINE_EXAMPLES = [
    OpenApiExample("A website chat with Anna", value=TIMELINE_ENTRY_EXAMPLE, response_only=True),
    OpenApiExample(
        "A Telegram chat still in the queue",
        value={
            **TIMELINE_ENTRY_EXAMPLE,
            "session": 402,
            "dialog": 31,
            "channel": 2,
            "channel_type": "telegram",
            "channel_name": "Telegram bot",
            "operator": None,
            "operator_name": "",
            "topic_title": "",
            "status": "queued",
            "close_reason": "",
            "created_at": "2025-03-06T16:20:00Z",
            "closed_at": None,
            "first_message_text": "Is the invoice for March ready?",
        },
        response_only=True,
    ),
]

MERGE_SUGGESTIONS_EXAMPLES = [
    OpenApiExample(
        "Same e-mail as Ada Lovelace", value=MERGE_SUGGESTION_EXAMPLE, response_only=True
    )
]

MERGE_SUGGESTION_MERGE_EXAMPLES = [
    OpenApiExample("Ada, with the duplicate folded in", value=CONTACT_EXAMPLE, response_only=True)
]

MERGE_SUGGESTION_DISMISS_EXAMPLES = [
    OpenApiExample(
        "Dismissed",
        value={**MERGE_SUGGESTION_EXAMPLE, "resolved": True, "resolution": "dismissed"},
        response_only=True,
    )
]
