"""The website widget's settings in the admin: real fields with help and validation
instead of raw JSON, stored in the same ``config`` the widget reads, with a preview."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from crm.models import ChannelType
from inbox.models import Channel
from tests import factories
from tests.test_admin import inline_management, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    return client


@pytest.fixture
def widget_channel() -> Channel:
    return factories.ChannelFactory(
        name="Website",
        config={
            "title": "Garden help",
            "color": "#2f6b3a",
            "greeting": "Hello!",
            "language": "ru",
            "prechat": {"enabled": True, "fields": [{"name": "email", "required": True}]},
            "custom_key": 7,
        },
    )


def widget_form(channel: Channel, **changes: Any) -> dict[str, Any]:
    data = {
        "name": channel.name,
        "default_group": channel.default_group_id or "",
        "is_active": "on",
        "allowed_origins": "",
        "config": "{}",
        "widget_title": "",
        "widget_color": "#2563eb",
        "widget_greeting": "",
        "widget_language": "auto",
        "widget_position": "right",
        "prechat_name": "off",
        "prechat_email": "off",
        "prechat_phone": "off",
        **inline_management("topics"),
        **inline_management("invitations"),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def widget_config(client: Client, channel: Channel) -> dict[str, Any]:
    response = client.get(reverse("widget-config", args=[channel.key]))
    assert response.status_code == 200
    return response.json()


def test_a_widget_channel_shows_its_settings_as_fields(
    admin_client: Client, widget_channel: Channel
) -> None:
    # when the channel's page is opened
    response = admin_client.get(url(Channel, "change", widget_channel.pk))
    form = response.context["adminform"].form
    html = response.content.decode()
    # then each setting is a field holding the stored value; the JSON box, folded away,
    # holds only the rest
    assert form.initial["widget_title"] == "Garden help"
    assert form.initial["widget_color"] == "#2f6b3a"
    assert form.initial["widget_greeting"] == "Hello!"
    assert form.initial["widget_language"] == "ru"
    assert form.initial["prechat_enabled"] is True
    assert form.initial["prechat_email"] == "required"
    assert form.initial["prechat_name"] == "off"
    assert form.initial["config"] == {"custom_key": 7}
    assert 'type="color"' in html
    assert 'class="cc-preview"' in html
    assert "widget_settings.js" in html


def test_the_settings_are_stored_where_the_widget_reads_them(
    admin_client: Client, widget_channel: Channel
) -> None:
    # when the admin changes every setting
    response = admin_client.post(
        url(Channel, "change", widget_channel.pk),
        widget_form(
            widget_channel,
            widget_title="Ask the gardener",
            widget_color="#FFCC00",
            widget_greeting="Hi! What are you growing?",
            widget_language="en",
            widget_position="left",
            prechat_enabled="on",
            prechat_name="required",
            prechat_phone="optional",
            config='{"custom_key": 7}',
        ),
    )
    # then the widget's config answers with them, and unknown keys are kept
    assert response.status_code == 302, response.content.decode()[:3000]
    config = widget_config(admin_client, widget_channel)
    assert config["name"] == "Ask the gardener"
    assert config["color"] == "#ffcc00"
    assert config["greeting"] == "Hi! What are you growing?"
    assert config["language"] == "en"
    assert config["position"] == "left"
    assert config["prechat"] == {
        "enabled": True,
        "fields": [{"name": "name", "required": True}, {"name": "phone", "required": False}],
    }
    widget_channel.refresh_from_db()
    assert widget_channel.config["custom_key"] == 7


def test_emptied_texts_give_the_widget_its_defaults(
    admin_client: Client, widget_channel: Channel
) -> None:
    # when the title, greeting and colour are emptied and the form turned off
    response = admin_client.post(
        url(Channel, "change", widget_channel.pk), widget_form(widget_channel, widget_color="")
    )
    # then the widget shows the channel name, no greeting, the default blue, no form
    assert response.status_code == 302, response.content.decode()[:3000]
    config = widget_config(admin_client, widget_channel)
    assert (config["name"], config["greeting"], config["color"]) == ("Website", "", "#2563eb")
    assert config["prechat"] == {"enabled": False, "fields": []}
    widget_channel.refresh_from_db()
    assert "title" not in widget_channel.config
    assert "greeting" not in widget_channel.config


@pytest.mark.parametrize("color", ["blue", "#12345", "#gggggg", "2563eb", "#2563eb;x"])
def test_a_colour_that_is_not_hex_is_refused(
    admin_client: Client, widget_channel: Channel, color: str
) -> None:
    # when a colour the widget cannot use is sent
    response = admin_client.post(
        url(Channel, "change", widget_channel.pk), widget_form(widget_channel, widget_color=color)
    )
    # then the colour field says so, and nothing changes
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "widget_color" in errors
    assert "six hexadecimal digits" in errors["widget_color"][0]
    widget_channel.refresh_from_db()
    assert widget_channel.config["color"] == "#2f6b3a"


def test_a_short_hex_colour_is_widened(admin_client: Client, widget_channel: Channel) -> None:
    # when #0f8 is typed
    admin_client.post(
        url(Channel, "change", widget_channel.pk), widget_form(widget_channel, widget_color="#0F8")
    )
    # then the widget gets the full form it understands
    assert widget_config(admin_client, widget_channel)["color"] == "#00ff88"


def test_a_pre_chat_form_that_asks_nothing_is_refused(
    admin_client: Client, widget_channel: Channel
) -> None:
    # when the form is turned on with every field "not asked"
    response = admin_client.post(
        url(Channel, "change", widget_channel.pk),
        widget_form(widget_channel, prechat_enabled="on"),
    )
    # then the admin is told to ask for something or turn it off
    assert response.status_code == 200
    assert "prechat_enabled" in response.context["adminform"].form.errors


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("widget_language", "de"),
        ("widget_position", "top"),
        ("prechat_email", "sometimes"),
        ("widget_title", "x" * 101),
    ],
)
def test_other_bad_values_are_refused_without_a_crash(
    admin_client: Client, widget_channel: Channel, field: str, value: str
) -> None:
    # when a value outside the choices or too long is sent
    response = admin_client.post(
        url(Channel, "change", widget_channel.pk), widget_form(widget_channel, **{field: value})
    )
    # then that field has an error
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors


def test_other_channel_types_keep_their_json_settings(admin_client: Client) -> None:
    # given a Telegram channel
    channel = factories.ChannelFactory(type=ChannelType.TELEGRAM, config={"greeting": "Hi"})
    # when its page is opened
    html = admin_client.get(url(Channel, "change", channel.pk)).content.decode()
    # then its settings are still the JSON box, and no widget field is shown
    assert 'name="config"' in html
    assert 'name="widget_color"' not in html


def test_a_telegram_channel_saves_without_the_widget_fields(admin_client: Client) -> None:
    # given a Telegram channel
    channel = factories.ChannelFactory(type=ChannelType.TELEGRAM, config={"bot_token": "1:A"})
    data = {
        "name": "Bot",
        "default_group": "",
        "is_active": "on",
        "config": '{"greeting": "Hello"}',
        "allowed_origins": "",
        **inline_management("topics"),
        **inline_management("invitations"),
    }
    # when its JSON settings are saved
    response = admin_client.post(url(Channel, "change", channel.pk), data)
    # then they are stored as before, the secret kept, no widget key added
    assert response.status_code == 302, response.content.decode()[:3000]
    channel.refresh_from_db()
    assert channel.config == {"greeting": "Hello", "bot_token": "1:A"}


def test_a_new_widget_channel_is_made_with_its_look(admin_client: Client) -> None:
    # given the add page, which offers both the widget's fields and the JSON settings
    page = admin_client.get(url(Channel, "add")).content.decode()
    assert 'name="widget_color"' in page
    assert 'name="config"' in page
    # when a widget channel is added with a colour and a greeting
    response = admin_client.post(
        url(Channel, "add"),
        {
            "type": ChannelType.WIDGET,
            "config": "{}",
            **widget_form(
                Channel(name="Shop chat"),
                widget_color="#aa0000",
                widget_greeting="Welcome!",
            ),
        },
    )
    # then the channel has them
    assert response.status_code == 302, response.content.decode()[:3000]
    channel = Channel.objects.get(name="Shop chat")
    assert channel.config == {
        "color": "#aa0000",
        "greeting": "Welcome!",
        "language": "auto",
        "position": "right",
        "prechat": {"enabled": False, "fields": []},
    }


def test_a_new_email_channel_ignores_the_widget_fields(admin_client: Client) -> None:
    # when an e-mail channel is added from the same page
    response = admin_client.post(
        url(Channel, "add"),
        {
            "type": ChannelType.EMAIL,
            **widget_form(
                Channel(name="Mail"),
                widget_color="not a colour",
                config='{"address": "help@shop.example"}',
            ),
        },
    )
    # then its JSON is stored and the widget's fields are not looked at
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Channel.objects.get(name="Mail").config == {"address": "help@shop.example"}


def test_the_preview_carries_the_widget_s_own_words_in_both_languages(
    admin_client: Client, widget_channel: Channel
) -> None:
    # when the channel page is opened
    html = admin_client.get(url(Channel, "change", widget_channel.pk)).content.decode()
    # then the preview has the widget's texts for English and Russian
    start = html.index('data-texts="') + len('data-texts="')
    texts = json.loads(html[start : html.index('"', start)].replace("&quot;", '"'))
    assert texts["en"]["placeholder"] == "Type a message…"
    assert texts["ru"]["start"] == "Начать чат"


def test_the_widget_fields_speak_russian(admin_client: Client, widget_channel: Channel) -> None:
    # when a Russian-speaking admin opens a widget channel
    html = admin_client.get(
        url(Channel, "change", widget_channel.pk), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()
    # then the sections, labels, choices and help are in Russian
    for text in [
        "Виджет на сайте",
        "Анкета перед чатом",
        "Цвет",
        "Приветствие",
        "Спрашивать, обязательно",
        "шесть шестнадцатеричных цифр",
        "Предпросмотр",
    ]:
        assert text in html, text


def test_the_other_settings_box_edits_the_keys_the_fields_do_not_show(
    admin_client: Client, widget_channel: Channel
) -> None:
    # when the extra key is changed in the JSON box and a colour is typed in its field
    response = admin_client.post(
        url(Channel, "change", widget_channel.pk),
        widget_form(widget_channel, widget_color="#112233", config='{"custom_key": 8}'),
    )
    # then both are stored, the field's value winning for its own key
    assert response.status_code == 302, response.content.decode()[:3000]
    widget_channel.refresh_from_db()
    assert widget_channel.config["custom_key"] == 8
    assert widget_channel.config["color"] == "#112233"


def test_broken_json_in_the_other_settings_is_refused(
    admin_client: Client, widget_channel: Channel
) -> None:
    # when the JSON box holds something that is not an object
    response = admin_client.post(
        url(Channel, "change", widget_channel.pk), widget_form(widget_channel, config="[1")
    )
    # then the form says so and nothing changes
    assert response.status_code == 200
    assert "config" in response.context["adminform"].form.errors
    widget_channel.refresh_from_db()
    assert widget_channel.config["color"] == "#2f6b3a"
