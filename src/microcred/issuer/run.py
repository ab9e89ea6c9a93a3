"""Issuing a cohort end to end, resumable: records -> store -> sign -> files -> anchor.

    building --sign all, record hashes--> signed --write files--> pending-anchor
             --anchor root, add anchor proofs--> anchored

Each arrow commits before the next begins. Re-running the same command after a crash (or
a ledger outage) resumes from the recorded state with the same ids, time and indices.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import select

from microcred.chain import Ledger, LedgerError
from microcred.chain.anchor_proof import without_anchor_proofs
from microcred.elm_models.readers import read_learners, read_spec
from microcred.elm_models.record import Award, Learner, MicroCredentialSpec
from microcred.issuer.anchoring import BatchAnchor, anchor_record
from microcred.issuer.batch import (
    Batch,
    IssuedCredential,
    Progress,
    UnsignedCredential,
    build_documents,
    make_awards,
    sign_credential,
)
from microcred.issuer.locks import batch_in_hand
from microcred.issuer.output import (
    OutputError,
    credential_files,
    finish_batch,
    read_manifest,
    write_credential_files,
    write_manifest,
)
from microcred.issuer.pending import mark_done, mark_pending
from microcred.issuer.prechecks import check_accreditation, check_award_dates, check_issue_time
from microcred.issuer.profile import Issuer
from microcred.issuer.records import (
    BatchPlan,
    batch_key,
    mark_batch,
    plan_batch,
    recorded_hashes,
)
from microcred.store import Anchor, Store

LedgerOpener = Callable[[], AbstractContextManager[Ledger]]
CHUNK = 200  # credentials signed between two commits of the records


@dataclass(frozen=True)
class IssueOutcome:
    out_dir: Path
    batch_id: str
    learners: int
    resumed: bool
    anchor: BatchAnchor | None
    pending_reason: str | None  # set when the batch is written but not anchored


@dataclass(frozen=True)
class IssueRequest:
    spec_file: Path
    learners_file: Path
    out_dir: Path
    formats: tuple[str, ...]
    issued: datetime | None = None  # default: now (and on resume: the recorded time)
    anchor: bool = True
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
    """Issue (or resume) the batch of ``request``; raises BatchBusy if another process has it."""
    spec = read_spec(request.spec_file)
    learners = read_learners(request.learners_file, spec)
    _refuse_what_would_never_verify(request, spec, learners, issuer, account, open_ledger, now())
    with batch_in_hand(home, request.out_dir):
        plan = _plan(request, spec, learners, store, issuer, rng or random.SystemRandom(), now)
        if plan.state != "anchored":
            # A resumed batch keeps its recorded issue time: it must still be anchorable.
            check_issue_time(plan.issued, now(), option="the recorded issue time of this batch")
        resumed = plan.state != "building" or request.out_dir.exists()
        if plan.state in ("building", "signed"):
            batch = _sign_in_chunks(store, plan, spec, learners, issuer, request, on_progress, now)
            write_manifest(batch, request.out_dir, batch_id=plan.batch_id)
            mark_batch(store, plan.batch_id, "pending-anchor", at=now())
            mark_pending(home, request.out_dir)
        outcome = IssueOutcome(request.out_dir, plan.batch_id, len(learners), resumed, None, None)
        if plan.state == "anchored":
            return outcome
        if not request.anchor:
            return replace(outcome, pending_reason="anchoring skipped (--no-anchor)")
        return _anchor_written(
            request.out_dir, home, store, issuer, account, open_ledger, now=now, resumed=resumed
        )


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
    spec: MicroCredentialSpec,
    learners: Sequence[Learner],
    store: Store,
    issuer: Issuer,
    rng: random.Random,
    now: Callable[[], datetime],
) -> BatchPlan:
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
    return plan_batch(
        store,
        key=key,
        spec=spec,
        spec_sha256=hashlib.sha256(request.spec_file.read_bytes()).hexdigest(),
        learners=learners,
        formats=request.formats,
        issued=(request.issued or now()).astimezone(UTC).replace(microsecond=0),
        status_base_url=issuer.profile.status_lists_url,
        rng=rng,
    )


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
    try:
        anchor = finish_batch(out_dir, open_ledger, account, issuer)
    except (LedgerError, OutputError) as exc:
        return replace(outcome, pending_reason=str(exc))
    _record_anchor(store, manifest["batch"], anchor, now())
    mark_done(home, out_dir)
    return replace(outcome, anchor=anchor)


def _sign_in_chunks(
    store: Store,
    plan: BatchPlan,
    spec: MicroCredentialSpec,
    learners: Sequence[Learner],
    issuer: Issuer,
    request: IssueRequest,
    on_progress: Progress | None,
    now: Callable[[], datetime],
) -> Batch:
    """Sign chunk by chunk: record the hashes, then write the files, then the next chunk.

    A credential whose recorded hash matches its file is taken from the file on a rerun,
    so a resumed batch does not sign again what it already delivered.
    """
    unsigned = build_documents(
        _awards(plan, spec, learners, issuer, request.awarded),
        formats=request.formats,
        statuses=plan.statuses,
    )
    known = recorded_hashes(store, plan.batch_id)
    signed: list[IssuedCredential] = []
    for start in range(0, len(unsigned), CHUNK):
        chunk = [
            _from_files(item, request.out_dir, known) or sign_credential(item, issuer)
            for item in unsigned[start : start + CHUNK]
        ]
        mark_batch(store, plan.batch_id, "building", at=now(), hashes=_hashes(chunk))
        write_credential_files(chunk, request.out_dir)
        signed += chunk
        if on_progress:
            for done in range(start + 1, start + len(chunk) + 1):
                on_progress(done, len(unsigned))
    mark_batch(store, plan.batch_id, "signed", at=now())
    return Batch(spec, plan.issued, request.formats, tuple(signed))


def _awards(
    plan: BatchPlan,
    spec: MicroCredentialSpec,
    learners: Sequence[Learner],
    issuer: Issuer,
    awarded: date | None,
) -> list[Award]:
    """Awards with the recorded ids and time: identical on every run.

    A format the batch does not produce keeps the fresh id ``make_awards`` gave it: no
    document carries it.
    """
    awards = []
    made = make_awards(spec, learners, issuer.profile, issued=plan.issued, awarded=awarded)
    for award in made:
        recorded = plan.credentials[award.learner.learner_id]
        awards.append(
            replace(
                award,
                elm_id=recorded.elm_id or award.elm_id,
                ob3_id=recorded.ob3_id or award.ob3_id,
            )
        )
    return awards


def _from_files(
    item: UnsignedCredential, out_dir: Path, known: Mapping[str, str]
) -> IssuedCredential | None:
    """The credential as already written, if the store recorded exactly that document."""
    candidate = IssuedCredential(item.award, item.elm, item.ob3)
    documents = {}
    for name in credential_files(candidate):
        path = out_dir / name
        if not path.exists():
            return None
        document = without_anchor_proofs(json.loads(path.read_text("utf-8")))
        credential_id = item.award.elm_id if name.startswith("elm/") else item.award.ob3_id
        if known.get(credential_id) != document_hash(document):
            return None
        documents[name.split("/", 1)[0]] = document
    return IssuedCredential(item.award, documents.get("elm"), documents.get("ob3"))


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


def document_hash(document: Mapping[str, Any]) -> str:
    """SHA-256 of a signed credential as the store records it (sorted-key JSON, no anchor)."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _record_anchor(store: Store, batch_id: str, anchor: BatchAnchor, at: datetime) -> None:
    """The anchor row (once per root), then the state: a crash in between loses nothing."""
    with store.transaction() as session:
        recorded = select(Anchor.id).where(
            Anchor.batch_id == batch_id, Anchor.root_hex == anchor.root.hex()
        )
        if session.scalar(recorded) is None:
            session.add(anchor_record(anchor, at, batch_id=batch_id))
    mark_batch(store, batch_id, "anchored", at=at)
