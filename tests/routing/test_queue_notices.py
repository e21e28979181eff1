"""Customers off the widget hear their place in line and the expected wait in words:
on entering the queue, then on messengers again when their place improved, at most
every few minutes; e-mail once."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import translation

from inbox import services as inbox_services
from inbox.models import Message, SenderType, Session
from routing import services
from routing.services import queue_notices
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def group():
    # nobody online: every session waits
    return factories.GroupFactory(name="Support", default_max_sessions=2)


def _writes(channel, who):
    stored = inbox_services.channel_message_receive(
        channel=channel, external_id=who, text="Hello", client_id=f"{who}-1"
    )
    return Session.objects.get(pk=stored.message.session_id)


def _notices(session):
    return list(
        Message.objects.filter(
            session=session, sender_type=SenderType.SYSTEM, internal=False
        ).values_list("text", flat=True)
    )


def test_a_telegram_customer_is_told_their_place_on_entering_the_queue(group):
    channel = factories.ChannelFactory(type="telegram", default_group=group)

    first = _writes(channel, "111")
    second = _writes(channel, "222")

    assert len(_notices(first)) == 1 and _notices(first)[0].startswith("You are next in line.")
    (text,) = _notices(second)
    assert text.startswith("You are number 2 in line. An operator will answer in about ")
    assert "minute" in text


def test_updates_come_when_the_place_improved_and_not_more_often_than_set(group, settings):
    channel = factories.ChannelFactory(type="telegram", default_group=group)
    first, second = _writes(channel, "111"), _writes(channel, "222")
    services.queue.queue_positions_push(group_id=group.pk)
    assert len(_notices(second)) == 1  # same place: nothing new

    inbox_services.session_close(session_id=first.pk)
    services.queue.queue_positions_push(group_id=group.pk)
    assert len(_notices(second)) == 1  # better place, but the last notice was just now

    settings.QUEUE_NOTICE_EVERY_S = 0
    services.queue.queue_positions_push(group_id=group.pk)
    services.queue.queue_positions_push(group_id=group.pk)
    assert [t.split(".")[0] for t in _notices(second)] == [
        "You are number 2 in line",
        "You are next in line",
    ]


def test_an_email_customer_hears_it_once_and_a_widget_visitor_by_frames_only(group, settings):
    settings.QUEUE_NOTICE_EVERY_S = 0
    mail = factories.ChannelFactory(type="email", default_group=group)
    widget = factories.ChannelFactory(default_group=group)
    visitor, _ = inbox_services.widget_visitor_create(channel=widget)
    stored = inbox_services.contact_message_receive(dialog_id=visitor.dialog_id, text="Hi")
    by_widget = Session.objects.get(pk=stored.message.session_id)
    by_mail = _writes(mail, "ada@example.org")

    inbox_services.session_close(session_id=by_widget.pk)
    services.queue.queue_positions_push(group_id=group.pk)

    assert _notices(by_widget) == []
    assert len(_notices(by_mail)) == 1


@pytest.mark.parametrize(
    ("seconds", "english", "russian"),
    [
        (None, "as soon as possible", "как можно скорее"),
        (30, "in about 1 minute", "примерно через 1 минуту"),
        (250, "in about 5 minutes", "примерно через 5 минут"),
        (7200, "in about 2 hours", "примерно через 2 часа"),
    ],
)
def test_the_wait_in_words_in_english_and_russian(seconds, english, russian):
    with translation.override("en"):
        assert queue_notices.wait_in_words(seconds) == english
    with translation.override("ru"):
        assert queue_notices.wait_in_words(seconds) == russian
