"""The learners CSV: one row per learner of a batch, validated whole (``read_learners``)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Final

from microcred.elm_models.profiles import NationalProfile, get_profile
from microcred.elm_models.readers._files import FILE_FIELD, read_text
from microcred.elm_models.readers._parsers import (
    EMAIL,
    INVALID,
    ISO_DATE,
    Report,
    bidi_problem,
    parse_country,
    suggestion,
)
from microcred.elm_models.record import Learner, MicroCredentialSpec
from microcred.errors import BatchRejected, FieldProblem, RecordError

MAX_LEARNERS_BYTES: Final = 50 << 20  # 50 MiB
MAX_LEARNER_ROWS: Final = 100_000
LEARNER_COLUMNS: Final = (
    "learner_id",
    "given_name",
    "family_name",
    "email",
    "date_of_birth",
    "national_id",
    "national_id_country",
    "grade",
    "completion_date",
    "awarded_date",
    "learner_did",
)
REQUIRED_LEARNER_COLUMNS: Final = LEARNER_COLUMNS[:3]
#: The ``field`` of problems about a row as a whole (too many or too few values).
ROW_FIELD: Final = "(row)"

_COLUMNS = ", ".join(LEARNER_COLUMNS)
_DELIMITERS = (",", ";", "\t")  # comma; semicolon as Excel exports in many locales; tab
# The learner id becomes a path segment of the award's URL, so only unreserved URL characters.
_LEARNER_ID = re.compile(r"[A-Za-z0-9._~\-]{1,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX_CELL = 200
# DID Core 1.0 §3.1 (DID Syntax): did:<method-name>:<method-specific-id>, no path, query or
# fragment: the learner's DID, not one of its keys.
_DID = re.compile(
    r"did:[a-z0-9]+:(?:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+"
)
_MAX_DID = 2048


def _batch_error(path: Path, message: str, field: str = FILE_FIELD) -> BatchRejected:
    return BatchRejected([FieldProblem(str(path), field, message)])


def _first_record(text: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error:
        return []


def _header(path: Path, text: str) -> tuple[str, list[str]]:
    """The delimiter, and the normalised column names of the header line."""
    if not text.strip():
        raise _batch_error(path, f"the file is empty; line 1 must name the columns: {_COLUMNS}")
    for delimiter in _DELIMITERS:
        names = [name.strip().lower() for name in _first_record(text, delimiter)]
        if "learner_id" in names:
            return delimiter, names
    raise _batch_error(path, f"no header: line 1 must name the columns: {_COLUMNS}")


def _header_problems(path: Path, names: list[str]) -> list[FieldProblem]:
    file, problems = str(path), []
    for index, name in enumerate(names):
        if name not in LEARNER_COLUMNS:
            problems.append(
                FieldProblem(
                    file,
                    name or f"(column {index + 1})",
                    f"unknown column{suggestion(name, LEARNER_COLUMNS)}; known: {_COLUMNS}",
                )
            )
        elif name in names[:index]:
            problems.append(FieldProblem(file, name, "the column is given twice"))
    problems.extend(
        FieldProblem(file, name, "required column is missing from the header")
        for name in REQUIRED_LEARNER_COLUMNS
        if name not in names
    )
    return problems


def _data_rows(reader: Any) -> Iterator[tuple[int, int, list[str]]]:
    """(row, line, cells): rows count data records from 1; lines count the file's lines."""
    line = reader.line_num + 1
    for row, cells in enumerate(reader, start=1):
        yield row, line, cells
        line = reader.line_num + 1


def _plain_text_problem(value: str) -> str | None:
    if len(value) > _MAX_CELL:
        return f"longer than {_MAX_CELL} characters"
    return "contains a line break or control character" if _CONTROL.search(value) else None


def _date_problem(value: str) -> str | None:
    if ISO_DATE.fullmatch(value):
        try:
            date.fromisoformat(value)
            return None
        except ValueError:
            return f"{value!r} is not a calendar date"
    return f"{value!r} is not an ISO 8601 date YYYY-MM-DD; spreadsheet programs may reformat dates"


def _country_problem(value: str) -> str | None:
    report = Report("")
    return None if parse_country(value, "", report) is not INVALID else report.problems[0].message


def _learner_id_problem(value: str) -> str | None:
    if _LEARNER_ID.fullmatch(value):
        return None
    return f"{value!r}: use at most 64 letters, digits, '.', '_', '~' or '-' (it goes into a URL)"


def _did_problem(value: str) -> str | None:
    if len(value) > _MAX_DID:
        return f"longer than {_MAX_DID} characters"
    if _DID.fullmatch(value):
        return None
    return (
        f"{value!r} is not a DID (did:<method>:<identifier>, e.g. did:key:z6Mk…); "
        "give the learner's wallet DID without a '#' fragment"
    )


def _email_problem(value: str) -> str | None:
    return None if EMAIL.fullmatch(value) else f"{value!r} is not an e-mail address"


_CELL_RULES: Mapping[str, Callable[[str], str | None]] = {
    "learner_id": _learner_id_problem,
    "given_name": _plain_text_problem,
    "family_name": _plain_text_problem,
    "email": _email_problem,
    "date_of_birth": _date_problem,
    "national_id": _plain_text_problem,
    "national_id_country": _country_problem,
    "grade": _plain_text_problem,
    "completion_date": _date_problem,
    "awarded_date": _date_problem,
    "learner_did": _did_problem,
}


def _cell_problems(values: Mapping[str, str]) -> list[tuple[str, str]]:
    problems = []
    for column, value in values.items():
        if not value:
            if column in REQUIRED_LEARNER_COLUMNS:
                problems.append((column, "required value is empty"))
            continue
        message = bidi_problem(value) or _CELL_RULES[column](value)
        if message is not None:
            problems.append((column, message))
    return problems


def _pairing_problems(values: Mapping[str, str]) -> list[tuple[str, str]]:
    problems = []
    if values["national_id"] and not values["national_id_country"]:
        problems.append(("national_id_country", "required when national_id is given"))
    if values["national_id_country"] and not values["national_id"]:
        problems.append(("national_id", "required when national_id_country is given"))
    born, completed = values["date_of_birth"], values["completion_date"]
    both_valid = born and completed and not (_date_problem(born) or _date_problem(completed))
    if both_valid and born >= completed:  # ISO dates compare correctly as text
        problems.append(("date_of_birth", f"{born} is not before completion_date {completed}"))
    awarded = values["awarded_date"]
    for other, must_follow in (("completion_date", False), ("date_of_birth", True)):
        earlier = values[other]
        if not (awarded and earlier) or _date_problem(awarded) or _date_problem(earlier):
            continue
        if awarded < earlier or (must_follow and awarded == earlier):
            relation = "is not after" if must_follow else "is before"
            problems.append(("awarded_date", f"{awarded} {relation} {other} {earlier}"))
    return problems


def _duplicate_problems(
    learner_id: str, row: int, first_row_of: dict[str, int]
) -> list[tuple[str, str]]:
    if not learner_id:
        return []
    first = first_row_of.setdefault(learner_id, row)
    return [] if first == row else [("learner_id", f"{learner_id!r} is already on row {first}")]


def _row_values(names: list[str], cells: list[str]) -> dict[str, str]:
    values = dict.fromkeys(LEARNER_COLUMNS, "")
    values.update((name, cell.strip()) for name, cell in zip(names, cells, strict=True))
    values["national_id_country"] = values["national_id_country"].upper()
    return values


def _learner(row: int, values: Mapping[str, str]) -> Learner:
    def optional_date(column: str) -> date | None:
        return date.fromisoformat(values[column]) if values[column] else None

    return Learner(
        row=row,
        learner_id=values["learner_id"],
        given_name=values["given_name"],
        family_name=values["family_name"],
        email=values["email"] or None,
        date_of_birth=optional_date("date_of_birth"),
        national_id=values["national_id"] or None,
        national_id_country=values["national_id_country"] or None,
        grade=values["grade"] or None,
        completion_date=optional_date("completion_date"),
        awarded_date=optional_date("awarded_date"),
        did=values["learner_did"] or None,
    )


class _Batch:
    """The learners read so far, every problem found, and the first row of each learner_id."""

    def __init__(self, path: Path, names: list[str], profile: NationalProfile) -> None:
        self.file, self.names, self.profile = str(path), names, profile
        self.learners: list[Learner] = []
        self.report = Report(self.file)
        self.first_row_of: dict[str, int] = {}

    def add_row(self, row: int, line: int, cells: list[str]) -> None:
        where = f" (row {row} is line {line} of the file)"
        for field, message in self._row_problems(row, cells):
            self.report.add(field, message + where, row)

    def _row_problems(self, row: int, cells: list[str]) -> list[tuple[str, str]]:
        if len(cells) != len(self.names):
            return [(ROW_FIELD, f"{len(cells)} values, but the header has {len(self.names)}")]
        values = _row_values(self.names, cells)
        problems = (
            _cell_problems(values)
            + _pairing_problems(values)
            + _duplicate_problems(values["learner_id"], row, self.first_row_of)
        )
        if problems:
            return problems
        learner = _learner(row, values)
        self.learners.append(learner)
        return [(p.field, p.message) for p in self.profile.check_learner(learner, self.file)]


def _read_rows(path: Path, text: str, delimiter: str, batch: _Batch) -> None:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    next(reader)  # the header, already checked
    try:
        for row, line, cells in _data_rows(reader):
            if row > MAX_LEARNER_ROWS:
                raise _batch_error(path, f"more than {MAX_LEARNER_ROWS} learners in one batch")
            if any(cell.strip() for cell in cells):  # skip blank lines, rows of empty cells
                batch.add_row(row, line, cells)
    except csv.Error as exc:
        batch.report.add(FILE_FIELD, f"unreadable CSV at line {reader.line_num}: {exc}")


def _read_text_for_batch(path: Path) -> str:
    try:
        return read_text(path, MAX_LEARNERS_BYTES)
    except RecordError as exc:
        raise BatchRejected(exc.problems) from exc


def _profile_of(spec: MicroCredentialSpec) -> NationalProfile:
    try:
        return get_profile(spec.profile)
    except LookupError as exc:  # only for a spec built by hand: read_spec checks the code
        raise BatchRejected([FieldProblem(spec.source, "profile", str(exc.args[0]))]) from exc


def read_learners(path: Path, spec: MicroCredentialSpec) -> list[Learner]:
    """Every learner of the CSV at ``path``, validated, and checked by ``spec``'s profile.

    Raises ``BatchRejected`` listing every problem if the file or any row is invalid: a batch
    is signed whole or not at all.
    """
    text = _read_text_for_batch(path)
    delimiter, names = _header(path, text)
    problems = _header_problems(path, names)
    if problems:
        raise BatchRejected(problems)
    batch = _Batch(path, names, _profile_of(spec))
    _read_rows(path, text, delimiter, batch)
    if batch.report.problems:
        raise BatchRejected(batch.report.problems)
    if not batch.learners:
        raise _batch_error(path, "no learners: the file has a header but no data rows")
    return batch.learners
