"""The WhatsApp connector's pure parts: the handshake, the signature, message ids as
client ids, which media URLs may be fetched, and how buttons are rendered."""

from __future__ import annotations

import pytest

from inbox.connectors.whatsapp import protocol, render
from inbox.connectors.whatsapp.graph import fetch_target


def test_the_handshake_needs_subscribe_and_the_exact_token():
    ok = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "99"}

    assert protocol.handshake_answer(ok, "tok") == "99"
    assert protocol.handshake_answer({**ok, "hub.mode": "unsubscribe"}, "tok") is None
    assert protocol.handshake_answer({**ok, "hub.verify_token": "to"}, "tok") is None
    assert protocol.handshake_answer(ok, "") is None  # no token set: nobody subscribes


def test_the_signature_is_over_the_raw_bytes_under_the_app_secret():
    body = b'{"object":"whatsapp_business_account"}'
    good = protocol.signature_of(body, "s3cret")

    assert protocol.signature_valid(body, good, "s3cret")
    assert protocol.signature_valid(body, good.upper().replace("SHA256=", "sha256="), "s3cret")
    assert not protocol.signature_valid(body + b" ", good, "s3cret")
    assert not protocol.signature_valid(body, good, "other")
    assert not protocol.signature_valid(body, good[len("sha256=") :], "s3cret")
    assert not protocol.signature_valid(body, None, "s3cret")
    assert not protocol.signature_valid(body, good, "")


def test_message_ids_fit_the_client_id_and_stay_the_same():
    short = "wamid.HBgLMTU1NTc2NTQzMjEVAgASGBQzQUI1"
    long = "wamid." + "A" * 120

    assert protocol.client_id_of(short) == short
    assert len(protocol.client_id_of(long)) == 64
    assert protocol.client_id_of(long) == protocol.client_id_of(long)
    assert protocol.client_id_of(long) != protocol.client_id_of(long + "B")


def test_payloads_that_are_not_a_json_object_cannot_be_read():
    for body in (b"", b"[]", b"\xff\xfe", b"{"):
        with pytest.raises(ValueError):
            protocol.payload_read(body)


def test_changes_for_another_number_of_the_same_app_are_not_ours():
    data = {
        "entry": [
            {
                "changes": [
                    {
                        "value": {
                            "metadata": {"phone_number_id": "222"},
                            "messages": [
                                {"from": "155", "id": "w1", "type": "text", "text": {"body": "x"}}
                            ],
                        }
                    }
                ]
            }
        ]
    }

    assert protocol.messages_read(data, "111") == []
    assert [m.text for m in protocol.messages_read(data, "222")] == ["x"]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:9000/download/1", True),  # api_base_url's own host
        ("http://127.0.0.2/download/1", False),  # loopback, another host
        ("http://10.1.2.3/file", False),
        ("http://192.168.0.10/file", False),
        ("http://169.254.169.254/latest/meta-data/", False),
        ("http://[::1]/file", False),
        ("https://8.8.8.8/file", True),  # a public address
        ("ftp://8.8.8.8/file", False),
        ("https://user:pw@8.8.8.8/file", False),
        ("not a url", False),
    ],
)
def test_a_media_url_is_fetched_only_on_the_api_host_or_a_public_address(url, allowed):
    assert (fetch_target(url, "127.0.0.1") is not None) is allowed


def test_a_public_host_is_fetched_at_the_address_that_was_checked():
    target = fetch_target("https://8.8.8.8:8443/f?x=1", "graph.example")

    assert target is not None
    assert target.url == "https://8.8.8.8:8443/f?x=1"
    assert (target.host_header, target.tls_name) == ("8.8.8.8:8443", "8.8.8.8")


def test_buttons_become_reply_buttons_a_list_or_numbered_text():
    three = [{"id": n, "title": f"Option {n}"} for n in (1, 2, 3)]
    four = [*three, {"id": 4, "title": "Option 4"}]

    assert render.buttons_body("Pick", three, 9)["interactive"]["type"] == "button"
    assert render.buttons_body("Pick", four, 9)["interactive"]["type"] == "list"
    numbered = render.buttons_body("Pick " * 300, three, 9)
    assert numbered["type"] == "text"
    assert numbered["text"]["body"].endswith("1. Option 1\n2. Option 2\n3. Option 3")
    empty_text = render.buttons_body("", three, 9)
    assert empty_text["interactive"]["body"]["text"] == "…"  # WhatsApp needs a body


def test_a_long_text_is_sent_in_parts():
    parts = render.text_bodies("x" * 9000)

    assert [len(p["text"]["body"]) for p in parts] == [4096, 4096, 808]
