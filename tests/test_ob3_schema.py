"""OB 3.0 JSON Schema validation against the bundled first-party and conform-ed schema sets."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from microcred.elm_models.ob3 import award_to_ob3
from microcred.validation.ob3_schema import Ob3Schema, SchemaReport, validate_ob3
from test_ob3_mapper import example_award, example_course_awards, minimal_award

# 1EdTech digital-credentials-public-validator test resources; provenance in vectors/SOURCES.md.
OB3_EXAMPLES = Path(__file__).parent / "vectors" / "ob3-examples"
BOTH = (Ob3Schema.FORMAL, Ob3Schema.JSON_LD)
STATUS_ENTRY = {
    "id": "https://tsu.example.ge/status/1#23",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "23",
    "statusListCredential": "https://tsu.example.ge/status/1",
}
PROOF = {
    "type": "DataIntegrityProof",
    "created": "2025-10-20T09:30:00Z",
    "verificationMethod": "did:web:tsu.example.ge#key-1",
    "cryptosuite": "eddsa-rdfc-2022",
    "proofPurpose": "assertionMethod",
    "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKKhYgNG4",
}


@pytest.fixture
def mapped() -> dict[str, Any]:
    return award_to_ob3(example_award())


def test_mapped_award_conforms_to_both_schema_sets(mapped: dict[str, Any]) -> None:
    report = validate_ob3(mapped, schemas=BOTH)
    assert report == SchemaReport(conforms=True, problems=(), checked=BOTH)


def test_mapped_minimal_award_conforms_to_both_schema_sets() -> None:
    assert validate_ob3(award_to_ob3(minimal_award()), schemas=BOTH).problems == ()


def test_every_learner_of_the_example_course_conforms() -> None:
    reports = [validate_ob3(award_to_ob3(a), schemas=BOTH) for a in example_course_awards()]
    assert len(reports) > 1
    assert [r.problems for r in reports if not r.conforms] == []


def test_signed_shape_with_proof_array_and_one_status_object_conforms(
    mapped: dict[str, Any],
) -> None:
    mapped |= {"credentialStatus": STATUS_ENTRY, "proof": [PROOF]}
    assert validate_ob3(mapped, schemas=BOTH).conforms


def test_credential_status_array_fails_both_schema_sets(mapped: dict[str, Any]) -> None:
    mapped["credentialStatus"] = [STATUS_ENTRY]
    report = validate_ob3(mapped, schemas=BOTH)
    assert not report.conforms
    assert [p.split(" ", 2)[:2] for p in report.problems] == [
        ["[formal]", "$.credentialStatus:"],
        ["[json-ld]", "$.credentialStatus:"],
    ]


def test_proof_object_fails_only_the_formal_schema(mapped: dict[str, Any]) -> None:
    mapped["proof"] = PROOF
    formal = validate_ob3(mapped)
    assert formal.checked == (Ob3Schema.FORMAL,)
    assert formal.problems == ("$.proof: " + _type_message(PROOF, "array"),)
    assert validate_ob3(mapped, schemas=[Ob3Schema.JSON_LD]).conforms


def _type_message(value: dict[str, Any], expected: str) -> str:
    message = f"{value!r} is not of type '{expected}'"
    return message if len(message) <= 160 else message[:159] + "…"


def test_missing_criteria_is_reported_with_its_path(mapped: dict[str, Any]) -> None:
    del mapped["credentialSubject"]["achievement"]["criteria"]
    report = validate_ob3(mapped)
    assert report.problems == (
        "$.credentialSubject.achievement: 'criteria' is a required property",
    )


def test_identity_object_problem_points_into_the_array(mapped: dict[str, Any]) -> None:
    del mapped["credentialSubject"]["identifier"][1]["hashed"]
    (problem,) = validate_ob3(mapped).problems
    assert problem == "$.credentialSubject.identifier[1]: 'hashed' is a required property"


@pytest.mark.parametrize(
    "value", ["2025-10-20", "2025-10-20T09:30:00", "2025-13-20T09:30:00Z", "yesterday"]
)
def test_valid_from_must_be_an_rfc3339_date_time(mapped: dict[str, Any], value: str) -> None:
    mapped["validFrom"] = value
    assert validate_ob3(mapped).problems == (f"$.validFrom: {value!r} is not a 'date-time'",)


def test_offset_date_time_is_accepted(mapped: dict[str, Any]) -> None:
    mapped["validFrom"] = "2025-10-20T13:30:00.250+04:00"
    assert validate_ob3(mapped).conforms


def test_validation_does_not_change_the_document(mapped: dict[str, Any]) -> None:
    before = copy.deepcopy(mapped)
    validate_ob3(mapped, schemas=BOTH)
    assert mapped == before


@pytest.mark.parametrize("name", ["simple.json", "simple-did-key-method.json"])
def test_1edtech_examples_conform(name: str) -> None:
    document = json.loads((OB3_EXAMPLES / name).read_text("utf-8"))
    assert validate_ob3(document, schemas=BOTH).problems == ()


def test_no_schema_is_fetched(monkeypatch: pytest.MonkeyPatch, mapped: dict[str, Any]) -> None:
    # Any attempt to retrieve an unknown $ref would go through urllib; make that fatal.
    import urllib.request

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    assert validate_ob3(mapped, schemas=BOTH).conforms
