"""Reading an IMAP mailbox, against a real IMAP4rev1 server on 127.0.0.1 (imap_server):
unread mail is fetched, stored and only then marked read; a failure to store leaves it
unread; IDLE wakes the poller when new mail arrives."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from crm.models import ChannelType
from inbox.connectors.email import imap
from inbox.connectors.email.tasks import email_imap_poll
from inbox.models import Channel, Message, SenderType
from tests import factories
from tests.inbox.connectors.imap_server import ImapServer


def mail(message_id: str, text: str, *, sender: str = "ada@example.org") -> bytes:
    email = EmailMessage()
    email["From"] = f"Ada <{sender}>"
    email["To"] = "support@shop.example"
    email["Subject"] = "Order"
    email["Message-ID"] = message_id
    email.set_content(text)
    return email.as_bytes()


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    server = ImapServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def imap_channel(db, imap_server: ImapServer) -> Channel:
    return factories.ChannelFactory(
        type=ChannelType.EMAIL,
        name="Support",
        config={
            "address": "support@shop.example",
            "imap_host": "127.0.0.1",
            "imap_port": imap_server.port,
            "imap_ssl": False,
            "imap_user": imap_server.user,
            "imap_password": imap_server.password,
        },
    )


def texts() -> list[str]:
    """What the customers wrote (not the product's notices, such as their place in line)."""
    messages = Message.objects.filter(sender_type=SenderType.CONTACT).order_by("id")
    return list(messages.values_list("text", flat=True))


@pytest.mark.django_db
def test_unread_mail_is_stored_then_marked_read(imap_channel, imap_server):
    imap_server.add(mail("<1@example.org>", "First"))
    imap_server.add(mail("<2@example.org>", "Second"))
    time.sleep(0.1)

    result = imap.mailbox_poll(channel=imap_channel)

    assert (result.fetched, result.stored, result.failed) == (2, 2, 0)
    assert texts() == ["First", "Second"]
    assert imap_server.seen() == [True, True]
    assert "UID FETCH" in imap_server.commands
    assert imap.mailbox_poll(channel=imap_channel).fetched == 0  # nothing unread is left


@pytest.mark.django_db
def test_mail_already_read_is_left_alone_and_a_repeat_is_stored_once(imap_channel, imap_server):
    imap_server.add(mail("<1@example.org>", "First"))
    imap_server.add(mail("<1@example.org>", "First"))  # the same e-mail twice
    time.sleep(0.1)
    imap_server.messages[0].flags.add("\\Seen")
    Message.objects.all().delete()

    result = imap.mailbox_poll(channel=imap_channel)

    assert (result.fetched, result.stored) == (1, 1)
    imap_server.messages[0].flags.clear()
    assert imap.mailbox_poll(channel=imap_channel).stored == 0  # stored before: once
    assert texts() == ["First"]
    assert imap_server.seen() == [True, True]


@pytest.mark.django_db
def test_a_failure_to_store_leaves_the_mail_unread(imap_channel, imap_server, settings):
    imap_server.add(mail("<1@example.org>", "Text only"))
    with_file = EmailMessage()
    with_file["From"] = "Ada <ada@example.org>"
    with_file["To"] = "support@shop.example"
    with_file["Subject"] = "Photo"
    with_file["Message-ID"] = "<2@example.org>"
    with_file.set_content("Photo attached")
    with_file.add_attachment(
        b"\x89PNG\r\n\x1a\n" + b"\0" * 8, maintype="image", subtype="png", filename="a.png"
    )
    imap_server.add(with_file.as_bytes())
    time.sleep(0.1)
    settings.MEDIA_ROOT = "/proc/no-such-place"  # the file cannot be written

    result = imap.mailbox_poll(channel=imap_channel)

    assert (result.fetched, result.stored, result.failed) == (2, 1, 1)
    assert imap_server.seen() == [True, False]
    assert "Photo attached" not in texts()  # none of that e-mail was kept


@pytest.mark.django_db
def test_an_unreadable_mail_is_marked_read_so_it_does_not_come_back(imap_channel, imap_server):
    imap_server.add(b"Subject: no sender\r\n\r\nhello\r\n")
    time.sleep(0.1)

    result = imap.mailbox_poll(channel=imap_channel)

    assert (result.unreadable, result.stored) == (1, 0)
    assert imap_server.seen() == [True]


@pytest.mark.django_db
def test_a_wrong_password_is_a_clear_error_without_the_password(imap_channel, imap_server):
    imap_channel.config["imap_password"] = "wrong-horse"

    with pytest.raises(imap.ImapError) as error:
        imap.mailbox_poll(channel=imap_channel)

    assert "refused the login of support@shop.example" in str(error.value)
    assert "wrong-horse" not in str(error.value)


@pytest.mark.django_db
def test_the_connection_test_reports_the_folder_and_idle(imap_channel, imap_server):
    imap_server.add(mail("<1@example.org>", "First"))
    time.sleep(0.1)

    check = imap.connection_test(config=imap_channel.config)

    assert (check.folder, check.unread, check.idle) == ("INBOX", 1, True)
    assert imap_server.seen() == [False]  # a test reads nothing


@pytest.mark.django_db(transaction=True)
def test_idle_wakes_the_poller_when_new_mail_arrives(imap_channel, imap_server):
    stop = threading.Event()
    watcher = threading.Thread(
        target=imap.mailbox_watch,
        kwargs={"channel_id": imap_channel.pk, "stop": stop, "idle_s": 60, "interval_s": 60},
    )
    watcher.start()
    try:
        deadline = time.monotonic() + 5
        while "IDLE" not in imap_server.commands and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "IDLE" in imap_server.commands  # waiting for mail, not polling

        imap_server.add(mail("<late@example.org>", "Arrived while idling"))

        deadline = time.monotonic() + 5  # far less than the 60 s of idle or interval
        while not Message.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert texts() == ["Arrived while idling"]
    finally:
        stop.set()
        watcher.join(10)
    assert not watcher.is_alive()
    assert imap_server.seen() == [True]


@pytest.mark.django_db(transaction=True)
def test_a_server_without_idle_is_polled_instead(imap_channel, imap_server):
    imap_server.idle_supported = False
    imap_server.add(mail("<1@example.org>", "Polled"))
    stop = threading.Event()
    watcher = threading.Thread(
        target=imap.mailbox_watch,
        kwargs={"channel_id": imap_channel.pk, "stop": stop, "idle_s": 60, "interval_s": 60},
    )
    watcher.start()
    try:
        deadline = time.monotonic() + 5
        while not Message.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        watcher.join(10)
    assert texts() == ["Polled"]
    assert "IDLE" not in imap_server.commands


@pytest.mark.django_db
def test_the_periodic_task_reads_every_imap_mailbox_and_is_scheduled(imap_channel, imap_server):
    factories.ChannelFactory(type=ChannelType.EMAIL, config={"address": "smtp@shop.example"})
    imap_server.add(mail("<1@example.org>", "From the task"))
    time.sleep(0.1)

    assert email_imap_poll() == 1

    assert texts() == ["From the task"]
    task = PeriodicTask.objects.get(task="inbox.email_imap_poll")
    assert task.enabled and task.interval.every == 60


@pytest.mark.django_db
def test_the_command_reads_each_mailbox_once(imap_channel, imap_server, capsys):
    imap_server.add(mail("<1@example.org>", "From the command"))
    time.sleep(0.1)

    call_command("mail_imap", "--once")

    assert "Support: 1 new of 1" in capsys.readouterr().out
    assert texts() == ["From the command"]


@pytest.mark.django_db(transaction=True)
def test_the_watcher_connects_anew_when_the_settings_change(imap_channel, imap_server):
    imap_server.idle_supported = False
    stop = threading.Event()
    watcher = threading.Thread(
        target=imap.mailbox_watch,
        kwargs={"channel_id": imap_channel.pk, "stop": stop, "idle_s": 60, "interval_s": 0.2},
    )
    watcher.start()
    try:
        deadline = time.monotonic() + 5
        while "UID SEARCH" not in imap_server.commands and time.monotonic() < deadline:
            time.sleep(0.05)
        Channel.objects.filter(pk=imap_channel.pk).update(
            config={**imap_channel.config, "imap_user": "other@shop.example"}
        )

        deadline = time.monotonic() + 5
        while "other@shop.example" not in imap_server.logins and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        watcher.join(10)
    assert imap_server.logins[0] == "support@shop.example"
    assert "other@shop.example" in imap_server.logins
