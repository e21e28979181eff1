"""sessions/, dialogs/{id}/messages/, canned-responses/ and queues/ through the API."""

from __future__ import annotations

import pytest

from inbox import services
from inbox.models import CannedResponse, Message, Session, SessionStatus
from routing.models import Operator
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    """A group with two operators and a widget channel; a queued conversation."""
    group = factories.GroupFactory(name="Support", default_max_sessions=2)
    anna = factories.OperatorFactory(display_name="Anna")
    boris = factories.OperatorFactory(display_name="Boris")
    for operator in (anna, boris):
        factories.MembershipFactory(group=group, operator=operator)
    channel = factories.ChannelFactory(default_group=group)
    visitor, _ = services.widget_visitor_create(channel=channel, name="Ada")
    first = services.contact_message_receive(dialog_id=visitor.dialog_id, text="Hello?")
    return {
        "group": group,
        "anna": anna,
        "boris": boris,
        "channel": channel,
        "session": first.message.session,
    }


def _take(team, who="anna"):
    return api_as(team[who].user).post(f"/api/v1/sessions/{team['session'].pk}/take/")


def test_operators_see_their_groups_sessions_with_what_the_inbox_lists(team):
    body = api_as(team["anna"].user).get("/api/v1/sessions/?status=queued").json()

    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == team["session"].pk
    assert (row["status"], row["contact_name"], row["group_name"]) == ("queued", "Ada", "Support")
    assert row["unread_count"] == 1
    assert row["last_message"]["text"] == "Hello?"
    assert row["channel_type"] == "widget"


def test_sessions_of_other_groups_are_not_found(team):
    outsider = factories.OperatorFactory()
    factories.MembershipFactory(operator=outsider)
    client = api_as(outsider.user)

    assert client.get("/api/v1/sessions/").json()["count"] == 0
    assert client.get(f"/api/v1/sessions/{team['session'].pk}/").status_code == 404
    assert client.post(f"/api/v1/sessions/{team['session'].pk}/take/").status_code == 404
    dialog = team["session"].dialog_id
    assert client.get(f"/api/v1/dialogs/{dialog}/messages/").status_code == 404


def test_unauthenticated_calls_are_401(api_client, team):
    assert api_client.get("/api/v1/sessions/").status_code == 401


@pytest.mark.parametrize(
    "query", ["status=sleeping", "group=abc", "operator=-1", "ordering=password", "page=x"]
)
def test_bad_filters_are_400(team, query):
    assert api_as(team["anna"].user).get(f"/api/v1/sessions/?{query}").status_code == 400


def test_take_reply_and_close(team):
    anna = api_as(team["anna"].user)
    sid = team["session"].pk

    taken = _take(team)
    sent = anna.post(f"/api/v1/sessions/{sid}/messages/", {"text": "Hi!", "client_id": "a1"})
    repeat = anna.post(f"/api/v1/sessions/{sid}/messages/", {"text": "Hi!", "client_id": "a1"})
    closed = anna.post(f"/api/v1/sessions/{sid}/close/")

    assert taken.status_code == 200
    assert (taken.json()["status"], taken.json()["operator_name"]) == ("active", "Anna")
    assert sent.status_code == 201 and sent.json()["sender_type"] == "operator"
    assert repeat.status_code == 200 and repeat.json()["id"] == sent.json()["id"]
    assert closed.json()["status"] == "closed" and closed.json()["close_reason"] == "resolved"
    assert Message.objects.filter(sender_type="operator").count() == 1
    assert anna.post(f"/api/v1/sessions/{sid}/close/").status_code == 409
    again = anna.post(f"/api/v1/sessions/{sid}/messages/", {"text": "late"})
    assert again.status_code == 409


def test_only_the_holder_writes_and_a_taken_session_cannot_be_taken_again(team):
    _take(team)
    boris = api_as(team["boris"].user)

    assert _take(team, "boris").status_code == 409
    writing = boris.post(f"/api/v1/sessions/{team['session'].pk}/messages/", {"text": "me too"})
    assert writing.status_code == 409


def test_taking_over_the_limit_is_a_conflict(team):
    for _ in range(2):
        factories.SessionFactory(
            status=SessionStatus.ACTIVE, operator=team["anna"], group=team["group"]
        )

    refused = _take(team)

    assert refused.status_code == 409
    assert "limit" in refused.json()["detail"]
    assert Session.objects.get(pk=team["session"].pk).status == "queued"


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {},
        {"text": "x" * 10_001},
        {"text": ["a"]},
        {"text": 42},
        {"text": True},
        {"text": "a\x00b"},
        {"text": "hi", "client_id": 7},
        {"text": "hi", "client_id": "c\x00"},
    ],
)
def test_bad_messages_are_400(team, body):
    _take(team)
    response = api_as(team["anna"].user).post(
        f"/api/v1/sessions/{team['session'].pk}/messages/", body, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) & {"text", "client_id"}
    assert not Message.objects.filter(sender_type="operator").exists()


@pytest.mark.parametrize(
    "raw",
    [
        '{"text": "hi", "x": ' + "[" * 10_000 + "]" * 10_000 + "}",
        '{"text": "hi", "client_id": NaN}',
        '{"text": "hi", "client_id": 1e999}',
        "[]",
        '"hi"',
        '{"text": "\\ud800"}',
        '{"text": "ok", "client_id": "\\udc00"}',
    ],
)
def test_hostile_message_bodies_are_400(team, raw):
    _take(team)
    response = api_as(team["anna"].user).post(
        f"/api/v1/sessions/{team['session'].pk}/messages/", raw, content_type="application/json"
    )
    assert response.status_code == 400
    assert not Message.objects.filter(sender_type="operator").exists()


def test_transfer_to_a_group_keeps_the_dialog_and_leaves_a_note_for_operators(team):
    _take(team)
    billing = factories.GroupFactory(name="Billing")

    response = api_as(team["anna"].user).post(
        f"/api/v1/sessions/{team['session'].pk}/transfer/",
        {"group": billing.pk, "note": "Wants a refund"},
    )

    body = response.json()
    assert response.status_code == 200
    assert (body["closed"]["status"], body["closed"]["close_reason"]) == ("closed", "transferred")
    assert (body["opened"]["status"], body["opened"]["group_name"]) == ("queued", "Billing")
    assert body["opened"]["dialog"] == body["closed"]["dialog"]
    assert body["opened"]["previous_session"] == body["closed"]["id"]
    note = Message.objects.get(session_id=body["opened"]["id"])
    assert note.internal and "Wants a refund" in note.text
    visitor_view = services.contact_message_receive  # the contact keeps writing
    visitor_view(dialog_id=body["opened"]["dialog"], text="still there?")
    assert Session.objects.get(pk=body["opened"]["id"]).messages.count() == 2


def test_transfer_to_an_operator_assigns_at_once(team):
    _take(team)
    response = api_as(team["anna"].user).post(
        f"/api/v1/sessions/{team['session'].pk}/transfer/", {"operator": team["boris"].pk}
    )
    opened = response.json()["opened"]
    assert (opened["status"], opened["operator_name"]) == ("active", "Boris")


def test_a_colleague_who_does_not_hold_the_session_may_not_transfer_it(team):
    _take(team)
    response = api_as(team["boris"].user).post(
        f"/api/v1/sessions/{team['session'].pk}/transfer/", {"operator": team["boris"].pk}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("body", [{}, {"group": 1, "operator": 1}, {"group": 99999}])
def test_bad_transfers_are_400(team, body):
    _take(team)
    response = api_as(team["anna"].user).post(
        f"/api/v1/sessions/{team['session'].pk}/transfer/", body
    )
    assert response.status_code == 400


def test_dialog_history_spans_sessions_and_after_gives_what_came_later(team):
    _take(team)
    anna = api_as(team["anna"].user)
    sid = team["session"].pk
    anna.post(f"/api/v1/sessions/{sid}/messages/", {"text": "one"})
    anna.post(f"/api/v1/sessions/{sid}/close/")
    later = services.contact_message_receive(dialog_id=team["session"].dialog_id, text="two")

    history = anna.get(f"/api/v1/dialogs/{team['session'].dialog_id}/messages/").json()
    after = anna.get(
        f"/api/v1/dialogs/{team['session'].dialog_id}/messages/?after={later.message.pk - 1}"
    ).json()

    assert [m["text"] for m in history["results"]] == ["Hello?", "one", "two"]
    assert len({m["session"] for m in history["results"]}) == 2
    assert [m["text"] for m in after["results"]] == ["two"]


def test_reading_clears_the_unread_count(team):
    _take(team)
    last = Message.objects.filter(session=team["session"]).last()
    anna = api_as(team["anna"].user)

    body = anna.post(f"/api/v1/sessions/{team['session'].pk}/read/", {"message": last.pk}).json()

    assert body["unread_count"] == 0


def test_canned_responses_of_my_groups_and_global_ones(team):
    CannedResponse.objects.create(shortcut="hello", title="Greeting", text="Hello! How can I help?")
    CannedResponse.objects.create(
        shortcut="refund", title="Refund", text="...", group=team["group"]
    )
    CannedResponse.objects.create(
        shortcut="secret", title="Other", text="...", group=factories.GroupFactory()
    )

    everything = api_as(team["anna"].user).get("/api/v1/canned-responses/").json()
    found = api_as(team["anna"].user).get("/api/v1/canned-responses/?search=/he").json()

    assert [r["shortcut"] for r in everything] == ["hello", "refund"]
    assert [r["shortcut"] for r in found] == ["hello"]


def test_queues_of_my_groups(team):
    body = api_as(team["anna"].user).get("/api/v1/queues/").json()
    assert body == [
        {
            "group": team["group"].pk,
            "name": "Support",
            "size": 1,
            "oldest_queued_at": team["session"].queued_at.isoformat(),
        }
    ]


def test_a_transfer_that_would_come_straight_back_answers_409_and_keeps_the_chat(team):
    # given Anna holds the chat and is the only one online in Support
    _take(team)
    Operator.objects.filter(pk=team["anna"].pk).update(status="online", open_sockets=1)

    # when she transfers it to Support
    response = api_as(team["anna"].user).post(
        f"/api/v1/sessions/{team['session'].pk}/transfer/", {"group": team["group"].pk}
    )

    # then she is told why, and the chat is still hers (nothing listed as transferred)
    assert response.status_code == 409
    assert "Nobody else in Support is available" in response.json()["detail"]
    assert Session.objects.get(pk=team["session"].pk).status == "active"
