"""did:web over the network (--allow-network): HTTPS only, public addresses only (as
resolved), no redirects, bounded size and time. Nothing here touches the internet: the
address rules are checked on literal addresses and on names /etc/hosts answers, and the
HTTP rules against a local HTTPS server on 127.0.0.1 with a certificate made here."""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import microcred.keys._resolver
from microcred.errors import DidResolutionError
from microcred.keys import DidResolver, KeyType, SigningKey, did_web_document
from microcred.keys._https_fetch import (
    IPAddress,
    checked_addresses,
    fetch_json_document,
    is_public_address,
)

NOT_PUBLIC = [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata service
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "198.18.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2001:db8::1",  # documentation
]
PUBLIC = ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e"]


@pytest.mark.parametrize("text", NOT_PUBLIC)
def test_non_public_addresses_are_refused(text: str) -> None:
    address = ipaddress.ip_address(text)
    assert not is_public_address(address)
    with pytest.raises(DidResolutionError, match="non-public address"):
        checked_addresses(text, 443)


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_are_allowed(text: str) -> None:
    assert is_public_address(ipaddress.ip_address(text))
    assert checked_addresses(text, 443) == [ipaddress.ip_address(text)]


def test_a_name_is_judged_by_its_dns_answers() -> None:
    # "localhost" is an ordinary name: only its answers (127.0.0.1, ::1) say where it goes.
    with pytest.raises(DidResolutionError, match=r"localhost resolves to a non-public address"):
        checked_addresses("localhost", 443)


# --- a local HTTPS server --------------------------------------------------------------------


@dataclass
class Server:
    port: int
    routes: dict[str, Callable[[BaseHTTPRequestHandler], None]]
    requests: list[str] = field(default_factory=list)
    client_context: ssl.SSLContext | None = None


def _certificate(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp / "cert.pem", tmp / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    cert_file, key_file = _certificate(tmp_path)
    state = Server(port=0, routes={})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            route = state.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            route(self)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_file, key_file)
    httpd.socket = server_context.wrap_socket(httpd.socket, server_side=True)
    state.port = httpd.server_address[1]
    client = ssl.create_default_context(cafile=str(cert_file))
    state.client_context = client
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def _loopback_only(address: IPAddress) -> bool:
    return address.is_loopback


def _fetch(server: Server, path: str, **options: float) -> bytes:
    return fetch_json_document(
        f"https://localhost:{server.port}{path}",
        max_bytes=int(options.pop("max_bytes", 10_000)),
        allowed=_loopback_only,
        ssl_context=server.client_context,
        **options,
    )


def _answer(status: int, body: bytes = b"", **headers: str) -> Callable[..., None]:
    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return respond


DOCUMENT = {"id": "did:web:localhost", "verificationMethod": []}


def test_the_default_rules_refuse_a_server_on_127_0_0_1(server: Server) -> None:
    server.routes["/.well-known/did.json"] = _answer(200, json.dumps(DOCUMENT).encode())
    did = f"did:web:localhost%3A{server.port}"
    resolver = DidResolver(allow_network=True)
    with pytest.raises(DidResolutionError, match="non-public address"):
        resolver.resolve_verification_method(f"{did}#key-1")
    with pytest.raises(DidResolutionError, match="non-public address"):
        fetch_json_document(
            f"https://127.0.0.1:{server.port}/.well-known/did.json",
            max_bytes=10_000,
            ssl_context=server.client_context,
        )
    assert server.requests == []  # refused before connecting


def test_with_loopback_allowed_the_local_server_answers(server: Server) -> None:
    # The control for the tests below: the server and the certificate do work.
    key = SigningKey.generate(KeyType.ED25519)
    body = json.dumps(did_web_document("did:web:localhost", [("#k", key.public_key)]))
    server.routes["/did.json"] = _answer(200, body.encode())
    assert json.loads(_fetch(server, "/did.json"))["id"] == "did:web:localhost"


@pytest.mark.parametrize(
    "location",
    ["http://localhost/did.json", "https://localhost/elsewhere.json", "/did.json"],
)
def test_redirects_are_not_followed(server: Server, location: str) -> None:
    server.routes["/moved.json"] = _answer(302, Location=location)
    server.routes["/did.json"] = _answer(200, json.dumps(DOCUMENT).encode())
    with pytest.raises(DidResolutionError, match="redirects are not followed"):
        _fetch(server, "/moved.json")
    assert server.requests == ["/moved.json"]


def test_only_https_is_fetched(server: Server) -> None:
    with pytest.raises(DidResolutionError, match="only https"):
        fetch_json_document(f"http://localhost:{server.port}/did.json", max_bytes=10_000)
    assert server.requests == []


def test_an_untrusted_certificate_is_refused(server: Server) -> None:
    server.routes["/did.json"] = _answer(200, json.dumps(DOCUMENT).encode())
    with pytest.raises(DidResolutionError, match="CERTIFICATE_VERIFY_FAILED"):
        fetch_json_document(
            f"https://localhost:{server.port}/did.json", max_bytes=10_000, allowed=_loopback_only
        )


def test_a_document_over_the_size_bound_is_refused(server: Server) -> None:
    server.routes["/big.json"] = _answer(200, b" " * 5_000 + b"{}")
    with pytest.raises(DidResolutionError, match="exceeds 1000 bytes"):
        _fetch(server, "/big.json", max_bytes=1_000)

    def no_length(handler: BaseHTTPRequestHandler) -> None:
        # No Content-Length: the body is cut off by counting, not by trusting a header.
        handler.protocol_version = "HTTP/1.0"
        handler.send_response(200)
        handler.end_headers()
        handler.wfile.write(b" " * 5_000 + b"{}")
        handler.close_connection = True

    server.routes["/unsized.json"] = no_length
    with pytest.raises(DidResolutionError, match="exceeds 1000 bytes"):
        _fetch(server, "/unsized.json", max_bytes=1_000)


def test_a_server_that_drips_its_answer_is_abandoned(server: Server) -> None:
    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        for _ in range(100):  # a byte every 0.1 s: each read is quick, the whole is not
            try:
                handler.wfile.write(b" ")
                handler.wfile.flush()
            except OSError:
                return
            time.sleep(0.1)

    server.routes["/slow.json"] = drip
    with pytest.raises(DidResolutionError, match="took longer than"):
        _fetch(server, "/slow.json", timeout=1.0)


def test_an_error_status_is_refused(server: Server) -> None:
    with pytest.raises(DidResolutionError, match="HTTP 404"):
        _fetch(server, "/missing.json")


def test_the_resolver_fetches_the_did_web_url_once(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    did = f"did:web:localhost%3A{server.port}:issuers:x"
    key = SigningKey.generate(KeyType.ED25519)
    body = json.dumps(did_web_document(did, [("#key-1", key.public_key)]))
    server.routes["/issuers/x/did.json"] = _answer(200, body.encode())
    # The same fetch, with this test's loopback allowance and certificate.
    local = functools.partial(
        fetch_json_document, allowed=_loopback_only, ssl_context=server.client_context
    )
    monkeypatch.setattr(microcred.keys._resolver, "fetch_json_document", local)
    resolver = DidResolver(allow_network=True)
    method = resolver.resolve_verification_method(f"{did}#key-1")
    assert method.public_key == key.public_key
    with pytest.raises(DidResolutionError, match="is not in the document of"):
        resolver.resolve_verification_method(f"{did}#key-2")  # from the cache: no new fetch
    assert server.requests == ["/issuers/x/did.json"]
