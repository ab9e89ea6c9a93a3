"""The OB 3.0 mapper: Annex I elements land where docs/annex-i-mapping.md says they do."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld

from microcred.contexts import CREDENTIALS_V2, OB_V3P0, OB_V3P0_EXTENSIONS, offline_loader
from microcred.elm_models.ob3 import OB3_SCHEMA_ID, award_to_ob3, primary_language
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

SPEC_ID = "https://tsu.example.ge/micro-credentials/ai-research-skills"
TITLE_KA = "ხელოვნური ინტელექტის გამოყენება უმაღლეს განათლებაში კვლევითი უნარების განვითარებისთვის"
OUTCOME_KA = "აღწერს ხელოვნური ინტელექტის ძირითად ინსტრუმენტებს"
ISSUER_DID = "did:web:tsu.example.ge"
ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"


def _university() -> Organisation:
    return Organisation(
        id="https://tsu.example.ge",
        legal_name=multilingual(
            {"en": "Example State University", "ka": "სამაგალითო უნივერსიტეტი"}
        ),
        country="GE",
        region="Tbilisi",
        homepage="https://tsu.example.ge",
        legal_identifier="GE-204864548",
        email="info@tsu.example.ge",
    )


def example_spec() -> MicroCredentialSpec:
    """The guide's sample syllabus (shared/domain.md), abridged, in English and Georgian."""
    nceqe = Organisation(
        id="https://eqe.example.ge",
        legal_name=multilingual({"en": "National Center for Educational Quality Enhancement"}),
        country="GE",
    )
    outcomes = (
        (
            OutcomeCategory.KNOWLEDGE,
            "Describes the main AI tools and their role in research",
            OUTCOME_KA,
        ),
        (
            OutcomeCategory.SKILLS,
            "Uses AI tools for literature review and data visualisation",
            None,
        ),
        (OutcomeCategory.RESPONSIBILITY_AUTONOMY, "Manages own research process using AI", None),
    )
    return MicroCredentialSpec(
        id=SPEC_ID,
        source="examples/ai-research-skills/microcredential.yaml",
        profile="GE",
        title=multilingual(
            {"en": "AI for Enhancing Research Skills in Higher Education", "ka": TITLE_KA}
        ),
        description=multilingual({"en": "Using AI tools responsibly in research.", "ka": "აღწერა"}),
        country="GE",
        region="Tbilisi",
        awarding_bodies=(_university(),),
        learning_outcomes=tuple(
            LearningOutcome(category, multilingual({"en": en} | ({"ka": ka} if ka else {})))
            for category, en, ka in outcomes
        ),
        workload=Workload(
            ects=7, hours=175, hours_per_ects=25, breakdown={"synchronous_webinars": 50}
        ),
        level=Level(eqf=7, nqf=7, qf_ehea_cycle=QfEheaCycle.SECOND),
        assessment=Assessment(
            types=("project-work", "written-exam"),
            description=multilingual({"en": "Research project, presentation and written exam."}),
        ),
        participation=Participation.ONLINE,
        quality_assurance=QualityAssurance(
            internal=multilingual({"en": "Internal QA regulations of the university."}),
            external=(
                Accreditation(
                    agency=nceqe,
                    type="programme-licence",
                    title=multilingual({"en": "Right to implement the micro-credential"}),
                    decision_date=date(2025, 6, 1),
                    expiry_date=date(2027, 6, 1),
                ),
            ),
        ),
        languages=("ka", "en"),
        isced_f="0111",
        prerequisites=multilingual({"en": "Full general education; English B2."}),
        supervision=Supervision.SUPERVISED_ONLINE,
        grading_scheme=multilingual({"en": "A-F, E and above is a pass"}),
        stackability=StackabilityOptions(
            Stackability.STACKABLE,
            multilingual({"en": "Up to 25 ECTS within the master's research component."}),
        ),
        further_information=multilingual({"en": "Delivered on Moodle."}),
        homepage="https://tsu.example.ge/mc/ai",
    )


def example_award(**changes: Any) -> Award:
    spec = example_spec()
    learner = Learner(
        row=1,
        learner_id="S-0042",
        given_name="ნინო",
        family_name="Beridze",
        email="Nino.Beridze@Example.ge",
        date_of_birth=date(1998, 3, 14),
        national_id="01001012345",
        national_id_country="GE",
        grade="A",
        completion_date=date(2025, 10, 15),
    )
    issuer = IssuerProfile(
        did=ISSUER_DID,
        verification_method=f"{ISSUER_DID}#key-1",
        name=multilingual({"ka": "სამაგალითო უნივერსიტეტი", "en": "Example State University"}),
        country="GE",
        legal_identifier="GE-204864548",
        homepage="https://tsu.example.ge",
        email="registrar@tsu.example.ge",
    )
    award = Award(
        spec=spec,
        learner=learner,
        issuer=issuer,
        record_id=f"{SPEC_ID}/learners/S-0042",
        elm_id="urn:uuid:2b0c8f9e-0a3e-4c55-9d2f-5c7a1f4c0001",
        ob3_id="urn:uuid:2b0c8f9e-0a3e-4c55-9d2f-5c7a1f4c0002",
        issued=datetime(2025, 10, 20, 9, 30, tzinfo=UTC),
    )
    return dataclasses.replace(award, **changes)


def minimal_award() -> Award:
    """Only the mandatory Annex I elements: every optional record field left empty."""
    award = example_award()
    spec = dataclasses.replace(
        award.spec,
        title=multilingual({"en": "Minimal"}),
        description=multilingual({"en": "Only what Annex I requires."}),
        level=Level(eqf=6),
        quality_assurance=QualityAssurance(internal=multilingual({"en": "Internal QA."})),
        isced_f=None,
        prerequisites=None,
        supervision=None,
        grading_scheme=None,
        stackability=None,
        further_information=None,
        homepage=None,
    )
    learner = Learner(row=2, learner_id="S-1", given_name="Ana", family_name="Kapanadze")
    return dataclasses.replace(award, spec=spec, learner=learner)


EXAMPLE_COURSE = Path(__file__).parent.parent / "examples" / "ai-research-skills"


def example_course_awards() -> list[Award]:
    """Every learner of the project's example course, read by the real readers."""
    spec = read_spec(EXAMPLE_COURSE / "microcredential.yaml")
    issuer = example_award().issuer
    return [
        Award(
            spec=spec,
            learner=learner,
            issuer=issuer,
            record_id=f"{spec.id}/learners/{learner.learner_id}",
            elm_id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'elm/{learner.learner_id}')}",
            ob3_id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'ob3/{learner.learner_id}')}",
            issued=datetime(2025, 10, 20, 9, 0, tzinfo=UTC),
        )
        for learner in read_learners(EXAMPLE_COURSE / "learners.csv", spec)
    ]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return award_to_ob3(example_award())


def _alignment(document: dict[str, Any], target_type: str) -> list[dict[str, Any]]:
    alignments = document["credentialSubject"]["achievement"]["alignment"]
    return [a for a in alignments if a["targetType"] == target_type]


# --- envelope --------------------------------------------------------------------------------


def test_envelope_is_a_vcdm2_achievement_credential(document: dict[str, Any]) -> None:
    assert document["@context"] == [CREDENTIALS_V2, OB_V3P0, OB_V3P0_EXTENSIONS]
    assert document["type"] == ["VerifiableCredential", "AchievementCredential"]
    assert document["id"] == "urn:uuid:2b0c8f9e-0a3e-4c55-9d2f-5c7a1f4c0002"
    assert document["validFrom"] == "2025-10-20T09:30:00Z"
    assert document["awardedDate"] == "2025-10-20T09:30:00Z"
    assert "validUntil" not in document
    assert document["credentialSchema"] == [
        {"id": OB3_SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}
    ]


def test_times_are_converted_to_utc_z() -> None:
    tbilisi = timezone(timedelta(hours=4))
    award = example_award(
        issued=datetime(2025, 10, 20, 13, 30, 15, 999, tzinfo=tbilisi),
        valid_until=datetime(2030, 1, 1, tzinfo=UTC),
    )
    document = award_to_ob3(award)
    assert document["validFrom"] == "2025-10-20T09:30:15Z"
    assert document["validUntil"] == "2030-01-01T00:00:00Z"


def test_naive_issue_time_is_a_record_error() -> None:
    with pytest.raises(RecordError, match="issued"):
        award_to_ob3(example_award(issued=datetime(2025, 10, 20, 9, 30)))


def test_issuer_profile_carries_did_english_name_country_and_legal_id(
    document: dict[str, Any],
) -> None:
    issuer = document["issuer"]
    assert issuer["id"] == ISSUER_DID
    assert issuer["type"] == ["Profile"]
    assert issuer["name"] == "Example State University"
    assert "სამაგალითო უნივერსიტეტი (ka)" in issuer["description"]
    assert issuer["url"] == "https://tsu.example.ge"
    assert issuer["email"] == "registrar@tsu.example.ge"
    assert issuer["address"] == {
        "type": ["Address"],
        "addressCountryCode": "GE",
        "addressRegion": "Tbilisi",
    }
    assert issuer["otherIdentifier"][0]["identifier"] == "GE-204864548"


def test_provenance_names_record_spec_and_sibling_elm_credential(document: dict[str, Any]) -> None:
    (evidence,) = document["evidence"]
    assert evidence["id"] == f"{SPEC_ID}/learners/S-0042"
    assert evidence["type"] == ["Evidence"]
    assert SPEC_ID in evidence["description"]
    assert "urn:uuid:2b0c8f9e-0a3e-4c55-9d2f-5c7a1f4c0001" in evidence["description"]
    assert document["credentialSubject"]["achievement"]["id"] == SPEC_ID


def test_relative_record_id_is_kept_out_of_evidence_id() -> None:
    (evidence,) = award_to_ob3(example_award(record_id="ai/learners/S-0042"))["evidence"]
    assert "id" not in evidence
    assert "ai/learners/S-0042" in evidence["description"]


# --- learner ---------------------------------------------------------------------------------


def test_learner_is_identified_by_name_and_student_number_in_clear(
    document: dict[str, Any],
) -> None:
    subject = document["credentialSubject"]
    assert "id" not in subject
    plain = {i["identityType"]: i["identityHash"] for i in subject["identifier"] if not i["hashed"]}
    assert plain == {"name": "ნინო Beridze", "sisSourcedId": "S-0042"}


def test_email_is_salted_sha256_of_the_normalised_address(document: dict[str, Any]) -> None:
    (email,) = [
        i
        for i in document["credentialSubject"]["identifier"]
        if i["identityType"] == "emailAddress"
    ]
    assert email["hashed"] is True
    expected = hashlib.sha256(("nino.beridze@example.ge" + email["salt"]).encode()).hexdigest()
    assert email["identityHash"] == f"sha256${expected}"
    text = json.dumps(document, ensure_ascii=False)
    assert "example.ge" not in text.replace("tsu.example.ge", "")


def test_email_salt_differs_per_credential_but_not_per_run() -> None:
    first = award_to_ob3(example_award())["credentialSubject"]["identifier"][2]
    again = award_to_ob3(example_award())["credentialSubject"]["identifier"][2]
    other = award_to_ob3(example_award(ob3_id="urn:uuid:00000000-0000-4000-8000-000000000009"))
    assert first == again
    assert other["credentialSubject"]["identifier"][2]["salt"] != first["salt"]


def test_date_of_birth_and_national_id_stay_out_of_the_badge(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    assert "01001012345" not in text
    assert "1998-03-14" not in text


def test_completion_grade_and_credits(document: dict[str, Any]) -> None:
    subject = document["credentialSubject"]
    assert subject["activityEndDate"] == "2025-10-15T00:00:00Z"
    assert subject["creditsEarned"] == 7.0
    (result,) = subject["result"]
    (description,) = subject["achievement"]["resultDescription"]
    assert result == {"type": ["Result"], "resultDescription": description["id"], "value": "A"}
    assert description["name"] == "Grade"


def test_learner_without_optional_values_gets_no_empty_fields() -> None:
    award = example_award()
    bare = dataclasses.replace(award.learner, email=None, grade=None, completion_date=None)
    spec = dataclasses.replace(award.spec, grading_scheme=None)
    subject = award_to_ob3(dataclasses.replace(award, learner=bare, spec=spec))["credentialSubject"]
    assert {"result", "activityEndDate"}.isdisjoint(subject)
    assert "resultDescription" not in subject["achievement"]
    assert [i["identityType"] for i in subject["identifier"]] == ["name", "sisSourcedId"]


# --- achievement -----------------------------------------------------------------------------


def test_achievement_core_fields(document: dict[str, Any]) -> None:
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "MicroCredential"
    assert achievement["name"] == "AI for Enhancing Research Skills in Higher Education"
    assert document["name"] == achievement["name"]
    assert achievement["creditsAvailable"] == 7.0
    assert isinstance(achievement["creditsAvailable"], float)
    assert achievement["inLanguage"] == "en"
    assert achievement["fieldOfStudy"] == "ISCED-F 2013 0111"
    assert achievement["creator"]["id"] == "https://tsu.example.ge"
    assert achievement["creator"]["address"]["addressCountryCode"] == "GE"
    assert "stackable" in achievement["tag"]


def test_georgian_text_survives_in_description_and_narrative(document: dict[str, Any]) -> None:
    achievement = document["credentialSubject"]["achievement"]
    assert TITLE_KA in achievement["description"]
    narrative = achievement["criteria"]["narrative"]
    assert f"# [ka] {TITLE_KA}" in narrative
    assert f"- {OUTCOME_KA}" in narrative
    # Round trip through JSON keeps the Georgian script intact (no lossy transliteration).
    assert (
        TITLE_KA
        in json.loads(json.dumps(document))["credentialSubject"]["achievement"]["description"]
    )


def test_georgian_only_spec_uses_georgian_as_primary() -> None:
    award = example_award()
    spec = dataclasses.replace(award.spec, title=multilingual({"ka": TITLE_KA}))
    achievement = award_to_ob3(dataclasses.replace(award, spec=spec))["credentialSubject"][
        "achievement"
    ]
    assert primary_language(spec.title) == "ka"
    assert achievement["name"] == TITLE_KA
    assert achievement["inLanguage"] == "ka"


def test_narrative_has_a_section_for_every_annex_i_text_element(document: dict[str, Any]) -> None:
    narrative = document["credentialSubject"]["achievement"]["criteria"]["narrative"]
    primary = narrative.split("\n---\n")[0]
    for heading in (
        "## Learning outcomes",
        "### Knowledge",
        "### Skills",
        "### Responsibility and autonomy",
        "## Notional workload",
        "## Level",
        "## Type of assessment",
        "## Form of participation",
        "## Supervision and identity verification",
        "## Quality assurance",
        "## Awarding bodies",
        "## Prerequisites",
        "## Grading scheme",
        "## Integration and stackability",
        "## Languages of instruction",
        "## Further information",
    ):
        assert heading in primary, heading
    assert "7 ECTS credits, 175 hours (1 ECTS = 25 hours)" in primary
    assert "- Describes the main AI tools and their role in research" in primary
    assert "Project work, Written exam." in primary
    assert "- Internal: Internal QA regulations of the university." in primary
    assert "Integrated, stackable towards another credential." in primary
    assert "- synchronous webinars: 50 h" in primary
    assert "## Grading scheme\n\nA-F, E and above is a pass" in primary


def test_controlled_values_are_alignments_by_annex_i_element(document: dict[str, Any]) -> None:
    (eqf,) = _alignment(document, "ext:EQFLevel")
    assert eqf["targetUrl"] == "http://data.europa.eu/snb/eqf/7"
    assert eqf["targetFramework"] == "European Qualifications Framework"
    assert eqf["targetCode"] == "7"
    (nqf,) = _alignment(document, "ext:NQFLevel")
    assert (nqf["targetCode"], nqf["targetUrl"]) == ("7", "http://data.europa.eu/snb/qdr/25831c2")
    assert _alignment(document, "ext:QFEHEACycle")[0]["targetCode"] == "second"
    assert [a["targetUrl"] for a in _alignment(document, "ext:AssessmentType")] == [
        "http://data.europa.eu/snb/assessment/795dac4096",
        "http://data.europa.eu/snb/assessment/6e6cb2cc78",
    ]
    (mode,) = _alignment(document, "ext:FormOfParticipation")
    assert mode["targetUrl"] == "http://data.europa.eu/snb/learning-assessment/920fbb3cbe"
    (credit,) = _alignment(document, "ext:CreditSystem")
    assert credit["targetUrl"] == "http://data.europa.eu/snb/education-credit/6fcec5c5af"
    (qa,) = _alignment(document, "ext:QualityAssurance")
    assert qa["targetUrl"] == "http://data.europa.eu/snb/accreditation/e57dddfcf3"
    assert "valid until 2027-06-01" in qa["targetDescription"]
    (supervision,) = _alignment(document, "ext:SupervisionAndIdVerification")
    assert supervision["targetCode"] == "supervised-online"
    assert (
        _alignment(document, "ext:ISCEDF")[0]["targetUrl"]
        == "http://data.europa.eu/snb/isced-f/0111"
    )


def test_unknown_codes_are_reported_together() -> None:
    award = example_award()
    assessment = Assessment(types=("telepathy",), description=multilingual({"en": "?"}))
    spec = dataclasses.replace(award.spec, assessment=assessment, level=Level(eqf=9))
    with pytest.raises(RecordError) as caught:
        award_to_ob3(dataclasses.replace(award, spec=spec))
    assert [p.field for p in caught.value.problems] == ["level.eqf", "assessment.types"]


# --- formal rules ----------------------------------------------------------------------------


def _walk(value: Any, path: str = "$") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        found = [(path, value)]
        for key, child in value.items():
            found += _walk(child, f"{path}.{key}")
        return found
    if isinstance(value, list):
        found = [(path, value)]
        for index, child in enumerate(value):
            found += _walk(child, f"{path}[{index}]")
        return found
    return [(path, value)]


def test_no_nulls_or_empty_containers(document: dict[str, Any]) -> None:
    for path, value in _walk(document):
        assert value is not None, path
        assert value not in ({}, [], ""), path


def test_mapping_is_deterministic_and_leaves_the_award_alone() -> None:
    award = example_award()
    before = repr(award)  # records hold mappingproxies, which cannot be deep-copied
    assert json.dumps(award_to_ob3(award)) == json.dumps(award_to_ob3(award))
    assert repr(award) == before


def _leaf_count_compact(value: Any, key: str | None = None) -> int:
    if isinstance(value, dict):
        return sum(_leaf_count_compact(v, k) for k, v in value.items() if k != "@context")
    if isinstance(value, list):
        return sum(_leaf_count_compact(v, key) for v in value)
    return 1


def _leaf_count_expanded(value: Any) -> int:
    if isinstance(value, list):
        return sum(_leaf_count_expanded(v) for v in value)
    if not isinstance(value, dict):
        return 0
    if "@value" in value:
        return 1
    count = ("@id" in value) + len(value.get("@type", []))
    return count + sum(_leaf_count_expanded(v) for k, v in value.items() if not k.startswith("@"))


def _iris(value: Any) -> list[str]:
    if isinstance(value, list):
        return [iri for item in value for iri in _iris(item)]
    if not isinstance(value, dict):
        return []
    found = [k for k in value if not k.startswith("@")]
    if "@value" not in value:
        found += list(value.get("@type", []))
    return found + [iri for v in value.values() for iri in _iris(v)]


def _undefined_terms(document: dict[str, Any]) -> list[str]:
    """Keys that JSON-LD expansion drops or maps to VCDM 2.0's issuer-dependent vocabulary.

    Either way the value would go unsigned or signed without meaning (pyld has no "safe
    mode"). The bundled VC v2 context has no ``@vocab``, so today undefined keys are dropped.
    """
    expanded = jsonld.expand(copy.deepcopy(document), {"documentLoader": offline_loader()})
    problems = [iri for iri in _iris(expanded) if iri.startswith(ISSUER_DEPENDENT)]
    dropped = _leaf_count_compact(document) - _leaf_count_expanded(expanded)
    return problems + [f"{dropped} value(s) dropped"] * (dropped != 0)


def test_every_key_is_a_defined_term(document: dict[str, Any]) -> None:
    assert _undefined_terms(document) == []


def test_example_course_maps_with_defined_terms_and_georgian_text() -> None:
    award = example_course_awards()[0]
    document = award_to_ob3(award)
    assert _undefined_terms(document) == []
    achievement = document["credentialSubject"]["achievement"]
    assert award.spec.title["ka"] in achievement["description"]
    assert f"# [ka] {award.spec.title['ka']}" in achievement["criteria"]["narrative"]
    assert document["credentialSubject"]["result"][0]["value"] == award.learner.grade


def test_minimal_award_has_only_defined_keys_and_no_empty_values() -> None:
    document = award_to_ob3(minimal_award())
    assert _undefined_terms(document) == []
    achievement = document["credentialSubject"]["achievement"]
    assert {a["targetType"] for a in achievement["alignment"]} == {
        "ext:EQFLevel",
        "ext:CreditSystem",
        "ext:AssessmentType",
        "ext:FormOfParticipation",
    }
    # The title is English only, but Georgian outcomes still get their own (untitled) block.
    assert "\n\n# [ka]\n\n## Learning outcomes" in achievement["criteria"]["narrative"]
    for path, value in _walk(document):
        assert value not in (None, {}, [], ""), path


def test_the_term_check_catches_undefined_keys(document: dict[str, Any]) -> None:
    top = copy.deepcopy(document)
    top["ectsBreakdown"] = "50 h"
    assert _undefined_terms(top) == ["1 value(s) dropped"]
    nested = copy.deepcopy(document)
    nested["credentialSubject"]["achievement"]["criteria"]["ectsBreakdown"] = "50 h"
    assert _undefined_terms(nested) == ["1 value(s) dropped"]
