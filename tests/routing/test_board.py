"""The supervisor routing board: the page, its read endpoint and the changes it makes
through the operators API."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from inbox.models import SessionStatus
from routing import board_selectors
from routing.models import Group, Operator, OperatorStatus, RoutingStrategy
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def _operator(name: str, *, groups: tuple[Group, ...] = (), **fields: Any) -> Operator:
    operator = factories.OperatorFactory(
        user=factories.UserFactory(username=name.lower()), display_name=name, **fields
    )
    for group in groups:
        factories.MembershipFactory(group=group, operator=operator)
    return operator


def _sessions(group: Group, count: int, **fields: Any) -> None:
    channel = factories.ChannelFactory(default_group=group)
    for _ in range(count):
        factories.SessionFactory(dialog__channel=channel, group=group, **fields)


@pytest.fixture
def floor() -> dict[str, Any]:
    """Alpha (default limit 3) is supervised by Sveta; Beta (default 4) by nobody.
    Anna (Alpha) is online with the inbox open and holds 2 chats of Alpha; Boris (Alpha
    and Beta, own limit 5) is away, not connected, with 1 chat of Beta; Carl (Alpha and
    Beta, no own limit) is offline and idle; Dora is only in Beta. Alpha has 2 chats
    waiting (the oldest since 7 minutes) and 1 closed; Beta 1 waiting."""
    alpha = factories.GroupFactory(
        name="Alpha", default_max_sessions=3, routing_strategy=RoutingStrategy.LONGEST_IDLE
    )
    beta = factories.GroupFactory(name="Beta", default_max_sessions=4)
    sveta = _operator("Sveta")
    alpha.supervisors.add(sveta)
    anna = _operator(
        "Anna",
        groups=(alpha,),
        status=OperatorStatus.ONLINE,
        open_sockets=1,
        last_assigned_at=NOW - dt.timedelta(minutes=3),
    )
    boris = _operator("Boris", groups=(alpha, beta), status=OperatorStatus.AWAY, max_sessions=5)
    carl = _operator("Carl", groups=(beta, alpha))
    dora = _operator("Dora", groups=(beta,), status=OperatorStatus.ONLINE, open_sockets=2)
    _sessions(alpha, 2, status=SessionStatus.ACTIVE, operator=anna, assigned_at=NOW)
    _sessions(beta, 1, status=SessionStatus.ACTIVE, operator=boris, assigned_at=NOW)
    _sessions(alpha, 1, status=SessionStatus.QUEUED, queued_at=NOW - dt.timedelta(minutes=7))
    _sessions(alpha, 1, status=SessionStatus.QUEUED, queued_at=NOW - dt.timedelta(minutes=1))
    _sessions(alpha, 1, status=SessionStatus.CLOSED, operator=anna)
    _sessions(beta, 1, status=SessionStatus.QUEUED, queued_at=NOW - dt.timedelta(seconds=5))
    return {
        "alpha": alpha,
        "beta": beta,
        "sveta": sveta,
        "anna": anna,
        "boris": boris,
        "carl": carl,
        "dora": dora,
    }


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _script_json(html: str, element_id: str) -> dict[str, Any]:
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>'
        rf'|<script type="application/json" id="{element_id}">(.*?)</script>',
        html,
        re.S,
    )
    assert match, f"no {element_id} block"
    return json.loads(match.group(1) or match.group(2))


# --- the endpoint ------------------------------------------------------------------------


def test_a_supervisor_gets_the_numbers_of_the_group_they_supervise(floor: dict[str, Any]) -> None:
    # when Alpha's supervisor reads the board
    response = api_as(floor["sveta"].user).get("/api/v1/board/")

    # then Alpha alone is there, with its queue, its active chats and its members
    assert response.status_code == 200
    body = response.json()
    assert dt.datetime.fromisoformat(body["server_time"]) >= NOW
    assert [g["name"] for g in body["groups"]] == ["Alpha"]
    alpha = body["groups"][0]
    assert alpha["id"] == floor["alpha"].pk
    assert alpha["routing_strategy"] == "longest_idle"
    assert alpha["default_max_sessions"] == 3
    assert alpha["queue_size"] == 2
    assert dt.datetime.fromisoformat(alpha["oldest_queued_at"]) == NOW - dt.timedelta(minutes=7)
    assert alpha["active_sessions"] == 2
    assert alpha["operators"] == [
        {
            "id": floor["anna"].pk,
            "name": "Anna",
            "status": "online",
            "connected": True,
            "available": True,
            "active_sessions": 2,
            "limit": 3,
            "max_sessions": None,
            "last_assigned_at": (NOW - dt.timedelta(minutes=3)).isoformat(),
        },
        {
            "id": floor["boris"].pk,
            "name": "Boris",
            "status": "away",
            "connected": False,
            "available": False,
            # his load counts every active chat, Beta's too: the limit is global
            "active_sessions": 1,
            "limit": 5,
            "max_sessions": 5,
            "last_assigned_at": None,
        },
        {
            "id": floor["carl"].pk,
            "name": "Carl",
            "status": "offline",
            "connected": False,
            "available": False,
            "active_sessions": 0,
            # no own limit: the largest default of his groups, as routing applies it
            "limit": 4,
            "max_sessions": None,
            "last_assigned_at": None,
        },
    ]


def test_supervisors_of_one_group_do_not_see_another(floor: dict[str, Any]) -> None:
    # given Dora supervises Beta only
    floor["beta"].supervisors.add(floor["dora"])

    # when each supervisor reads the board
    sveta = api_as(floor["sveta"].user).get("/api/v1/board/").json()
    dora = api_as(floor["dora"].user).get("/api/v1/board/").json()

    # then each sees their own group, with its own members and numbers
    assert [g["name"] for g in sveta["groups"]] == ["Alpha"]
    assert [g["name"] for g in dora["groups"]] == ["Beta"]
    beta = dora["groups"][0]
    assert (beta["queue_size"], beta["active_sessions"]) == (1, 1)
    assert [o["name"] for o in beta["operators"]] == ["Boris", "Carl", "Dora"]
    assert "Anna" not in json.dumps(dora)
    assert beta["operators"][2]["connected"] is True


def test_an_admin_sees_every_group(floor: dict[str, Any], admin_user: Any) -> None:
    body = api_as(admin_user).get("/api/v1/board/").json()

    assert [g["name"] for g in body["groups"]] == ["Alpha", "Beta"]


def test_an_empty_queue_has_no_oldest_wait(floor: dict[str, Any]) -> None:
    # given Alpha's waiting chats were all taken
    floor["alpha"].sessions.filter(status=SessionStatus.QUEUED).update(
        status=SessionStatus.ACTIVE, operator=floor["carl"]
    )

    alpha = api_as(floor["sveta"].user).get("/api/v1/board/").json()["groups"][0]

    assert (alpha["queue_size"], alpha["oldest_queued_at"]) == (0, None)
    assert alpha["active_sessions"] == 4
    assert [o["active_sessions"] for o in alpha["operators"]] == [2, 1, 2]


def test_operators_and_other_users_are_refused(floor: dict[str, Any]) -> None:
    # an operator who supervises nothing, and a user who is no operator at all
    for user in (floor["anna"].user, factories.UserFactory()):
        response = api_as(user).get("/api/v1/board/")
        assert response.status_code == 403
        assert "supervisors" in response.json()["detail"]


def test_an_anonymous_caller_must_authenticate(floor: dict[str, Any]) -> None:
    assert Client().get("/api/v1/board/").status_code == 401


def test_the_number_of_queries_does_not_grow_with_the_board(
    floor: dict[str, Any], admin_user: Any, django_assert_max_num_queries: Any
) -> None:
    # given many more groups, operators and sessions
    for g in range(6):
        group = factories.GroupFactory(name=f"More {g}")
        group.supervisors.add(floor["sveta"])
        for o in range(5):
            operator = _operator(f"Op{g}x{o}", groups=(group, floor["alpha"]))
            _sessions(group, 1, status=SessionStatus.ACTIVE, operator=operator)
        _sessions(group, 2, status=SessionStatus.QUEUED, queued_at=NOW)

    # then the selector reads the whole board in a fixed handful of queries
    with django_assert_max_num_queries(3):
        board = board_selectors.board_get(user=admin_user)
    assert len(board["groups"]) == 8
    assert len(board["groups"][0]["operators"]) == 33

    sveta = floor["sveta"].user
    with django_assert_max_num_queries(4):
        board = board_selectors.board_get(user=sveta)
    assert len(board["groups"]) == 7

    # and so does the endpoint, role checks included
    client = api_as(floor["sveta"].user)
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/board/").status_code == 200


# --- changes through the operators API ---------------------------------------------------


def test_a_supervisor_sets_a_status_and_a_limit_and_the_board_shows_them(
    floor: dict[str, Any],
) -> None:
    client = api_as(floor["sveta"].user)
    boris = floor["boris"]

    # when Alpha's supervisor puts Boris online and clears his own limit
    status = client.patch(f"/api/v1/operators/{boris.pk}/", {"status": "online"})
    limit = client.patch(f"/api/v1/operators/{boris.pk}/", {"max_sessions": None})

    # then both are stored and the board shows them, with the group default now applying
    assert status.status_code == 200 and status.json()["status"] == "online"
    assert limit.status_code == 200 and limit.json()["max_sessions"] is None
    boris.refresh_from_db()
    assert (boris.status, boris.max_sessions) == ("online", None)
    row = next(
        o
        for o in client.get("/api/v1/board/").json()["groups"][0]["operators"]
        if o["id"] == boris.pk
    )
    assert (row["status"], row["max_sessions"], row["limit"]) == ("online", None, 4)


def test_a_supervisor_may_change_nothing_else(floor: dict[str, Any]) -> None:
    response = api_as(floor["sveta"].user).patch(
        f"/api/v1/operators/{floor['anna'].pk}/", {"display_name": "Anya"}
    )

    assert response.status_code == 403
    floor["anna"].refresh_from_db()
    assert floor["anna"].display_name == "Anna"


def test_an_operator_may_not_change_a_colleague(floor: dict[str, Any]) -> None:
    # when Anna, a member of Alpha but no supervisor, tries what the board does
    client = api_as(floor["anna"].user)
    for body in ({"status": "offline"}, {"max_sessions": 9}):
        response = client.patch(f"/api/v1/operators/{floor['boris'].pk}/", body)
        # then she is refused
        assert response.status_code == 403

    floor["boris"].refresh_from_db()
    assert (floor["boris"].status, floor["boris"].max_sessions) == ("away", 5)


def test_a_supervisor_may_not_change_operators_of_other_groups(floor: dict[str, Any]) -> None:
    response = api_as(floor["sveta"].user).patch(
        f"/api/v1/operators/{floor['dora'].pk}/", {"status": "offline"}
    )

    assert response.status_code == 404
    floor["dora"].refresh_from_db()
    assert floor["dora"].status == "online"


# --- the page ----------------------------------------------------------------------------


def test_the_board_is_at_routing_board() -> None:
    assert reverse("routing:board") == "/routing/board/"


def test_an_anonymous_visitor_is_sent_to_log_in() -> None:
    response = Client().get("/routing/board/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/routing/board/"


def test_a_supervisor_gets_the_page_with_a_socket(floor: dict[str, Any]) -> None:
    response = _client(floor["sveta"].user).get("/routing/board/")

    assert response.status_code == 200
    html = response.content.decode()
    bootstrap = _script_json(html, "board-bootstrap")
    assert bootstrap["api_base"] == "/api/v1/"
    assert bootstrap["board_path"] == "board/"
    assert bootstrap["socket_path"] == "/ws/operator/"
    assert bootstrap["operator_id"] == floor["sveta"].pk
    assert bootstrap["poll_every_s"] == 10
    assert bootstrap["csrf_token"]
    assert '<script type="module" src="/static/routing/board.js">' in html
    assert "/static/routing/board.css" in html
    assert 'id="board-groups"' in html and 'id="board-alerts"' in html


def test_an_admin_without_an_operator_record_gets_the_page_with_the_live_socket(
    admin_user: Any,
) -> None:
    response = _client(admin_user).get("/routing/board/")

    assert response.status_code == 200
    bootstrap = _script_json(response.content.decode(), "board-bootstrap")
    # a read-only watcher socket, not the 10 s poll alone
    assert bootstrap["socket_path"] == "/ws/operator/"
    assert bootstrap["operator_id"] is None


def test_operators_and_other_users_get_a_403_page_that_says_why(floor: dict[str, Any]) -> None:
    for user in (floor["anna"].user, factories.UserFactory()):
        response = _client(user).get("/routing/board/")

        assert response.status_code == 403
        html = response.content.decode()
        assert "The routing board is for supervisors" in html
        assert "Ask an administrator to make you a supervisor" in html
        assert "board-bootstrap" not in html


def test_the_script_strings_are_valid_json_with_every_key_the_script_uses(
    floor: dict[str, Any],
) -> None:
    html = _client(floor["sveta"].user).get("/routing/board/").content.decode()
    strings = _script_json(html, "board-strings")

    script = (Path(settings.BASE_DIR) / "routing/static/routing/board_logic.js").read_text()
    defaults = script.split("const DEFAULTS = {", 1)[1].split("\n};", 1)[0]
    keys = set(re.findall(r"^\s+(\w+):", defaults, re.M))
    assert keys and keys == set(strings)
    assert strings["alert_no_answer"] == (
        "A chat waited too long for {name}'s answer and went back to the queue."
    )


def test_the_page_follows_the_browser_language(floor: dict[str, Any]) -> None:
    html = (
        _client(floor["sveta"].user)
        .get("/routing/board/", HTTP_ACCEPT_LANGUAGE="ru")
        .content.decode()
    )

    assert '<html lang="ru">' in html
    assert _script_json(html, "board-bootstrap")["language"] == "ru"
    with translation.override("ru"):
        assert _script_json(html, "board-strings")["op_online"] == translation.gettext("Online")


def test_the_start_page_links_the_board_for_supervisors_and_admins_only(
    floor: dict[str, Any], admin_user: Any
) -> None:
    board = 'href="/routing/board/"'
    assert board in _client(floor["sveta"].user).get("/").content.decode()
    assert board in _client(admin_user).get("/").content.decode()
    assert board not in _client(floor["anna"].user).get("/").content.decode()


def test_available_on_the_board_is_who_routing_would_give_a_chat(floor: dict[str, Any]) -> None:
    # given Anna with every seat taken, and Dora whose inbox closed a moment ago (within
    # the reconnection grace period routing allows)
    Operator.objects.filter(pk=floor["anna"].pk).update(max_sessions=2)
    Operator.objects.filter(pk=floor["dora"].pk).update(
        open_sockets=0, last_seen_at=timezone.now() - dt.timedelta(seconds=1)
    )
    floor["beta"].supervisors.add(floor["sveta"])

    # when the supervisor reads the board
    board = api_as(floor["sveta"].user).get("/api/v1/board/").json()

    # then "available" matches routing's own list, operator by operator
    from routing.selectors import available_operators

    for group in board["groups"]:
        routable = set(
            available_operators(group=group["id"], now=timezone.now()).values_list("pk", flat=True)
        )
        shown = {o["id"] for o in group["operators"] if o["available"]}
        assert shown == routable
    alpha, beta = board["groups"]
    assert [o["name"] for o in alpha["operators"] if o["available"]] == []
    assert [o["name"] for o in beta["operators"] if o["available"]] == ["Dora"]


def test_the_board_lists_each_open_chat_with_the_inbox_address_that_opens_it(
    floor: dict[str, Any],
) -> None:
    # when Alpha's supervisor reads the board
    alpha = api_as(floor["sveta"].user).get("/api/v1/board/").json()["groups"][0]

    # then the two waiting chats come first, longest wait first, then Anna's two
    chats = alpha["sessions"]
    assert [c["status"] for c in chats] == ["queued", "queued", "active", "active"]
    assert chats[0]["queued_at"] < chats[1]["queued_at"]
    assert {c["operator_name"] for c in chats[2:]} == {"Anna"}
    for chat in chats:
        assert chat["url"] == f"/inbox/?session={chat['id']}"
    # and the supervisor may open each of them
    for chat in chats:
        assert api_as(floor["sveta"].user).get(f"/api/v1/sessions/{chat['id']}/").status_code == 200


def test_a_long_queue_shows_its_fifty_longest_waits(floor: dict[str, Any]) -> None:
    # given 60 more chats waiting in Alpha, the newest first
    _sessions(floor["alpha"], 60, status=SessionStatus.QUEUED, queued_at=NOW)

    alpha = api_as(floor["sveta"].user).get("/api/v1/board/").json()["groups"][0]

    # then the board lists fifty, starting with the two that waited longest
    assert alpha["queue_size"] == 62
    assert len(alpha["sessions"]) == board_selectors.SESSIONS_PER_GROUP == 50
    waits = [c["queued_at"] for c in alpha["sessions"][:2]]
    assert waits == sorted(waits) and waits[0] < NOW.isoformat()
    assert {c["status"] for c in alpha["sessions"]} == {"queued"}
