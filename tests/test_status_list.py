"""Bitstring Status List: bit order, encodedList, entries, list credentials, check_status."""

from __future__ import annotations

import base64
import copy
import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import microcred.status as status_module
from _controller_documents import controller_document
from microcred.bundle import BundleStatusLists
from microcred.keys import DidResolver, KeyType, SigningKey, did_key, did_key_verification_method
from microcred.proofs import add_proof
from microcred.status import (
    MIN_LIST_SIZE,
    Bitstring,
    check_status,
    decode_list,
    encode_list,
    revocation_and_suspension_bits,
    revocation_and_suspension_entry,
    status_entry,
    status_list_credential,
)
from microcred.verifier import StatusDirectory, StatusListSource, VerificationPolicy
from microcred.verifier.report import StepStatus
from microcred.verifier.status_step import status_entry_step

VECTORS = Path(__file__).parent / "vectors" / "status"
LIST_URL = "https://issuer.example/status/r1"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _vector(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate(KeyType.ED25519)


def _signed_list(
    key: SigningKey,
    *,
    purpose: Any = "revocation",
    set_bits: tuple[int, ...] = (),
    size: int = MIN_LIST_SIZE,
    valid_from: datetime = NOW - timedelta(days=1),
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    bits = Bitstring(size)
    for index in set_bits:
        bits.set(index)
    unsigned = status_list_credential(
        LIST_URL, purpose, bits, did_key(key.public_key), valid_from, valid_until
    )
    return add_proof(unsigned, key, verification_method=did_key_verification_method(key.public_key))


# The 1EdTech vectors' key sits in an https:// method's fragment, never used as is: the
# verifier is given the controller document its issuer would publish.
_1EDTECH_METHOD = (
    "https://1edtech.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
)
_1EDTECH_ISSUER = controller_document(_1EDTECH_METHOD, _1EDTECH_METHOD.split("#")[1])
RESOLVER = DidResolver({_1EDTECH_ISSUER["id"]: _1EDTECH_ISSUER})


def _check(entry: dict[str, Any], list_credential: dict[str, Any], **options: Any) -> Any:
    return check_status(entry, list_credential, resolver=RESOLVER, now=NOW, **options)


def test_public_surface_is_exact() -> None:
    assert sorted(status_module.__all__) == sorted(
        name for name in vars(status_module) if not name.startswith("_") and name != "annotations"
    )


# --- Bitstring and encodedList ----------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "byte", "mask"), [(0, 0, 0x80), (7, 0, 0x01), (8, 1, 0x80), (23, 2, 0x01)]
)
def test_bit_order_is_msb_first(index: int, byte: int, mask: int) -> None:
    bits = Bitstring()
    bits.set(index)
    data = bits.to_bytes()
    assert data[byte] == mask
    assert sum(data) == mask
    assert bits.get(index) and bits.set_indices() == [index]


def test_clearing_a_bit_leaves_its_neighbours() -> None:
    bits = Bitstring()
    for index in (8, 9, 10):
        bits.set(index)
    bits.set(9, False)
    assert bits.set_indices() == [8, 10]


@pytest.mark.parametrize("size", [MIN_LIST_SIZE - 8, MIN_LIST_SIZE + 1, 0])
def test_list_size_must_be_at_least_the_minimum_and_whole_bytes(size: int) -> None:
    with pytest.raises(ValueError, match="131072"):
        Bitstring(size)


def test_index_outside_the_list_is_refused() -> None:
    bits = Bitstring()
    with pytest.raises(IndexError):
        bits.set(MIN_LIST_SIZE)
    with pytest.raises(IndexError):
        bits.get(-1)


def test_encode_is_multibase_base64url_gzip_and_deterministic() -> None:
    bits = Bitstring()
    bits.set(5)
    encoded = encode_list(bits)
    assert encoded.startswith("uH4sI") and "=" not in encoded
    assert encoded == bits.encode() == encode_list(bits.to_bytes())
    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert gzip.decompress(raw) == bits.to_bytes()
    assert Bitstring.from_encoded(encoded) == bits


def test_legacy_status_list_2021_encoding_without_prefix_is_accepted() -> None:
    bits = Bitstring()
    bits.set(42)
    legacy = encode_list(bits)[1:]
    assert legacy.startswith("H4sI")
    assert decode_list(legacy) == bits.to_bytes()


def test_standard_base64_alphabet_is_refused() -> None:
    compressed = gzip.compress(bytes([0xFB]) * 16384, mtime=0)
    standard = base64.b64encode(compressed).decode()
    assert "+" in standard or "/" in standard
    with pytest.raises(ValueError, match="base64url"):
        decode_list("u" + standard)


def test_zip_bomb_is_refused_before_it_is_inflated() -> None:
    bomb = gzip.compress(bytes(17 * 1024 * 1024), mtime=0)
    encoded = "u" + base64.urlsafe_b64encode(bomb).decode().rstrip("=")
    assert len(encoded) < 100_000
    with pytest.raises(ValueError, match="more than"):
        decode_list(encoded)
    assert len(decode_list(encoded, max_bytes=18 * 1024 * 1024)) == 17 * 1024 * 1024


@pytest.mark.parametrize(
    "encoded",
    ["", "u", "uAAAA", "u" + base64.urlsafe_b64encode(b"not gzip").decode()],
)
def test_malformed_encoded_lists_are_refused(encoded: str) -> None:
    with pytest.raises(ValueError):
        decode_list(encoded)


def test_trailing_data_after_gzip_is_refused() -> None:
    data = gzip.compress(bytes(16384), mtime=0) + b"extra"
    with pytest.raises(ValueError, match="after the GZIP"):
        decode_list("u" + base64.urlsafe_b64encode(data).decode())


def test_1edtech_list_vector_decodes_with_only_bit_23_set() -> None:
    encoded = _vector("bsl-testlist.json")["credentialSubject"]["encodedList"]
    bits = Bitstring.from_encoded(encoded)
    assert bits.size == MIN_LIST_SIZE
    assert bits.set_indices() == [23]


# --- entries and list credentials -------------------------------------------------------


def test_status_entry_shape() -> None:
    assert status_entry(LIST_URL, 94567, "suspension") == {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }


@pytest.mark.parametrize(
    ("index", "purpose"), [(-1, "revocation"), (3, "refresh"), (True, "revocation")]
)
def test_status_entry_refuses_bad_values(index: Any, purpose: Any) -> None:
    with pytest.raises(ValueError):
        status_entry(LIST_URL, index, purpose)


def test_status_list_credential_shape() -> None:
    bits = Bitstring()
    bits.set(1)
    credential = status_list_credential(
        LIST_URL, "revocation", bits, "did:key:z6Mk", NOW, NOW + timedelta(days=30)
    )
    assert credential == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "did:key:z6Mk",
        "validFrom": "2026-03-01T12:00:00Z",
        "validUntil": "2026-03-31T12:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": bits.encode(),
        },
    }


def test_status_list_credential_needs_aware_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        status_list_credential(LIST_URL, "revocation", Bitstring(), "did:x", datetime(2026, 1, 1))


# --- check_status on the shared vectors --------------------------------------------------


def test_1edtech_vector_is_revoked() -> None:
    credential = _vector("bsl-credential-status-revoked.json")
    result = _check(
        credential["credentialStatus"],
        _vector("bsl-testlist.json"),
        credential_issuer=credential["issuer"]["id"],
    )
    assert (result.outcome, result.code) == ("revoked", None)
    assert "bit 23" in result.reason


def test_1edtech_list_tampered_to_clear_bit_23_is_invalid() -> None:
    credential = _vector("bsl-credential-status-revoked.json")
    tampered = _vector("bsl-testlist.json")
    tampered["credentialSubject"]["encodedList"] = Bitstring().encode()
    result = _check(credential["credentialStatus"], tampered)
    assert (result.outcome, result.code) == ("invalid", "STATUS_VERIFICATION_ERROR")
    assert "signature does not verify" in result.reason


def test_dcc_list_of_100000_entries_is_a_length_error() -> None:
    credential = _vector("v1-two-proofs-bitstring-revoked-expired.json")
    status_list = _vector("statuslist-e5WK8CbZ1GjycuPombrj.json")
    result = _check(
        credential["credentialStatus"],
        status_list,
        credential_issuer=credential["issuer"],
        trusted_list_issuers={status_list["issuer"]},
    )
    assert (result.outcome, result.code) == ("invalid", "STATUS_LIST_LENGTH_ERROR")
    assert "100000" in result.reason


def test_dcc_list_from_another_issuer_is_unverifiable_unless_trusted() -> None:
    credential = _vector("v1-two-proofs-bitstring-revoked-expired.json")
    status_list = _vector("statuslist-e5WK8CbZ1GjycuPombrj.json")
    result = _check(
        credential["credentialStatus"], status_list, credential_issuer=credential["issuer"]
    )
    assert result.outcome == "unverifiable"
    assert "not by the credential's issuer" in result.reason


# --- check_status on lists we sign ---------------------------------------------------------


@pytest.mark.parametrize(
    ("purpose", "set_bits", "outcome"),
    [
        ("revocation", (), "valid"),
        ("revocation", (77,), "revoked"),
        ("suspension", (77,), "suspended"),
        ("suspension", (76, 78), "valid"),
    ],
)
def test_own_lists(key: SigningKey, purpose: Any, set_bits: tuple[int, ...], outcome: str) -> None:
    status_list = _signed_list(key, purpose=purpose, set_bits=set_bits)
    before = copy.deepcopy(status_list)
    entry = status_entry(LIST_URL, 77, purpose)
    result = _check(entry, status_list, credential_issuer=did_key(key.public_key))
    assert result.outcome == outcome
    assert status_list == before


def test_purpose_mismatch_is_invalid(key: SigningKey) -> None:
    result = _check(status_entry(LIST_URL, 1, "suspension"), _signed_list(key))
    assert (result.outcome, result.code) == ("invalid", "STATUS_VERIFICATION_ERROR")


def test_index_beyond_the_list_is_a_range_error(key: SigningKey) -> None:
    result = _check(status_entry(LIST_URL, MIN_LIST_SIZE, "revocation"), _signed_list(key))
    assert (result.outcome, result.code) == ("invalid", "RANGE_ERROR")


def test_unsigned_list_is_invalid(key: SigningKey) -> None:
    unsigned = {k: v for k, v in _signed_list(key).items() if k != "proof"}
    result = _check(status_entry(LIST_URL, 1, "revocation"), unsigned)
    assert (result.outcome, result.reason) == (
        "invalid",
        "the status list credential is not signed",
    )


def test_list_signed_by_a_key_we_cannot_resolve_is_unverifiable(key: SigningKey) -> None:
    status_list = _signed_list(key)
    status_list["proof"]["verificationMethod"] = "did:web:unknown.example#key-1"
    result = _check(status_entry(LIST_URL, 1, "revocation"), status_list)
    assert result.outcome == "unverifiable"
    assert "cannot resolve" in result.reason


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "words"),
    [
        (NOW + timedelta(hours=1), None, "not valid before"),
        (NOW - timedelta(days=2), NOW - timedelta(days=1), "expired"),
    ],
)
def test_list_outside_its_validity_period_is_unverifiable(
    key: SigningKey, valid_from: datetime, valid_until: datetime | None, words: str
) -> None:
    status_list = _signed_list(key, valid_from=valid_from, valid_until=valid_until)
    result = _check(status_entry(LIST_URL, 1, "revocation"), status_list)
    assert result.outcome == "unverifiable"
    assert words in result.reason


@pytest.mark.parametrize(
    ("change", "outcome"),
    [
        ({"statusListIndex": "x1"}, "invalid"),
        ({"statusListIndex": "-1"}, "invalid"),
        ({"statusListCredential": None}, "invalid"),
        ({"type": "1EdTechRevocationList"}, "unverifiable"),
        ({"statusPurpose": "message"}, "invalid"),  # the list's purpose is revocation
        ({"statusSize": 2}, "invalid"),  # a 2-bit entry needs its statusMessage table
        ({"statusSize": 9}, "invalid"),
    ],
)
def test_malformed_or_unsupported_entries(
    key: SigningKey, change: dict[str, Any], outcome: str
) -> None:
    entry = {**status_entry(LIST_URL, 1, "revocation"), **change}
    assert _check(entry, _signed_list(key)).outcome == outcome


def test_legacy_status_list_2021_entry_is_checked(key: SigningKey) -> None:
    bits = Bitstring()
    bits.set(9)
    unsigned = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/vc/status-list/2021/v1",
        ],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": did_key(key.public_key),
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": encode_list(bits)[1:],
        },
    }
    signed = add_proof(
        {
            **unsigned,
            "@context": [*unsigned["@context"], "https://w3id.org/security/data-integrity/v2"],
        },
        key,
        verification_method=did_key_verification_method(key.public_key),
    )
    entry = {**status_entry(LIST_URL, 9, "revocation"), "type": "StatusList2021Entry"}
    assert _check(entry, signed).outcome == "revoked"


@pytest.mark.parametrize(
    ("revoked", "suspended", "outcome"),
    [
        (False, False, "valid"),
        (False, True, "suspended"),
        (True, False, "revoked"),
        (True, True, "revoked"),
    ],
)
def test_revocation_and_suspension_in_one_two_bit_entry(
    key: SigningKey, revoked: bool, suspended: bool, outcome: str
) -> None:
    """microcred's single status object: a 2-bit "message" entry, high bit revoked."""
    revocation, suspension = Bitstring(), Bitstring()
    revocation.set(4321, revoked)
    suspension.set(4321, suspended)
    suspension.set(4322)  # a neighbour's suspension must not leak into entry 4321
    bits = revocation_and_suspension_bits(revocation, suspension)
    assert bits.size == 2 * revocation.size
    issuer = did_key(key.public_key)
    unsigned = status_list_credential(LIST_URL, "message", bits, issuer, NOW - timedelta(days=1))
    signed = add_proof(
        unsigned, key, verification_method=did_key_verification_method(key.public_key)
    )
    entry = revocation_and_suspension_entry(LIST_URL, 4321)
    assert entry["statusSize"] == 2 and len(entry["statusMessage"]) == 4
    assert _check(entry, signed).outcome == outcome


def _published_in_one_second(key: SigningKey, revisions: int) -> list[dict[str, Any]]:
    """Revisions 0..n-1 with one validFrom; only the last has index 77 revoked."""
    return [
        _signed_list(key, set_bits=(77,) if n == revisions - 1 else (), valid_from=NOW)
        for n in range(revisions)
    ]


def _write_directory(root: Path, versions: list[dict[str, Any]], *, current: bool) -> Path:
    name = LIST_URL.rsplit("/", 1)[-1]
    (root / name).mkdir(parents=True)
    for n, version in enumerate(versions):
        (root / name / f"r{n}.json").write_text(json.dumps(version), "utf-8")
    if current:
        (root / f"{name}.json").write_text(json.dumps(versions[-1]), "utf-8")
    return root


@pytest.mark.parametrize("source", ["bundle", "directory", "directory-without-current"])
def test_of_versions_published_within_one_second_the_last_is_current(
    key: SigningKey, tmp_path: Path, source: str
) -> None:
    versions = _published_in_one_second(key, 11)  # r10 sorts before r2 as text
    lists: StatusListSource = (
        BundleStatusLists({LIST_URL: versions})
        if source == "bundle"
        else StatusDirectory(_write_directory(tmp_path, versions, current=source == "directory"))
    )
    policy = VerificationPolicy(now=NOW, status_lists=lists)
    step = status_entry_step(
        status_entry(LIST_URL, 77, "revocation"), did_key(key.public_key), policy
    )
    assert (step.status, step.details["outcome"]) == (StepStatus.FAIL, "revoked"), step.reason
