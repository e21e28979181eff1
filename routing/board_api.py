"""``GET /api/v1/board/``: the supervisor routing board's data in one read.

Admins get every group; supervisors the groups they supervise; anyone else 403 (the
board is a supervisor's tool, not an object to hide). Changes go through the existing
``PATCH /api/v1/operators/{id}/``, which allows supervisors ``status`` and
``max_sessions``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from routing import board_selectors
from routing.serializers import (
    BoardSerializer,
)


def _board_chat(
    pk: int,
    status: str,
    name: str,
    *,
    operator: tuple[int, str] | None = None,
    queued_at: str = "2025-03-03T09:58:00+00:00",
) -> dict[str, Any]:
    return {
        "id": pk,
        "status": status,
        "contact_name": name,
        "operator": operator[0] if operator else None,
        "operator_name": operator[1] if operator else None,
        "priority": 0,
        "queued_at": queued_at,
        "assigned_at": "2025-03-03T09:59:00+00:00" if operator else None,
        "url": f"/inbox/?session={pk}",
    }


# an operator in both groups of the example
BOARD_BORIS_EXAMPLE = {
    "id": 2,
    "name": "Boris",
    "status": "away",
    "connected": True,
    "available": False,
    "active_sessions": 1,
    "limit": 5,
    "max_sessions": None,
    "last_assigned_at": "2025-03-03T09:48:30+00:00",
}
BOARD_EXAMPLE = {
    "server_time": "2025-03-03T10:05:00+00:00",
    "groups": [
        {
            "id": 2,
            "name": "Sales",
            "routing_strategy": "round_robin",
            "default_max_sessions": 5,
            "queue_size": 1,
            "oldest_queued_at": "2025-03-03T10:04:05+00:00",
            "active_sessions": 0,
            "operators": [BOARD_BORIS_EXAMPLE],
            "sessions": [
                _board_chat(
                    318, "queued", "Katherine Johnson", queued_at="2025-03-03T10:04:05+00:00"
                )
            ],
        },
        {
            "id": 1,
            "name": "Support",
            "routing_strategy": "least_busy",
            "default_max_sessions": 3,
            "queue_size": 3,
            "oldest_queued_at": "2025-03-03T10:01:40+00:00",
            "active_sessions": 3,
            "operators": [
                {
                    "id": 1,
                    "name": "Anna",
                    "status": "online",
                    "connected": True,
                    "available": True,
                    "active_sessions": 2,
                    "limit": 4,
                    "max_sessions": 4,
                    "last_assigned_at": "2025-03-03T10:02:15+00:00",
                },
                BOARD_BORIS_EXAMPLE,
            ],
            "sessions": [
                *(
                    _board_chat(pk, "queued", name, queued_at=at)
                    for pk, name, at in (
                        (311, "Grace Hopper", "2025-03-03T10:01:40+00:00"),
                        (314, "Alan Turing", "2025-03-03T10:03:10+00:00"),
                        (317, "Edsger Dijkstra", "2025-03-03T10:04:50+00:00"),
                    )
                ),
                _board_chat(305, "active", "Ada", operator=(1, "Anna")),
                _board_chat(309, "active", "Linus", operator=(1, "Anna")),
                _board_chat(312, "active", "Barbara", operator=(2, "Boris")),
            ],
        },
    ],
}


class BoardView(APIView):
    """The routing board: per group the caller supervises (admins: every group) the
    queue, the active sessions and each member's status, connection and load. 403 for
    users who are neither admins nor supervisors."""

    @extend_schema(
        summary="The supervisor routing board",
        responses=BoardSerializer,
        examples=[OpenApiExample("Support and Sales", value=BOARD_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        if not board_selectors.board_user_may_see(user=request.user):
            raise exceptions.PermissionDenied(
                "Only administrators and group supervisors see the routing board."
            )
        return Response(board_selectors.board_get(user=request.user))
