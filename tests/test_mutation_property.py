"""Property (issue #8): no single-field change to a signed credential passes both the proof
and the signed-form steps unless its signed graph (canonical N-Quads) and its checked view
are unchanged. Over 1,000 generated mutations per format (ELM, OB3, VC-JWT).

"Checked view unchanged" compares the JSON under the two readings the signed form allows:
a one-element array is its value, and the order of a property's values is not signed (an
RDF graph holds a set), so values are compared as sets. The @context list is not part of
the view: it says how keys are read, not what the credential states, and the signed form
accepts only known lists under which every key reads as compaction reads it (ELM has two,
with and without the status list context).
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from microcred.elm_models.readers import read_learners, read_spec
from microcred.errors import MicrocredError
from microcred.issuer import Issuer, issue_batch, make_awards
from microcred.keys import KeyType, SigningKey
from microcred.proofs import canonicalize, sign_vc_jwt
from microcred.verifier import (
    AnchorRequirement,
    ParsedCredential,
    StepStatus,
    VerificationPolicy,
    parse_credential_bytes,
    verify_credential,
)
from microcred.verifier.steps import check_proof, check_signed_form
from test_verifier import _issuer

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
ISSUED = datetime(2025, 10, 20, 9, 0, tzinfo=UTC)
POLICY = VerificationPolicy(
    now=datetime(2026, 1, 1, tzinfo=UTC), anchoring=AnchorRequirement.OPTIONAL, check_format=False
)
EXAMPLES = 1000
CRED = "https://www.w3.org/2018/credentials#"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
OTHER_CONTEXTS = (
    "https://www.w3.org/ns/credentials/examples/v2",
    "https://www.w3.org/ns/credentials/status/v1",
    "https://w3id.org/security/data-integrity/v2",
)
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    # Each example runs a canonicalization: shrinking would take minutes. A failure still
    # prints every draw, which is the mutation.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Document = dict[str, Any]
Path_ = tuple[str | int, ...]


# --- the credentials -------------------------------------------------------------------


@pytest.fixture(scope="module")
def issuer() -> Issuer:
    return _issuer(SigningKey.generate(KeyType.ED25519))


@pytest.fixture(scope="module")
def signed(issuer: Issuer) -> dict[str, Any]:
    spec = read_spec(EXAMPLE / "microcredential.yaml")
    learners = read_learners(EXAMPLE / "learners.csv", spec)[:1]
    awards = make_awards(spec, learners, issuer.profile, issued=ISSUED)
    credential = issue_batch(awards, issuer, formats=("elm", "ob3")).credentials[0]
    assert credential.elm is not None and credential.ob3 is not None
    ob3 = credential.ob3
    token = sign_vc_jwt(
        {k: v for k, v in ob3.items() if k != "proof"},
        issuer.key,
        kid=issuer.profile.verification_method,
    )
    return {"elm": credential.elm, "ob3": ob3, "ob3-jwt": token}


# --- mutations -------------------------------------------------------------------------


def _locations(node: Any, path: Path_ = ()) -> list[Path_]:
    """Every place holding a value: each key of each object, each item of each array."""
    found: list[Path_] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((*path, key))
            found.extend(_locations(value, (*path, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.append((*path, index))
            found.extend(_locations(value, (*path, index)))
    return found


def _parent(document: Any, path: Path_) -> Any:
    node = document
    for step in path[:-1]:
        node = node[step]
    return node


def _ids(node: Any) -> list[str]:
    if isinstance(node, list):
        return [i for item in node for i in _ids(item)]
    if isinstance(node, dict):
        own = [node["id"]] if isinstance(node.get("id"), str) else []
        return own + [i for key, value in node.items() if key != "@context" for i in _ids(value)]
    return []


def _leaves(node: Any) -> list[Any]:
    if isinstance(node, list):
        return [leaf for item in node for leaf in _leaves(item)]
    if isinstance(node, dict):
        return [leaf for value in node.values() for leaf in _leaves(value)]
    return [node]


Draw = Callable[[st.SearchStrategy[Any]], Any]


def _renamed_key(key: str, draw: Draw) -> str:
    return str(
        draw(
            st.sampled_from(
                [
                    f"{CRED}{key}",
                    f"https://schema.org/{key}",
                    f"https://purl.imsglobal.org/spec/vc/ob/vocab.html#{key}",
                    f"http://data.europa.eu/snb/model/elm/{key}",
                    f"cred:{key}",
                    f"elm:{key}",
                    f"@{key}",
                    key.capitalize(),
                    key.upper(),
                    f"{key} ",
                    "@included",
                    "@reverse",
                    "@nest",
                    "@graph",
                    "@id",
                    "@type",
                    "id",
                    "type",
                ]
            )
        )
    )


def _new_value(value: Any, document: Document, draw: Draw) -> Any:
    choices: list[Any] = [
        [value],
        {"@value": value},
        {"@value": value, "@type": XSD_DATETIME},
        {"@id": value} if isinstance(value, str) else {"id": "urn:x y"},
        {"@set": [value]},
        {"@list": [value]},
        None,
        [],
        "",
        value[0] if isinstance(value, list) and value else "x",
        str(value) + " " if isinstance(value, str) else str(value),
        draw(st.sampled_from(_leaves(document) or ["x"])),
        draw(st.text(max_size=12)),
        draw(st.integers(min_value=-3, max_value=10**20)),
        draw(st.booleans()),
        draw(st.floats(allow_nan=False, allow_infinity=False)),
    ]
    return draw(st.sampled_from(choices))


def _mutate(document: Document, draw: Draw) -> Document:
    mutated = copy.deepcopy(document)
    location = draw(st.sampled_from(_locations(mutated)))
    parent = _parent(mutated, location)
    key = location[-1]
    kind = draw(
        st.sampled_from(
            ["rename", "replace", "delete", "duplicate", "id", "reorder", "add", "context"]
        )
    )
    if kind == "context":
        contexts = list(mutated["@context"])
        mutated["@context"] = draw(
            st.sampled_from(
                [
                    contexts[::-1],
                    contexts[1:],
                    [*contexts, draw(st.sampled_from(OTHER_CONTEXTS))],
                    [*contexts, contexts[-1]],
                    [contexts[0], {"@vocab": "urn:vocab:"}, *contexts[1:]],
                ]
            )
        )
    elif kind == "rename" and isinstance(key, str):
        value = parent.pop(key)
        parent[_renamed_key(key, draw)] = value
    elif kind == "replace":
        parent[key] = _new_value(parent[key], mutated, draw)
    elif kind == "delete":
        del parent[key]
    elif kind == "duplicate" and isinstance(parent, list):
        parent.insert(int(key), copy.deepcopy(parent[int(key)]))
    elif kind == "duplicate" and isinstance(parent, dict):
        target = parent[key]
        twin = copy.deepcopy(target[0] if isinstance(target, list) and target else target)
        if isinstance(twin, dict) and len(twin) > 1:
            twin.pop(draw(st.sampled_from(sorted(twin))))  # a partial second embedding
        parent[key] = [*(target if isinstance(target, list) else [target]), twin]
    elif kind == "id" and isinstance(parent[key], dict):
        ids = _ids(document) or ["urn:x"]
        parent[key]["id"] = draw(
            st.sampled_from([*ids, f"{parent[key].get('id', 'urn:x')} y", "relative", "_:b0"])
        )
    elif kind == "reorder" and isinstance(parent[key], list) and len(parent[key]) > 1:
        parent[key] = parent[key][::-1]
    elif kind == "add" and isinstance(parent[key], dict):
        node = parent[key]
        extra = draw(st.sampled_from(["@grade", "@included", "@reverse", "grade", f"{CRED}x"]))
        node[extra] = copy.deepcopy(draw(st.sampled_from([*node.values(), "A+"])))
    else:
        parent[key] = [parent[key]]  # kind not applicable here: wrap instead
    return mutated


# --- the property ----------------------------------------------------------------------


def _view(value: Any) -> Any:
    """The JSON as the signed form reads it: one-element arrays unwrapped, arrays as sets."""
    if isinstance(value, list):
        items = [_view(item) for item in value]
        if len(items) == 1:
            return items[0]
        return ("set", sorted(json.dumps(item, sort_keys=True) for item in items))
    if isinstance(value, dict):
        return {key: _view(item) for key, item in value.items()}
    return value


def _graph(document: Any) -> str | None:
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    try:
        return canonicalize(unsecured)
    except MicrocredError:
        return None


def _passes(credential: ParsedCredential, tally: dict[str, int]) -> bool:
    """Proof first (cheap to fail), then the signed form; ``tally`` counts the mutations
    whose signature still held, so the test can show it met real attacks."""
    proof = verify_credential(credential, POLICY, steps=(check_proof,)).steps[0]
    if proof.status is not StepStatus.PASS:
        return False
    tally["proof held"] += 1
    return check_signed_form(credential, POLICY).status is StepStatus.PASS


def _assert_unchanged(original: Any, mutated: Any) -> None:
    assert _graph(mutated) == _graph(original), "signed graph changed, yet it verified"
    data = {k: v for k, v in mutated.items() if k != "@context"}
    expected = {k: v for k, v in original.items() if k != "@context"}
    assert _view(data) == _view(expected), "checked view changed, yet it verified"


@pytest.mark.parametrize("fmt", ["elm", "ob3"])
def test_no_mutation_of_a_data_integrity_credential_passes_unseen(
    signed: dict[str, Any], fmt: str
) -> None:
    original: Document = signed[fmt]
    tally = {"proof held": 0}
    assert _passes(ParsedCredential(source=fmt, document=original), tally)

    @SETTINGS
    @given(st.data())
    def check(data: st.DataObject) -> None:
        mutated = _mutate(original, data.draw)
        if _passes(ParsedCredential(source=fmt, document=mutated), tally):
            _assert_unchanged(original, mutated)

    check()
    # Many mutations keep the signed graph (renamed keys, wrapped values, reordered or
    # duplicated nodes): the signed form, not the signature, had to refuse those.
    assert tally["proof held"] > EXAMPLES // 20, tally


def _b64(document: Any) -> str:
    raw = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _payload(token: str) -> Document:
    part = token.split(".")[1]
    payload: Document = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return payload


def test_no_mutation_of_a_vc_jwt_passes_unseen(signed: dict[str, Any]) -> None:
    token: str = signed["ob3-jwt"]
    header, _, signature = token.split(".")
    original = _payload(token)

    def parsed(text: str) -> ParsedCredential:
        return parse_credential_bytes(text.encode(), source="t.jwt", max_bytes=10**6)

    tally = {"proof held": 0}
    assert _passes(parsed(token), tally)

    @SETTINGS
    @given(st.data())
    def check(data: st.DataObject) -> None:
        mutated = _mutate(original, data.draw)
        try:
            credential = parsed(f"{header}.{_b64(mutated)}.{signature}")
        except MicrocredError:
            return  # not even read as a credential
        if _passes(credential, tally):
            _assert_unchanged(original, mutated)

    check()
