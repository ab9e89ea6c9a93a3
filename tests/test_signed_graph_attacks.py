"""Attacks without the issuer's key (issue #8): change what the JSON says while the signed
graph stays the same (or drops what was changed), so the signature still verifies.

Each attack is shown to be real first (the canonical graph is unchanged, or JSON-LD would
drop the forged part silently), then shown to be refused: the verdict is INVALID, the
``signed-form`` step names what is wrong, the facts reader refuses, and the issuer refuses
to sign data JSON-LD would drop. ELM and OB3 each; VC-JWT where it applies.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pyld import jsonld

from microcred.chain.anchor_proof import (
    anchor_proofs,
    decode_anchor_proof,
    encode_anchor_proof,
    without_anchor_proofs,
)
from microcred.cli import main
from microcred.contexts import offline_loader
from microcred.elm_models.readers import read_learners, read_spec
from microcred.errors import InputError, ProofError
from microcred.issuer import Batch, Issuer, issue_batch, make_awards
from microcred.keys import DidResolver, KeyType, SigningKey
from microcred.proofs import add_proof, canonicalize, sign_vc_jwt
from microcred.render.facts import read_facts
from microcred.status import Bitstring, check_status, status_entry, status_list_credential
from microcred.verifier import (
    DEFAULT_STEPS,
    AnchorRequirement,
    StepStatus,
    Verdict,
    VerificationPolicy,
    parse_credential_bytes,
    verify_credential,
)
from test_verifier import _issuer

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
PASSPHRASE = "signed graph attacks"
ISSUED = datetime(2025, 10, 20, 9, 0, tzinfo=UTC)
EXPIRES = datetime(2026, 3, 1, tzinfo=UTC)
AFTER_EXPIRY = datetime(2026, 6, 1, tzinfo=UTC)
CRED = "https://www.w3.org/2018/credentials#"
FORMATS = ("elm", "ob3")

Document = dict[str, Any]


# --- helpers ---------------------------------------------------------------------------


def _unsecured(document: Document) -> Document:
    return {k: v for k, v in without_anchor_proofs(document).items() if k != "proof"}


def _graph(document: Document) -> str:
    return canonicalize(_unsecured(document))


def _lenient_graph(document: Document) -> str:
    """What pyld alone makes of the document, dropping whatever it drops without a word
    (as every JSON-LD processor does): shows the forged part would not have been signed."""
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": offline_loader(),
        "base": None,
    }
    result: str = jsonld.normalize(copy.deepcopy(_unsecured(document)), options)
    return result


def _expanded_values(document: Document, key: str) -> tuple[str, list[Any]]:
    """The IRI ``key`` stands for at the top of ``document``, and its expanded values: moving
    them under the IRI key keeps the graph byte for byte."""
    options = {"documentLoader": offline_loader(), "base": None}
    unsecured = _unsecured(document)
    [full] = jsonld.expand(copy.deepcopy(unsecured), options)
    without = {k: v for k, v in unsecured.items() if k != key}
    [reduced] = jsonld.expand(copy.deepcopy(without), dict(options))
    [iri] = [k for k in full if full[k] != reduced.get(k)]
    return iri, full[iri]


def _rename_to_iri(document: Document, *keys: str) -> Document:
    forged = copy.deepcopy(document)
    for key in keys:
        iri, values = _expanded_values(document, key)
        del forged[key]
        forged[iri] = values
    return forged


def _poisoned(node: Any, mark: str = " forged") -> Any:
    """``node`` with every node id turned into an IRI with a space: toRdf drops all of it."""
    if isinstance(node, list):
        return [_poisoned(item, mark) for item in node]
    if isinstance(node, dict):
        result = {k: _poisoned(v, mark) for k, v in node.items()}
        if "id" in node or "type" in node:
            result["id"] = f"urn:forged:{id(node)}{mark}"
        return result
    return node


def _statuses(report: dict[str, Any]) -> dict[str, str]:
    return {step["step"]: step["status"] for step in report["steps"]}


def _reason(report: dict[str, Any], step: str) -> str:
    return str(next(s["reason"] for s in report["steps"] if s["step"] == step))


# --- an issued, anchored cohort with one learner revoked --------------------------------


class Home:
    def __init__(self, home: Path, out: Path) -> None:
        self.home, self.out = home, out

    def run(self, *args: str) -> Result:
        env = {"MICROCRED_HOME": str(self.home), "MICROCRED_KEY_PASSPHRASE": PASSPHRASE}
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    def credential(self, fmt: str, learner: str) -> Document:
        path = self.out / fmt / f"{learner}{'.jsonld' if fmt == 'elm' else '.json'}"
        document: Document = json.loads(path.read_text("utf-8"))
        return document

    def verify(self, document: Document | str, tmp_path: Path) -> dict[str, Any]:
        path = tmp_path / "forged.json"
        path.write_text(document if isinstance(document, str) else json.dumps(document), "utf-8")
        report: dict[str, Any] = json.loads(self.run("verify", "--json", str(path)).output)
        return report


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    issuer = Home(tmp_path_factory.mktemp("attack-home"), tmp_path_factory.mktemp("attack-out"))
    for args in (
        ["init", "--name", "Example State University", "--country", "GE", "--legal-id", "1"],
        ["chain", "deploy"],
        ["registry", "add-authority"],
        ["registry", "accredit", "--eqf", "6", "--eqf", "7"],
        [
            "issue",
            "--spec",
            str(EXAMPLE / "microcredential.yaml"),
            "--learners",
            str(EXAMPLE / "learners.csv"),
            "--out",
            str(issuer.out),
        ],
        ["revoke", "--learner", "S2025-0001", "--reason", "decision 2026/14", "--yes"],
        ["status", "publish"],
    ):
        result = issuer.run(*args)
        assert result.exit_code == 0, (args, result.output)
    return issuer


# --- in-process credentials that expire (no ledger needed) ------------------------------


@pytest.fixture(scope="module")
def ed_issuer() -> Issuer:
    return _issuer(SigningKey.generate(KeyType.ED25519))


@pytest.fixture(scope="module")
def expiring(ed_issuer: Issuer) -> Batch:
    spec = read_spec(EXAMPLE / "microcredential.yaml")
    learners = read_learners(EXAMPLE / "learners.csv", spec)[:1]
    awards = make_awards(spec, learners, ed_issuer.profile, issued=ISSUED)
    awards = [replace(award, valid_until=EXPIRES) for award in awards]
    return issue_batch(awards, ed_issuer, formats=("elm", "ob3"))


def _expiring(batch: Batch, fmt: str) -> Document:
    document = getattr(batch.credentials[0], fmt)
    assert document is not None
    return copy.deepcopy(document)


LATE = VerificationPolicy(
    now=AFTER_EXPIRY, anchoring=AnchorRequirement.OPTIONAL, check_format=False
)


# --- 1. revocation bypass: credentialStatus under its full IRI --------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_status_key_renamed_to_its_iri_is_refused(home: Home, fmt: str, tmp_path: Path) -> None:
    revoked = home.credential(fmt, "S2025-0001")
    assert _statuses(home.verify(revoked, tmp_path))["status"] == "FAIL"  # revoked
    forged = _rename_to_iri(revoked, "credentialStatus")
    assert f"{CRED}credentialStatus" in forged
    assert _graph(forged) == _graph(revoked)  # the signature and the anchor still hold

    report = home.verify(forged, tmp_path)

    assert report["verdict"] == "invalid"
    assert _statuses(report)["proof"] == "PASS"  # the attack is real: same signed graph
    assert _statuses(report)["signed-form"] == "FAIL"
    assert f"{CRED}credentialStatus" in _reason(report, "signed-form")
    assert _statuses(report)["status"] == "FAIL"  # never SKIPPED for want of a raw key


# --- 2. expiry bypass: validUntil / expirationDate under other spellings -----------------


def _expiry_keys(document: Document) -> list[str]:
    return [key for key in ("validUntil", "expirationDate") if key in document]


@pytest.mark.parametrize("fmt", FORMATS)
def test_expiry_keys_renamed_to_their_iris_are_refused(expiring: Batch, fmt: str) -> None:
    original = _expiring(expiring, fmt)
    assert verify_credential(original, LATE).step("validity").status is StepStatus.FAIL
    forged = _rename_to_iri(original, *_expiry_keys(original))
    assert _graph(forged) == _graph(original)

    report = verify_credential(forged, LATE)

    assert report.verdict is Verdict.INVALID
    assert report.step("proof").status is StepStatus.PASS
    assert report.step("signed-form").status is StepStatus.FAIL
    assert f"key '{CRED}{_expiry_keys(original)[0]}'" in report.step("signed-form").reason
    assert report.step("validity").status is StepStatus.FAIL


def test_expiry_under_a_compact_iri_is_refused(expiring: Batch) -> None:
    original = _expiring(expiring, "elm")
    forged = copy.deepcopy(original)
    for key in _expiry_keys(original):
        iri, values = _expanded_values(original, key)
        del forged[key]
        forged["cred:" + iri.removeprefix(CRED)] = values
    assert _graph(forged) == _graph(original)  # VC 1.1 defines the "cred" prefix

    report = verify_credential(forged, LATE)

    assert report.verdict is Verdict.INVALID
    assert report.step("proof").status is StepStatus.PASS
    assert "'cred:validUntil'" in report.step("signed-form").reason


def test_expiry_bypass_in_a_vc_jwt_breaks_its_signature(expiring: Batch, ed_issuer: Issuer) -> None:
    """A JWS signs the JSON bytes, so a renamed key is a changed payload."""
    original = _expiring(expiring, "ob3")
    token = sign_vc_jwt(
        _unsecured(original), ed_issuer.key, kid=ed_issuer.profile.verification_method
    )
    header, _, signature = token.split(".")
    forged = _rename_to_iri(_unsecured(original), "validUntil")
    payload = jsonld_b64(forged)
    parsed = parse_credential_bytes(
        f"{header}.{payload}.{signature}".encode(), source="f.jwt", max_bytes=10**6
    )

    report = verify_credential(parsed, LATE)

    assert report.verdict is Verdict.INVALID
    assert report.step("proof").status is StepStatus.FAIL
    assert report.step("signed-form").status is StepStatus.FAIL


def jsonld_b64(document: Document) -> str:
    raw = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# --- 3. unsigned content shown as signed: parts JSON-LD drops ---------------------------


def _forged_elm_claim(document: Document) -> Document:
    claim = copy.deepcopy(document["credentialSubject"]["hasClaim"][0])
    claim["title"] = {"en": "Doctor of Philosophy, summa cum laude"}
    assessment = claim["provenBy"][0] if isinstance(claim["provenBy"], list) else claim["provenBy"]
    assessment["grade"] = {"type": "Note", "noteLiteral": {"en": "A+"}}
    return dict(_poisoned(claim))


def _with_forged_elm_claim(document: Document) -> Document:
    forged = copy.deepcopy(document)
    forged["credentialSubject"]["hasClaim"].insert(0, _forged_elm_claim(document))
    return forged


def _with_forged_ob3_result_and_evidence(document: Document) -> Document:
    forged = copy.deepcopy(document)
    result = {"type": ["Result"], "value": "A+", "resultDescription": "urn:forged grade"}
    forged["credentialSubject"]["result"].insert(0, _poisoned(result))
    evidence = {"type": ["Evidence"], "name": "Doctor of Philosophy, summa cum laude"}
    forged["evidence"].insert(0, _poisoned(evidence))
    return forged


FORGERIES: dict[str, Callable[[Document], Document]] = {
    "elm": _with_forged_elm_claim,
    "ob3": _with_forged_ob3_result_and_evidence,
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_nodes_with_unusable_iris_are_refused_not_shown(
    home: Home, fmt: str, tmp_path: Path
) -> None:
    original = home.credential(fmt, "S2025-0002")
    forged = FORGERIES[fmt](original)
    assert _lenient_graph(forged) == _lenient_graph(original)  # silently dropped: unsigned
    facts = read_facts(original)
    assert facts.grade != "A+"

    report = home.verify(forged, tmp_path)

    assert report["verdict"] == "invalid"
    assert _statuses(report)["proof"] == "FAIL"
    assert "JSON-LD data loss" in _reason(report, "proof")
    assert _statuses(report)["signed-form"] == "FAIL"
    with pytest.raises(InputError, match="data loss"):
        read_facts(forged)


@pytest.mark.parametrize("fmt", FORMATS)
def test_keyword_like_keys_are_refused(home: Home, fmt: str, tmp_path: Path) -> None:
    original = home.credential(fmt, "S2025-0002")
    forged = copy.deepcopy(original)
    forged["credentialSubject"]["@grade"] = "A+"
    assert _lenient_graph(forged) == _lenient_graph(original)

    report = home.verify(forged, tmp_path)

    assert report["verdict"] == "invalid"
    assert "'@grade' at $.credentialSubject" in _reason(report, "proof")
    assert _statuses(report)["signed-form"] == "FAIL"
    with pytest.raises(InputError, match="@grade"):
        read_facts(forged)


@pytest.mark.parametrize("fmt", FORMATS)
def test_included_nodes_are_refused(home: Home, fmt: str, tmp_path: Path) -> None:
    original = home.credential(fmt, "S2025-0002")
    forged = copy.deepcopy(original)
    # A copy of a node the graph already holds: nothing new is signed, and no reader
    # looks in @included, so it could only mislead one that does.
    forged["credentialSubject"]["@included"] = [_first_node_at(original, SPLIT_PATHS[fmt])]
    assert _lenient_graph(forged) == _lenient_graph(original)

    report = home.verify(forged, tmp_path)

    assert report["verdict"] == "invalid"
    assert "@included" in _reason(report, "signed-form")


def _unsigned_document(batch: Batch, fmt: str) -> Document:
    return _unsecured(_expiring(batch, fmt))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("what", "forge"),
    [
        ("data loss", lambda fmt, d: FORGERIES[fmt](d)),
        (
            "@grade",
            lambda fmt, d: {**d, "credentialSubject": {**d["credentialSubject"], "@grade": "A+"}},
        ),
        ("@included", lambda fmt, d: {**d, "@included": [copy.deepcopy(d["issuer"])]}),
    ],
)
def test_the_issuer_refuses_to_sign_what_json_ld_drops(
    expiring: Batch,
    ed_issuer: Issuer,
    fmt: str,
    what: str,
    forge: Callable[[str, Document], Document],
) -> None:
    document = forge(fmt, _unsigned_document(expiring, fmt))
    method = ed_issuer.profile.verification_method
    with pytest.raises(ProofError, match=what):
        add_proof(document, ed_issuer.key, verification_method=method)
    with pytest.raises(ProofError, match=what):
        sign_vc_jwt(document, ed_issuer.key, kid=method)


# --- 4. JSON that is not what was signed ------------------------------------------------

REORDERED_CONTEXTS: dict[str, Callable[[list[str]], list[str]]] = {
    "elm": lambda c: [c[0], c[2], c[1], *c[3:]],
    "ob3": lambda c: [c[0], c[2], c[1]],
}
# Its @vocab would give any undefined key a meaning, without changing this graph.
APPENDED_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("change", ["reordered", "appended"])
def test_other_context_lists_are_refused(home: Home, fmt: str, change: str, tmp_path: Path) -> None:
    original = home.credential(fmt, "S2025-0002")
    forged = copy.deepcopy(original)
    contexts = list(forged["@context"])
    if change == "reordered":
        forged["@context"] = REORDERED_CONTEXTS[fmt](contexts)
    else:
        forged["@context"] = [*contexts, APPENDED_CONTEXT]
    assert _graph(forged) == _graph(original)

    report = home.verify(forged, tmp_path)

    assert report["verdict"] == "invalid"
    assert _statuses(report)["proof"] == "PASS"
    assert "is not one of the known lists" in _reason(report, "signed-form")


def _node_ids(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _node_ids(item)
    elif isinstance(node, dict):
        if isinstance(node.get("id"), str) and len(node) > 2:
            yield node["id"]
        for key, value in node.items():
            if key != "@context":
                yield from _node_ids(value)


def _first_node_at(document: Document, path: tuple[str, ...]) -> Document:
    node: Any = document
    for key in path:
        node = node[key]
    first = node[0] if isinstance(node, list) else node
    return dict(copy.deepcopy(first))


def _split_first_list_node(document: Document, path: tuple[str, ...]) -> Document:
    """The first node of the list at ``path`` split in two embeddings with the same id: the
    first keeps all but one property, the second holds that one (and the type). Same graph."""
    forged = copy.deepcopy(document)
    parent = forged
    for key in path[:-1]:
        parent = parent[key]
    items = parent[path[-1]] if isinstance(parent[path[-1]], list) else [parent[path[-1]]]
    node = items[0]
    moved = next(key for key in reversed(list(node)) if key not in ("id", "type"))
    rest = {k: v for k, v in node.items() if k != moved}
    # The type goes with both halves: its type-scoped context defines the moved term.
    second = {"id": node["id"], "type": node["type"], moved: node[moved]}
    parent[path[-1]] = [rest, second, *items[1:]]
    return forged


SPLIT_PATHS = {"elm": ("credentialSubject", "hasClaim"), "ob3": ("evidence",)}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_node_split_over_two_embeddings_is_refused(home: Home, fmt: str, tmp_path: Path) -> None:
    original = home.credential(fmt, "S2025-0002")
    forged = _split_first_list_node(original, SPLIT_PATHS[fmt])
    assert _graph(forged) == _graph(original)

    report = home.verify(forged, tmp_path)

    assert report["verdict"] == "invalid"
    assert _statuses(report)["proof"] == "PASS"
    assert "described differently in two places" in _reason(report, "signed-form")
    with pytest.raises(InputError, match="described differently"):
        read_facts(forged)


def test_one_of_several_elm_embeddings_changed_is_refused(home: Home, tmp_path: Path) -> None:
    original = home.credential("elm", "S2025-0002")
    forged = copy.deepcopy(original)
    location = forged["issuer"]["location"]
    first = location[0] if isinstance(location, list) else location
    # The issuer's country concept is embedded again under the awarding body: make this
    # copy a bare reference, and the graph (which merges both) does not change.
    country = first["address"]["countryCode"]
    assert country["id"] in json.dumps(original["credentialSubject"])
    first["address"]["countryCode"] = {"id": country["id"]}
    assert _graph(forged) == _graph(original)

    report = home.verify(forged, tmp_path)

    assert report["verdict"] == "invalid"
    assert country["id"] in _reason(report, "signed-form")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_second_anchor_proof_is_refused(home: Home, fmt: str, tmp_path: Path) -> None:
    original = home.credential(fmt, "S2025-0002")
    assert home.verify(original, tmp_path)["verdict"] == "valid"
    [anchor] = anchor_proofs(original)
    block = decode_anchor_proof(anchor)
    fake = encode_anchor_proof(replace(block, root=bytes(32), block_number=block.block_number + 9))
    forged = copy.deepcopy(original)
    forged["proof"] = [*forged["proof"], fake]

    report = home.verify(forged, tmp_path)

    assert report["verdict"] == "invalid"
    assert "2 anchor proofs" in _reason(report, "signed-form")
    assert _statuses(report)["anchored"] == "FAIL"


@pytest.mark.parametrize("fmt", FORMATS)
def test_issued_credentials_are_in_signed_form(home: Home, fmt: str, tmp_path: Path) -> None:
    """The other side of every check above: what microcred issues passes it."""
    report = home.verify(home.credential(fmt, "S2025-0002"), tmp_path)
    assert _statuses(report)["signed-form"] == "PASS"
    assert report["verdict"] == "valid"


def test_expired_forgery_is_invalid_even_without_the_signed_form_step(expiring: Batch) -> None:
    """Steps read the credential only through the checked view: run without signed-form,
    the validity step itself refuses to read a JSON that is not its signed graph."""
    steps = [step for step in DEFAULT_STEPS if step.__name__ != "check_signed_form"]
    original = _expiring(expiring, "ob3")
    forged = _rename_to_iri(original, "validUntil")
    report = verify_credential(forged, LATE, steps=steps)
    assert report.verdict is Verdict.INVALID
    assert "not its signed graph" in report.step("validity").reason


def test_a_status_list_whose_expiry_is_renamed_is_refused(ed_issuer: Issuer) -> None:
    """The same bypass on the list side: an expired list whose validUntil hides under its
    full IRI would still answer "valid" for a credential revoked since."""
    key, method = ed_issuer.key, ed_issuer.profile.verification_method
    url = "https://www.example.edu.ge/credentials/status/1"
    unsigned = status_list_credential(
        url, "revocation", Bitstring(), ed_issuer.profile.did, ISSUED, EXPIRES
    )
    expired = add_proof(unsigned, key, verification_method=method)
    entry = status_entry(url, 3, "revocation")
    resolver = DidResolver()
    assert check_status(entry, expired, resolver=resolver, now=AFTER_EXPIRY).outcome == (
        "unverifiable"
    )
    forged = _rename_to_iri(expired, "validUntil")
    assert _graph(forged) == _graph(expired)

    result = check_status(entry, forged, resolver=resolver, now=AFTER_EXPIRY)

    assert result.outcome == "invalid"
    assert "not its signed graph" in result.reason


# --- what the property test (tests/test_mutation_property.py) found, kept as examples ---


def _elm_title_language(document: Document, tag: str) -> Document:
    forged = copy.deepcopy(document)
    title = forged["credentialSubject"]["hasClaim"][0]["title"]
    title[tag] = title.pop("en")
    return forged


def _elm_compact_iri_key(document: Document) -> Document:
    # schemeName is typed xsd:string; a plain literal is the same RDF literal, and then
    # compaction itself answers with the compact IRI key.
    forged = copy.deepcopy(document)
    identifier = forged["identifier"][0]
    identifier["elm:schemeName"] = identifier.pop("schemeName")
    return forged


def _ob3_blank_node_label(document: Document) -> Document:
    forged = copy.deepcopy(document)
    forged["credentialSubject"]["identifier"][0]["id"] = "_:b0"
    return forged


def _ob3_repeated_evidence(document: Document) -> Document:
    forged = copy.deepcopy(document)
    forged["evidence"] = [*forged["evidence"], copy.deepcopy(forged["evidence"][0])]
    return forged


def _ob3_repeated_proof(document: Document) -> Document:
    forged = copy.deepcopy(document)
    forged["proof"] = [*forged["proof"], copy.deepcopy(forged["proof"][0])]
    return forged


FOUND: list[tuple[str, Callable[[Document], Document], str, str]] = [
    ("elm", lambda d: _elm_title_language(d, "en "), "proof", "language tag"),
    ("elm", lambda d: _elm_title_language(d, "EN"), "signed-form", "'EN'"),
    ("elm", _elm_compact_iri_key, "signed-form", "'elm:schemeName'"),
    ("ob3", _ob3_blank_node_label, "signed-form", "blank node label"),
    ("ob3", _ob3_repeated_evidence, "signed-form", "given twice"),
    ("ob3", _ob3_repeated_proof, "signed-form", "one proof twice"),
]


@pytest.mark.parametrize(("fmt", "forge", "step", "words"), FOUND)
def test_what_the_property_test_found_is_refused(
    expiring: Batch, fmt: str, forge: Callable[[Document], Document], step: str, words: str
) -> None:
    original = _expiring(expiring, fmt)
    forged = forge(original)
    policy = VerificationPolicy(
        now=ISSUED, anchoring=AnchorRequirement.OPTIONAL, check_format=False
    )
    report = verify_credential(forged, policy)
    assert report.verdict is Verdict.INVALID
    assert report.step(step).status is StepStatus.FAIL
    assert words in report.step(step).reason
    if step == "signed-form":  # a real attack: the signature holds
        assert report.step("proof").status is StepStatus.PASS


def test_the_synonym_key_tolerance_does_not_reach_current_contexts(
    home: Home, tmp_path: Path
) -> None:
    """``achievement``/``Achievement`` are synonyms only in OB 3.0's first context; in the
    context microcred issues with they are different IRIs, so the rename changes the graph
    (the JSON is then the normal form of another, unsigned graph)."""
    document = home.credential("ob3", "S2025-0002")
    subject = document["credentialSubject"]
    subject["Achievement"] = subject.pop("achievement")
    report = home.verify(document, tmp_path)
    assert report["verdict"] == "invalid"
    assert _statuses(report)["proof"] == "FAIL"
