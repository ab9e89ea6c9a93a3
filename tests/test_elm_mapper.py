"""The ELM 3 mapper: every Annex I element lands where docs/annex-i-mapping.md says it does."""

from __future__ import annotations

import base64
import json
import struct
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld

from microcred.contexts import CREDENTIALS_V1, DATA_INTEGRITY_V2, EDC_AP, offline_loader
from microcred.elm_models.elm import EDC_GENERIC_FULL, award_to_elm
from microcred.elm_models.readers import read_learners, read_spec
from microcred.elm_models.record import (
    Accreditation,
    Assessment,
    Award,
    IssuerProfile,
    Learner,
    LearningOutcome,
    Level,
    MicroCredentialSpec,
    Organisation,
    OutcomeCategory,
    Participation,
    QfEheaCycle,
    QualityAssurance,
    Stackability,
    StackabilityOptions,
    Supervision,
    Workload,
    multilingual,
)
from microcred.errors import RecordError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
TITLE_KA = "ხელოვნური ინტელექტის გამოყენება უმაღლეს განათლებაში კვლევითი უნარების განვითარებისთვის"
ISSUED = datetime(2025, 10, 20, 9, 0, tzinfo=UTC)
ISSUER = IssuerProfile(
    did="did:web:www.example.edu.ge",
    verification_method="did:web:www.example.edu.ge#key-1",
    name=multilingual({"en": "Example University of Tbilisi"}),
    country="GE",
    legal_identifier="204000000",
    homepage="https://www.example.edu.ge",
    email="registrar@example.edu.ge",
)


# --- fixtures: the example course (read by the readers) and a hand-built one ---------------


def example_awards(count: int = 3) -> list[Award]:
    spec = read_spec(EXAMPLE / "microcredential.yaml")
    learners = read_learners(EXAMPLE / "learners.csv", spec)[:count]
    return [
        Award(
            spec=spec,
            learner=learner,
            issuer=ISSUER,
            record_id=f"{spec.id}/learners/{learner.learner_id}",
            elm_id=f"urn:uuid:6f1c9d2e-0000-4000-8000-{index:012d}",
            ob3_id=f"urn:uuid:6f1c9d2e-0000-4000-9000-{index:012d}",
            issued=ISSUED,
        )
        for index, learner in enumerate(learners)
    ]


def _agency() -> Organisation:
    return Organisation(
        id="nceqe",
        legal_name=multilingual({"en": "National Center for Educational Quality Enhancement"}),
        country="GE",
        region="Tbilisi",
        homepage="https://eqe.ge",
    )


def _spec() -> MicroCredentialSpec:
    university = Organisation(
        id="https://www.example.edu.ge",
        legal_name=multilingual(
            {"en": "Example University of Tbilisi", "ka": "თბილისის უნივერსიტეტი"}
        ),
        country="GE",
        region="Tbilisi",
        legal_identifier="204000000",
    )
    licence = Accreditation(
        agency=_agency(),
        type="programme-licence",
        title=multilingual({"en": "Right to implement the micro-credential"}),
        decision_date=date(2025, 3, 1),
        expiry_date=date(2027, 3, 1),
    )
    return MicroCredentialSpec(
        id="ai-research-skills",
        source="microcredential.yaml",
        profile="GE",
        title=multilingual({"en": "AI for Enhancing Research Skills", "ka": TITLE_KA}),
        description=multilingual({"en": "A fully online course.", "ka": "სრულად ონლაინ კურსი."}),
        country="GE",
        region="Tbilisi",
        awarding_bodies=(university,),
        learning_outcomes=(
            LearningOutcome(OutcomeCategory.KNOWLEDGE, multilingual({"en": "Describes AI tools"})),
            LearningOutcome(OutcomeCategory.SKILLS, multilingual({"en": "Uses AI tools"})),
            LearningOutcome(
                OutcomeCategory.RESPONSIBILITY_AUTONOMY,
                multilingual({"en": "Manages own research"}),
            ),
        ),
        workload=Workload(ects=7, hours=175, hours_per_ects=25),
        level=Level(eqf=7, nqf=7, qf_ehea_cycle=QfEheaCycle.SECOND),
        assessment=Assessment(
            types=("project-work", "written-exam"),
            description=multilingual({"en": "Research project and written exam."}),
        ),
        participation=Participation.ONLINE,
        quality_assurance=QualityAssurance(
            internal=multilingual({"en": "Internal QA regulations apply."}), external=(licence,)
        ),
        languages=("ka", "en"),
        isced_f="0111",
        prerequisites=multilingual({"en": "English B2"}),
        supervision=Supervision.SUPERVISED_ONLINE,
        stackability=StackabilityOptions(
            Stackability.STACKABLE, multilingual({"en": "Counts towards a master's programme."})
        ),
        further_information=multilingual({"en": "See the course page."}),
        homepage="https://www.example.edu.ge/micro/ai",
    )


def hand_built_award(**changes: Any) -> Award:
    learner = Learner(
        row=1,
        learner_id="S2025-0001",
        given_name="ნინო",
        family_name="ბერიძე",
        email="nino@example.edu.ge",
        date_of_birth=date(2000, 5, 17),
        national_id="01001012345",
        national_id_country="GE",
        grade="A (95)",
        completion_date=date(2025, 10, 15),
    )
    award = Award(
        spec=_spec(),
        learner=learner,
        issuer=ISSUER,
        record_id="ai-research-skills/learners/S2025-0001",
        elm_id="urn:uuid:7d9f0d7e-3c0a-4f7e-9a57-3f4b8f1c2d10",
        ob3_id="urn:uuid:7d9f0d7e-3c0a-4f7e-9a57-3f4b8f1c2d11",
        issued=ISSUED,
    )
    return replace(award, **changes)


def _with_spec(**changes: Any) -> Award:
    return hand_built_award(spec=replace(_spec(), **changes))


def _achievement(document: dict[str, Any]) -> dict[str, Any]:
    claim: dict[str, Any] = document["credentialSubject"]["hasClaim"][0]
    return claim


def _qualification(document: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = _achievement(document)["specifiedBy"]
    return spec


def _notes_by_subject(node: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        note["subject"]["prefLabel"]["en"]: note["noteLiteral"] for note in node["additionalNote"]
    }


# --- the credential envelope ------------------------------------------------------------------


def test_envelope_is_a_generic_edc_ready_for_a_data_integrity_proof() -> None:
    award = example_awards(1)[0]
    document = award_to_elm(award)
    assert document["@context"] == [CREDENTIALS_V1, EDC_AP, DATA_INTEGRITY_V2]
    assert document["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    assert document["id"] == award.elm_id
    assert (
        document["credentialProfiles"][0]["id"] == "http://data.europa.eu/snb/credential/e34929035b"
    )
    assert document["credentialSchema"] == [{"id": EDC_GENERIC_FULL, "type": "ShaclValidator2017"}]
    assert document["issued"] == document["issuanceDate"] == document["validFrom"]
    assert document["issued"] == "2025-10-20T09:00:00Z"
    assert "validUntil" not in document and "expirationDate" not in document


def test_context_order_expands_a_signed_document_without_protected_term_errors() -> None:
    document = award_to_elm(hand_built_award())
    document["proof"] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2025-10-20T09:00:00Z",
        "verificationMethod": ISSUER.verification_method,
        "proofPurpose": "assertionMethod",
        "proofValue": "z3FXQ",
    }
    expanded = jsonld.expand(document, {"documentLoader": offline_loader()})
    proof = expanded[0]["https://w3id.org/security#proof"][0]["@graph"][0]
    assert proof["@type"] == ["https://w3id.org/security#DataIntegrityProof"]


def test_provenance_names_the_record_and_the_specification() -> None:
    award = example_awards(1)[0]
    document = award_to_elm(award)
    assert {"notation": award.record_id, "schemeName": "microcred record"}.items() <= document[
        "identifier"
    ][0].items()
    qualification = _qualification(document)
    assert qualification["id"] == award.spec.id  # the example's spec id is an absolute IRI
    assert qualification["identifier"][0]["notation"] == award.spec.id
    assert qualification["identifier"][0]["schemeName"] == "microcred specification"


def test_a_spec_id_that_is_not_an_iri_gets_a_derived_urn() -> None:
    qualification = _qualification(award_to_elm(hand_built_award()))
    assert qualification["id"].startswith("urn:epass:qualification:")
    assert qualification["identifier"][0]["notation"] == "ai-research-skills"


def test_validity_end_is_written_twice_for_vc_1_1_and_elm() -> None:
    document = award_to_elm(hand_built_award(valid_until=datetime(2030, 1, 1, tzinfo=UTC)))
    assert document["validUntil"] == document["expirationDate"] == "2030-01-01T00:00:00Z"


# --- determinism ------------------------------------------------------------------------------


def test_same_award_gives_byte_identical_json() -> None:
    award = hand_built_award()
    first = json.dumps(award_to_elm(award), sort_keys=True, ensure_ascii=False)
    assert json.dumps(award_to_elm(award), sort_keys=True, ensure_ascii=False) == first


def test_learner_nodes_follow_the_credential_and_spec_nodes_follow_the_spec() -> None:
    one, two = (award_to_elm(a) for a in example_awards(2))
    assert one["credentialSubject"]["id"] != two["credentialSubject"]["id"]
    assert _achievement(one)["id"] != _achievement(two)["id"]
    assert _qualification(one) == _qualification(two)


def test_every_generated_node_id_is_a_name_based_uuid() -> None:
    ids: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            ids.extend([value["id"]] if "id" in value else [])
            for child in value.values():
                collect(child)
        elif isinstance(value, list):
            for child in value:
                collect(child)

    collect(award_to_elm(hand_built_award()))
    generated = [i for i in ids if i.startswith("urn:epass:")]
    assert len(generated) > 20
    assert {uuid.UUID(i.rsplit(":", 1)[1]).version for i in generated} == {5}


# --- learner, issuer, awarding body -----------------------------------------------------------


def test_learner_identification() -> None:
    person = award_to_elm(hand_built_award())["credentialSubject"]
    assert person["fullName"] == {"ka": "ნინო ბერიძე"}  # records are untagged: display language
    assert person["givenName"] == {"ka": "ნინო"} and person["familyName"] == {"ka": "ბერიძე"}
    assert person["dateOfBirth"] == "2000-05-17T00:00:00Z"
    assert person["nationalID"]["notation"] == "01001012345"
    assert person["nationalID"]["spatial"]["id"].endswith("/country/GEO")
    assert person["identifier"][0]["notation"] == "S2025-0001"
    assert person["contactPoint"][0]["emailAddress"]["id"] == "mailto:nino@example.edu.ge"


def test_optional_learner_fields_are_left_out_when_empty() -> None:
    award = hand_built_award()
    bare = replace(award.learner, email=None, date_of_birth=None, national_id=None)
    person = award_to_elm(replace(award, learner=bare))["credentialSubject"]
    assert not {"contactPoint", "dateOfBirth", "nationalID"} & person.keys()


def test_issuer_has_did_legal_identifier_and_location() -> None:
    issuer = award_to_elm(hand_built_award())["issuer"]
    assert issuer["id"] == ISSUER.did
    assert issuer["legalName"] == {"en": "Example University of Tbilisi"}
    assert issuer["eIDASIdentifier"]["notation"] == "204000000"
    assert issuer["eIDASIdentifier"]["spatial"]["id"] == (
        "http://publications.europa.eu/resource/authority/country/GEO"
    )
    address = issuer["location"][0]["address"]
    assert address["countryCode"]["inScheme"]["id"] == (
        "http://publications.europa.eu/resource/authority/country"
    )
    assert issuer["location"][0]["geographicName"] == {"en": "Tbilisi"}
    assert issuer["homepage"]["contentURL"] == "https://www.example.edu.ge"


def test_a_sealing_issuer_abroad_keeps_the_providers_country() -> None:
    award = hand_built_award(issuer=replace(ISSUER, country="BE"))
    locations = award_to_elm(award)["issuer"]["location"]
    countries = [loc["address"]["countryCode"]["id"].rsplit("/", 1)[1] for loc in locations]
    assert countries == ["BEL", "GEO"]


def test_awarding_body_and_date() -> None:
    awarded = _achievement(award_to_elm(hand_built_award()))["awardedBy"]
    body = awarded["awardingBody"][0]
    assert body["id"] == "https://www.example.edu.ge"
    assert body["legalName"]["ka"] == "თბილისის უნივერსიტეტი"
    assert body["registration"]["notation"] == "204000000"
    assert awarded["awardingDate"] == "2025-10-20T09:00:00Z"


# --- title and languages ----------------------------------------------------------------------


def test_georgian_title_survives_as_a_ka_literal() -> None:
    document = award_to_elm(hand_built_award())
    assert _achievement(document)["title"]["ka"] == TITLE_KA
    assert document["displayParameter"]["title"]["ka"] == TITLE_KA
    nquads = jsonld.to_rdf(
        document, {"documentLoader": offline_loader(), "format": "application/n-quads"}
    )
    assert f'"{TITLE_KA}"@ka' in nquads


def test_display_lists_every_title_language_with_an_image() -> None:
    display = award_to_elm(hand_built_award())["displayParameter"]
    assert [c["id"][-3:] for c in display["language"]] == ["ENG", "KAT"]
    assert display["primaryLanguage"]["id"].endswith("/language/KAT")  # first taught language
    assert len(display["individualDisplay"]) == 2
    image = display["individualDisplay"][0]["displayDetail"][0]["image"]
    png = base64.b64decode(image["content"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert width == height > 100
    assert image["contentType"]["id"].endswith("/file-type/PNG")


# --- the qualification: outcomes, workload, level, participation, QA, options -----------------


def test_learning_outcomes_carry_their_category() -> None:
    outcomes = _qualification(award_to_elm(hand_built_award()))["learningOutcome"]
    assert [o.get("dcType", {}).get("id") for o in outcomes] == [
        "http://data.europa.eu/snb/skill-type/knowledge",
        "http://data.europa.eu/snb/skill-type/skill",
        None,  # EDC's skill-type list has no "responsibility and autonomy"
    ]
    categories = [_notes_by_subject(o)["Learning outcome category"]["en"] for o in outcomes]
    assert categories == ["Knowledge", "Skills", "Responsibility and autonomy"]


def test_workload_in_ects_and_hours() -> None:
    qualification = _qualification(award_to_elm(hand_built_award()))
    credit = qualification["creditPoint"][0]
    assert credit["point"] == "7"
    assert credit["framework"]["id"] == "http://data.europa.eu/snb/education-credit/6fcec5c5af"
    assert qualification["volumeOfLearning"] == "PT175H"


def test_hours_are_derived_from_ects_when_only_the_rate_is_known() -> None:
    award = _with_spec(workload=Workload(ects=2.5, hours=None, hours_per_ects=30))
    qualification = _qualification(award_to_elm(award))
    assert qualification["creditPoint"][0]["point"] == "2.5"
    assert qualification["volumeOfLearning"] == "PT75H"


def test_georgian_nqf_level_is_a_note_because_the_qdr_list_lacks_it() -> None:
    qualification = _qualification(award_to_elm(hand_built_award()))
    assert qualification["eqfLevel"]["id"] == "http://data.europa.eu/snb/eqf/7"
    assert "nqfLevel" not in qualification
    notes = _notes_by_subject(qualification)
    assert "level 7" in notes["National qualifications framework level"]["en"]
    assert notes["QF-EHEA cycle"] == {"en": "QF-EHEA: Second cycle"}


def test_an_nqf_level_in_the_qdr_list_is_a_concept() -> None:
    award = _with_spec(country="IE", level=Level(eqf=6, nqf=6))
    qualification = _qualification(award_to_elm(award))
    assert qualification["nqfLevel"][0]["id"] == "http://data.europa.eu/snb/qdr/c_670e54c7"
    assert qualification["nqfLevel"][0]["inScheme"]["id"] == "http://data.europa.eu/snb/qdr/25831c2"
    assert "National qualifications framework level" not in _notes_by_subject(qualification)


def test_participation_language_field_and_type() -> None:
    qualification = _qualification(award_to_elm(hand_built_award()))
    assert (
        qualification["mode"][0]["id"] == "http://data.europa.eu/snb/learning-assessment/920fbb3cbe"
    )
    assert [c["id"][-3:] for c in qualification["language"]] == ["KAT", "ENG"]
    assert qualification["thematicArea"][0]["id"] == "http://data.europa.eu/snb/isced-f/0111"
    assert qualification["dcType"][0]["prefLabel"] == {"en": "Short learning programme"}


def test_quality_assurance_external_and_internal() -> None:
    qualification = _qualification(award_to_elm(hand_built_award()))
    accreditation = qualification["accreditation"][0]
    assert accreditation["dcType"]["id"] == "http://data.europa.eu/snb/accreditation/e57dddfcf3"
    assert accreditation["accreditingAgent"]["legalName"]["en"].startswith("National Center")
    assert accreditation["dateIssued"] == "2025-03-01T00:00:00Z"
    assert accreditation["expiryDate"] == "2027-03-01T00:00:00Z"
    notes = _notes_by_subject(qualification)
    assert notes["Internal quality assurance"] == {"en": "Internal QA regulations apply."}


def test_optional_elements_prerequisites_stackability_further_information() -> None:
    qualification = _qualification(award_to_elm(hand_built_award()))
    assert qualification["entryRequirement"]["noteLiteral"] == {"en": "English B2"}
    assert qualification["isPartialQualification"] is True
    notes = _notes_by_subject(qualification)
    assert notes["Integration and stackability options"]["en"].startswith("Counts towards")
    assert notes["More information"] == {"en": "See the course page."}
    assert qualification["homepage"][0]["contentURL"] == "https://www.example.edu.ge/micro/ai"


def test_a_stand_alone_micro_credential_is_not_partial() -> None:
    award = _with_spec(stackability=StackabilityOptions(Stackability.STAND_ALONE))
    qualification = _qualification(award_to_elm(award))
    assert qualification["isPartialQualification"] is False
    assert _notes_by_subject(qualification)["Integration and stackability options"] == {
        "en": "stand-alone"
    }


# --- assessment -------------------------------------------------------------------------------


def test_assessment_grade_types_and_supervision_note() -> None:
    assessment = _achievement(award_to_elm(hand_built_award()))["provenBy"][0]
    assert assessment["grade"]["noteLiteral"] == {"en": "A (95)"}
    assert assessment["title"] == {"en": "Assessment: Project work, Written exam"}
    assert assessment["dateIssued"] == "2025-10-15T00:00:00Z"
    specification = assessment["specifiedBy"]
    assert specification["dcType"]["id"] == "http://data.europa.eu/snb/assessment/795dac4096"
    assert "idVerification" not in assessment  # no EDC concept for "supervised online"
    supervision = _notes_by_subject(assessment)["Supervision and identity verification"]
    assert supervision == {"en": "Supervised online"}


def test_unsupervised_assessment_uses_the_edc_concept_and_a_missing_grade_is_pass() -> None:
    award = _with_spec(supervision=Supervision.UNSUPERVISED_NO_ID)
    award = replace(award, learner=replace(award.learner, grade=None))
    assessment = _achievement(award_to_elm(award))["provenBy"][0]
    assert assessment["idVerification"]["id"] == (
        "http://data.europa.eu/snb/supervision-verification/c598449d64"
    )
    assert assessment["grade"]["noteLiteral"] == {"en": "Pass"}


def test_an_unknown_assessment_code_is_a_record_error_naming_the_field() -> None:
    award = _with_spec(assessment=Assessment(types=("telepathy",), description=multilingual({})))
    with pytest.raises(RecordError) as caught:
        award_to_elm(award)
    problem = caught.value.problems[0]
    assert (problem.file, problem.field) == ("microcredential.yaml", "assessment.types")
    assert "telepathy" in problem.message
