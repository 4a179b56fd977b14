"""Which addresses a link may lead to: every resolved address must be public."""

from __future__ import annotations

import socket

import pytest

from intellimix.sources import errors
from intellimix.sources.models import SourceSettings
from intellimix.sources.safety import check_url, is_public_address


def _resolving_to(*addresses: str):
    def resolve(host, port, type=0):
        family = socket.AF_INET6 if ":" in addresses[0] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses]

    return resolve


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fd00:ec2::254",  # AWS metadata over IPv6
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_private_and_local_addresses_are_not_public(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"])
def test_public_addresses(address):
    assert is_public_address(address)


def test_one_private_address_among_public_ones_refuses_the_host():
    resolve = _resolving_to("93.184.216.34", "10.0.0.5")
    with pytest.raises(errors.SourceRefused):
        check_url("https://songs.example/a.mp3", SourceSettings(), resolve=resolve)


def test_a_public_host_passes():
    parts = check_url(
        "https://songs.example/a.mp3", SourceSettings(), resolve=_resolving_to("93.184.216.34")
    )
    assert parts.hostname == "songs.example"


def test_the_allow_list_names_hosts_not_addresses():
    settings = SourceSettings(allowed_hosts=frozenset({"media.lan"}))
    resolve = _resolving_to("192.168.1.20")
    assert check_url("http://media.lan/a.mp3", settings, resolve=resolve).hostname == "media.lan"
    with pytest.raises(errors.SourceRefused):
        check_url("http://other.lan/a.mp3", settings, resolve=resolve)


def test_an_unknown_host_is_unreachable():
    def fail(*_args, **_kwargs):
        raise socket.gaierror("no such host")

    with pytest.raises(errors.SourceUnreachable):
        check_url("https://nowhere.invalid/a.mp3", SourceSettings(), resolve=fail)


@pytest.mark.parametrize("url", ["http://", "http://:80/x", "https://host:99999/x", "not a url"])
def test_malformed_links(url):
    with pytest.raises((errors.InvalidSourceUrl, errors.SourceRefused)):
        check_url(url, SourceSettings())
