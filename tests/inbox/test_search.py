"""Search over conversations (message text, contact name, e-mail, phone) and contacts,
with exactly the permissions of the session lists."""

from __future__ import annotations

import pytest

from inbox import services
from inbox.models import Session, SessionStatus
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    support = factories.GroupFactory(name="Support")
    sales = factories.GroupFactory(name="Sales")
    anna = factories.OperatorFactory(display_name="Anna")
    factories.MembershipFactory(group=support, operator=anna)
    sam = factories.OperatorFactory(display_name="Sam")
    factories.MembershipFactory(group=sales, operator=sam)
    vera = factories.OperatorFactory(display_name="Vera")
    sales.supervisors.add(vera)
    support_chat = factories.ChannelFactory(default_group=support)
    sales_chat = factories.ChannelFactory(default_group=sales)
    ada, _ = services.widget_visitor_create(
        channel=support_chat, name="Ada Lovelace", email="ada@example.org", phone="+44 20 7946"
    )
    services.contact_message_receive(dialog_id=ada.dialog_id, text="My INVOICE is wrong")
    grace, _ = services.widget_visitor_create(channel=sales_chat, name="Grace Hopper")
    services.contact_message_receive(dialog_id=grace.dialog_id, text="Price of an invoice plan?")
    return {"anna": anna, "sam": sam, "vera": vera, "ada": ada, "grace": grace}


def _search(user, q):
    return api_as(user).get("/api/v1/search/", {"q": q})


def _names(body):
    return (
        sorted(row["contact_name"] for row in body["sessions"]),
        sorted(row["name"] for row in body["contacts"]),
    )


@pytest.mark.parametrize("query", ["invoice is", "lovelace", "ADA@EXAMPLE", "7946"])
def test_an_operator_finds_a_conversation_by_text_name_email_or_phone(desk, query):
    body = _search(desk["anna"].user, query).json()

    assert _names(body) == (["Ada Lovelace"], ["Ada Lovelace"] if query != "invoice is" else [])
    session = body["sessions"][0]
    assert session["dialog"] == desk["ada"].dialog_id and "labels" in session


def test_operators_and_supervisors_find_only_what_their_groups_see(desk):
    assert _names(_search(desk["anna"].user, "invoice").json()) == (["Ada Lovelace"], [])
    assert _names(_search(desk["sam"].user, "invoice").json()) == (["Grace Hopper"], [])
    assert _names(_search(desk["vera"].user, "invoice").json()) == (["Grace Hopper"], [])
    assert _names(_search(desk["sam"].user, "Ada").json()) == ([], [])


def test_admins_find_everything(desk, admin_api):
    body = admin_api.get("/api/v1/search/", {"q": "invoice"}).json()

    assert _names(body)[0] == ["Ada Lovelace", "Grace Hopper"]


def test_one_result_per_dialog_its_latest_session_and_contacts_point_to_it(desk):
    first = Session.objects.get(dialog_id=desk["ada"].dialog_id)
    services.session_close(session_id=first.pk)
    services.contact_message_receive(dialog_id=desk["ada"].dialog_id, text="Still wrong")
    latest = Session.objects.exclude(pk=first.pk).get(dialog_id=desk["ada"].dialog_id)

    body = _search(desk["anna"].user, "ada").json()

    assert [row["id"] for row in body["sessions"]] == [latest.pk]
    assert body["contacts"][0]["session"] == latest.pk


def test_private_notes_are_searched_for_staff(desk):
    session = Session.objects.get(dialog_id=desk["ada"].dialog_id)
    Session.objects.filter(pk=session.pk).update(status=SessionStatus.ACTIVE, operator=desk["anna"])
    services.operator_note_add(session_id=session.pk, user=desk["anna"].user, text="chargeback")

    assert _names(_search(desk["anna"].user, "chargeback").json())[0] == ["Ada Lovelace"]
    assert _names(_search(desk["sam"].user, "chargeback").json())[0] == []


@pytest.mark.parametrize("query", [None, "", " a ", "x" * 101])
def test_a_query_too_short_or_too_long_is_400(desk, query):
    params = {} if query is None else {"q": query}

    response = api_as(desk["anna"].user).get("/api/v1/search/", params)

    assert response.status_code == 400 and "q" in response.json()


def test_wildcards_are_plain_characters_and_nul_bytes_are_dropped(desk):
    assert _names(_search(desk["anna"].user, "%_").json()) == ([], [])
    assert _names(_search(desk["anna"].user, "love\x00lace").json())[0] == ["Ada Lovelace"]


def test_search_needs_a_login(api_client, desk):
    assert api_client.get("/api/v1/search/", {"q": "ada"}).status_code == 401
