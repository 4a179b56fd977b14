"""Where we fetch from: public http(s) hosts only, unless `allowed_hosts` names the host.

Two checks, both needed. Before a request (and before each redirect hop) every address the
host resolves to must be public; and when the connection is made, the address actually
connected to is checked again, so a DNS answer that changes between the two (rebinding)
cannot reach a private address either.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import SplitResult, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from intellimix.sources.errors import InvalidSourceUrl, SourceRefused, SourceUnreachable
from intellimix.sources.models import SourceSettings

SCHEMES = ("http", "https")
Resolver = Callable[..., list[Any]]


def parse_url(url: str) -> SplitResult:
    """An absolute http(s) URL with a host, or a coded error."""
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError as exc:
        raise InvalidSourceUrl("That is not a valid link.") from exc
    if parts.scheme.lower() not in SCHEMES:
        raise SourceRefused("Only http and https links can be imported.")
    if not parts.hostname:
        raise InvalidSourceUrl("The link has no host name.")
    return parts


def host_allowed(host: str, settings: SourceSettings) -> bool:
    return host.lower().strip("[]").rstrip(".") in settings.allowed_hosts


def is_public_address(address: str) -> bool:
    """False for loopback, private, link-local (cloud metadata), shared, reserved, multicast."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(
    url: str, settings: SourceSettings, *, resolve: Resolver = socket.getaddrinfo
) -> SplitResult:
    """Refuse `url` unless its scheme is http(s) and every address of its host is public."""
    parts = parse_url(url)
    host = parts.hostname or ""
    if host_allowed(host, settings):
        return parts
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise SourceUnreachable(f"The host {host!r} could not be found.") from exc
    addresses = {info[4][0] for info in infos}
    if not addresses:
        raise SourceUnreachable(f"The host {host!r} could not be found.")
    for address in addresses:
        if not is_public_address(address):
            raise SourceRefused(
                f"Links to {host!r} are not allowed: it is on a private or local network."
            )
    return parts


def checked_session(settings: SourceSettings) -> requests.Session:
    """A requests session that refuses, at connect time, any non-public peer address.

    It ignores proxy and netrc settings from the environment (`trust_env`), so what is
    checked is what is connected to.
    """
    session = requests.Session()
    session.trust_env = False
    adapter = _CheckedAdapter(settings)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _check_peer(connection: HTTPConnection, sock: socket.socket, settings: SourceSettings) -> None:
    if host_allowed(connection.host, settings):
        return
    peer = sock.getpeername()[0]
    if not is_public_address(peer):
        sock.close()
        raise SourceRefused(
            f"Links to {connection.host!r} are not allowed: it is on a private or local network."
        )


class _CheckedAdapter(HTTPAdapter):
    def __init__(self, settings: SourceSettings) -> None:
        self._settings = settings
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        settings = self._settings

        class CheckedHTTPConnection(HTTPConnection):
            def _new_conn(self) -> socket.socket:
                sock = super()._new_conn()
                _check_peer(self, sock, settings)
                return sock

        class CheckedHTTPSConnection(HTTPSConnection):
            def _new_conn(self) -> socket.socket:
                sock = super()._new_conn()
                _check_peer(self, sock, settings)
                return sock

        class CheckedHTTPPool(HTTPConnectionPool):
            ConnectionCls = CheckedHTTPConnection

        class CheckedHTTPSPool(HTTPSConnectionPool):
            ConnectionCls = CheckedHTTPSConnection

        self.poolmanager.pool_classes_by_scheme = {
            "http": CheckedHTTPPool,
            "https": CheckedHTTPSPool,
        }
