"""The operator inbox page: a shell that the page's JavaScript fills from the API."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests import factories

pytestmark = pytest.mark.django_db


def _script_json(html: str, element_id: str) -> dict[str, object]:
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>'
        rf'|<script type="application/json" id="{element_id}">(.*?)</script>',
        html,
        re.S,
    )
    assert match, f"no {element_id} block"
    return json.loads(match.group(1) or match.group(2))


@pytest.fixture
def operator_client() -> Client:
    user = factories.OperatorFactory(user__username="olga").user
    client = Client()
    client.force_login(user)
    return client


def test_the_inbox_is_at_slash_inbox() -> None:
    assert reverse("inbox:inbox") == "/inbox/"


def test_an_anonymous_visitor_is_sent_to_log_in() -> None:
    response = Client().get("/inbox/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/inbox/"


def test_a_logged_in_user_gets_the_page_with_its_bootstrap(operator_client: Client) -> None:
    response = operator_client.get("/inbox/")

    assert response.status_code == 200
    html = response.content.decode()
    bootstrap = _script_json(html, "inbox-bootstrap")
    assert bootstrap["username"] == "olga"
    assert bootstrap["api_base"] == "/api/v1/"
    assert bootstrap["socket_path"] == "/ws/operator/"
    assert bootstrap["language"] == "en"
    assert bootstrap["csrf_token"]
    assert response.cookies["csrftoken"].value  # the page's writes need the cookie too
    assert '<script type="module" src="/static/inbox/inbox.js">' in html
    assert "/static/inbox/inbox.css" in html
    assert 'id="list-mine"' in html and 'id="composer-text"' in html
    # an operator may only make themselves a new lead's owner
    assert bootstrap["lead_owners"] == [
        {"id": response.wsgi_request.user.pk, "name": "olga", "me": True}
    ]


def test_the_bootstrap_is_escaped_by_json_script(db: None) -> None:
    user = factories.OperatorFactory(user__username="</script><b>x").user
    client = Client()
    client.force_login(user)

    html = client.get("/inbox/").content.decode()

    assert "</script><b>x" not in html
    assert "\\u003C/script\\u003E\\u003Cb\\u003Ex" in html
    assert _script_json(html, "inbox-bootstrap")["username"] == "</script><b>x"


def test_the_script_strings_are_valid_json_with_every_key_the_script_uses(
    operator_client: Client,
) -> None:
    html = operator_client.get("/inbox/").content.decode()
    strings = _script_json(html, "inbox-strings")

    script = (Path(settings.BASE_DIR) / "inbox/static/inbox/strings.js").read_text()
    defaults = script.split("const DEFAULTS = {", 1)[1].split("\n};", 1)[0]
    keys = set(re.findall(r"^\s+(\w+):", defaults, re.M))
    assert keys and keys == set(strings)
    assert strings["err_limit"] == (
        "You already have {n} chats, your limit. Close one to take another."
    )
    assert strings["err_conflict"].startswith("This cannot be done in the chat's")


def test_russian_comes_with_accept_language_ru(operator_client: Client) -> None:
    response = operator_client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="ru")

    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert _script_json(html, "inbox-bootstrap")["language"] == "ru"
    strings = _script_json(html, "inbox-strings")
    with translation.override("ru"):
        assert translation.gettext("My chats") in html
        assert strings["inbox"] == translation.gettext("Inbox")
        assert strings["take"] == translation.gettext("Take")


def test_the_russian_page_is_in_russian(operator_client: Client) -> None:
    with translation.override("ru"):
        if translation.gettext("My chats") == "My chats":
            pytest.skip("the Russian catalog does not have the inbox strings yet")

    html = operator_client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert "Мои чаты" in html
    assert "Очереди" in html
