"""The e-mail channel in the admin: its settings as fields in plain words, passwords
write-only, and "Test connection" answering clearly, against the local IMAP and SMTP
servers (imap_server, the capturing outbox)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import translation

from crm.models import ChannelType
from inbox.models import Channel
from tests import factories
from tests.inbox.connectors.imap_server import ImapServer
from tests.test_admin import inline_management, url


@pytest.fixture
def admin_client(client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    return client


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    server = ImapServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_channel(db, imap_server, outbox) -> Channel:  # type: ignore[no-untyped-def]
    return factories.ChannelFactory(
        type=ChannelType.EMAIL,
        name="Mail",
        config={
            "address": "support@shop.example",
            "imap_host": "127.0.0.1",
            "imap_port": imap_server.port,
            "imap_ssl": False,
            "imap_password": imap_server.password,
            "smtp_host": "127.0.0.1",
            "smtp_port": outbox.port,
            "smtp_security": "",
            "smtp_password": "SMTP-SECRET-VALUE",
            "signature": "kept as is",
        },
    )


def form_data(channel: Channel, **changes: Any) -> dict[str, Any]:
    data = {
        "name": channel.name,
        "default_group": "",
        "is_active": "on",
        "config": '{"signature": "kept as is"}',
        "email_address": "support@shop.example",
        "imap_host": "127.0.0.1",
        "imap_port": str(channel.config["imap_port"]),
        "imap_user": "",
        "imap_password": "",
        "imap_folder": "",
        "from_address": "",
        "from_name": "",
        "smtp_host": "127.0.0.1",
        "smtp_port": str(channel.config["smtp_port"]),
        "smtp_security": "",
        "smtp_user": "",
        "smtp_password": "",
        "email_subject": "",
        **inline_management("topics"),
        **inline_management("invitations"),
    }
    data.update(changes)
    return data


def test_the_email_channel_page_explains_each_setting_and_shows_no_password(
    admin_client, mail_channel, imap_server
):
    html = admin_client.get(url(Channel, "change", mail_channel.pk)).content.decode()

    assert "E-mail: reading the mailbox (IMAP)" in html
    assert "manage.py mail_receiver" in html
    assert 'name="imap_host"' in html and 'value="127.0.0.1"' in html
    assert 'name="smtp_password"' in html
    assert "SMTP-SECRET-VALUE" not in html
    assert imap_server.password not in html


def test_saving_the_fields_writes_the_settings_and_an_empty_password_keeps_the_stored_one(
    admin_client, mail_channel, imap_server
):
    response = admin_client.post(
        url(Channel, "change", mail_channel.pk),
        form_data(mail_channel, imap_folder="Support", smtp_port="587", smtp_security="starttls"),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    mail_channel.refresh_from_db()
    config = mail_channel.config
    assert (config["imap_folder"], config["smtp_port"], config["smtp_security"]) == (
        "Support",
        587,
        "starttls",
    )
    assert config["smtp_password"] == "SMTP-SECRET-VALUE"
    assert config["imap_password"] == imap_server.password
    assert config["imap_ssl"] is False
    assert config["signature"] == "kept as is"


def test_a_new_password_replaces_the_stored_one(admin_client, mail_channel):
    admin_client.post(
        url(Channel, "change", mail_channel.pk), form_data(mail_channel, smtp_password="n3w")
    )

    mail_channel.refresh_from_db()
    assert mail_channel.config["smtp_password"] == "n3w"


def test_a_bad_address_is_refused_with_the_field_named(admin_client, mail_channel):
    response = admin_client.post(
        url(Channel, "change", mail_channel.pk), form_data(mail_channel, email_address="not mail")
    )

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    mail_channel.refresh_from_db()
    assert mail_channel.config["address"] == "support@shop.example"


def run_test_action(client: Client, *channels: Channel) -> list[tuple[str, str]]:
    response = client.post(
        url(Channel, "changelist"),
        {
            "action": "email_connection_test",
            admin.helpers.ACTION_CHECKBOX_NAME: [c.pk for c in channels],
        },
    )
    assert response.status_code == 302
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def test_test_connection_logs_in_to_imap_and_smtp_and_says_so(
    admin_client, mail_channel, imap_server
):
    said = run_test_action(admin_client, mail_channel)

    assert said == [
        (
            "success",
            "Mail: Receiving (IMAP): logged in to 127.0.0.1; INBOX has 0 unread messages. "
            "The server announces new mail at once (IDLE).",
        ),
        ("success", "Mail: Sending (SMTP): 127.0.0.1 answers; no login is set."),
    ]
    assert imap_server.logins == ["support@shop.example"]


def test_test_connection_names_what_fails(admin_client, mail_channel, imap_server):
    Channel.objects.filter(pk=mail_channel.pk).update(
        config={**mail_channel.config, "imap_password": "wrong", "smtp_port": 1}
    )
    widget = factories.ChannelFactory(type=ChannelType.WIDGET, name="Website")

    said = run_test_action(admin_client, mail_channel, widget)

    levels = [level for level, _ in said]
    assert levels == ["error", "error", "warning"]
    assert (
        "Receiving (IMAP) failed: the server refused the login of support@shop.example"
        in said[0][1]
    )
    assert "wrong" not in said[0][1].replace("refused", "")
    assert said[1][1].startswith("Mail: Sending (SMTP) failed: 127.0.0.1:")
    assert said[2][1] == "Website: this test is for e-mail channels."


def test_test_connection_speaks_russian(admin_client, mail_channel, settings):
    settings.LANGUAGE_CODE = "ru"
    with translation.override("ru"):
        admin_client.cookies["django_language"] = "ru"
        said = run_test_action(admin_client, mail_channel)

    assert said[0][1].startswith("Mail: Получение (IMAP): выполнен вход на 127.0.0.1")
    assert said[1][1] == "Mail: Отправка (SMTP): 127.0.0.1 отвечает; вход не настроен."
