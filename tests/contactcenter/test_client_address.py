import pytest

from contactcenter.client_address import client_address, scope_client_address


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    # given no proxy is trusted
    settings.TRUSTED_PROXY_COUNT = 0
    # when a client makes up an X-Forwarded-For
    address = client_address(peer="203.0.113.9", forwarded_for="1.2.3.4")
    # then the peer of the connection is the client
    assert address == "203.0.113.9"


@pytest.mark.parametrize(
    ("trusted", "header", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        # a client's own spoofed entries come before what our proxy appended
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        # a chain shorter than the trusted one: the leftmost entry, nothing beyond it
        (3, "198.51.100.7, 10.0.0.2", "198.51.100.7"),
    ],
)
def test_the_client_is_counted_from_the_right_by_trusted_proxies(
    settings, trusted, header, expected
):
    settings.TRUSTED_PROXY_COUNT = trusted
    assert client_address(peer="10.0.0.1", forwarded_for=header) == expected


def test_a_new_forged_value_each_time_still_gives_one_address(settings):
    # given one trusted proxy, which appends the real peer
    settings.TRUSTED_PROXY_COUNT = 1
    # when a caller sends a different X-Forwarded-For on each request
    seen = {
        client_address(peer="10.0.0.1", forwarded_for=f"9.9.9.{n}, 198.51.100.7") for n in range(20)
    }
    # then every request counts as the same client
    assert seen == {"198.51.100.7"}


def test_garbage_in_the_header_falls_back_to_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(peer="10.0.0.1", forwarded_for="unknown") == "10.0.0.1"
    assert client_address(peer=None, forwarded_for=None) == "unknown"


def test_addresses_have_one_spelling(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(peer=None, forwarded_for="[2001:DB8::1]:443") == "2001:db8::1"
    assert client_address(peer=None, forwarded_for="198.51.100.7:5000") == "198.51.100.7"


def test_a_socket_scope_gives_the_same_answer(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    scope = {
        "client": ("10.0.0.1", 50000),
        "headers": [(b"x-forwarded-for", b"6.6.6.6, 198.51.100.7")],
    }
    assert scope_client_address(scope) == "198.51.100.7"
    settings.TRUSTED_PROXY_COUNT = 0
    assert scope_client_address(scope) == "10.0.0.1"
    assert scope_client_address({"headers": []}) == "unknown"
