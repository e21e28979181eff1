"""Setting a Telegram channel up in the admin, against the fake Bot API: registering the
webhook, checking the connection, the address to copy, plain-language help, and the
settings the API accepts."""

from __future__ import annotations

import pytest

from inbox.models import Channel
from tests.inbox.connectors.telegram_support import TOKEN, bot_api, telegram_channel

__all__ = ["bot_api", "telegram_channel"]  # fixtures

PUBLIC = "https://support.shop.example"
CHANGELIST = "/admin/inbox/channel/"


def _run(client, action, channel, language="en"):  # type: ignore[no-untyped-def]
    answer = client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [channel.pk]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert answer.status_code == 200
    return [str(m) for m in answer.context["messages"]]


@pytest.fixture
def admin_client_logged(client, admin_user):  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
def test_register_webhook_gives_telegram_our_address_and_a_made_secret(
    admin_client_logged, telegram_channel, bot_api, settings
):
    settings.PUBLIC_URL = PUBLIC
    telegram_channel.config = {**telegram_channel.config, "webhook_secret": ""}
    telegram_channel.save()

    said = _run(admin_client_logged, "webhook_register", telegram_channel)

    address = f"{PUBLIC}/hooks/telegram/{telegram_channel.key}/"
    [call] = bot_api.of("setWebhook")
    secret = Channel.objects.get(pk=telegram_channel.pk).config["webhook_secret"]
    assert len(secret) >= 32
    assert call.fields["url"] == address
    assert call.fields["secret_token"] == secret
    assert said == [f"Telegram now delivers the messages of Shop bot to {address}."]


@pytest.mark.django_db
def test_register_webhook_without_a_public_address_says_what_to_set(
    admin_client_logged, telegram_channel, bot_api, settings
):
    settings.PUBLIC_URL = ""

    [said] = _run(admin_client_logged, "webhook_register", telegram_channel)

    assert "Set PUBLIC_URL" in said
    assert not bot_api.of("setWebhook")


@pytest.mark.django_db
def test_check_connection_names_the_bot_and_its_webhook(
    admin_client_logged, telegram_channel, bot_api, settings
):
    settings.PUBLIC_URL = PUBLIC
    _run(admin_client_logged, "webhook_register", telegram_channel)

    [said] = _run(admin_client_logged, "connection_check", telegram_channel)

    assert said == (
        f"The bot @shop_bot answers. Its webhook is "
        f"{PUBLIC}/hooks/telegram/{telegram_channel.key}/."
    )


@pytest.mark.django_db
def test_a_refused_token_is_said_plainly_in_russian_too(
    admin_client_logged, telegram_channel, bot_api, settings
):
    settings.PUBLIC_URL = PUBLIC
    telegram_channel.config = {**telegram_channel.config, "bot_token": "1:" + "x" * 30}
    telegram_channel.save()

    [said] = _run(admin_client_logged, "connection_check", telegram_channel)
    [said_ru] = _run(admin_client_logged, "connection_check", telegram_channel, "ru")

    assert "Telegram refused it (getMe: Unauthorized). Check the bot token." in said
    assert "Проверьте токен бота" in said_ru


@pytest.mark.django_db
def test_the_change_page_shows_the_address_to_copy_and_where_tokens_come_from(
    admin_client_logged, telegram_channel, settings
):
    settings.PUBLIC_URL = PUBLIC

    html = admin_client_logged.get(f"{CHANGELIST}{telegram_channel.pk}/change/").content.decode()

    assert f"{PUBLIC}/hooks/telegram/{telegram_channel.key}/" in html
    assert "@BotFather" in html
    assert TOKEN.split(":")[1] not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "config",
    [
        {"bot_token": TOKEN, "webhook_secret": "with spaces"},
        {"bot_token": TOKEN, "api_base_url": "ftp://example.org"},
        {"bot_token": TOKEN, "api_base_url": "http://[::1"},
    ],
)
def test_the_api_refuses_telegram_settings_that_cannot_work(admin_api, config):
    answer = admin_api.post(
        "/api/v1/channels/", {"type": "telegram", "name": "Bot", "config": config}, format="json"
    )

    assert answer.status_code == 400
    assert "config" in answer.json()
    assert not Channel.objects.exists()


@pytest.mark.django_db
def test_the_api_keeps_telegram_secrets_write_only(admin_api):
    answer = admin_api.post(
        "/api/v1/channels/",
        {"type": "telegram", "name": "Bot", "config": {"bot_token": TOKEN}},
        format="json",
    )

    assert answer.status_code == 201
    assert "bot_token" not in answer.json()["config"]
    assert Channel.objects.get().config["bot_token"] == TOKEN
