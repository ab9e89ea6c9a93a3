"""Interoperability with Digital Bazaar's JavaScript Data Integrity stack.

microcred signs and ``@digitalbazaar/vc`` verifies, and the other way round, for
eddsa-rdfc-2022 (Ed25519) and ecdsa-rdfc-2019 (P-256). The Node peer
(tests/interop/di_peer.mjs) loads only microcred's bundled contexts and resolves did:key
itself, so no side can pass by fetching something the other never saw.
"""

from __future__ import annotations

import copy
import itertools
import json
import shutil
import subprocess
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from microcred.contexts import BUNDLED_CONTEXTS, CREDENTIALS_V2, MULTIKEY_V1, OB_V3P0
from microcred.elm_models.readers import read_learners, read_spec
from microcred.elm_models.record import IssuerProfile, multilingual
from microcred.issuer import Issuer, issue_batch, make_awards
from microcred.keys import DidResolver, KeyType, SigningKey, did_key, did_key_verification_method
from microcred.proofs import add_proof, verify_proofs

pytestmark = pytest.mark.interop

Json = dict[str, Any]
NodePeer = Callable[[list[Json]], list[Json]]

INTEROP_DIR = Path(__file__).parent / "interop"
VECTORS_DIR = Path(__file__).parent / "vectors"  # provenance in vectors/SOURCES.md
EXAMPLE_DIR = Path(__file__).parent.parent / "examples" / "ai-research-skills"
INSTALL_TIMEOUT_S = 300
PEER_TIMEOUT_S = 60

CREATED = "2025-10-20T10:00:00Z"
# vc-js checks validFrom against its clock; pinning it keeps the test independent of today.
NOW = "2025-10-21T00:00:00Z"
DID_V1 = "https://www.w3.org/ns/did/v1"

SUITE_KEY_TYPES = {"eddsa-rdfc-2022": KeyType.ED25519, "ecdsa-rdfc-2019": KeyType.P256}


# -- the Node peer -------------------------------------------------------------------------


def _require_node_tools() -> None:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"interop test needs Node.js >= 20 and npm on PATH; missing: {', '.join(missing)}",
            pytrace=False,
        )


def _install_peer_dependencies() -> None:
    completed = subprocess.run(
        ["bash", str(INTEROP_DIR / "install.sh")],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(
            f"tests/interop/install.sh failed ({completed.returncode}):\n{completed.stderr}",
            pytrace=False,
        )


def _run_peer(requests: list[Json]) -> list[Json]:
    """One Node process answers all ``requests`` (start-up costs ~0.4 s per process)."""
    completed = subprocess.run(
        ["node", str(INTEROP_DIR / "di_peer.mjs")],
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        timeout=PEER_TIMEOUT_S,
        cwd=INTEROP_DIR,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(
            f"di_peer.mjs failed ({completed.returncode}): {completed.stdout}\n{completed.stderr}",
            pytrace=False,
        )
    results: list[Json] = json.loads(completed.stdout)
    return results


@pytest.fixture(scope="session")
def node_peer() -> NodePeer:
    _require_node_tools()
    _install_peer_dependencies()
    return _run_peer


@pytest.fixture(scope="session")
def context_files() -> dict[str, str]:
    """The same URL -> file table microcred's offline loader uses, as absolute paths."""
    data_dir = resources.files("microcred.contexts").joinpath("data")
    paths = {url: str(data_dir.joinpath(name)) for url, name in BUNDLED_CONTEXTS.items()}
    assert all(Path(path).is_file() for path in paths.values())
    return paths


def _js_verify(
    peer: NodePeer, contexts: dict[str, str], *credentials: Json, **options: Any
) -> list[Json]:
    """vc-js's verdict on each credential, all in one Node run."""
    base = {"op": "verify", "contexts": contexts, "now": NOW} | options
    return peer([base | {"credential": credential} for credential in credentials])


def _js_sign(
    peer: NodePeer, contexts: dict[str, str], credential: Json, cryptosuite: str, key_pair: Json
) -> Json:
    request = {
        "op": "sign",
        "credential": credential,
        "contexts": contexts,
        "cryptosuite": cryptosuite,
        "keyPair": key_pair,
        "created": CREATED,
        "now": NOW,
    }
    signed: Json = peer([request])[0]["credential"]
    return signed


# -- credentials ---------------------------------------------------------------------------


def _vc2_credential(issuer_did: str) -> Json:
    return {
        "@context": [CREDENTIALS_V2],
        "id": "urn:uuid:5f0c2a4e-6d1b-4c39-9a51-3f1e2d7b8c90",
        "type": ["VerifiableCredential"],
        "name": "Micro-credential in Data Stewardship",
        "issuer": issuer_did,
        "validFrom": "2025-10-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner-0042", "name": "Nino Beridze"},
    }


def _ob3_credential(issuer_did: str) -> Json:
    return {
        "@context": [CREDENTIALS_V2, OB_V3P0],
        "id": "urn:uuid:0b6f1e7a-3c2d-4f58-8e9a-71d4c5b2a013",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Data Stewardship (5 ECTS)",
        "issuer": {"id": issuer_did, "type": ["Profile"], "name": "Tbilisi State University"},
        "validFrom": "2025-10-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:learner-0042",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://credentials.example.edu/achievements/data-stewardship",
                "type": ["Achievement"],
                "achievementType": "MicroCredential",
                "name": "Data Stewardship",
                "description": "Plan, curate and publish research data under FAIR principles.",
                "criteria": {"narrative": "Passed the written exam (60 %) and the project."},
            },
        },
    }


CREDENTIAL_BUILDERS: dict[str, Callable[[str], Json]] = {
    "vc2": _vc2_credential,
    "ob3": _ob3_credential,
}


def _tampered(credential: Json) -> Json:
    """A copy with the last character of its (signed) top-level `id` changed, proof untouched."""
    copied = copy.deepcopy(credential)
    credential_id: str = copied["id"]
    copied["id"] = credential_id[:-1] + ("0" if credential_id[-1] != "0" else "1")
    return copied


def _w3c_key_pair(cryptosuite: str) -> Json:
    """The published W3C test key of a suite, as a Multikey pair the peer can sign with."""
    if cryptosuite == "eddsa-rdfc-2022":
        raw = json.loads((VECTORS_DIR / "eddsa-rdfc-2022/keyPair.json").read_text("utf-8"))
        return {
            "publicKeyMultibase": raw["publicKeyMultibase"],
            "secretKeyMultibase": raw["privateKeyMultibase"],
        }
    return json.loads((VECTORS_DIR / "ecdsa-rdfc-2019-p256/p256KeyPair.json").read_text("utf-8"))


# -- the peer itself, against published vectors (so a failure below is not the peer's) -----


@pytest.mark.parametrize(
    "vector",
    ["eddsa-rdfc-2022/signedDataInt.json", "ecdsa-rdfc-2019-p256/signedECDSAP256.json"],
)
def test_peer_verifies_w3c_vector(
    node_peer: NodePeer, context_files: dict[str, str], vector: str
) -> None:
    credential = json.loads((VECTORS_DIR / vector).read_text("utf-8"))

    # The vectors' issuer (https://vc.example/issuers/5678) is not their did:key's
    # controller, so only the proof is checked here, not vc-js's issuer binding.
    proof_only, tampered = _js_verify(
        node_peer, context_files, credential, _tampered(credential), checkIssuer=False
    )
    [with_issuer_binding] = _js_verify(node_peer, context_files, credential)

    assert proof_only == {"verified": True, "errors": []}
    assert with_issuer_binding["verified"] is False
    assert any("issuer must match" in e for e in with_issuer_binding["errors"])
    assert tampered["verified"] is False


def _fragment_key_documents(verification_method: str) -> Json:
    """A local controller document for a 1EdTech-style `<issuer URL>#<publicKeyMultibase>` VM."""
    controller, public_key_multibase = verification_method.split("#")
    method = {
        "id": verification_method,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": public_key_multibase,
    }
    return {
        verification_method: {"@context": MULTIKEY_V1} | method,
        controller: {
            "@context": [DID_V1, MULTIKEY_V1],
            "id": controller,
            "assertionMethod": [method],
        },
    }


def test_peer_verifies_ob3_spec_vector_with_local_controller_document(
    node_peer: NodePeer, context_files: dict[str, str]
) -> None:
    credential = json.loads(
        (VECTORS_DIR / "ob3-spec-eddsa-rdfc-2022/signed.json").read_text("utf-8")
    )
    documents = _fragment_key_documents(credential["proof"]["verificationMethod"])

    served, not_served = node_peer(
        [
            {"op": "verify", "credential": credential, "contexts": context_files, "now": NOW}
            | extra
            for extra in ({"documents": documents}, {})
        ]
    )

    assert served == {"verified": True, "errors": []}
    assert not_served["verified"] is False
    assert any("not served: https://example.edu/issuers/565049" in e for e in not_served["errors"])


# -- microcred signs, Digital Bazaar verifies ----------------------------------------------


@pytest.mark.parametrize("cryptosuite", sorted(SUITE_KEY_TYPES))
@pytest.mark.parametrize("kind", sorted(CREDENTIAL_BUILDERS))
def test_digitalbazaar_verifies_microcred_proof(
    node_peer: NodePeer, context_files: dict[str, str], kind: str, cryptosuite: str
) -> None:
    key = SigningKey.generate(SUITE_KEY_TYPES[cryptosuite])
    credential = CREDENTIAL_BUILDERS[kind](did_key(key.public_key))
    signed = add_proof(
        credential,
        key,
        verification_method=did_key_verification_method(key.public_key),
        cryptosuite=cryptosuite,
        created=CREATED,
        # microcred's issuer emits OB3 proofs as an array (the OB3 schema's wish); vc-js must cope.
        proof_as_list=kind == "ob3",
    )

    verdict, tampered_verdict = _js_verify(node_peer, context_files, signed, _tampered(signed))

    assert verdict == {"verified": True, "errors": []}
    assert tampered_verdict["verified"] is False
    assert any("Invalid signature" in e for e in tampered_verdict["errors"])


# -- Digital Bazaar signs, microcred verifies ----------------------------------------------


@pytest.mark.parametrize("cryptosuite", sorted(SUITE_KEY_TYPES))
@pytest.mark.parametrize("kind", sorted(CREDENTIAL_BUILDERS))
def test_microcred_verifies_digitalbazaar_proof(
    node_peer: NodePeer, context_files: dict[str, str], kind: str, cryptosuite: str
) -> None:
    key_pair = _w3c_key_pair(cryptosuite)
    issuer_did = f"did:key:{key_pair['publicKeyMultibase']}"
    signed = _js_sign(
        node_peer, context_files, CREDENTIAL_BUILDERS[kind](issuer_did), cryptosuite, key_pair
    )

    results = verify_proofs(signed, DidResolver())
    tampered_results = verify_proofs(_tampered(signed), DidResolver())

    assert signed["proof"]["cryptosuite"] == cryptosuite
    assert signed["proof"]["created"] == CREATED
    assert [(r.verification_method, r.cryptosuite, r.outcome) for r in results] == [
        (f"{issuer_did}#{key_pair['publicKeyMultibase']}", cryptosuite, "valid")
    ]
    assert [r.outcome for r in tampered_results] == ["invalid"]


# -- microcred's real output (spec + learners -> ELM and OB3), Digital Bazaar verifies -----


def _issued_elm_and_ob3(key: SigningKey) -> list[Json]:
    """The signed ELM and OB3 credentials issue_batch makes for the example's first learner."""
    spec = read_spec(EXAMPLE_DIR / "microcredential.yaml")
    learner = read_learners(EXAMPLE_DIR / "learners.csv", spec)[0]
    profile = IssuerProfile(
        did=did_key(key.public_key),
        verification_method=did_key_verification_method(key.public_key),
        name=multilingual({"en": "Example State University"}),
        country="GE",
        legal_identifier="GE-204864548",
    )
    ids = (uuid.UUID(int=n) for n in itertools.count(1))
    awards = make_awards(
        spec, [learner], profile, issued=datetime(2025, 10, 20, 10, tzinfo=UTC), new_id=ids.__next__
    )
    # Shape validation is the issuer tests' business; this test is about the proofs.
    [issued] = issue_batch(awards, Issuer(profile, key), validate=False).credentials
    assert issued.elm is not None and issued.ob3 is not None
    return [issued.elm, issued.ob3]


def _proofs(credential: Json) -> list[Json]:
    proof = credential["proof"]
    return proof if isinstance(proof, list) else [proof]


@pytest.mark.parametrize("cryptosuite", sorted(SUITE_KEY_TYPES))
def test_digitalbazaar_verifies_issued_elm_and_ob3(
    node_peer: NodePeer, context_files: dict[str, str], cryptosuite: str
) -> None:
    credentials = _issued_elm_and_ob3(SigningKey.generate(SUITE_KEY_TYPES[cryptosuite]))

    verdicts = _js_verify(
        node_peer, context_files, *credentials, *(_tampered(c) for c in credentials)
    )

    assert [p["cryptosuite"] for c in credentials for p in _proofs(c)] == [cryptosuite] * 2
    assert verdicts[:2] == [{"verified": True, "errors": []}] * 2
    assert [v["verified"] for v in verdicts[2:]] == [False, False]
