"""Bot flows on the live channels (bots.services.runtime): a customer who writes on a
channel with a bot talks to the flow, through the real services: the bot's messages and
buttons, presses, typed numbers and titles, inputs saved on the contact, the handoff to
a group's queue with its priority, the end, the handoff keyword, the after-hours mode
and version pinning."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from bots.models import Bot, BotMode, BotSession
from bots.services import flows, stepper
from contactcenter import events
from crm.models import Contact
from inbox import services as inbox_services
from inbox.models import CloseReason, Message, SenderType, Session, SessionStatus
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def demo_flow(*, sales: int, vip: int) -> dict[str, Any]:
    return {
        "start": "hello",
        "nodes": {
            "hello": {"type": "message", "text": "Hi!", "next": "menu"},
            "menu": {
                "type": "buttons",
                "text": "What about?",
                "buttons": [
                    {"id": "b1", "title": "Delivery", "next": "name"},
                    {"id": "b2", "title": "Sales", "next": "email"},
                    {"id": "b3", "title": "Nothing, thanks", "next": "bye"},
                ],
            },
            "name": {
                "type": "input",
                "text": "Your name?",
                "field": "name",
                "next": "order",
            },
            "order": {
                "type": "input",
                "text": "Order number?",
                "field": "attributes.order",
                "validate": "number",
                "next": "to_support",
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
                    {
                        "field": "contact.attributes.vip",
                        "op": "equals",
                        "value": True,
                        "next": "to_vip",
                    }
                ],
                "else": "to_sales",
            },
            "to_sales": {"type": "handoff", "group": sales, "text": "Connecting you to sales"},
            "to_vip": {"type": "handoff", "group": vip, "priority": 10},
            "to_support": {"type": "handoff", "group": None},
            "bye": {"type": "end", "text": "Glad to help!"},
        },
    }


def publish(bot: Bot, flow: dict[str, Any]) -> Bot:
    """A new version of the bot's flow, as the admin's save makes it."""
    return flows.bot_update(bot=bot, data={"flow": flow})


@pytest.fixture
def groups() -> dict[str, Any]:
    return {
        "support": factories.GroupFactory(name="Support"),
        "sales": factories.GroupFactory(name="Sales"),
        "vip": factories.GroupFactory(name="VIP"),
    }


@pytest.fixture
def channel(groups):
    return factories.ChannelFactory(name="Site", default_group=groups["support"])


@pytest.fixture
def bot(channel, groups) -> Bot:
    return flows.bot_create(
        name="Helper",
        flow=demo_flow(sales=groups["sales"].pk, vip=groups["vip"].pk),
        channels=[channel],
        mode=BotMode.ALWAYS,
    )


class Seen:
    def __init__(self) -> None:
        self.events: list[events.Event] = []

    def __call__(self, event: events.Event) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def seen() -> Iterator[Seen]:
    recorder = Seen()
    kinds = (events.BotSessionStarted, events.BotSessionResolved, events.BotSessionHandedOff)
    for kind in kinds:
        events.subscribe(kind, recorder)
    yield recorder
    for kind in kinds:
        events.unsubscribe(kind, recorder)


def answered() -> None:
    """On PostgreSQL the bot answers in its step thread (bots.services.stepper): the
    test waits for it as a customer waits for the reply."""
    assert stepper.steps_wait(10), "the bot did not answer within 10 s"


def visitor_writes(channel, text: str = "Hello") -> tuple[int, Session]:
    visitor, _token = inbox_services.widget_visitor_create(channel=channel)
    stored = inbox_services.contact_message_receive(dialog_id=visitor.dialog_id, text=text)
    answered()
    return visitor.dialog_id, Session.objects.get(pk=stored.message.session_id)


def writes(dialog_id: int, text: str) -> None:
    inbox_services.contact_message_receive(dialog_id=dialog_id, text=text)
    answered()


def presses(dialog_id: int, node: str, button: str) -> None:
    inbox_services.button_press(dialog_id=dialog_id, node=node, button=button)
    answered()


def bot_said(session: Session) -> list[str]:
    return list(
        Message.objects.filter(session=session, sender_type=SenderType.BOT)
        .order_by("id")
        .values_list("text", flat=True)
    )


def fresh(session: Session) -> Session:
    return Session.objects.get(pk=session.pk)


def test_the_bot_greets_with_its_menu_and_a_press_leads_to_a_handoff_with_the_email_saved(
    bot, channel, groups, seen
):
    dialog_id, session = visitor_writes(channel)

    assert session.status == SessionStatus.BOT
    menu = Message.objects.filter(session=session, sender_type=SenderType.BOT).last()
    assert bot_said(session) == ["Hi!", "What about?"]
    assert menu.buttons == [
        {"id": "b1", "title": "Delivery"},
        {"id": "b2", "title": "Sales"},
        {"id": "b3", "title": "Nothing, thanks"},
    ]
    assert menu.button_node == "menu" and menu.sender_name == "Helper"

    presses(dialog_id, node="menu", button="b2")
    writes(dialog_id, "not an e-mail")
    writes(dialog_id, "ann@example.com")

    assert bot_said(session)[2:] == [
        "Your e-mail?",
        "That is not an e-mail",
        "Connecting you to sales",
    ]
    handed = fresh(session)
    assert handed.status == SessionStatus.QUEUED and handed.group_id == groups["sales"].pk
    assert Contact.objects.get(dialogs__pk=dialog_id).email == "ann@example.com"
    state = BotSession.objects.get(session=session)
    assert state.outcome == "handoff" and state.collected == {"email": "ann@example.com"}
    assert [e.version for e in seen.of(events.BotSessionStarted)] == [1]
    [handoff] = seen.of(events.BotSessionHandedOff)
    assert (handoff.group_id, handoff.keyword) == (groups["sales"].pk, False)


def test_a_typed_number_and_a_typed_title_work_like_presses(bot, channel, groups):
    dialog_id, session = visitor_writes(channel)

    writes(dialog_id, "1")  # Delivery
    writes(dialog_id, "Ann Smith")
    writes(dialog_id, "many")  # not a number: asked again
    writes(dialog_id, "12345")

    assert bot_said(session)[2:5] == ["Your name?", "Order number?", bot_said(session)[4]]
    contact = Contact.objects.get(dialogs__pk=dialog_id)
    assert contact.name == "Ann Smith" and str(contact.attributes["order"]) == "12345"
    handed = fresh(session)
    assert handed.status == SessionStatus.QUEUED and handed.group_id == groups["support"].pk

    other_dialog, other = visitor_writes(channel)
    writes(other_dialog, "nothing, THANKS")

    assert fresh(other).status == SessionStatus.CLOSED


def test_the_vip_goes_to_the_vip_queue_with_priority(bot, channel, groups):
    dialog_id, session = visitor_writes(channel)
    contact = Contact.objects.get(dialogs__pk=dialog_id)
    Contact.objects.filter(pk=contact.pk).update(attributes={"vip": True})

    presses(dialog_id, node="menu", button="b2")
    writes(dialog_id, "vip@example.com")

    handed = fresh(session)
    assert (handed.status, handed.group_id, handed.priority) == (
        SessionStatus.QUEUED,
        groups["vip"].pk,
        10,
    )


def test_end_closes_the_session_as_resolved(bot, channel, seen):
    dialog_id, session = visitor_writes(channel)

    presses(dialog_id, node="menu", button="b3")

    closed = fresh(session)
    assert (closed.status, closed.close_reason) == (SessionStatus.CLOSED, CloseReason.RESOLVED)
    assert bot_said(session)[-1] == "Glad to help!"
    assert [e.session_id for e in seen.of(events.BotSessionResolved)] == [session.pk]


def test_the_handoff_keyword_reaches_a_person_from_any_node(bot, channel, groups, seen):
    dialog_id, session = visitor_writes(channel)
    presses(dialog_id, node="menu", button="b1")

    writes(dialog_id, "Operator")

    handed = fresh(session)
    assert handed.status == SessionStatus.QUEUED and handed.group_id == groups["support"].pk
    [handoff] = seen.of(events.BotSessionHandedOff)
    assert handoff.keyword is True


def test_the_first_message_may_already_ask_for_a_person(bot, channel):
    _dialog, session = visitor_writes(channel, text="оператор")

    assert fresh(session).status == SessionStatus.QUEUED


def test_after_hours_mode_takes_sessions_only_while_the_group_is_closed(bot, channel, groups):
    Bot.objects.filter(pk=bot.pk).update(mode=BotMode.OUTSIDE_HOURS)

    _dialog, open_session = visitor_writes(channel)
    assert open_session.status != SessionStatus.BOT
    assert bot_said(open_session) == []

    support = groups["support"]
    support.always_open = False  # no working hours: closed now
    support.offline_message = "We open at nine."
    support.save()
    dialog_id, closed_session = visitor_writes(channel)
    assert closed_session.status == SessionStatus.BOT
    presses(dialog_id, node="menu", button="b1")
    writes(dialog_id, "Ann")
    writes(dialog_id, "42")

    waiting = fresh(closed_session)
    assert waiting.status == SessionStatus.QUEUED and waiting.operator_id is None
    assert Contact.objects.get(dialogs__pk=dialog_id).attributes["order"] in (42, "42")


def test_a_session_stays_on_the_version_it_started_with(bot, channel, groups):
    dialog_id, session = visitor_writes(channel)
    changed = copy.deepcopy(bot.flow)
    changed["nodes"]["bye"]["text"] = "See you!"
    bot = publish(bot, changed)

    presses(dialog_id, node="menu", button="b3")
    _other_dialog, later = visitor_writes(channel)

    assert bot_said(session)[-1] == "Glad to help!"
    assert BotSession.objects.get(session=session).version.number == 1
    assert BotSession.objects.get(session=later).version.number == 2


def test_an_email_given_to_the_bot_links_the_known_contact(bot, channel):
    known = factories.ContactFactory(name="Ann Known", email="ann@example.com")
    dialog_id, _session = visitor_writes(channel)

    presses(dialog_id, node="menu", button="b2")
    writes(dialog_id, "ANN@example.com")

    assert Contact.objects.get(dialogs__pk=dialog_id).pk == known.pk


def test_a_channel_without_a_bot_or_with_the_bot_off_goes_to_routing(bot, channel, groups):
    plain = factories.ChannelFactory(name="Plain", default_group=groups["support"])
    _dialog, session = visitor_writes(plain)
    Bot.objects.filter(pk=bot.pk).update(mode=BotMode.OFF)
    _dialog, off = visitor_writes(channel)

    assert session.status != SessionStatus.BOT and off.status != SessionStatus.BOT


def test_a_press_of_an_unknown_button_asks_again_and_a_press_after_handoff_does_nothing(
    bot, channel
):
    dialog_id, session = visitor_writes(channel)

    presses(dialog_id, node="menu", button="b9")
    asked = len(bot_said(session))
    writes(dialog_id, "operator")
    presses(dialog_id, node="menu", button="b3")

    assert asked == 3  # the menu's error text
    assert fresh(session).status == SessionStatus.QUEUED
    assert len(bot_said(session)) == asked


def test_a_session_whose_bot_was_deleted_goes_to_people(bot, channel, groups):
    dialog_id, session = visitor_writes(channel)

    flows.bot_delete(bot=bot)
    writes(dialog_id, "Hello?")

    handed = fresh(session)
    assert handed.status == SessionStatus.QUEUED and handed.group_id == groups["support"].pk


def test_the_operator_reads_what_the_bot_collected_and_others_get_404(bot, channel, groups, client):
    anna = factories.OperatorFactory(display_name="Anna")
    factories.MembershipFactory(group=groups["sales"], operator=anna)
    outsider = factories.OperatorFactory(display_name="Otto")
    dialog_id, session = visitor_writes(channel)
    presses(dialog_id, node="menu", button="b2")
    writes(dialog_id, "ann@example.com")
    _plain_dialog, routed = visitor_writes(
        factories.ChannelFactory(name="Plain", default_group=groups["sales"])
    )

    client.force_login(anna.user)
    answer = client.get(f"/api/v1/sessions/{session.pk}/bot/")
    no_bot = client.get(f"/api/v1/sessions/{routed.pk}/bot/")
    client.force_login(outsider.user)
    hidden = client.get(f"/api/v1/sessions/{session.pk}/bot/")

    assert answer.status_code == 200
    body = answer.json()
    assert body["bot"] == {"id": bot.pk, "name": "Helper"}
    assert (body["version"], body["outcome"], body["node"]) == (1, "handoff", "to_sales")
    assert body["collected"] == {"email": "ann@example.com"}
    assert body["choices"] == ["Sales"]
    assert no_bot.status_code == 404 and hidden.status_code == 404


def test_where_no_bot_is_running_a_message_costs_the_bots_no_query(groups):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bots import selectors

    plain = factories.ChannelFactory(name="Plain", default_group=groups["support"])
    dialog_id, _session = visitor_writes(plain)
    selectors.bot_sessions_live_forget()
    writes(dialog_id, "first")  # learns that no bot is running

    with CaptureQueriesContext(connection) as queries:
        writes(dialog_id, "second")

    assert not [q for q in queries.captured_queries if "bots_botsession" in q["sql"]]
    assert not [q for q in queries.captured_queries if "'bot'" in q["sql"]]
