"""Setting a WhatsApp channel up in the admin, against the local Graph API: its own form
with plain-language help, secrets that are never shown and kept when left empty, the
Callback URL to copy, and "Test connection" answering in English and Russian."""

from __future__ import annotations

import json

import pytest

from inbox.models import Channel
from tests.inbox.connectors.whatsapp_support import APP_SECRET, TOKEN, VERIFY_TOKEN

PUBLIC = "https://support.shop.example"
CHANGELIST = "/admin/inbox/channel/"


@pytest.fixture
def admin_logged(client, admin_user):  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    return client


def _run(client, channel, language="en"):  # type: ignore[no-untyped-def]
    answer = client.post(
        CHANGELIST,
        {"action": "connection_test", "_selected_action": [channel.pk]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert answer.status_code == 200
    return [str(m) for m in answer.context["messages"]]


def _form_data(client, channel, **changes):  # type: ignore[no-untyped-def]
    """What the change page would post back as it is, with ``changes``."""
    page = client.get(f"{CHANGELIST}{channel.pk}/change/")
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or name not in form.fields or field.disabled:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    data["is_active"] = "on"
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


@pytest.mark.django_db
def test_the_change_page_shows_the_callback_url_and_help_but_no_secret(
    admin_logged, whatsapp_channel, settings
):
    settings.PUBLIC_URL = PUBLIC

    page = admin_logged.get(f"{CHANGELIST}{whatsapp_channel.pk}/change/")

    html = page.content.decode()
    assert page.status_code == 200
    assert f"{PUBLIC}/hooks/whatsapp/{whatsapp_channel.key}/" in html
    assert "API Setup" in html and "Verify token" in html
    assert whatsapp_channel.config["phone_number_id"] in html
    for secret in (TOKEN, APP_SECRET, VERIFY_TOKEN):
        assert secret not in html


@pytest.mark.django_db
def test_saving_with_empty_secrets_keeps_them_and_a_new_token_replaces_the_old(
    admin_logged, whatsapp_channel
):
    data = _form_data(
        admin_logged,
        whatsapp_channel,
        wa_phone_number_id="200300400500",
        wa_access_token="",
        wa_app_secret="a-new-app-secret",
    )

    answer = admin_logged.post(f"{CHANGELIST}{whatsapp_channel.pk}/change/", data)

    assert answer.status_code == 302, answer.context["adminform"].form.errors
    config = Channel.objects.get(pk=whatsapp_channel.pk).config
    assert config["phone_number_id"] == "200300400500"
    assert config["access_token"] == TOKEN
    assert config["app_secret"] == "a-new-app-secret"
    assert config["verify_token"] == VERIFY_TOKEN
    assert [t["name"] for t in config["templates"]] == ["order_update", "follow_up"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"wa_templates": "[{"}, "not valid JSON"),
        ({"wa_templates": json.dumps([{"name": "Order Update"}])}, "templates is a list like"),
        ({"wa_phone_number_id": "+1 555 000"}, "digits only"),
        ({"wa_api_base_url": "graph.facebook.com"}, "api_base_url is an address"),
    ],
)
def test_bad_settings_are_refused_in_plain_words(admin_logged, whatsapp_channel, changes, said):
    before = Channel.objects.get(pk=whatsapp_channel.pk).config

    answer = admin_logged.post(
        f"{CHANGELIST}{whatsapp_channel.pk}/change/",
        _form_data(admin_logged, whatsapp_channel, **changes),
    )

    assert answer.status_code == 200
    assert said in answer.content.decode()
    assert Channel.objects.get(pk=whatsapp_channel.pk).config == before


@pytest.mark.django_db
def test_test_connection_names_the_number(admin_logged, whatsapp_channel, graph_api):
    [said] = _run(admin_logged, whatsapp_channel)

    assert (
        said
        == "WhatsApp: Connected: the number +1 555-000-1111 (Seed Shop) answers with this token."
    )
    [call] = graph_api.of("number")
    assert call.headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.django_db
def test_a_refused_token_is_said_plainly_in_english_and_russian(
    admin_logged, whatsapp_channel, graph_api
):
    graph_api.fail_next("number", 401, "Error validating access token", 190)
    graph_api.fail_next("number", 401, "Error validating access token", 190)

    [english] = _run(admin_logged, whatsapp_channel)
    [russian] = _run(admin_logged, whatsapp_channel, language="ru")

    assert "Meta refused the access token: it is wrong or has expired" in english
    assert "Meta отклонила токен доступа" in russian
    assert TOKEN not in english + russian


@pytest.mark.django_db
def test_an_unknown_number_id_is_said_plainly(admin_logged, whatsapp_channel, graph_api):
    graph_api.fail_next("number", 400, "Unsupported get request.", 100)

    [said] = _run(admin_logged, whatsapp_channel)

    assert "does not know the phone number ID" in said


@pytest.mark.django_db
def test_test_connection_skips_other_channels(admin_logged, whatsapp_channel):
    from tests import factories

    widget = factories.ChannelFactory(name="Site")

    [said] = _run(admin_logged, widget)

    assert said == "Site is not a WhatsApp channel: skipped."


@pytest.mark.django_db
def test_the_api_takes_whatsapp_settings_checked_and_never_shows_the_secrets(admin_user):
    from tests.conftest import api_as

    api = api_as(admin_user)
    body = {
        "type": "whatsapp",
        "name": "WhatsApp",
        "config": {
            "phone_number_id": "106540352242922",
            "access_token": TOKEN,
            "app_secret": APP_SECRET,
            "verify_token": VERIFY_TOKEN,
            "templates": [{"name": "order_update", "language": "en_US", "body": "Hi {{1}}"}],
        },
    }

    created = api.post("/api/v1/channels/", body, format="json")
    bad = api.post(
        "/api/v1/channels/",
        {**body, "config": {**body["config"], "templates": [{"name": "Order Update"}]}},
        format="json",
    )

    assert created.status_code == 201, created.content
    for secret in (TOKEN, APP_SECRET, VERIFY_TOKEN):
        assert secret not in created.content.decode()
    assert Channel.objects.get(pk=created.json()["id"]).config["access_token"] == TOKEN
    assert bad.status_code == 400
    assert "templates is a list like" in bad.content.decode()
