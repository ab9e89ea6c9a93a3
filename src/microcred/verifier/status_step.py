"""The status step: is the credential revoked or suspended (now, or as of a past date)?

Status lists come only from a configured place (a directory of published lists, or a
trust bundle); nothing is fetched. "As of date D" uses the last list version whose
anchor on the ledger is at or before D, so the answer cannot be rewritten afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from microcred.chain import verify_inclusion
from microcred.chain.anchor_proof import anchor_proofs, credential_leaf, decode_anchor_proof
from microcred.errors import MicrocredError
from microcred.status import StatusCheck, check_status
from microcred.verifier.inputs import ParsedCredential, as_list, checked_view
from microcred.verifier.list_freshness import check_list_freshness
from microcred.verifier.policy import VerificationPolicy
from microcred.verifier.report import StepResult, StepStatus
from microcred.verifier.steps import issuer_id, unchecked

PASS, FAIL, ERROR, SKIPPED = StepStatus.PASS, StepStatus.FAIL, StepStatus.ERROR, StepStatus.SKIPPED
_MAX_LIST_BYTES = 2_000_000


class StatusListSource(Protocol):
    def versions(self, url: str) -> Sequence[Mapping[str, Any]]:
        """Every locally available version of the list credential published at ``url``."""
        ...


@dataclass(frozen=True)
class StatusDirectory:
    """Published lists as ``microcred status publish`` writes them: <id>.json, <id>/r<n>.json."""

    root: Path

    def versions(self, url: str) -> Sequence[Mapping[str, Any]]:
        """The current ``<id>.json``, then every ``<id>/r<n>.json`` by revision number."""
        name = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        if not name or name.startswith("."):
            return []
        revisions = sorted((self.root / name).glob("r*.json"), key=revision_number)
        paths = [self.root / f"{name}.json", *revisions]
        documents = (_read(path) for path in paths if path.is_file())
        return [doc for doc in documents if doc is not None and doc.get("id") == url]


@dataclass(frozen=True)
class StatusListFiles:
    """Lists a verifier was handed as files, each under the URL it was fetched from.

    This is how a third party's list is given: its ``id`` need not be its URL (BSL 2.2: the
    list MAY repeat the statusListCredential URL as its id), so the URL binds it.
    """

    files: Mapping[str, Path]

    def versions(self, url: str) -> Sequence[Mapping[str, Any]]:
        path = self.files.get(url)
        document = _read(path) if path is not None and path.is_file() else None
        return [] if document is None else [document]


@dataclass(frozen=True)
class StatusSources:
    """Several sources; the first that has versions of a list answers for it."""

    sources: Sequence[StatusListSource]

    def versions(self, url: str) -> Sequence[Mapping[str, Any]]:
        for source in self.sources:
            found = source.versions(url)
            if found:
                return found
        return []


def revision_number(path: Path) -> int:
    """n of a published ``<list id>/r<n>.json`` (-1 for any other name)."""
    number = path.stem.removeprefix("r")
    return int(number) if number.isdigit() else -1


def _read(path: Path) -> dict[str, Any] | None:
    if path.stat().st_size > _MAX_LIST_BYTES:
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def check_credential_status(credential: ParsedCredential, policy: VerificationPolicy) -> StepResult:
    document = checked_view(credential)
    if document is None:
        return unchecked("status")
    entries = as_list(document.get("credentialStatus"))
    if not entries:
        return StepResult("status", SKIPPED, "the credential has no credentialStatus")
    issuer = issuer_id(document)
    results = [status_entry_step(entry, issuer, policy) for entry in entries]
    worst = min(results, key=lambda r: [FAIL, ERROR, PASS].index(r.status))
    return worst


def status_entry_step(entry: Any, issuer: str | None, policy: VerificationPolicy) -> StepResult:
    """One ``credentialStatus`` entry of a credential issued by ``issuer``."""
    if policy.status_lists is None:
        return StepResult("status", ERROR, "no status list location configured: not checked")
    url = entry.get("statusListCredential") if isinstance(entry, Mapping) else None
    if not isinstance(url, str):
        return StepResult("status", FAIL, "credentialStatus names no statusListCredential")
    versions = policy.status_lists.versions(url)
    if not versions:
        return StepResult(
            "status",
            ERROR,
            f"status list {url} is not available locally (a status directory holds lists "
            "whose id is their URL; give another issuer's list with --status-list URL=FILE)",
        )
    if policy.status_as_of is None:
        chosen, moment, note = _latest(versions), policy.now, "current list"
    else:
        found = _version_in_force(versions, policy)
        if isinstance(found, StepResult):
            return found
        chosen, moment = found
        note = f"list version anchored {moment:%Y-%m-%dT%H:%M:%SZ}"
        moment = policy.status_as_of
    check = check_status(
        entry,
        chosen,
        resolver=policy.resolver,
        now=moment,
        credential_issuer=issuer,
        trusted_list_issuers=policy.trusted_issuers,
        min_entries=policy.min_status_list_entries,
    )
    note += _id_note(chosen, url)
    if check.outcome in ("invalid", "revoked", "unverifiable"):  # final, or freshness is moot
        return _result(check, note)
    fresh = check_list_freshness(url, chosen, issuer, policy.ledger, cutoff=policy.status_as_of)
    if isinstance(fresh, StepResult):
        return fresh
    return _result(check, f"{note}, {fresh}")


def _id_note(status_list: Mapping[str, Any], url: str) -> str:
    """Matched by URL; an id that differs is allowed (BSL 2.2 says the list MAY repeat it)."""
    list_id = status_list.get("id")
    if list_id is None or list_id == url:
        return ""
    return f"; the list's id {list_id} is not its URL, which BSL allows"


def _result(check: StatusCheck, note: str) -> StepResult:
    status = {"valid": PASS, "unverifiable": ERROR}.get(check.outcome, FAIL)
    details = {"outcome": check.outcome, **({"code": check.code} if check.code else {})}
    return StepResult("status", status, f"{check.outcome}: {check.reason} ({note})", details)


def _latest(versions: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    # Two versions published within one second share validFrom: sources list versions in
    # publication order, so the later one wins the tie.
    ranked = enumerate(versions)
    return max(ranked, key=lambda pair: (str(pair[1].get("validFrom", "")), pair[0]))[1]


def _version_in_force(
    versions: Sequence[Mapping[str, Any]], policy: VerificationPolicy
) -> tuple[Mapping[str, Any], datetime] | StepResult:
    """The last version anchored at or before ``policy.status_as_of``, with its anchor time."""
    if policy.ledger is None:
        return StepResult("status", ERROR, "status as of a date needs the ledger: not checked")
    assert policy.status_as_of is not None
    dated = []
    for version in versions:
        moment = _anchored_at(version, policy)
        if moment is not None and moment <= policy.status_as_of:
            dated.append((moment, version))
    if not dated:
        when = f"{policy.status_as_of:%Y-%m-%dT%H:%M:%SZ}"
        return StepResult("status", ERROR, f"no status list version anchored by {when}")
    moment, version = max(dated, key=lambda pair: pair[0])
    return version, moment


def _anchored_at(version: Mapping[str, Any], policy: VerificationPolicy) -> datetime | None:
    """When the ledger recorded this exact list version (None if it cannot be shown)."""
    proofs = anchor_proofs(version)
    if not proofs or policy.ledger is None:
        return None
    try:
        block = decode_anchor_proof(proofs[0])
        leaf = credential_leaf(version)
        record = policy.ledger.anchor_of(block.root)
    except MicrocredError:
        return None
    if leaf != block.leaf or record is None or not verify_inclusion(leaf, block.path, block.root):
        return None
    return datetime.fromtimestamp(record.timestamp, UTC)
