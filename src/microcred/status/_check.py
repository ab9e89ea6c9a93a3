"""check_status: the Bitstring Status List validation algorithm, for one entry (verifier side).

Outcomes: ``valid`` / ``revoked`` / ``suspended`` when the list was checked; ``invalid`` when
something is provably wrong (list signature does not verify, list unsigned, purposes differ,
list too short, index out of range, malformed values); ``unverifiable`` when the status
could not be established (key not resolvable, list expired or not yet valid, list issued by
someone not trusted for this credential, unsupported purpose or status size).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from microcred.keys import DidResolver
from microcred.proofs import ProofResult, signed_form_problem, verify_proofs
from microcred.status._bitstring import MIN_LIST_SIZE, decode_list
from microcred.status._documents import (
    ENTRY_TYPE,
    LIST_CREDENTIAL_TYPE,
    LIST_SUBJECT_TYPE,
    STATUS_PURPOSES,
)

StatusOutcome = Literal["valid", "revoked", "suspended", "unverifiable", "invalid"]

# VC 1.1-era predecessor: same bits and rules, other type names, encodedList without "u".
_LEGACY_ENTRY_TYPE = "StatusList2021Entry"
_TYPES_BY_ENTRY = {
    ENTRY_TYPE: (LIST_CREDENTIAL_TYPE, LIST_SUBJECT_TYPE),
    _LEGACY_ENTRY_TYPE: ("StatusList2021Credential", "StatusList2021"),
}
_VERIFICATION = "STATUS_VERIFICATION_ERROR"
_SET_BIT_OUTCOME: dict[str, StatusOutcome] = {"revocation": "revoked", "suspension": "suspended"}


@dataclass(frozen=True)
class StatusCheck:
    """The status of one credential for one purpose, why, and the BSL error code if any."""

    outcome: StatusOutcome
    reason: str
    code: str | None = None


@dataclass(frozen=True)
class _Entry:
    kind: str
    purpose: str
    index: int
    list_url: str
    size: int = 1
    messages: Mapping[int, str] | None = None


class _Stop(Exception):
    def __init__(self, outcome: StatusOutcome, reason: str, code: str | None = None) -> None:
        super().__init__(reason)
        self.check = StatusCheck(outcome, reason, code)


def check_status(
    entry: Mapping[str, Any],
    list_credential: Mapping[str, Any],
    *,
    resolver: DidResolver,
    now: datetime,
    credential_issuer: str | None = None,
    trusted_list_issuers: Collection[str] = (),
    loader: Callable[..., Any] | None = None,
    min_entries: int = MIN_LIST_SIZE,
) -> StatusCheck:
    """Check ``entry`` (one ``credentialStatus`` object) against its fetched list credential.

    The list's proofs are verified with ``resolver`` (its key controller must be the list's
    issuer). When ``credential_issuer`` is given, the list's issuer must equal it or be in
    ``trusted_list_issuers``. Fetching the list is the caller's job (from a configured
    location only); neither argument is modified. ``min_entries`` is BSL's 131,072 unless an
    ecosystem sets a lower bound (BSL 3.2 allows one).
    """
    try:
        parsed = _parse_entry(entry)
        _check_list_proofs(list_credential, resolver, loader)
        _check_list_signed_form(list_credential)
        subject = _list_subject(list_credential, parsed.kind)
        _check_validity_period(list_credential, now)
        _check_list_issuer(list_credential, credential_issuer, trusted_list_issuers)
        _check_purpose_match(parsed, subject)
        return _bit_outcome(parsed, subject, min_entries)
    except _Stop as stop:
        return stop.check


def _parse_entry(entry: Mapping[str, Any]) -> _Entry:
    if not isinstance(entry, Mapping):
        raise _Stop("invalid", "credentialStatus is not a JSON object", "MALFORMED_VALUE_ERROR")
    # ELM types its entry also as elm:CredentialStatus, so the type may be a list.
    kinds = [kind for kind in _as_list(entry.get("type")) if kind in _TYPES_BY_ENTRY]
    kind = kinds[0] if kinds else entry.get("type")
    if not kinds:
        raise _Stop("unverifiable", f"unsupported credentialStatus type {kind!r}")
    purpose = entry.get("statusPurpose")
    if purpose not in (*STATUS_PURPOSES, "message"):
        raise _Stop("unverifiable", f"unsupported statusPurpose {purpose!r}")
    size, messages = _size_and_messages(entry)
    list_url = entry.get("statusListCredential")
    if not isinstance(list_url, str) or not list_url:
        raise _Stop("invalid", "statusListCredential is missing", "MALFORMED_VALUE_ERROR")
    index = _parse_index(entry.get("statusListIndex"))
    return _Entry(str(kind), str(purpose), index, list_url, size, messages)


def _size_and_messages(entry: Mapping[str, Any]) -> tuple[int, Mapping[int, str] | None]:
    """statusSize (default 1) and, when it is more than 1, the required statusMessage table."""
    size = entry.get("statusSize", 1)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 8:
        raise _Stop("invalid", f"statusSize {size!r} is not 1..8", "MALFORMED_VALUE_ERROR")
    if size == 1:
        return 1, None
    table = entry.get("statusMessage")
    if not isinstance(table, list) or len(table) != 2**size:
        raise _Stop(
            "invalid",
            f"statusSize {size} needs {2**size} statusMessage entries",
            "MALFORMED_VALUE_ERROR",
        )
    try:
        messages = {int(item["status"], 16): str(item["message"]) for item in table}
    except (KeyError, TypeError, ValueError) as exc:
        raise _Stop("invalid", f"malformed statusMessage: {exc}", "MALFORMED_VALUE_ERROR") from exc
    return size, messages


def _parse_index(value: Any) -> int:
    # BSL wants a decimal string; 1EdTech's own sample uses a JSON integer, so accept both.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise _Stop("invalid", f"statusListIndex {value!r} is not a decimal", "MALFORMED_VALUE_ERROR")


def _check_list_proofs(
    list_credential: Mapping[str, Any], resolver: DidResolver, loader: Callable[..., Any] | None
) -> None:
    results = verify_proofs(list_credential, resolver, loader=loader)
    if not results:
        raise _Stop("invalid", "the status list credential is not signed", _VERIFICATION)
    invalid = [r for r in results if r.outcome == "invalid"]
    if invalid:
        raise _Stop("invalid", f"status list proof invalid: {_reasons(invalid)}", _VERIFICATION)
    if not any(r.valid for r in results):
        raise _Stop("unverifiable", f"status list proof not checked: {_reasons(results)}")


def _check_list_signed_form(list_credential: Mapping[str, Any]) -> None:
    # Its fields are read from the JSON (validUntil, encodedList): they must be the signed
    # graph's, not, say, a validUntil renamed to its full IRI that no reader finds.
    problem = signed_form_problem(list_credential)
    if problem is not None:
        raise _Stop("invalid", f"the status list is not its signed graph: {problem}", _VERIFICATION)


def _reasons(results: Sequence[ProofResult]) -> str:
    return "; ".join(r.reason for r in results)


def _list_subject(list_credential: Mapping[str, Any], entry_kind: str) -> Mapping[str, Any]:
    credential_type, subject_type = _TYPES_BY_ENTRY[entry_kind]
    if credential_type not in _as_list(list_credential.get("type")):
        raise _Stop("invalid", f"the status list is not a {credential_type}", _VERIFICATION)
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject_type not in _as_list(subject.get("type")):
        raise _Stop(
            "invalid", f"the list's credentialSubject is not a {subject_type}", _VERIFICATION
        )
    return subject


def _check_validity_period(list_credential: Mapping[str, Any], now: datetime) -> None:
    starts = _moment(list_credential, "validFrom", "issuanceDate")
    ends = _moment(list_credential, "validUntil", "expirationDate")
    if starts is not None and now < starts:
        raise _Stop("unverifiable", f"the status list is not valid before {starts.isoformat()}")
    if ends is not None and now >= ends:
        raise _Stop("unverifiable", f"the status list expired at {ends.isoformat()}")


def _moment(document: Mapping[str, Any], *names: str) -> datetime | None:
    for name in names:
        if name in document:
            return _parse_moment(name, document[name])
    return None


def _parse_moment(name: str, value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _Stop(
            "invalid", f"status list {name} {value!r} is not a dateTimeStamp", _VERIFICATION
        )
    return moment.astimezone(UTC)


def _check_list_issuer(
    list_credential: Mapping[str, Any], credential_issuer: str | None, trusted: Collection[str]
) -> None:
    issuer = list_credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if credential_issuer is None or issuer_id == credential_issuer or issuer_id in trusted:
        return
    raise _Stop(
        "unverifiable",
        f"status list issued by {issuer_id!r}, not by the credential's issuer "
        f"{credential_issuer!r} nor a trusted list issuer",
    )


def _check_purpose_match(entry: _Entry, subject: Mapping[str, Any]) -> None:
    if subject.get("statusPurpose") != entry.purpose:
        raise _Stop(
            "invalid",
            f"entry purpose {entry.purpose!r} differs from the list's "
            f"{subject.get('statusPurpose')!r}",
            _VERIFICATION,
        )


def _bit_outcome(entry: _Entry, subject: Mapping[str, Any], min_entries: int) -> StatusCheck:
    try:
        data = decode_list(subject.get("encodedList"))  # type: ignore[arg-type]
    except ValueError as exc:
        raise _Stop("invalid", f"encodedList: {exc}", "MALFORMED_VALUE_ERROR") from exc
    size = len(data) * 8 // entry.size
    if size < min_entries:
        raise _Stop(
            "invalid",
            f"the list has {size} entries, fewer than the minimum {min_entries}",
            "STATUS_LIST_LENGTH_ERROR",
        )
    if entry.index >= size:
        raise _Stop(
            "invalid", f"index {entry.index} is outside the list (0..{size - 1})", "RANGE_ERROR"
        )
    if entry.messages is not None:
        return _message_outcome(entry, data)
    if data[entry.index // 8] & (0x80 >> (entry.index % 8)):
        outcome = _SET_BIT_OUTCOME.get(entry.purpose)
        if outcome is None:  # e.g. a 1-bit "message" entry: a set bit has no known meaning
            return StatusCheck(
                "unverifiable",
                f"bit {entry.index} is set; purpose {entry.purpose!r} has no message table",
            )
        return StatusCheck(outcome, f"bit {entry.index} of {entry.list_url} is set ({outcome})")
    return StatusCheck("valid", f"bit {entry.index} of {entry.list_url} is not set")


_MESSAGE_OUTCOMES: dict[str, StatusOutcome] = {
    "valid": "valid",
    "revoked": "revoked",
    "suspended": "suspended",
}


def _message_outcome(entry: _Entry, data: bytes) -> StatusCheck:
    """Read ``entry.size`` bits, most significant first, and look up their message."""
    value = 0
    for bit in range(entry.index * entry.size, (entry.index + 1) * entry.size):
        value = (value << 1) | bool(data[bit // 8] & (0x80 >> (bit % 8)))
    assert entry.messages is not None
    message = entry.messages.get(value, "")
    outcome = _MESSAGE_OUTCOMES.get(message)
    where = f"entry {entry.index} of {entry.list_url} is {value:#x}"
    if outcome is None:
        return StatusCheck("unverifiable", f"{where}: message {message!r} has no known meaning")
    return StatusCheck(outcome, f"{where} ({message})")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
