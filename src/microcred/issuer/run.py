"""Issuing a cohort end to end, resumable: records -> store -> sign -> files -> anchor.

    building --sign all, record hashes--> signed --write files--> pending-anchor
             --anchor root, add anchor proofs--> anchored

Each arrow commits before the next begins. Re-running the same command after a crash (or
a ledger outage) resumes from the recorded state with the same ids, time and indices.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import select

from microcred.chain import LedgerError
from microcred.elm_models.readers import read_learners, read_spec
from microcred.elm_models.record import Learner, MicroCredentialSpec
from microcred.issuer.anchoring import BatchAnchor, anchor_record
from microcred.issuer.batch import (
    Batch,
    IssuedCredential,
    Progress,
    build_documents,
    sign_credential,
)
from microcred.issuer.locks import batch_in_hand
from microcred.issuer.output import (
    ANCHORED,
    FileCounts,
    OutputError,
    anchor_output,
    check_file_names,
    read_manifest,
    write_credential_files,
    write_manifest,
)
from microcred.issuer.pending import mark_done, mark_pending
from microcred.issuer.prechecks import check_accreditation, check_award_dates, check_issue_time
from microcred.issuer.profile import Issuer
from microcred.issuer.rebuild import (
    BatchInputs,
    LedgerOpener,
    check_issued,
    document_hash,
    recorded_awards,
    refuse_another_batch,
    restore_output,
    signed_from_files,
)
from microcred.issuer.records import (
    BatchPlan,
    RecordMismatch,
    batch_key,
    mark_batch,
    plan_batch,
    recorded_batch,
    recorded_hashes,
)
from microcred.store import Anchor, Store

__all__ = ["IssueOutcome", "IssueRequest", "complete_batch", "document_hash", "issue_cohort"]
CHUNK = 200  # credentials signed between two commits of the records


@dataclass(frozen=True)
class IssueOutcome:
    out_dir: Path
    batch_id: str
    learners: int
    resumed: bool
    anchor: BatchAnchor | None
    pending_reason: str | None  # set when the batch is written but not anchored
    files: FileCounts = field(default_factory=FileCounts)  # the credential files, manifest
    anchored_before: bool = False  # ``anchor`` is the recorded one: no transaction now
    anchor_files: FileCounts = field(default_factory=FileCounts)  # given anchor proofs now


@dataclass(frozen=True)
class IssueRequest:
    spec_file: Path
    learners_file: Path
    out_dir: Path
    formats: tuple[str, ...]
    issued: datetime | None = None  # default: now (and on resume: the recorded time)
    anchor: bool = True
    rebuild_only: bool = False  # refuse unless the batch is already recorded
    awarded: date | None = None  # the date of award; default: the issue date


def issue_cohort(
    request: IssueRequest,
    *,
    home: Path,
    store: Store,
    issuer: Issuer,
    account: LocalAccount,
    open_ledger: LedgerOpener,
    rng: random.Random | None = None,
    on_progress: Progress | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> IssueOutcome:
    """Issue, resume or rebuild the batch of ``request``; BatchBusy if another process has it.

    A batch already written is checked file by file against the records; missing or altered
    files are re-created (see ``rebuild``), never a second batch.
    """
    spec = read_spec(request.spec_file)
    learners = read_learners(request.learners_file, spec)
    check_file_names(learners, request.learners_file)  # before any index is spent
    _refuse_what_would_never_verify(request, spec, learners, issuer, account, open_ledger, now())
    inputs = BatchInputs(
        spec,
        hashlib.sha256(request.spec_file.read_bytes()).hexdigest(),
        learners,
        request.learners_file,
        request.formats,
        request.out_dir,
        request.awarded,
    )
    with batch_in_hand(home, request.out_dir):
        key = batch_key(
            request.spec_file,
            request.learners_file,
            request.out_dir,
            request.formats,
            issuer.profile.did,
        )
        if request.awarded is not None:
            # Another award date makes other documents: another batch, never a silent re-sign.
            key = hashlib.sha256(f"{key}|awarded={request.awarded}".encode()).hexdigest()
        _check_recorded(store, key, inputs, issuer, request)
        plan = _plan(request, key, inputs, store, issuer, rng or random.SystemRandom(), now)
        check_issued(plan, _utc_seconds(request.issued) if request.issued else None)
        if plan.state != "anchored":
            # A resumed batch keeps its recorded issue time: it must still be anchorable.
            check_issue_time(plan.issued, now(), option="the recorded issue time of this batch")
        resumed = plan.state != "building" or request.out_dir.exists()
        outcome = IssueOutcome(request.out_dir, plan.batch_id, len(learners), resumed, None, None)
        if plan.state in ("building", "signed"):
            batch, files = _sign_in_chunks(store, plan, inputs, issuer, on_progress, now)
            write_manifest(batch, request.out_dir, batch_id=plan.batch_id)
            mark_batch(store, plan.batch_id, "pending-anchor", at=now())
            outcome = replace(outcome, files=files + FileCounts(written=1))
        else:
            files, anchor = _restore(store, plan, inputs, issuer, open_ledger)
            outcome = replace(outcome, files=files)
            if anchor is not None:
                mark_done(home, request.out_dir)
                return replace(outcome, anchor=anchor, anchored_before=True)
        mark_pending(home, request.out_dir)
        if not request.anchor:
            return replace(outcome, pending_reason="anchoring skipped (--no-anchor)")
        anchored = _anchor_written(
            request.out_dir, home, store, issuer, account, open_ledger, now=now, resumed=resumed
        )
        return replace(anchored, files=outcome.files)


def _check_recorded(
    store: Store, key: str, inputs: BatchInputs, issuer: Issuer, request: IssueRequest
) -> None:
    """Refuse another batch's ``--out``; with ``--rebuild``, refuse anything not recorded."""
    refuse_another_batch(store, key, inputs, issuer)
    if request.rebuild_only and recorded_batch(store, key=key) is None:
        raise RecordMismatch(
            f"--rebuild: no batch of this specification, learners file and formats is "
            f"recorded for {request.out_dir}; nothing was issued"
        )


def _restore(
    store: Store, plan: BatchPlan, inputs: BatchInputs, issuer: Issuer, open_ledger: LedgerOpener
) -> tuple[FileCounts, BatchAnchor | None]:
    """A written batch: its files checked, and rebuilt where missing or altered."""
    unsigned = build_documents(
        recorded_awards(plan, inputs, issuer),
        formats=inputs.formats,
        statuses=plan.statuses,
    )
    return restore_output(store, plan, inputs, unsigned, issuer, open_ledger)


def _refuse_what_would_never_verify(
    request: IssueRequest,
    spec: MicroCredentialSpec,
    learners: Sequence[Learner],
    issuer: Issuer,
    account: LocalAccount,
    open_ledger: LedgerOpener,
    now: datetime,
) -> None:
    """The pre-checks of docs/issuer-checks.md: before any signature or status index."""
    if request.issued is not None:
        check_issue_time(request.issued, now)
    issued = request.issued or now
    check_award_dates(learners, request.awarded, issued, str(request.learners_file))
    try:
        with open_ledger() as ledger:
            check_accreditation(ledger, account.address, issuer.profile.did, spec, now)
    except LedgerError:
        # No ledger now: the batch will wait, pending, for `microcred anchor`.
        return


def complete_batch(
    out_dir: Path,
    *,
    home: Path,
    store: Store,
    issuer: Issuer,
    account: LocalAccount,
    open_ledger: LedgerOpener,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    resumed: bool = True,
) -> IssueOutcome:
    """Anchor a written batch; raises BatchBusy if another process has it."""
    with batch_in_hand(home, out_dir):
        return _anchor_written(
            out_dir, home, store, issuer, account, open_ledger, now=now, resumed=resumed
        )


def _plan(
    request: IssueRequest,
    key: str,
    inputs: BatchInputs,
    store: Store,
    issuer: Issuer,
    rng: random.Random,
    now: Callable[[], datetime],
) -> BatchPlan:
    return plan_batch(
        store,
        key=key,
        spec=inputs.spec,
        spec_sha256=inputs.spec_sha256,
        learners=inputs.learners,
        formats=request.formats,
        issued=_utc_seconds(request.issued or now()),
        status_base_url=issuer.profile.status_lists_url,
        rng=rng,
        issuer_did=issuer.profile.did,
        out_dir=request.out_dir,
    )


def _utc_seconds(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _anchor_written(
    out_dir: Path,
    home: Path,
    store: Store,
    issuer: Issuer,
    account: LocalAccount,
    open_ledger: LedgerOpener,
    *,
    now: Callable[[], datetime],
    resumed: bool,
) -> IssueOutcome:
    # A ledger failure leaves the batch pending, never half-done.
    manifest = read_manifest(out_dir)
    outcome = IssueOutcome(out_dir, manifest["batch"], manifest["count"], resumed, None, None)
    recorded = recorded_batch(store, batch_id=str(manifest["batch"]))
    if manifest.get("state") == ANCHORED and recorded and recorded.state == ANCHORED:
        return _already_anchored(out_dir, home, manifest, outcome)
    try:
        anchor, written = anchor_output(out_dir, open_ledger, account, issuer)
    except (LedgerError, OutputError) as exc:
        return replace(outcome, pending_reason=str(exc))
    _record_anchor(store, manifest["batch"], anchor, now())
    mark_done(home, out_dir)
    return replace(outcome, anchor=anchor, anchor_files=written)


def _already_anchored(
    out_dir: Path, home: Path, manifest: Mapping[str, Any], outcome: IssueOutcome
) -> IssueOutcome:
    """Nothing to anchor: check the files against the manifest's hashes instead."""
    names = [name for entry in manifest["credentials"] for name in entry["files"].items()]
    altered = [name for name, digest in names if _file_sha256(out_dir / name) != digest]
    if altered:
        raise OutputError(
            f"{out_dir / altered[0]} is missing or altered ({len(altered)} file(s) in all); "
            "run the batch's 'microcred issue' command again to rebuild them from the records"
        )
    mark_done(home, out_dir)
    return replace(outcome, files=FileCounts(verified=len(names) + 1), anchored_before=True)


def _file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _sign_in_chunks(
    store: Store,
    plan: BatchPlan,
    inputs: BatchInputs,
    issuer: Issuer,
    on_progress: Progress | None,
    now: Callable[[], datetime],
) -> tuple[Batch, FileCounts]:
    """Sign chunk by chunk: record the hashes, then write the files, then the next chunk.

    A credential whose recorded hash matches its file is taken from the file on a rerun,
    so a resumed batch does not sign again what it already delivered.
    """
    unsigned = build_documents(
        recorded_awards(plan, inputs, issuer),
        formats=inputs.formats,
        statuses=plan.statuses,
    )
    known = recorded_hashes(store, plan.batch_id)
    signed: list[IssuedCredential] = []
    files = FileCounts()
    for start in range(0, len(unsigned), CHUNK):
        chunk = [
            signed_from_files(item, inputs.out_dir, known) or sign_credential(item, issuer)
            for item in unsigned[start : start + CHUNK]
        ]
        mark_batch(store, plan.batch_id, "building", at=now(), hashes=_hashes(chunk))
        files += write_credential_files(chunk, inputs.out_dir)
        signed += chunk
        if on_progress:
            for done in range(start + 1, start + len(chunk) + 1):
                on_progress(done, len(unsigned))
    mark_batch(store, plan.batch_id, "signed", at=now())
    return Batch(inputs.spec, plan.issued, inputs.formats, tuple(signed)), files


def _hashes(credentials: Sequence[IssuedCredential]) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for credential in credentials:
        pairs = (
            (credential.award.elm_id, credential.elm),
            (credential.award.ob3_id, credential.ob3),
        )
        for credential_id, document in pairs:
            if document is not None:
                hashes[credential_id] = document_hash(document)
    return hashes


def _record_anchor(store: Store, batch_id: str, anchor: BatchAnchor, at: datetime) -> None:
    """The anchor row (once per root), then the state: a crash in between loses nothing."""
    with store.transaction() as session:
        recorded = select(Anchor.id).where(
            Anchor.batch_id == batch_id, Anchor.root_hex == anchor.root.hex()
        )
        if session.scalar(recorded) is None:
            session.add(anchor_record(anchor, at, batch_id=batch_id))
    mark_batch(store, batch_id, "anchored", at=at)
