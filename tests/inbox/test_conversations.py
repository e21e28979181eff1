"""inbox.services.conversations: visitors, the message pipeline, closing and rating."""

from __future__ import annotations

import pytest

from contactcenter import events, realtime
from contactcenter.api_common import StateConflict
from crm.models import ChannelType
from inbox import services
from inbox.models import CloseReason, Message, Session, SessionStatus, WidgetVisitor
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    """Collects the domain events of the test."""
    seen: list[events.Event] = []
    kinds = (events.SessionOpened, events.MessageReceived, events.SessionClosed)
    for kind in kinds:
        events.subscribe(kind, seen.append)
    yield seen
    for kind in kinds:
        events.unsubscribe(kind, seen.append)


def _visitor(**kwargs):
    channel = kwargs.pop("channel", None) or factories.ChannelFactory()
    return services.widget_visitor_create(channel=channel, **kwargs)


def _assigned_session():
    operator = factories.OperatorFactory()
    session = factories.SessionFactory(status=SessionStatus.ACTIVE, operator=operator)
    return session, operator


def test_a_new_visitor_gets_a_long_token_that_is_stored_only_hashed():
    visitor, token = _visitor(name="Ada", email="ada@example.org", page_url="https://s.example/")

    assert len(token) >= 43  # 32 random bytes, url-safe base64
    stored = WidgetVisitor.objects.get(pk=visitor.pk)
    assert stored.token_hash == services.token_hash(token)
    assert token not in stored.token_hash
    contact = stored.dialog.contact
    assert (contact.name, contact.email) == ("Ada", "ada@example.org")
    identity = contact.identities.get()
    assert identity.channel_type == ChannelType.WIDGET
    assert stored.dialog.identity == identity


def test_the_first_message_opens_a_queued_session_in_the_default_group(
    received, django_capture_on_commit_callbacks
):
    visitor, _ = _visitor()

    with django_capture_on_commit_callbacks(execute=True):
        stored = services.contact_message_receive(
            dialog_id=visitor.dialog_id, text="Hello", client_id="c-1"
        )

    session = stored.message.session
    assert stored.created
    assert session.status == SessionStatus.QUEUED
    assert session.group == visitor.channel.default_group
    assert session.queued_at is not None
    assert session.last_contact_message_at == stored.message.created_at
    assert [type(e) for e in received] == [events.SessionOpened, events.MessageReceived]


def test_a_repeated_client_id_stores_nothing_new(received, django_capture_on_commit_callbacks):
    visitor, _ = _visitor()
    first = services.contact_message_receive(dialog_id=visitor.dialog_id, text="Hi", client_id="x")

    with django_capture_on_commit_callbacks(execute=True):
        again = services.contact_message_receive(
            dialog_id=visitor.dialog_id, text="Hi", client_id="x"
        )

    assert not again.created
    assert again.message.pk == first.message.pk
    assert Message.objects.filter(dialog_id=visitor.dialog_id).count() == 1
    assert received == []


def test_messages_of_one_open_session_share_it():
    visitor, _ = _visitor()
    a = services.contact_message_receive(dialog_id=visitor.dialog_id, text="one")
    b = services.contact_message_receive(dialog_id=visitor.dialog_id, text="two")

    assert a.message.session_id == b.message.session_id
    assert b.message.pk > a.message.pk


@pytest.mark.parametrize(
    ("text", "code"), [("", "empty"), ("   ", "empty"), (None, "empty"), ("x" * 10_001, "too_long")]
)
def test_bad_text_is_refused_with_a_reason(text, code):
    visitor, _ = _visitor()

    with pytest.raises(services.MessageRejected) as refused:
        services.contact_message_receive(dialog_id=visitor.dialog_id, text=text)

    assert refused.value.code == code
    assert not Message.objects.exists()


def test_ten_thousand_characters_are_accepted():
    visitor, _ = _visitor()
    stored = services.contact_message_receive(dialog_id=visitor.dialog_id, text="y" * 10_000)
    assert len(stored.message.text) == 10_000


def test_a_message_after_close_opens_a_new_session_in_the_same_dialog():
    visitor, _ = _visitor()
    first = services.contact_message_receive(dialog_id=visitor.dialog_id, text="one")
    services.session_close(session_id=first.message.session_id)

    later = services.contact_message_receive(dialog_id=visitor.dialog_id, text="again")

    assert later.message.session_id != first.message.session_id
    assert later.message.session.previous_session_id == first.message.session_id
    assert later.message.dialog_id == first.message.dialog_id


def test_the_assigned_operator_replies_and_the_visitor_gets_it_after_commit(
    django_capture_on_commit_callbacks, sent_frames
):
    session, operator = _assigned_session()

    with django_capture_on_commit_callbacks(execute=False) as pending:
        stored = services.operator_message_send(
            session_id=session.pk, user=operator.user, text="How can I help?", client_id="op-1"
        )
        assert sent_frames == []  # nothing leaves before the commit
    for callback in pending:
        callback()

    to_visitor = [f for g, f in sent_frames if g == realtime.dialog_group(session.dialog_id)]
    assert len(to_visitor) == 1
    frame = to_visitor[0]
    assert frame["type"] == "message"
    assert frame["message"]["text"] == "How can I help?"
    assert frame["message"]["sender_type"] == "operator"
    assert frame["message"]["sender_name"] == operator.name
    session.refresh_from_db()
    assert session.first_response_at == stored.message.created_at


def test_only_the_assigned_operator_may_reply():
    session, _ = _assigned_session()
    stranger = factories.OperatorFactory()

    with pytest.raises(StateConflict):
        services.operator_message_send(session_id=session.pk, user=stranger.user, text="hi")
    assert not Message.objects.exists()


def test_no_reply_goes_into_a_closed_session():
    session, operator = _assigned_session()
    services.session_close(session_id=session.pk)

    with pytest.raises(StateConflict):
        services.operator_message_send(session_id=session.pk, user=operator.user, text="hi")


def test_closing_twice_is_a_conflict_and_closing_emits_one_event(
    received, django_capture_on_commit_callbacks
):
    session, _ = _assigned_session()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_close(session_id=session.pk, reason=CloseReason.RESOLVED)

    with pytest.raises(StateConflict):
        services.session_close(session_id=session.pk)

    session.refresh_from_db()
    assert (session.status, session.close_reason) == (SessionStatus.CLOSED, "resolved")
    assert session.closed_at is not None
    assert [type(e) for e in received] == [events.SessionClosed]


def test_a_visitor_rates_the_last_closed_session():
    visitor, _ = _visitor()
    with pytest.raises(services.MessageRejected):
        services.session_rate(dialog_id=visitor.dialog_id, score=5)
    first = services.contact_message_receive(dialog_id=visitor.dialog_id, text="one")
    services.session_close(session_id=first.message.session_id)

    rated = services.session_rate(dialog_id=visitor.dialog_id, score=4, comment="Quick, thanks")

    assert rated.pk == first.message.session_id
    stored = Session.objects.get(pk=rated.pk)
    assert (stored.rating, stored.rating_comment) == (4, "Quick, thanks")


@pytest.mark.parametrize("score", [0, 6, "5", 4.5, True, None])
def test_a_rating_out_of_range_is_refused(score):
    visitor, _ = _visitor()
    first = services.contact_message_receive(dialog_id=visitor.dialog_id, text="one")
    services.session_close(session_id=first.message.session_id)

    with pytest.raises(services.MessageRejected):
        services.session_rate(dialog_id=visitor.dialog_id, score=score)


def test_bots_messages_to_several_dialogs_leave_together_in_order(
    django_capture_on_commit_callbacks, sent_frames, received
):
    first = factories.SessionFactory(status=SessionStatus.BOT)
    second = factories.SessionFactory(
        status=SessionStatus.BOT, dialog__channel__type=ChannelType.TELEGRAM
    )
    says = [
        services.BotSay(session=first, text="Hi!", sender_name="Helper"),
        services.BotSay(
            session=second,
            text="What about?",
            buttons=[{"id": "b1", "title": "Sales"}],
            node="menu",
        ),
        services.BotSay(session=first, text="Your name?", sender_name="Helper"),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        stored = services.bot_messages_send(says)

    assert [m.text for m in stored] == ["Hi!", "What about?", "Your name?"]
    assert stored[0].pk < stored[1].pk < stored[2].pk
    assert [m.status for m in stored] == [None, "pending", None]  # a connector sends Telegram's
    assert stored[1].buttons == [{"id": "b1", "title": "Sales"}] and stored[1].button_node == "menu"
    to_first = [
        f["message"]["text"] for g, f in sent_frames if g == realtime.dialog_group(first.dialog_id)
    ]
    assert to_first == ["Hi!", "Your name?"]
    assert [e.message_id for e in received if isinstance(e, events.MessageReceived)] == [
        m.pk for m in stored
    ]


def test_one_bad_button_refuses_the_whole_batch():
    session = factories.SessionFactory(status=SessionStatus.BOT)
    says = [
        services.BotSay(session=session, text="Hi!"),
        services.BotSay(
            session=session,
            text="Pick",
            buttons=[{"id": "b1", "title": "x"}],
            node="no good node id " * 9,
        ),
    ]

    with pytest.raises(services.MessageRejected):
        services.bot_messages_send(says)

    assert not Message.objects.filter(session=session).exists()
