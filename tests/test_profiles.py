"""National profiles: the registry, the permissive EU default and Georgia's rules (one failing
case per rule)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

import pytest
import yaml

from microcred.elm_models import profiles
from microcred.elm_models.profiles import (
    EuProfile,
    GeorgiaProfile,
    NationalProfile,
    get_profile,
    profile_codes,
    register_profile,
)
from microcred.elm_models.readers import read_spec
from microcred.elm_models.record import (
    Learner,
    Level,
    MicroCredentialSpec,
    QfEheaCycle,
    QualityAssurance,
    Workload,
)
from microcred.errors import FieldProblem, RecordError

EXAMPLE_SPEC = (
    Path(__file__).resolve().parents[1] / "examples/ai-research-skills/microcredential.yaml"
)


@pytest.fixture(scope="module")
def spec() -> MicroCredentialSpec:
    return read_spec(EXAMPLE_SPEC)


def fields(problems: list[FieldProblem]) -> list[str]:
    return [problem.field for problem in problems]


def with_workload(spec: MicroCredentialSpec, **changes: Any) -> MicroCredentialSpec:
    return replace(spec, workload=replace(spec.workload, **changes))


def with_level(spec: MicroCredentialSpec, **changes: Any) -> MicroCredentialSpec:
    return replace(spec, level=replace(spec.level, **changes))


# ---- registry --------------------------------------------------------------------------------


def test_public_surface_is_exactly_all() -> None:
    public = {name for name in vars(profiles) if not name.startswith("_")}
    assert public - {"annotations", "eu", "ge"} == set(profiles.__all__)


def test_built_in_profiles_are_registered() -> None:
    assert {"EU", "GE"} <= set(profile_codes())
    assert isinstance(get_profile("EU"), EuProfile)
    assert isinstance(get_profile("GE"), GeorgiaProfile)


def test_unknown_code_names_the_known_ones() -> None:
    with pytest.raises(LookupError, match=r"unknown national profile 'XX'; known: .*EU, GE"):
        get_profile("XX")


class _NoGradeless(NationalProfile):
    """A test profile: every award must state the grading scheme."""

    code: ClassVar[str] = "ZZ"
    name: ClassVar[str] = "Test country"

    def check(self, spec: MicroCredentialSpec) -> list[FieldProblem]:
        if spec.grading_scheme:
            return []
        return [FieldProblem(spec.source, "grading_scheme", "required in ZZ")]


def test_registered_profile_is_applied_by_the_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(profiles, "_registry", dict(profiles._registry))
    register_profile(_NoGradeless())
    document = yaml.safe_load(EXAMPLE_SPEC.read_text(encoding="utf-8"))
    document["profile"] = "ZZ"
    assert read_spec(_dump(tmp_path, document)).profile == "ZZ"
    del document["grading_scheme"]
    with pytest.raises(RecordError) as caught:
        read_spec(_dump(tmp_path, document))
    assert fields(caught.value.problems) == ["grading_scheme"]


def test_registering_a_code_twice_needs_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(profiles, "_registry", dict(profiles._registry))
    with pytest.raises(ValueError, match="'GE' is already registered"):
        register_profile(GeorgiaProfile())
    first, second = _NoGradeless(), _NoGradeless()
    register_profile(first)
    register_profile(second, replace=True)
    assert get_profile("ZZ") is second


def _dump(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


# ---- EU --------------------------------------------------------------------------------------


def test_eu_accepts_the_example(spec: MicroCredentialSpec) -> None:
    assert EuProfile().check(spec) == []


def test_eu_accepts_ects_alone(spec: MicroCredentialSpec) -> None:
    assert EuProfile().check(replace(spec, workload=Workload(ects=3))) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ects": 61.0, "hours": None}, "workload.ects", "more than a full academic year"),
        (
            {"hours": 140, "breakdown": {}},
            "workload.hours",
            "140 h for 7 ECTS is 20.0 h per credit",
        ),
        (
            {"hours_per_ects": 35, "hours": None},
            "workload.hours_per_ects",
            "outside the ECTS range of 25–30",
        ),
        ({"hours_per_ects": 30}, "workload.hours", "175 h does not match 7 ECTS × 30 h"),
        ({"breakdown": MappingProxyType({"webinars": 170})}, "workload.breakdown", "170 h"),
    ],
)
def test_eu_workload_sanity(spec, changes: dict, field: str, message: str) -> None:
    (problem,) = EuProfile().check(with_workload(spec, **changes))
    assert problem.field == field
    assert message in problem.message
    assert problem.file == spec.source


def test_eu_allows_rounding_of_fractional_credits(spec: MicroCredentialSpec) -> None:
    assert EuProfile().check(with_workload(spec, ects=2.5, hours=63, breakdown={})) == []


# ---- Georgia ---------------------------------------------------------------------------------


def test_georgia_accepts_the_example(spec: MicroCredentialSpec) -> None:
    assert GeorgiaProfile().check(spec) == []


def test_georgia_accepts_level_6_first_cycle(spec: MicroCredentialSpec) -> None:
    level_6 = replace(spec, level=Level(eqf=6, nqf=6, qf_ehea_cycle=QfEheaCycle.FIRST))
    assert GeorgiaProfile().check(level_6) == []


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ({"nqf": None}, ["level.nqf"]),
        ({"nqf": 5, "eqf": 5}, ["level.nqf"]),
        ({"nqf": 8, "eqf": 8, "qf_ehea_cycle": QfEheaCycle.THIRD}, ["level.nqf"]),
        ({"eqf": 6}, ["level.eqf"]),
        ({"qf_ehea_cycle": QfEheaCycle.FIRST}, ["level.qf_ehea_cycle"]),
        ({"qf_ehea_cycle": None}, ["level.qf_ehea_cycle"]),
    ],
)
def test_georgia_level_rules(spec, level: dict, expected: list[str]) -> None:
    problems = GeorgiaProfile().check(with_level(spec, **level))
    assert fields(problems) == expected
    assert all(problem.message.startswith("Georgian profile: ") for problem in problems)


@pytest.mark.parametrize(
    ("workload", "expected"),
    [
        ({"ects": 0.5, "hours": 13, "hours_per_ects": 26, "breakdown": {}}, ["workload.ects"]),
        ({"ects": 31.0, "hours": 775, "breakdown": {}}, ["workload.ects"]),
        ({"hours_per_ects": None}, ["workload.hours_per_ects"]),
        ({"hours": None}, ["workload.hours"]),
        ({"hours_per_ects": 24}, ["workload.hours_per_ects", "workload.hours"]),
        ({"hours": 180, "breakdown": {}}, ["workload.hours"]),
        (
            {"breakdown": MappingProxyType({"webinars": 50, "self-study": 100})},
            ["workload.breakdown"],
        ),
    ],
)
def test_georgia_workload_rules(spec, workload: dict, expected: list[str]) -> None:
    assert fields(GeorgiaProfile().check(with_workload(spec, **workload))) == expected


def test_georgia_rate_message_names_the_expected_hours(spec: MicroCredentialSpec) -> None:
    (problem,) = GeorgiaProfile().check(with_workload(spec, hours=180, breakdown={}))
    assert "180 h does not match 7 ECTS × 25 h per credit = 175 h" in problem.message


def test_georgia_requires_an_external_accreditation(spec: MicroCredentialSpec) -> None:
    internal_only = replace(spec, quality_assurance=QualityAssurance(internal={"en": "QA"}))
    (problem,) = GeorgiaProfile().check(internal_only)
    assert problem.field == "quality_assurance.external"
    assert "NCEQE" in problem.message


def test_georgia_requires_a_georgian_agency(spec: MicroCredentialSpec) -> None:
    accreditation = spec.quality_assurance.external[0]
    foreign = replace(accreditation, agency=replace(accreditation.agency, country="DE"))
    qa = replace(spec.quality_assurance, external=(foreign,))
    (problem,) = GeorgiaProfile().check(replace(spec, quality_assurance=qa))
    assert "none of the accreditations is by a Georgian agency" in problem.message


def test_georgia_requires_a_georgian_issuer(spec: MicroCredentialSpec) -> None:
    assert fields(GeorgiaProfile().check(replace(spec, country="AM"))) == ["country"]


@pytest.mark.parametrize(
    ("national_id", "country", "ok"),
    [
        ("01001012345", "GE", True),
        ("0100101234", "GE", False),
        ("0100101234X", "GE", False),
        ("AB123", "DE", True),
        (None, None, True),
    ],
)
def test_georgia_personal_number(national_id: str | None, country: str | None, ok: bool) -> None:
    learner = Learner(
        row=4,
        learner_id="S1",
        given_name="Nino",
        family_name="Beridze",
        national_id=national_id,
        national_id_country=country,
    )
    problems = GeorgiaProfile().check_learner(learner, "learners.csv")
    assert (problems == []) is ok
    assert all((p.file, p.row, p.field) == ("learners.csv", 4, "national_id") for p in problems)


def test_eu_adds_no_learner_rules() -> None:
    learner = Learner(1, "S1", "Nino", "Beridze", national_id="1", national_id_country="GE")
    assert EuProfile().check_learner(learner, "learners.csv") == []
