"""ELM credentials against the official EDC 3.2 shapes, offline (microcred.validation.shacl)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pyshacl
import pytest
import rdflib
from pyld import jsonld
from rdflib.namespace import SH

from microcred.contexts import offline_loader
from microcred.elm_models.elm import award_to_elm
from microcred.elm_models.readers import read_learners, read_spec
from microcred.elm_models.record import Award, IssuerProfile, multilingual
from microcred.errors import ContextError
from microcred.validation.shacl import ShaclReport, _compiled_shapes, validate_elm

VECTORS = Path(__file__).resolve().parent / "vectors" / "elm"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
Document = dict[str, Any]

PROOF = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "created": "2025-10-20T09:00:00Z",
    "verificationMethod": "did:web:www.example.edu.ge#key-1",
    "proofPurpose": "assertionMethod",
    "proofValue": "z58DAdFfa9SkqZMVPxAQpic7ndSayn1PzZs6ZjWp1CktyGesjuTSwRdoWhAfGFCF5bpp",
}


@pytest.fixture(scope="module")
def example_documents() -> list[Document]:
    """Three learners of the example course, mapped with a fixed issuer and fixed ids."""
    from datetime import UTC, datetime

    spec = read_spec(EXAMPLE / "microcredential.yaml")
    issuer = IssuerProfile(
        did="did:web:www.example.edu.ge",
        verification_method=PROOF["verificationMethod"],
        name=multilingual({"en": "Example University of Tbilisi", "ka": "თბილისის უნივერსიტეტი"}),
        country="GE",
        legal_identifier="204000000",
    )
    learners = read_learners(EXAMPLE / "learners.csv", spec)[:3]
    return [
        award_to_elm(
            Award(
                spec=spec,
                learner=learner,
                issuer=issuer,
                record_id=f"{spec.id}/learners/{learner.learner_id}",
                elm_id=f"urn:uuid:0e6b1a52-0000-4000-8000-{i:012d}",
                ob3_id=f"urn:uuid:0e6b1a52-0000-4000-9000-{i:012d}",
                issued=datetime(2025, 10, 20, 9, tzinfo=UTC),
            )
        )
        for i, learner in enumerate(learners)
    ]


@pytest.fixture
def document(example_documents: list[Document]) -> Document:
    return copy.deepcopy(example_documents[0])


def _signed_sample() -> Document:
    """The payload of EDC's JAdES-sealed micro-credential sample (sealing adds issued + eIDAS)."""
    envelope = json.loads((VECTORS / "Sample-MC-Annex1-signed.jsonld").read_text("utf-8"))
    payload: Document = json.loads(envelope["payload"])
    return payload


def _qualification(document: Document) -> Document:
    spec: Document = document["credentialSubject"]["hasClaim"][0]["specifiedBy"]
    return spec


# --- conforming documents ---------------------------------------------------------------------


def test_the_official_sealed_sample_conforms() -> None:
    assert validate_elm(_signed_sample()) == ShaclReport(True, ())


def test_the_official_unsigned_sample_lacks_only_what_sealing_adds() -> None:
    unsigned = json.loads((VECTORS / "Sample-MC-Annex1-unsigned.jsonld").read_text("utf-8"))
    report = validate_elm(unsigned)
    assert not report.conforms
    assert len(report.problems) == 2
    assert "cred:issued" in report.problems[0]
    assert "elm:eidasLegalIdentifier" in report.problems[1]


def test_mapped_example_credentials_conform(example_documents: list[Document]) -> None:
    for document in example_documents:
        assert validate_elm(document) == ShaclReport(True, ())


def test_a_data_integrity_proof_keeps_the_credential_conformant(document: Document) -> None:
    document["proof"] = dict(PROOF)
    assert validate_elm(document).conforms
    assert validate_elm(document, include_proof=False).conforms


def test_validation_does_not_change_the_document(document: Document) -> None:
    document["proof"] = dict(PROOF)
    before = copy.deepcopy(document)
    validate_elm(document, include_proof=False)
    assert document == before


# --- non-conforming documents: readable problems ----------------------------------------------


def _drop_title(d: Document) -> None:
    del d["credentialSubject"]["hasClaim"][0]["title"]


def _drop_awarded_by(d: Document) -> None:
    del d["credentialSubject"]["hasClaim"][0]["awardedBy"]


def _drop_eidas(d: Document) -> None:
    del d["issuer"]["eIDASIdentifier"]


def _drop_issued(d: Document) -> None:
    del d["issued"]


def _drop_grade(d: Document) -> None:
    del d["credentialSubject"]["hasClaim"][0]["provenBy"][0]["grade"]


def _drop_display_image(d: Document) -> None:
    del d["displayParameter"]["individualDisplay"][0]["displayDetail"][0]["image"]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_drop_title, "dc:title (title): Less than 1 values"),
        (_drop_awarded_by, "elm:awardedBy (awarded by): Less than 1 values"),
        (_drop_eidas, "elm:eidasLegalIdentifier (mandatory legal identifier): Less than 1"),
        (_drop_issued, "cred:issued (issued): Less than 1 values"),
        (_drop_grade, "elm:grade (grade): Less than 1 values"),
        (_drop_display_image, "elm:image (image): Less than 1 values"),
    ],
    ids=["title", "awardedBy", "eIDASIdentifier", "issued", "grade", "display-image"],
)
def test_a_missing_mandatory_element_is_named(
    document: Document, mutate: Callable[[Document], None], expected: str
) -> None:
    mutate(document)
    report = validate_elm(document)
    assert not report.conforms
    assert any(expected in problem for problem in report.problems), report.problems


def test_a_concept_from_the_wrong_scheme_is_caught(document: Document) -> None:
    eqf = _qualification(document)["eqfLevel"]
    eqf["inScheme"]["id"] = "http://data.europa.eu/snb/qdr/25831c2"
    (problem,) = validate_elm(document).problems
    assert problem.startswith(f"{_qualification(document)['id']}: elm:EQFLevel (EQF level)")
    assert "must be http://data.europa.eu/snb/eqf/25831c2" in problem


def test_an_invented_nqf_concept_outside_the_qdr_scheme_is_caught(document: Document) -> None:
    _qualification(document)["nqfLevel"] = [
        {
            "id": "urn:example:ge-nqf-7",
            "type": "Concept",
            "inScheme": {"id": "urn:example:ge-nqf", "type": "ConceptScheme"},
        }
    ]
    (problem,) = validate_elm(document).problems
    assert "elm:NQFLevel (NQF level)" in problem
    assert "must be http://data.europa.eu/snb/qdr/25831c2" in problem


def test_a_malformed_date_is_a_datatype_problem(document: Document) -> None:
    document["validFrom"] = "20 October 2025"
    (problem,) = validate_elm(document).problems
    assert "cred:validFrom (valid from)" in problem
    assert "datatype must be xsd:dateTime" in problem


def test_a_key_the_contexts_do_not_define_is_reported(document: Document) -> None:
    document["nickname"] = "Nini"
    report = validate_elm(document)
    assert not report.conforms
    assert report.problems == (
        "'nickname': not defined by the document's JSON-LD contexts, so it is not part of the data",
    )


def test_an_unbundled_context_cannot_be_checked(document: Document) -> None:
    document["@context"] = [*document["@context"], "https://example.org/context.jsonld"]
    with pytest.raises(ContextError, match=r"example\.org/context\.jsonld"):
        validate_elm(document)


# --- the engine -------------------------------------------------------------------------------


def _result_keys(report_graph: rdflib.Graph) -> set[tuple[str, ...]]:
    return {
        tuple(str(report_graph.value(r, p)) for p in (SH.focusNode, SH.resultPath, SH.value))
        for r in report_graph.subjects(rdflib.RDF.type, SH.ValidationResult)
    }


def test_pyshacl_turbo_agrees_with_pyshacl_on_the_unpatched_shapes(document: Document) -> None:
    """The engine swap is only safe while both give the same results on the official files."""
    folder = resources.files("microcred.validation").joinpath("data", "elm")
    official = rdflib.Graph()
    for name in ("EDC-generic-no-cv.ttl", "EDC-generic-full.ttl"):
        official.parse(data=folder.joinpath(name).read_text("utf-8"), format="turtle")
    wrong_scheme = copy.deepcopy(document)
    _qualification(wrong_scheme)["eqfLevel"]["inScheme"]["id"] = "urn:example:scheme"
    no_eidas = copy.deepcopy(document)
    _drop_eidas(no_eidas)
    for case in (document, wrong_scheme, no_eidas, _signed_sample()):
        nquads = jsonld.to_rdf(
            case, {"documentLoader": offline_loader(), "format": "application/n-quads"}
        )
        data = rdflib.Graph().parse(data=nquads, format="nquads")
        conforms, reference, _ = pyshacl.validate(data, shacl_graph=official)
        turbo_conforms, turbo, _ = _compiled_shapes().validate(data)
        assert (turbo_conforms, _result_keys(turbo)) == (conforms, _result_keys(reference))
