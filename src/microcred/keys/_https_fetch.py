"""Fetch a did:web document over the network, when the caller allows it, without SSRF.

A verifier that resolves did:web for an arbitrary credential fetches a URL an attacker
chose. So: HTTPS only; the host's DNS answers are checked and every one must be a public
address (no loopback, private, link-local, carrier-grade NAT, multicast, reserved or
unspecified address, nor one of those wrapped in IPv6); the connection goes to an address
that was checked (a second DNS answer cannot swap in 127.0.0.1), with the certificate
checked against the host name; redirects are not followed; the body and the total time
are bounded.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from microcred.errors import DidResolutionError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_TIMEOUT_SECONDS = 10.0
_CHUNK_BYTES = 16_384
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NOT_PUBLIC_V4 = [
    ipaddress.ip_network(net)
    for net in ("0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4")
]


def is_public_address(address: IPAddress) -> bool:
    """True only for a globally routable unicast address (IPv4 embedded in IPv6 unwrapped)."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return is_public_address(embedded)
    if (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    ):
        return False
    return not any(address in net for net in _NOT_PUBLIC_V4 if address.version == 4)


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def checked_addresses(
    host: str, port: int, allowed: Callable[[IPAddress], bool] = is_public_address
) -> list[IPAddress]:
    """Every address ``host`` resolves to; DidResolutionError if any one is not allowed.

    All of them, not only the first: a name that answers with a public and a private
    address is refused as a whole.
    """
    try:
        literal: IPAddress | None = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        found = [literal]
    else:
        try:
            answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise DidResolutionError(f"cannot resolve {host}: {exc}") from exc
        found = list(dict.fromkeys(_answer_address(answer[4][0]) for answer in answers))
    refused = [str(a) for a in found if not allowed(a)]
    if refused or not found:
        raise DidResolutionError(
            f"{host} resolves to a non-public address ({', '.join(refused) or 'none'}): "
            "refused (loopback, private, link-local, multicast and reserved addresses "
            "are never fetched)"
        )
    return found


def _answer_address(text: str | int) -> IPAddress:
    # getaddrinfo gives a string for INET/INET6; a scope (fe80::1%eth0) is not an address.
    return ipaddress.ip_address(str(text).split("%")[0])


def fetch_json_document(
    url: str,
    *,
    max_bytes: int,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    allowed: Callable[[IPAddress], bool] = is_public_address,
    ssl_context: ssl.SSLContext | None = None,
) -> bytes:
    """The body of a 200 answer to GET ``url`` (HTTPS, no redirects, bounded); or an error.

    ``allowed`` and ``ssl_context`` exist for tests that serve a document from 127.0.0.1
    with their own certificate; production code keeps the defaults.
    """
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError as exc:
        raise DidResolutionError(f"refused to fetch {url}: {exc}") from exc
    if parts.scheme != "https" or not parts.hostname:
        raise DidResolutionError(f"refused to fetch {url}: only https URLs are fetched")
    host = parts.hostname
    deadline = time.monotonic() + timeout
    addresses = checked_addresses(host, port, allowed)
    connection = _PinnedHTTPSConnection(
        host, port, addresses, timeout=timeout, context=ssl_context or ssl.create_default_context()
    )
    # A hard stop for the whole exchange: a per-read timeout alone lets a server that
    # drips one byte at a time hold the verifier for as long as it likes.
    watchdog = threading.Timer(timeout, connection.abort)
    watchdog.daemon = True
    watchdog.start()
    try:
        body = _get(connection, parts.path, parts.query, url, max_bytes, deadline)
    except (OSError, http.client.HTTPException) as exc:  # timeouts and TLS errors are OSErrors
        if connection.timed_out:
            raise DidResolutionError(f"{url}: took longer than {timeout} s, abandoned") from exc
        raise DidResolutionError(f"cannot fetch {url}: {exc}") from exc
    finally:
        watchdog.cancel()
        connection.close()
    if connection.timed_out:  # cut off by the watchdog: what was read is incomplete
        raise DidResolutionError(f"{url}: took longer than {timeout} s, abandoned")
    return body


def _get(
    connection: _PinnedHTTPSConnection,
    path: str,
    query: str,
    url: str,
    max_bytes: int,
    deadline: float,
) -> bytes:
    target = (path or "/") + (f"?{query}" if query else "")
    connection.request("GET", target, headers={"Accept": "application/did+json, application/json"})
    response = connection.getresponse()
    if 300 <= response.status < 400:
        raise DidResolutionError(
            f"{url} redirects to {response.getheader('Location')!r}: redirects are not "
            "followed (a DID document is served at its own URL)"
        )
    if response.status != 200:
        raise DidResolutionError(f"{url} answered HTTP {response.status}")
    return _bounded_body(response, url, max_bytes, deadline)


def _bounded_body(
    response: http.client.HTTPResponse, url: str, max_bytes: int, deadline: float
) -> bytes:
    declared = response.getheader("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise DidResolutionError(f"{url}: the document exceeds {max_bytes} bytes")
    body = bytearray()
    while True:
        if time.monotonic() > deadline:
            raise DidResolutionError(f"{url}: took longer than allowed, abandoned")
        chunk = response.read1(_CHUNK_BYTES)
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > max_bytes:
            raise DidResolutionError(f"{url}: the document exceeds {max_bytes} bytes")


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to one of the checked addresses, never to a fresh DNS answer for the host."""

    def __init__(
        self,
        host: str,
        port: int,
        addresses: list[IPAddress],
        *,
        timeout: float,
        context: ssl.SSLContext,
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._addresses = addresses
        self._tls = context
        self.timed_out = False

    def connect(self) -> None:
        last: OSError | None = None
        for address in self._addresses:
            try:
                raw = socket.create_connection((str(address), self.port), self.timeout)
            except OSError as exc:
                last = exc
                continue
            # The certificate is checked against the host name, as for any HTTPS request.
            self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)
            return
        raise last or OSError(f"no address to connect to for {self.host}")

    def abort(self) -> None:
        """Unblock any read in progress (called from the watchdog thread)."""
        self.timed_out = True
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
