"""Labels: admins define them, staff put them on the chats they see, the session lists
filter by them (and by mine / unassigned), a transfer carries them over, and each change
reaches the other operators live."""

from __future__ import annotations

import pytest

from contactcenter import realtime
from inbox import services
from inbox.models import Label, Session, SessionStatus
from routing import services as routing_services
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    group = factories.GroupFactory(name="Support")
    sales = factories.GroupFactory(name="Sales")
    anna = factories.OperatorFactory(display_name="Anna")
    boris = factories.OperatorFactory(display_name="Boris")
    for operator in (anna, boris):
        factories.MembershipFactory(group=group, operator=operator)
    channel = factories.ChannelFactory(default_group=group)
    sessions = []
    for name in ("Ada", "Grace"):
        visitor, _ = services.widget_visitor_create(channel=channel, name=name)
        sessions.append(
            services.contact_message_receive(dialog_id=visitor.dialog_id, text="Hi").message.session
        )
    Session.objects.filter(pk=sessions[0].pk).update(status=SessionStatus.ACTIVE, operator=anna)
    return {
        "group": group,
        "sales": sales,
        "anna": anna,
        "boris": boris,
        "ada": sessions[0],
        "grace": sessions[1],
        "billing": Label.objects.create(name="billing", color="#2563eb"),
        "vip": Label.objects.create(name="vip", color="#d97706"),
    }


def test_admins_define_labels_and_everyone_reads_them(desk, admin_api):
    created = admin_api.post("/api/v1/labels/", {"name": "bug", "color": "#dc2626"}, format="json")
    clash = admin_api.post("/api/v1/labels/", {"name": "BUG"}, format="json")
    bad_colour = admin_api.post("/api/v1/labels/", {"name": "x", "color": "red"}, format="json")
    recoloured = admin_api.patch(
        f"/api/v1/labels/{desk['vip'].pk}/", {"color": "#16a34a"}, format="json"
    )
    anna = api_as(desk["anna"].user)

    assert created.status_code == 201 and created.json()["color"] == "#dc2626"
    assert clash.status_code == 400 and "name" in clash.json()
    assert bad_colour.status_code == 400 and "color" in bad_colour.json()
    assert recoloured.json()["color"] == "#16a34a"
    names = [row["name"] for row in anna.get("/api/v1/labels/").json()["results"]]
    assert names == ["billing", "bug", "vip"]
    assert anna.post("/api/v1/labels/", {"name": "mine"}, format="json").status_code == 403
    assert anna.delete(f"/api/v1/labels/{desk['vip'].pk}/").status_code == 403
    assert admin_api.delete(f"/api/v1/labels/{desk['vip'].pk}/").status_code == 204


def test_an_operator_labels_a_chat_and_the_others_see_it_live(
    desk, sent_frames, django_capture_on_commit_callbacks
):
    anna = api_as(desk["anna"].user)
    url = f"/api/v1/sessions/{desk['ada'].pk}/labels/"

    with django_capture_on_commit_callbacks(execute=True):
        added = anna.post(url, {"label": desk["vip"].pk}, format="json")
        again = anna.post(url, {"label": desk["vip"].pk}, format="json")
        anna.post(url, {"label": desk["billing"].pk}, format="json")

    assert added.status_code == 200
    assert [x["name"] for x in added.json()["labels"]] == ["vip"]
    assert [x["name"] for x in again.json()["labels"]] == ["vip"]
    updates = [
        (group, [x["name"] for x in frame["session"]["labels"]])
        for group, frame in sent_frames
        if frame["type"] == "session.updated"
    ]
    assert (realtime.operator_group(desk["anna"].pk), ["billing", "vip"]) in updates
    assert (realtime.supervisor_group(desk["group"].pk), ["billing", "vip"]) in updates
    row = anna.get(f"/api/v1/sessions/{desk['ada'].pk}/").json()
    assert row["labels"] == [
        {"id": desk["billing"].pk, "name": "billing", "color": "#2563eb"},
        {"id": desk["vip"].pk, "name": "vip", "color": "#d97706"},
    ]


def test_labels_are_replaced_and_taken_off(desk):
    boris = api_as(desk["boris"].user)  # a colleague: he sees Anna's chat
    sid = desk["ada"].pk

    both = boris.patch(
        f"/api/v1/sessions/{sid}/labels/",
        {"labels": [desk["vip"].pk, desk["billing"].pk]},
        format="json",
    )
    removed = boris.delete(f"/api/v1/sessions/{sid}/labels/{desk['vip'].pk}/")
    cleared = boris.patch(f"/api/v1/sessions/{sid}/labels/", {"labels": []}, format="json")

    assert [x["name"] for x in both.json()["labels"]] == ["billing", "vip"]
    assert [x["name"] for x in removed.json()["labels"]] == ["billing"]
    assert cleared.json()["labels"] == []


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("post", {"label": 999999}),
        ("post", {"label": "vip"}),
        ("post", {}),
        ("patch", {"labels": [999999]}),
        ("patch", {"labels": "vip"}),
    ],
)
def test_bad_labels_are_400(desk, method, body):
    client = api_as(desk["anna"].user)

    response = getattr(client, method)(
        f"/api/v1/sessions/{desk['ada'].pk}/labels/", body, format="json"
    )

    assert response.status_code == 400
    assert not Session.objects.get(pk=desk["ada"].pk).labels.exists()


def test_labels_of_a_chat_the_caller_cannot_see_are_404(desk):
    outsider = factories.OperatorFactory()
    factories.MembershipFactory(operator=outsider, group=desk["sales"])
    client = api_as(outsider.user)
    url = f"/api/v1/sessions/{desk['ada'].pk}/labels/"

    assert client.post(url, {"label": desk["vip"].pk}, format="json").status_code == 404
    assert client.delete(f"{url}{desk['vip'].pk}/").status_code == 404


def test_the_lists_filter_mine_unassigned_and_by_label(desk):
    services.session_label_add(session_id=desk["grace"].pk, user=None, label_id=desk["vip"].pk)
    services.session_label_add(session_id=desk["ada"].pk, user=None, label_id=desk["billing"].pk)
    anna = api_as(desk["anna"].user)

    def ids(query):
        return [row["id"] for row in anna.get(f"/api/v1/sessions/?{query}").json()["results"]]

    assert ids("assignee=me") == [desk["ada"].pk]
    assert ids("assignee=none") == [desk["grace"].pk]
    assert ids(f"label={desk['vip'].pk}") == [desk["grace"].pk]
    assert ids(f"label={desk['billing'].pk}&assignee=me&open=true") == [desk["ada"].pk]
    assert ids(f"label={desk['vip'].pk}&assignee=me") == []
    services.session_close(session_id=desk["grace"].pk)
    assert ids(f"label={desk['vip'].pk}&open=true") == []
    assert ids(f"label={desk['vip'].pk}&open=false") == [desk["grace"].pk]
    # the label join does not multiply the unread count
    services.contact_message_receive(dialog_id=desk["ada"].dialog_id, text="Hello?")
    services.session_label_add(session_id=desk["ada"].pk, user=None, label_id=desk["vip"].pk)
    row = anna.get(f"/api/v1/sessions/?label={desk['vip'].pk}&assignee=me").json()["results"][0]
    assert (row["unread_count"], len(row["labels"])) == (2, 2)


@pytest.mark.parametrize("query", ["assignee=someone", "label=x", "open=maybe"])
def test_bad_list_filters_are_400(desk, query):
    assert api_as(desk["anna"].user).get(f"/api/v1/sessions/?{query}").status_code == 400


def test_a_transfer_carries_the_labels_to_the_next_session(desk):
    services.session_label_add(
        session_id=desk["ada"].pk, user=desk["anna"].user, label_id=desk["vip"].pk
    )

    closed, opened = routing_services.session_transfer(
        session_id=desk["ada"].pk, user=desk["anna"].user, group=desk["sales"]
    )

    assert [x.name for x in opened.labels.all()] == ["vip"]
    assert [x.name for x in closed.labels.all()] == ["vip"]


def test_a_deleted_label_comes_off_every_chat(desk):
    services.session_label_add(session_id=desk["ada"].pk, user=None, label_id=desk["vip"].pk)

    services.label_delete(label=desk["vip"])

    assert not Session.objects.get(pk=desk["ada"].pk).labels.exists()


def test_the_operator_a_chat_is_transferred_to_gets_it_with_its_labels(
    desk, sent_frames, django_capture_on_commit_callbacks
):
    services.session_label_add(session_id=desk["ada"].pk, user=None, label_id=desk["vip"].pk)

    with django_capture_on_commit_callbacks(execute=True):
        routing_services.session_transfer(
            session_id=desk["ada"].pk, user=desk["anna"].user, operator=desk["boris"]
        )

    assigned = [
        frame["session"]
        for group, frame in sent_frames
        if frame["type"] == "session.assigned"
        and group == realtime.operator_group(desk["boris"].pk)
    ]
    assert [[x["name"] for x in s["labels"]] for s in assigned] == [["vip"]]
