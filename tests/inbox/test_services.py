"""inbox.services: the channel rules every write path shares."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from inbox.services import channel_config_clean, channel_origins_clean


def test_origins_are_normalised_and_deduplicated():
    assert channel_origins_clean(
        origins=["HTTPS://Shop.Example", "https://shop.example", "http://[::1]:8000"]
    ) == ["https://shop.example", "http://[::1]:8000"]


def test_no_origins_means_any_site():
    assert channel_origins_clean(origins=[]) == []


@pytest.mark.parametrize(
    "origin",
    [
        "https://shop.example/",
        "https://shop.example/path",
        "https://shop.example?x=1",
        "https://user@shop.example",
        "https://shop.example:0x50",
        "wss://shop.example",
        "https://",
        " https://shop.example",
        "",
        None,
        ["https://shop.example"],
    ],
)
def test_anything_but_an_origin_is_refused(origin):
    with pytest.raises(ValidationError):
        channel_origins_clean(origins=[origin])


def test_origins_must_be_a_list():
    with pytest.raises(ValidationError):
        channel_origins_clean(origins="https://shop.example")


def test_secrets_must_be_strings():
    with pytest.raises(ValidationError):
        channel_config_clean(channel_type="email", config={"smtp_password": 1234})
    assert channel_config_clean(channel_type="widget", config={"bot_token": 1}) == {"bot_token": 1}
