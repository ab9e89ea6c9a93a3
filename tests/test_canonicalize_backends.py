"""The pyoxigraph fast path against the pyld reference path: same canonical N-Quads on every
vector and issued credential, the same refusals of data loss, and a fallback where they differ."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from microcred.contexts import BUNDLED_CONTEXTS, CREDENTIALS_V1, load_context
from microcred.elm_models.elm import award_to_elm
from microcred.elm_models.ob3 import award_to_ob3
from microcred.elm_models.readers import read_learners, read_spec
from microcred.elm_models.record import IssuerProfile, multilingual
from microcred.errors import ContextError, ProofError
from microcred.issuer import make_awards
from microcred.keys import KeyType, SigningKey, did_key, did_key_verification_method
from microcred.proofs import canonicalize
from microcred.proofs._canonicalize import canonicalize_with
from microcred.proofs._jsonld_fast import FastPathUnsupported

VECTORS = Path(__file__).parent / "vectors"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
PROOF_OPTIONS = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "created": "2024-05-01T10:00:00Z",
    "verificationMethod": "did:key:z6Mk#z6Mk",
    "proofPurpose": "assertionMethod",
}
EX = {"@vocab": "https://ex.org/"}


def _fast(document: dict[str, Any]) -> str:
    return canonicalize_with(document, loader=None, backend="oxigraph")


def _reference(document: dict[str, Any]) -> str:
    return canonicalize_with(document, loader=None, backend="pyld")


def _unsecured_and_proof_configs(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    proofs = document.get("proof")
    yield {k: v for k, v in document.items() if k != "proof"}
    for proof in proofs if isinstance(proofs, list) else [proofs] if proofs else []:
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        yield {**options, "@context": document["@context"]}


def _vector_documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted([*VECTORS.rglob("*.json"), *VECTORS.rglob("*.jsonld")]):
        document = json.loads(path.read_bytes())
        if isinstance(document, dict) and "@context" in document:
            for i, part in enumerate(_unsecured_and_proof_configs(document)):
                found.append((f"{path.relative_to(VECTORS)}#{i}", part))
    return found


VECTOR_DOCUMENTS = _vector_documents()


@pytest.fixture(scope="module")
def issued_documents() -> dict[str, dict[str, Any]]:
    key = SigningKey.generate(KeyType.ED25519)
    profile = IssuerProfile(
        did=did_key(key.public_key),
        verification_method=did_key_verification_method(key.public_key),
        name=multilingual({"en": "Example State University", "ka": "სახელმწიფო უნივერსიტეტი"}),
        country="GE",
        legal_identifier="204000000",
    )
    spec = read_spec(EXAMPLE / "microcredential.yaml")
    learners = read_learners(EXAMPLE / "learners.csv", spec)[:2]
    award = make_awards(spec, learners, profile, issued=datetime(2025, 10, 20, tzinfo=UTC))[0]
    elm, ob3 = award_to_elm(award), award_to_ob3(award)
    return {
        "elm": elm,
        "elm-proof-config": {**PROOF_OPTIONS, "@context": elm["@context"]},
        "ob3": ob3,
        "ob3-proof-config": {**PROOF_OPTIONS, "@context": ob3["@context"]},
    }


def test_there_are_enough_vector_documents() -> None:
    assert len(VECTOR_DOCUMENTS) >= 30


@pytest.mark.parametrize(
    ("name", "document"), VECTOR_DOCUMENTS, ids=[n for n, _ in VECTOR_DOCUMENTS]
)
def test_fast_path_equals_pyld_on_vectors(name: str, document: dict[str, Any]) -> None:
    expected = _reference(document)
    assert _fast(document) == expected  # no fallback: the fast path handles every vector
    assert canonicalize(document) == expected


@pytest.mark.parametrize("name", ["elm", "elm-proof-config", "ob3", "ob3-proof-config"])
def test_fast_path_equals_pyld_on_issued_credentials(
    issued_documents: dict[str, dict[str, Any]], name: str
) -> None:
    document = issued_documents[name]
    expected = _reference(document)
    assert expected.count("\n") > (100 if name in ("elm", "ob3") else 4)
    assert _fast(document) == expected


def _context_keys(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _context_keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _context_keys(item)


def _is_term_or_absolute(iri: str, definitions: dict[str, Any]) -> bool:
    return iri.startswith("@") or ":" in iri or iri in definitions


@pytest.mark.parametrize("url", sorted(BUNDLED_CONTEXTS))
def test_inlining_bundled_contexts_equals_loading_them(url: str) -> None:
    """Inlining equals remote loading only without @base/@import, nested context URLs or
    relative IRIs (they would resolve against the context's own URL)."""
    context = load_context(url)["@context"]
    for key, value in _context_keys(context):
        assert key not in ("@base", "@import")
        if key == "@context":
            assert value is None or isinstance(value, dict), f"{url}: scoped context by URL"
        if key in ("@id", "@vocab") and isinstance(value, str):
            assert _is_term_or_absolute(value, context), f"{url}: relative IRI {value!r}"


def _ob3_v1() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (VECTORS / "ob3-examples" / "simple_v1.json").read_bytes()
    )
    del document["proof"]
    return document


def _ob3_v2() -> dict[str, Any]:
    path = VECTORS / "ob3-spec-eddsa-rdfc-2022" / "unsigned.json"
    document: dict[str, Any] = json.loads(path.read_bytes())
    return document


def _elm() -> dict[str, Any]:
    path = VECTORS / "elm" / "Sample-MC-Annex1-unsigned.jsonld"
    document: dict[str, Any] = json.loads(path.read_bytes())
    return document


def _with(document: dict[str, Any], path: tuple[str | int, ...], key: str, value: Any) -> Any:
    changed = copy.deepcopy(document)
    node = changed
    for step in path:
        node = node[step]
    if key == "type":
        node["type"] = [*(node["type"] if isinstance(node["type"], list) else [node["type"]])]
        node["type"].append(value)
    else:
        node[key] = value
    return changed


UNDEFINED = [
    ("ob3-v1-top", _ob3_v1, (), "favouriteColour", "green"),
    ("ob3-v1-subject", _ob3_v1, ("credentialSubject",), "shoeSize", 42),
    ("ob3-v2-achievement", _ob3_v2, ("credentialSubject", "achievement"), "secretNote", "x"),
    ("ob3-v2-criteria", _ob3_v2, ("credentialSubject", "achievement", "criteria"), "note", "x"),
    ("ob3-v2-type", _ob3_v2, ("credentialSubject",), "type", "UnknownSubjectType"),
    ("elm-nested", _elm, ("credentialSubject", "hasClaim", "awardedBy"), "secretNote", "A"),
    ("elm-top-type", _elm, (), "type", "UnknownCredentialType"),
]


@pytest.mark.parametrize(
    ("make", "path", "key", "value"),
    [case[1:] for case in UNDEFINED],
    ids=[case[0] for case in UNDEFINED],
)
@pytest.mark.parametrize("backend", ["oxigraph", "pyld", "auto"])
def test_undefined_terms_and_types_are_refused(
    make: Any, path: tuple[str | int, ...], key: str, value: Any, backend: Any
) -> None:
    base = make()
    canonicalize_with(base, loader=None, backend=backend)  # valid before the change
    document = _with(base, path, key, value)
    name = value if key == "type" else key
    with pytest.raises(ProofError, match=f"data loss.*{name}"):
        canonicalize_with(document, loader=None, backend=backend)


def test_a_later_vocab_still_maps_terms_as_without_the_sentinel() -> None:
    # examples/v2 has @vocab: its terms are defined, in both backends, to the same IRIs.
    document = json.loads((VECTORS / "eddsa-rdfc-2022" / "unsigned.json").read_bytes())
    document["credentialSubject"]["favouriteColour"] = "green"
    document["type"].append("CustomCredential")
    canonical = _fast(document)
    assert canonical == _reference(document)
    assert "<https://www.w3.org/ns/credentials/examples#favouriteColour>" in canonical


@pytest.mark.parametrize("reference", ["foo", "", "//other.example/x", "../a", "#frag"], ids=repr)
@pytest.mark.parametrize("where", ["id", "reference", "type"])
@pytest.mark.parametrize("backend", ["oxigraph", "pyld"])
def test_relative_iris_are_refused(reference: str, where: str, backend: Any) -> None:
    # No @vocab here: with one, a type value is vocabulary-relative and so defined.
    context = {"name": "https://ex.org/name", "ref": {"@id": "https://ex.org/ref", "@type": "@id"}}
    document: dict[str, Any] = {"@context": context, "@id": "https://ex.org/s", "name": "x"}
    if where == "type":
        document["@type"] = reference
    else:
        document["@id" if where == "id" else "ref"] = reference
    # A relative type is an undefined term to the fast path's @vocab sentinel.
    named = "type or id" if where != "type" or backend == "pyld" else re.escape(reference)
    with pytest.raises(ProofError, match=f"data loss.*{named or 'type'}"):
        canonicalize_with(document, loader=None, backend=backend)


LITERALS = [
    'quote" backslash\\ newline\n return\r tab\t',
    "controls \b \f \u0000 \u0001 \u001f \u007f, not escaped: \u0080 \u2028",
    "ქართული ენა — Georgian, emoji 😀, combining e\u0301",
    {"@value": "hello", "@language": "en-GB"},
    {"@value": "გამარჯობა", "@language": "KA"},
    {"@value": "2024-01-01T00:00:00Z", "@type": "http://www.w3.org/2001/XMLSchema#dateTime"},
    {"@value": "x", "@type": "https://ex.org/custom-datatype"},
    {"@value": {"b": [1.5, "é\u0001", 7], "a": True}, "@type": "@json"},
    [3, 3.0, 3.5, 0.1, 1 / 3, -7, 10**18, 1e-7, True, False],
]


@pytest.mark.parametrize("value", LITERALS, ids=range(len(LITERALS)))
def test_literal_escaping_matches_rdfc(value: Any) -> None:
    document = {"@context": EX, "@id": "https://ex.org/s", "p": value}
    assert _fast(document) == _reference(document)


def test_exact_rdfc_escaping_of_literals() -> None:
    document = {"@context": EX, "name": 'a\u0001b\tc"d\\e\nf\u007f\b\f\r ქ'}
    expected = '_:c14n0 <https://ex.org/name> "a\\u0001b\\tc\\"d\\\\e\\nf\\u007F\\b\\f\\r ქ" .\n'
    assert _fast(document) == _reference(document) == expected


def test_ob3_xsd_datetime_quirk_is_kept(issued_documents: dict[str, dict[str, Any]]) -> None:
    # OB 3.0.3 types awardedDate with "xsd:dateTime" but never defines xsd: an IRI scheme.
    canonical = _fast(issued_documents["ob3"])
    assert "^^<xsd:dateTime> ." in canonical
    assert canonical == _reference(issued_documents["ob3"])


def test_language_tags_are_lowercased_like_pyld() -> None:
    document = {"@context": EX, "p": {"@value": "x", "@language": "en-GB"}}
    assert _fast(document) == '_:c14n0 <https://ex.org/p> "x"@en-gb .\n' == _reference(document)


DECLINED = {
    "embedded-context": {"@context": EX, "p": {"@context": EX, "q": "x"}},
    "direction": {"@context": EX, "p": {"@value": "x", "@language": "ar", "@direction": "rtl"}},
    "null-value": {"@context": EX, "p": None, "q": "x"},
    "empty-array": {"@context": EX, "p": [], "q": "x"},
    "huge-integer": {"@context": EX, "p": 123456789012345678901234},
    "17-digit-double": {"@context": EX, "p": 1.7976931348623157e308},
    "invalid-iri": {"@context": EX, "@id": "http://ex.org/%zz", "n": "\u0001"},
    "invalid-language": {"@context": EX, "p": {"@value": "x", "@language": "en_US"}},
    "scoped-context-url": {
        "@context": {"p": {"@id": "https://ex.org/p", "@context": "https://ex.org/ctx"}},
        "p": {"q": "x"},
    },
    "vocab-reset": {"@context": [EX, {"@vocab": None}], "q": "x"},
}


@pytest.mark.parametrize("name", sorted(DECLINED))
def test_fast_path_declines_what_pyld_must_decide(name: str) -> None:
    document = DECLINED[name]
    with pytest.raises(FastPathUnsupported):
        _fast(document)
    try:
        expected: str | type[Exception] = _reference(document)
    except (ProofError, ContextError) as exc:
        expected = type(exc)
    if isinstance(expected, str):
        assert canonicalize(document) == expected
    else:
        with pytest.raises(expected):
            canonicalize(document)


def test_invalid_iri_is_kept_as_pyld_keeps_it() -> None:
    document = DECLINED["invalid-iri"]
    # pyoxigraph refuses the IRI, so even the control character stays raw as pyld writes it.
    assert canonicalize(document) == '<http://ex.org/%zz> <https://ex.org/n> "\u0001" .\n'


def test_presentation_with_embedded_credential_goes_to_pyld() -> None:
    # verifiableCredential has a null scoped context: it would also erase the sentinel.
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": {"type": ["VerifiableCredential"], "unknownTerm": "x"},
    }
    with pytest.raises(FastPathUnsupported):
        _fast(presentation)
    with pytest.raises(ProofError, match="unknownTerm"):
        canonicalize(presentation)


def test_unknown_context_is_context_error_on_fast_path() -> None:
    document = {"@context": [CREDENTIALS_V1, "https://unknown.example/ctx"], "name": "x"}
    with pytest.raises(ContextError, match=r"unknown\.example"):
        _fast(document)


def test_custom_loader_is_used_by_fast_path() -> None:
    url = "https://tests.example/ctx"
    extra = {url: {"@context": {"name": "https://ex.org/name"}}}

    def loader(requested: str, options: Any = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": requested, "document": extra[requested]}

    document = {"@context": url, "@id": "https://ex.org/s", "name": "x"}
    expected = '<https://ex.org/s> <https://ex.org/name> "x" .\n'
    assert canonicalize_with(document, loader=loader, backend="oxigraph") == expected
    assert canonicalize_with(document, loader=loader, backend="pyld") == expected


def test_sentinel_text_inside_a_literal_is_not_data_loss() -> None:
    document = {"@context": EX, "p": "<urn:microcred:undefined-term:x> <microcred-relative:y>"}
    assert _fast(document) == _reference(document)


def test_blank_node_self_loop_follows_rdfc() -> None:
    # pyld's URDNA2015 hashes the quad "_:y p _:y" twice for _:y; RDFC-1.0 hashes it once,
    # which gives _:y the label c14n1 here (first-degree hashes 7d31… < b12e… < c300…).
    document = {"@context": EX, "b": {"@id": "_:y", "p": {"@id": "_:y", "name": {"b": "<"}}}}
    expected = (
        "_:c14n0 <https://ex.org/b> _:c14n1 .\n"
        "_:c14n1 <https://ex.org/name> _:c14n2 .\n"
        "_:c14n1 <https://ex.org/p> _:c14n1 .\n"
        '_:c14n2 <https://ex.org/b> "<" .\n'
    )
    assert _fast(document) == _reference(document) == canonicalize(document) == expected
