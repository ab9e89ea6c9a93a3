from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from microcred.errors import ContextError

CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_V3P0_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
EDC_AP = "http://data.europa.eu/snb/model/context/edc-ap"
BITSTRING_STATUS_V1 = "https://www.w3.org/ns/credentials/status/v1"

#: URL a credential cites -> file under contexts/data (provenance in SOURCES.md).
BUNDLED_CONTEXTS: Mapping[str, str] = {
    CREDENTIALS_V1: "credentials-v1.jsonld",
    CREDENTIALS_V2: "credentials-v2.jsonld",
    "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
    "https://w3id.org/security/jwk/v1": "jwk-v1.jsonld",
    "https://w3id.org/security/suites/ed25519-2020/v1": "ed25519-signature-2020-v1.jsonld",
    "https://w3id.org/vc/status-list/2021/v1": "status-list-2021-v1.jsonld",
    BITSTRING_STATUS_V1: "bitstring-status-list-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob-v3p0-context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-v3p0-context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-v3p0-context-3.0.2.json",
    OB_V3P0: "ob-v3p0-context-3.0.3.json",
    OB_V3P0_EXTENSIONS: "ob-v3p0-extensions.json",
    EDC_AP: "edc-ap-context-3.2.jsonld",
}

_EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
_ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
_STATUS_LIST_2021 = "https://w3id.org/vc/status-list/2021/v1"

#: The @context lists a credential may carry, each exactly, in this order. Each fixes what
#: every key of the JSON means, so a verifier reading JSON keys reads what was signed: an
#: appended or reordered context could redefine a term without changing the signed graph.
#: First what microcred issues (ELM, ELM with a status entry, OB3, status lists), then the
#: lists of the 1EdTech, DCC and W3C examples in tests/vectors (third-party credentials).
KNOWN_CONTEXT_SEQUENCES: frozenset[tuple[str, ...]] = frozenset(
    {
        (CREDENTIALS_V1, EDC_AP, DATA_INTEGRITY_V2),
        (CREDENTIALS_V1, EDC_AP, DATA_INTEGRITY_V2, BITSTRING_STATUS_V1),
        (CREDENTIALS_V2, OB_V3P0, OB_V3P0_EXTENSIONS),
        (CREDENTIALS_V2,),
        (CREDENTIALS_V2, OB_V3P0),
        (CREDENTIALS_V2, _EXAMPLES_V2),
        (CREDENTIALS_V2, _ED25519_2020),
        (CREDENTIALS_V1, EDC_AP),
        (
            CREDENTIALS_V1,
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
            BITSTRING_STATUS_V1,
            _ED25519_2020,
            DATA_INTEGRITY_V2,
        ),
        (CREDENTIALS_V1, "https://purl.imsglobal.org/spec/ob/v3p0/context.json", _ED25519_2020),
        # Legacy StatusList2021 lists (VC 1.1), with or without the Data Integrity context.
        (CREDENTIALS_V1, _STATUS_LIST_2021),
        (CREDENTIALS_V1, _STATUS_LIST_2021, DATA_INTEGRITY_V2),
    }
)


@cache
def _read_bundled(filename: str) -> str:
    return resources.files("microcred.contexts").joinpath("data", filename).read_text("utf-8")


def load_context(url: str) -> dict[str, Any]:
    """The parsed JSON of a bundled context; ContextError naming ``url`` otherwise."""
    filename = BUNDLED_CONTEXTS.get(url.rstrip("#"))
    if filename is None:
        raise ContextError(f"JSON-LD context not bundled and network loading is off: {url}")
    document: dict[str, Any] = json.loads(_read_bundled(filename))
    return document


class OfflineDocumentLoader:
    """A pyld document loader that serves only bundled contexts (plus optional extras).

    ``extra`` lets a caller allow more documents explicitly (e.g. a test's own context),
    which is the only way anything beyond the bundle is ever loaded.
    """

    def __init__(self, extra: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._extra = dict(extra or {})

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        document = self._extra.get(url)
        if document is None:
            document = load_context(url)
        return {"contextUrl": None, "documentUrl": url, "document": document}


_DEFAULT = OfflineDocumentLoader()


def offline_loader() -> OfflineDocumentLoader:
    """The shared loader over the bundled contexts only."""
    return _DEFAULT
