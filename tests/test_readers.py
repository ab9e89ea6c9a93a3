"""Reading and validating a spec (YAML/JSON) and a learners CSV: all records, or every problem."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from microcred.elm_models import readers
from microcred.elm_models.readers import (
    FILE_FIELD,
    LEARNER_COLUMNS,
    ROW_FIELD,
    read_learners,
    read_spec,
)
from microcred.elm_models.readers import _learners as learners_module
from microcred.elm_models.record import (
    MicroCredentialSpec,
    OutcomeCategory,
    Participation,
    QfEheaCycle,
    Stackability,
    Supervision,
)
from microcred.errors import BatchRejected, FieldProblem, RecordError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
EXAMPLE_SPEC = EXAMPLE / "microcredential.yaml"
HEADER = ",".join(LEARNER_COLUMNS)


@pytest.fixture(scope="module")
def spec() -> MicroCredentialSpec:
    return read_spec(EXAMPLE_SPEC)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE_SPEC.read_text(encoding="utf-8"))


def write_yaml(tmp_path: Path, document: dict[str, Any], name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def spec_problems(path: Path) -> dict[str, str]:
    """field -> message of every problem read_spec reports."""
    with pytest.raises(RecordError) as caught:
        read_spec(path)
    assert all(problem.file == str(path) for problem in caught.value.problems)
    return {problem.field: problem.message for problem in caught.value.problems}


def batch_problems(path: Path, spec: MicroCredentialSpec) -> list[FieldProblem]:
    with pytest.raises(BatchRejected) as caught:
        read_learners(path, spec)
    assert all(problem.file == str(path) for problem in caught.value.problems)
    return caught.value.problems


def write_csv(tmp_path: Path, *lines: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "learners.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def row(learner_id: str = "S1", **cells: str) -> str:
    values = {"given_name": "Nino", "family_name": "Beridze", **cells, "learner_id": learner_id}
    return ",".join(values.get(column, "") for column in LEARNER_COLUMNS)


# ---- the example -----------------------------------------------------------------------------


def test_public_surface_is_exactly_all() -> None:
    public = {name for name in vars(readers) if not name.startswith("_")}
    assert public - {"annotations"} == set(readers.__all__)


def test_example_spec_reads_bilingual_and_complete(spec: MicroCredentialSpec) -> None:
    assert spec.source == str(EXAMPLE_SPEC)
    assert spec.profile == "GE"
    assert spec.title["en"] == "AI for Enhancing Research Skills in Higher Education"
    assert spec.title["ka"].startswith("ხელოვნური ინტელექტის")
    assert [o.category for o in spec.learning_outcomes].count(OutcomeCategory.SKILLS) == 5
    assert all(set(o.text) == {"en", "ka"} for o in spec.learning_outcomes)
    assert (spec.workload.ects, spec.workload.hours, spec.workload.hours_per_ects) == (7, 175, 25)
    assert sum(spec.workload.breakdown.values()) == 175
    assert (spec.level.eqf, spec.level.nqf) == (7, 7)
    assert spec.level.qf_ehea_cycle is QfEheaCycle.SECOND
    assert spec.participation is Participation.ONLINE
    assert spec.supervision is Supervision.SUPERVISED_ONLINE
    assert spec.stackability is not None and spec.stackability.mode is Stackability.STACKABLE
    assert spec.languages == ("ka", "en")
    assert spec.isced_f == "0111"
    accreditation = spec.quality_assurance.external[0]
    assert accreditation.type == "programme-licence"
    assert (accreditation.decision_date, accreditation.expiry_date) == (
        date(2025, 6, 30),
        date(2027, 6, 30),
    )
    assert spec.awarding_bodies[0].legal_identifier == "400000000"


def test_example_learners_read(spec: MicroCredentialSpec) -> None:
    learners = read_learners(EXAMPLE / "learners.csv", spec)
    assert len(learners) == 30
    assert [learner.row for learner in learners] == list(range(1, 31))
    assert len({learner.learner_id for learner in learners}) == 30
    assert learners[0].full_name == "Nino Beridze"
    assert {learner.completion_date for learner in learners} == {date(2025, 10, 15)}
    assert all(learner.email and learner.email.endswith("@example.edu.ge") for learner in learners)


def test_example_invalid_learners_name_file_row_line_and_field(spec: MicroCredentialSpec) -> None:
    problems = batch_problems(EXAMPLE / "learners-invalid.csv", spec)
    assert {(p.row, p.field) for p in problems} == {
        (2, "family_name"),
        (3, "email"),
        (4, "date_of_birth"),
        (5, "learner_id"),
        (6, "national_id_country"),
        (7, "national_id"),
        (8, "learner_id"),
        (9, ROW_FIELD),
        (10, "completion_date"),
        (11, "national_id_country"),
    }
    assert all(
        f"(row {p.row} is line {(p.row or 0) + 1} of the file)" in p.message for p in problems
    )
    assert "already on row 1" in next(p.message for p in problems if p.row == 5)


# ---- spec: structure and values --------------------------------------------------------------


def test_unknown_keys_are_rejected_with_a_suggestion(tmp_path: Path, document: dict) -> None:
    broken = copy.deepcopy(document)
    broken["titel"] = broken.pop("title")
    broken["level"]["eqf_level"] = 7
    problems = spec_problems(write_yaml(tmp_path, broken))
    assert problems["titel"] == "unknown field 'titel' (did you mean 'title'?)"
    assert problems["title"] == "required field is missing"
    assert problems["level.eqf_level"].startswith("unknown field 'eqf_level'")


def test_every_problem_is_reported_at_its_dotted_path(tmp_path: Path, document: dict) -> None:
    broken = copy.deepcopy(document)
    del broken["learning_outcomes"][2]["text"]
    broken["learning_outcomes"][4]["category"] = "skill"
    broken["level"]["eqf"] = 9
    broken["country"] = "Georgia"
    broken["languages"] = ["ka", "english"]
    broken["assessment"]["types"] = ["written-exam", "essay"]
    broken["participation"] = "hybrid"
    broken["homepage"] = "ftp://example.edu.ge"
    broken["id"] = "not a uri"
    broken["awarding_bodies"][0]["email"] = "nobody"
    broken["quality_assurance"]["external"][0]["decision_date"] = "30.06.2025"
    broken["workload"]["ects"] = 0
    problems = spec_problems(write_yaml(tmp_path, broken))
    assert set(problems) == {
        "learning_outcomes[2].text",
        "learning_outcomes[4].category",
        "level.eqf",
        "country",
        "languages[1]",
        "assessment.types[1]",
        "participation",
        "homepage",
        "id",
        "awarding_bodies[0].email",
        "quality_assurance.external[0].decision_date",
        "workload.ects",
    }
    assert "did you mean 'skills'" in problems["learning_outcomes[4].category"]
    assert "out of range (1–8)" in problems["level.eqf"]
    assert "online, onsite, blended" in problems["participation"]
    assert "ISO 8601" in problems["quality_assurance.external[0].decision_date"]


def test_nothing_is_returned_when_only_the_profile_fails(tmp_path: Path, document: dict) -> None:
    broken = copy.deepcopy(document)
    broken["level"]["nqf"] = 5
    problems = spec_problems(write_yaml(tmp_path, broken))
    assert set(problems) == {"level.nqf"}


def test_plain_string_means_english(tmp_path: Path, document: dict) -> None:
    changed = copy.deepcopy(document)
    changed["title"] = "AI for Research"
    changed["prerequisites"] = "English B2"
    spec = read_spec(write_yaml(tmp_path, changed))
    assert dict(spec.title) == {"en": "AI for Research"}
    assert dict(spec.prerequisites or {}) == {"en": "English B2"}


def test_multilingual_problems(tmp_path: Path, document: dict) -> None:
    broken = copy.deepcopy(document)
    broken["title"] = {"en": "Title", "xx": "?", "ka": "  "}
    broken["description"] = {}
    problems = spec_problems(write_yaml(tmp_path, broken))
    assert "not an ISO 639-1" in problems["title.xx"]
    assert problems["title.ka"] == "must not be empty"
    assert "language codes mapped to text" in problems["description"]


def test_yaml_pitfalls_are_explained(tmp_path: Path) -> None:
    text = EXAMPLE_SPEC.read_text(encoding="utf-8")
    text = text.replace('isced_f: "0111"', "isced_f: 0111")
    text = text.replace("  en: AI for Enhancing", "  no: Norsk tittel\n  en: AI for Enhancing", 1)
    path = tmp_path / "spec.yml"
    path.write_text(text, encoding="utf-8")
    problems = spec_problems(path)
    assert "the number 73; put the value in quotes" in problems["isced_f"]
    assert "quote codes such as 'no'" in problems["title.False"]


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    text = EXAMPLE_SPEC.read_text(encoding="utf-8")
    path.write_text(text.replace("region: Tbilisi\n", "region: Tbilisi\nregion: Kutaisi\n", 1))
    problems = spec_problems(path)
    assert "key 'region' is given twice" in problems[FILE_FIELD]


def test_json_spec_reads_like_yaml(tmp_path: Path, document: dict, spec: MicroCredentialSpec):
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(document, default=str, ensure_ascii=False), encoding="utf-8")
    from_json = read_spec(path)
    assert from_json.title == spec.title
    assert from_json.quality_assurance == spec.quality_assurance
    assert from_json.workload == spec.workload


def test_duplicate_json_key_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text('{"id": "urn:x:1", "id": "urn:x:2"}', encoding="utf-8")
    assert "key 'id' is given twice" in spec_problems(path)[FILE_FIELD]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("spec.txt", b"id: urn:x", "expected a .yaml, .yml or .json file"),
        ("spec.yaml", b"", "the file is empty"),
        ("spec.yaml", b"- a\n- list\n", "expected a mapping of fields, got a list"),
        ("spec.yaml", b"title: [unclosed\n", "not valid YAML"),
        ("spec.yaml", b"title: caf\xe9\n", "not UTF-8 text (line 1)"),
        ("spec.yaml", b"#" * (readers.MAX_SPEC_BYTES + 1), "larger than the limit of 1 MiB"),
    ],
)
def test_file_level_problems(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert expected in spec_problems(path)[FILE_FIELD]


def test_missing_file_is_a_record_error(tmp_path: Path) -> None:
    assert "cannot read the file" in spec_problems(tmp_path / "absent.yaml")[FILE_FIELD]


def test_unknown_profile_is_a_problem_on_profile(tmp_path: Path, document: dict) -> None:
    broken = copy.deepcopy(document)
    broken["profile"] = "FR"
    problems = spec_problems(write_yaml(tmp_path, broken))
    assert problems["profile"].startswith("unknown national profile 'FR'; known: ")


def test_profile_defaults_to_eu(tmp_path: Path, document: dict) -> None:
    changed = copy.deepcopy(document)
    del changed["profile"]
    assert read_spec(write_yaml(tmp_path, changed)).profile == "EU"


def test_quality_assurance_needs_internal_or_external(tmp_path: Path, document: dict) -> None:
    broken = copy.deepcopy(document)
    broken["quality_assurance"] = {"external": []}
    problems = spec_problems(write_yaml(tmp_path, broken))
    assert "at least one external accreditation" in problems["quality_assurance"]


def test_accreditation_checks(tmp_path: Path, document: dict) -> None:
    broken = copy.deepcopy(document)
    external = broken["quality_assurance"]["external"][0]
    external["expiry_date"] = external["decision_date"]
    external["type"] = "licence"
    del external["agency"]["country"]
    problems = spec_problems(write_yaml(tmp_path, broken))
    assert set(problems) == {
        "quality_assurance.external[0].type",
        "quality_assurance.external[0].agency.country",
    }  # expiry is compared only once the rest of the accreditation is valid
    external["type"] = "programme-licence"
    external["agency"]["country"] = "ge"
    problems = spec_problems(write_yaml(tmp_path, broken))
    expiry = "quality_assurance.external[0].expiry_date"
    assert problems == {expiry: "2025-06-30 is not after decision_date 2025-06-30"}


def test_country_alpha3_gets_a_hint(tmp_path: Path, document: dict) -> None:
    broken = copy.deepcopy(document)
    broken["awarding_bodies"][0]["country"] = "GEO"
    problems = spec_problems(write_yaml(tmp_path, broken))
    assert problems["awarding_bodies[0].country"].endswith("use 'GE' instead")


def test_lists_need_items_and_no_repeats(tmp_path: Path, document: dict) -> None:
    broken = copy.deepcopy(document)
    broken["learning_outcomes"] = []
    broken["assessment"]["types"] = ["quiz", "quiz"]
    broken["languages"] = "ka"
    problems = spec_problems(write_yaml(tmp_path, broken))
    assert problems["learning_outcomes"] == "at least 1 item(s) required"
    assert problems["assessment.types[1]"] == "'quiz' is listed twice"
    assert problems["languages"] == "expected a list, got 'ka'"


# ---- learners CSV ----------------------------------------------------------------------------


def test_semicolon_csv_with_bom_as_excel_saves_it(tmp_path: Path, spec: MicroCredentialSpec):
    header = ";".join(
        name.upper() for name in LEARNER_COLUMNS[:9]
    )  # the optional last two left out
    path = write_csv(
        tmp_path,
        header,
        "S1;Nino;Beridze;nino@example.edu.ge;1999-02-21;00000000001;ge;A (91);2025-10-15",
        ";;;;;;;;",
        '"S2";"Giorgi";"Kapanadze";;;;;"Pass";',
        encoding="utf-8-sig",
    )
    first, second = read_learners(path, spec)
    assert (first.learner_id, first.national_id_country, first.grade) == ("S1", "GE", "A (91)")
    assert first.date_of_birth == date(1999, 2, 21)
    assert (second.row, second.email, second.completion_date) == (3, None, None)


def test_tab_separated_csv(tmp_path: Path, spec: MicroCredentialSpec) -> None:
    path = write_csv(tmp_path, "learner_id\tgiven_name\tfamily_name", "S1\tNino\tBeridze")
    assert [learner.full_name for learner in read_learners(path, spec)] == ["Nino Beridze"]


def test_spec_with_unregistered_profile_rejects_the_batch(tmp_path: Path, spec) -> None:
    path = write_csv(tmp_path, HEADER, row("S1"))
    with pytest.raises(BatchRejected) as caught:
        read_learners(path, replace(spec, profile="XX"))
    assert [(p.file, p.field) for p in caught.value.problems] == [(spec.source, "profile")]


def test_only_the_three_identity_columns_are_required(tmp_path: Path, spec):
    path = write_csv(tmp_path, "family_name,learner_id,given_name", "Beridze,S1,Nino")
    (learner,) = read_learners(path, spec)
    assert (learner.full_name, learner.email, learner.grade) == ("Nino Beridze", None, None)


def test_rows_count_data_records_and_lines_count_the_file(tmp_path: Path, spec):
    path = write_csv(
        tmp_path, HEADER, row("S1", grade='"A\n(91)"'), row("S2", email="nino@"), row("S1")
    )
    problems = batch_problems(path, spec)
    assert [(p.row, p.field) for p in problems] == [
        (1, "grade"),
        (2, "email"),
        (3, "learner_id"),
    ]
    assert problems[0].message.endswith("(row 1 is line 2 of the file)")
    assert problems[1].message.endswith("(row 2 is line 4 of the file)")
    assert str(problems[2]).startswith(f"{path}, row 3, field 'learner_id': 'S1' is already on")


def test_date_and_identity_rules(tmp_path: Path, spec: MicroCredentialSpec) -> None:
    path = write_csv(
        tmp_path,
        HEADER,
        row("S1", date_of_birth="2026-01-01", completion_date="2025-10-15"),
        row("S2", national_id_country="GE"),
        row("S3", national_id="X1"),
        row("S4", date_of_birth="15/10/2025"),
        row("", given_name=""),
    )
    problems = {(p.row, p.field): p.message for p in batch_problems(path, spec)}
    assert problems[1, "date_of_birth"].startswith("2026-01-01 is not before completion_date")
    assert problems[2, "national_id"].startswith("required when national_id_country is given")
    assert problems[3, "national_id_country"].startswith("required when national_id is given")
    assert "YYYY-MM-DD" in problems[4, "date_of_birth"]
    assert problems[5, "learner_id"].startswith("required value is empty")
    assert problems[5, "given_name"].startswith("required value is empty")


def test_profile_learner_rule_applies(tmp_path: Path, spec: MicroCredentialSpec) -> None:
    path = write_csv(tmp_path, HEADER, row("S1", national_id="123", national_id_country="GE"))
    (problem,) = batch_problems(path, spec)
    assert (problem.row, problem.field) == (1, "national_id")
    assert "11 digits" in problem.message


def test_header_problems(tmp_path: Path, spec: MicroCredentialSpec) -> None:
    path = write_csv(tmp_path, "learner_id,given_name,emial,email,email", "S1,Nino,a,b,c")
    problems = {p.field: p.message for p in batch_problems(path, spec)}
    assert problems["emial"].startswith("unknown column (did you mean 'email'?)")
    assert problems["email"] == "the column is given twice"
    assert problems["family_name"] == "required column is missing from the header"
    assert all(p.row is None for p in batch_problems(path, spec))


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ((), "the file is empty"),
        (("   ",), "the file is empty"),
        (("S1,Nino,Beridze",), "no header: line 1 must name the columns: learner_id, given_name"),
        ((HEADER,), "no learners: the file has a header but no data rows"),
        ((HEADER, ",,,,,,,,"), "no learners"),
    ],
)
def test_empty_or_headerless_files(tmp_path: Path, spec, lines: tuple[str, ...], expected: str):
    path = tmp_path / "learners.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    (problem,) = batch_problems(path, spec)
    assert problem.field == FILE_FIELD
    assert expected in problem.message


def test_non_utf8_file_names_the_line(tmp_path: Path, spec: MicroCredentialSpec) -> None:
    path = write_csv(tmp_path, HEADER, row("S1"), row("S2", family_name="Muñoz"), encoding="cp1252")
    (problem,) = batch_problems(path, spec)
    assert "not UTF-8 text (line 3)" in problem.message


def test_size_and_row_bounds(tmp_path: Path, spec, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_csv(tmp_path, HEADER, row("S1"), row("S2"), row("S3"))
    monkeypatch.setattr(learners_module, "MAX_LEARNER_ROWS", 2)
    (problem,) = batch_problems(path, spec)
    assert problem.message == "more than 2 learners in one batch"
    monkeypatch.setattr(learners_module, "MAX_LEARNERS_BYTES", 1 << 20)
    path.write_bytes(b"x" * ((1 << 20) + 1))
    (problem,) = batch_problems(path, spec)
    assert "larger than the limit of 1 MiB" in problem.message


def test_malformed_quoting_is_reported(tmp_path: Path, spec: MicroCredentialSpec) -> None:
    path = write_csv(tmp_path, HEADER, 'S1,"Nino"x,Beridze,,,,,,')
    (problem,) = batch_problems(path, spec)
    assert problem.field == FILE_FIELD
    assert problem.message.startswith("unreadable CSV at line 2")


# ---- bidirectional controls, award dates, learner DIDs ------------------------------------


@pytest.mark.parametrize("mark", ["\u202a", "\u202e", "\u2066", "\u2069", "\u200e", "\u061c"])
def test_a_bidi_control_anywhere_in_the_spec_is_reported_at_its_path(
    tmp_path: Path, document: dict, mark: str
) -> None:
    changed = copy.deepcopy(document)
    changed["title"]["ka"] = f"{mark}{changed['title']['ka']}"
    changed["learning_outcomes"][1]["text"]["en"] += mark
    changed["awarding_bodies"][0]["id"] += mark  # URIs too, not only display texts
    problems = spec_problems(write_yaml(tmp_path, changed))
    code = f"U+{ord(mark):04X}"
    for field in ("title.ka", "learning_outcomes[1].text.en", "awarding_bodies[0].id"):
        assert code in problems[field], (field, problems)


def test_a_bidi_control_in_a_key_is_reported(tmp_path: Path, document: dict) -> None:
    changed = copy.deepcopy(document)
    changed["workload"]["breakdown"] = {"lectures\u202e": 10}
    problems = spec_problems(write_yaml(tmp_path, changed))
    assert any("U+202E" in message for message in problems.values())


def test_a_bidi_control_in_any_cell_is_refused(tmp_path: Path, spec: MicroCredentialSpec) -> None:
    path = write_csv(
        tmp_path,
        HEADER,
        row("S1", family_name="Beridze\u202eezdireB"),
        row("S2", email="nino\u2066@example.ge"),
        row("S3", grade="A\u200f"),
        row("S4", learner_did="did:key:z6Mk\u202eabc"),
    )
    problems = {(p.row, p.field): p.message for p in batch_problems(path, spec)}
    assert "U+202E" in problems[1, "family_name"]
    assert "U+2066" in problems[2, "email"]
    assert "U+200F" in problems[3, "grade"]
    assert "U+202E" in problems[4, "learner_did"]
    assert len(problems) == 4


def test_learner_did_and_award_date_columns(tmp_path: Path, spec: MicroCredentialSpec) -> None:
    did = "did:web:wallet.example.ge:users:nino%20b"
    path = write_csv(
        tmp_path,
        HEADER,
        row("S1", learner_did=did, awarded_date="2025-10-20", completion_date="2025-10-15"),
        row("S2"),
    )
    first, second = read_learners(path, spec)
    assert (first.did, first.awarded_date) == (did, date(2025, 10, 20))
    assert (second.did, second.awarded_date) == (None, None)


def test_award_date_and_did_rules(tmp_path: Path, spec: MicroCredentialSpec) -> None:
    path = write_csv(
        tmp_path,
        HEADER,
        row("S1", awarded_date="2025-10-14", completion_date="2025-10-15"),
        row("S2", awarded_date="1999-02-21", date_of_birth="1999-02-21"),
        row("S3", awarded_date="20.10.2025"),
        row("S4", learner_did="did:key:z6Mk#z6Mk"),
        row("S5", learner_did="did:Key:abc"),
        row("S6", learner_did="did:key:" + "z" * 2050),
    )
    problems = {(p.row, p.field): p.message for p in batch_problems(path, spec)}
    assert problems[1, "awarded_date"] == "2025-10-14 is before completion_date 2025-10-15" + (
        " (row 1 is line 2 of the file)"
    )
    assert "is not after date_of_birth" in problems[2, "awarded_date"]
    assert "YYYY-MM-DD" in problems[3, "awarded_date"]
    assert "'#' fragment" in problems[4, "learner_did"]
    assert "is not a DID" in problems[5, "learner_did"]
    assert "longer than 2048" in problems[6, "learner_did"]
    assert len(problems) == 6
