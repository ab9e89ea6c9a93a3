"""A recorded batch's files, re-created from the records and the same inputs; or a refusal.

The records keep each batch's ids, issue time, status indices, the SHA-256 of every signed
credential and its anchor, but no learner data. With the same specification and learners
file, the documents are rebuilt and re-signed (Ed25519 and RFC 6979 ECDSA are
deterministic); each one must hash to its recorded value before any file is written, and
the anchor proofs come from the recorded anchor: the files are byte-identical, and no
batch, index or anchor is added.

An output directory belongs to one batch. A command whose input differs from the batch
recorded for its ``--out`` (another learners file, an edited specification) is refused,
naming the first learner or field that differs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from microcred.chain import Ledger
from microcred.chain.anchor_proof import anchor_proofs, without_anchor_proofs
from microcred.elm_models.record import Award, Learner, MicroCredentialSpec
from microcred.issuer.anchoring import BatchAnchor, anchor_of_record, prepare_anchor
from microcred.issuer.batch import (
    Batch,
    IssuedCredential,
    UnsignedCredential,
    build_documents,
    document_formats,
    make_awards,
    sign_credential,
)
from microcred.issuer.output import (
    MANIFEST,
    FileCounts,
    anchored_files,
    anchored_names,
    credential_documents,
    credential_files,
    json_bytes,
    manifest_bytes,
    restore_files,
    same_bytes,
)
from microcred.issuer.profile import Issuer
from microcred.issuer.records import (
    BatchPlan,
    RecordedBatch,
    RecordMismatch,
    recorded_anchor_row,
    recorded_batch,
    recorded_hashes,
    recorded_plan,
)
from microcred.store import Store

LedgerOpener = Callable[[], AbstractContextManager[Ledger]]


@dataclass(frozen=True)
class BatchInputs:
    """What one `issue` command was given, read and parsed."""

    spec: MicroCredentialSpec
    spec_sha256: str
    learners: Sequence[Learner]
    learners_file: Path
    formats: tuple[str, ...]
    out_dir: Path
    awarded: date | None = None  # the --awarded date (a CSV column may override it)


def document_hash(document: Mapping[str, Any]) -> str:
    """SHA-256 of a signed credential as the store records it (sorted-key JSON, no anchor)."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def recorded_awards(plan: BatchPlan, inputs: BatchInputs, issuer: Issuer) -> list[Award]:
    """Awards with the recorded ids and time: identical on every run.

    A format the batch does not produce keeps the fresh id ``make_awards`` gave it: no
    document carries it.
    """
    awards = []
    made = make_awards(
        inputs.spec,
        inputs.learners,
        issuer.profile,
        issued=plan.issued,
        awarded=inputs.awarded,
    )
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


def signed_from_files(
    item: UnsignedCredential, out_dir: Path, known: Mapping[str, str]
) -> IssuedCredential | None:
    """The credential as already written, if the store recorded exactly that document."""
    candidate = IssuedCredential(item.award, item.elm, item.ob3)
    documents = {}
    for name in credential_files(candidate):
        document = _signed_document(out_dir / name)
        credential_id = item.award.elm_id if name.startswith("elm/") else item.award.ob3_id
        if document is None or known.get(credential_id) != document_hash(document):
            return None
        documents[name.split("/", 1)[0]] = document
    return IssuedCredential(item.award, documents.get("elm"), documents.get("ob3"))


def refuse_another_batch(store: Store, key: str, inputs: BatchInputs, issuer: Issuer) -> None:
    """RecordMismatch if ``--out`` holds, or was recorded for, a batch other than this input's.

    A second batch written over a pending one would orphan it (never anchored); one written
    into a lost batch's directory would hide that the batch's files are gone.
    """
    out_dir = inputs.out_dir
    held = _manifest_batch_id(out_dir)
    if held is not None:
        batch = recorded_batch(store, batch_id=held)
        if batch is None:
            raise RecordMismatch(
                f"{out_dir} holds batch {held}, which is not in these records; "
                "choose another --out for this batch"
            )
        if batch.key != key:
            raise RecordMismatch(_refusal(f"{out_dir} holds", batch, store, inputs, issuer))
        return
    batch = recorded_batch(store, out_dir=out_dir)
    if batch is not None and batch.key != key:
        raise RecordMismatch(
            _refusal(f"{out_dir} is the output directory of", batch, store, inputs, issuer)
        )


def restore_output(
    store: Store,
    plan: BatchPlan,
    inputs: BatchInputs,
    unsigned: Sequence[UnsignedCredential],
    issuer: Issuer,
    open_ledger: LedgerOpener,
) -> tuple[FileCounts, BatchAnchor | None]:
    """Check, and re-create where missing or altered, every file of a written batch."""
    known = recorded_hashes(store, plan.batch_id)
    credentials = [
        signed_from_files(item, inputs.out_dir, known) or sign_credential(item, issuer)
        for item in unsigned
    ]
    _check_against_records(credentials, known, inputs, plan.batch_id)
    batch = Batch(inputs.spec, plan.issued, inputs.formats, tuple(credentials))
    pending = manifest_bytes(batch, plan.batch_id)
    if plan.state != "anchored":
        files = {n: b for c in credentials for n, b in credential_files(c).items()}
        files[MANIFEST] = pending
        return restore_files(inputs.out_dir, files, intact=_signed_as(files)), None
    anchor = _recorded_anchor(store, plan.batch_id, open_ledger)
    manifest = json.loads(pending)
    documents = {n: d for c in credentials for n, d in credential_documents(c).items()}
    prepared = prepare_anchor([documents[name] for name in anchored_names(manifest)])
    if prepared.root != anchor.root:
        raise RecordMismatch(
            f"the rebuilt batch {plan.batch_id} has Merkle root 0x{prepared.root.hex()}, "
            f"but the recorded anchor is 0x{anchor.root.hex()}; nothing was written"
        )
    files = anchored_files(manifest, prepared, anchor, issuer)
    return restore_files(inputs.out_dir, files, intact=same_bytes(files)), anchor


def check_issued(plan: BatchPlan, issued: datetime | None) -> None:
    """A rerun takes the recorded issue time; an explicit other ``--issued`` is refused."""
    if issued is not None and issued != plan.issued:
        raise RecordMismatch(
            f"batch {plan.batch_id} was recorded with --issued "
            f"{plan.issued:%Y-%m-%dT%H:%M:%SZ}, this command says {issued:%Y-%m-%dT%H:%M:%SZ}; "
            "rerun it with the recorded date (or without --issued)"
        )


def _signed_as(files: Mapping[str, bytes]) -> Callable[[str, Path], bool]:
    """Intact: the same bytes, or the same signed credential plus an anchor proof.

    A pending batch's file may already carry the anchor proof of an interrupted anchoring;
    anchoring again replaces it, so it is not an alteration.
    """

    def intact(name: str, path: Path) -> bool:
        if path.read_bytes() == files[name]:
            return True
        try:
            document = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return False
        if name == MANIFEST or not isinstance(document, dict) or not anchor_proofs(document):
            return False
        return json_bytes(without_anchor_proofs(document)) == files[name]

    return intact


def _signed_document(path: Path) -> dict[str, Any] | None:
    """The file's credential without anchor proofs; None if it is missing or not JSON."""
    try:
        document = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict):
        return None
    return without_anchor_proofs(document) if anchor_proofs(document) else document


def _check_against_records(
    credentials: Sequence[IssuedCredential],
    known: Mapping[str, str],
    inputs: BatchInputs,
    batch_id: str,
) -> None:
    for credential in credentials:
        learner = credential.award.learner
        pairs = (
            ("ELM", credential.award.elm_id, credential.elm),
            ("OB3", credential.award.ob3_id, credential.ob3),
        )
        for label, credential_id, document in pairs:
            if document is None:
                continue
            rebuilt, recorded = document_hash(document), known.get(credential_id)
            if rebuilt != recorded:
                raise RecordMismatch(
                    f"cannot rebuild batch {batch_id} in {inputs.out_dir}: the {label} "
                    f"credential of learner {learner.learner_id!r} (row {learner.row} of "
                    f"{inputs.learners_file}) would not be the one recorded (sha256 "
                    f"{recorded}, rebuilt {rebuilt}); the input, the key or the software "
                    "changed; nothing was written"
                )


def _recorded_anchor(store: Store, batch_id: str, open_ledger: LedgerOpener) -> BatchAnchor:
    row = recorded_anchor_row(store, batch_id)
    if row is None:
        raise RecordMismatch(f"batch {batch_id} is recorded as anchored, but no anchor is")
    if row.anchored_by is not None:
        return anchor_of_record(row, row.anchored_by)
    # Recorded before the anchoring address was kept: the ledger still knows it.
    with open_ledger() as ledger:
        record = ledger.anchor_of(bytes.fromhex(row.root_hex))
    if record is None or record.block_number != row.block_number:
        raise RecordMismatch(f"the recorded anchor 0x{row.root_hex} is not on this ledger")
    return anchor_of_record(row, record.issuer)


def _manifest_batch_id(out_dir: Path) -> str | None:
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    batch = manifest.get("batch") if isinstance(manifest, dict) else None
    return batch if isinstance(batch, str) else None


def _refusal(
    where: str, batch: RecordedBatch, store: Store, inputs: BatchInputs, issuer: Issuer
) -> str:
    return (
        f"{where} batch {batch.batch_id} ({batch.state}, {len(batch.learner_ids)} learner(s), "
        f"issued {batch.issued:%Y-%m-%dT%H:%M:%SZ}), and this command's input differs from "
        f"it: {_difference(batch, store, inputs, issuer)}.\n"
        "To rebuild or complete that batch, run the command with its original specification "
        "and learners file; to issue a new batch, choose another --out."
    )


def _difference(batch: RecordedBatch, store: Store, inputs: BatchInputs, issuer: Issuer) -> str:
    """The first learner or field where the input and the recorded batch part ways."""
    spec = inputs.spec
    if inputs.spec_sha256 != batch.spec_sha256:
        title = spec.title.get("en") or next(iter(spec.title.values()))
        if spec.id != batch.spec_uri:
            return f"specification field 'id' is {spec.id!r}, recorded {batch.spec_uri!r}"
        if title != batch.spec_title:
            return f"specification field 'title' is {title!r}, recorded {batch.spec_title!r}"
        return f"the specification file {spec.source} was edited since the batch was recorded"
    where = inputs.learners_file
    for learner in inputs.learners:
        if learner.learner_id not in batch.learner_ids:
            return f"{where}, row {learner.row}: learner_id {learner.learner_id!r} is not in it"
    present = {learner.learner_id for learner in inputs.learners}
    for learner_id in sorted(batch.learner_ids - present):
        return f"{where}: learner_id {learner_id!r} of the recorded batch is missing"
    documents = set(document_formats(inputs.formats))
    if documents != batch.documents:
        return f"--format gives {sorted(documents)}, recorded {sorted(batch.documents)}"
    return _first_changed_learner(batch, store, inputs, issuer) or (
        f"{where} differs byte for byte from the one recorded (or --format or the issuer "
        "key do), though no learner's data does"
    )


def _first_changed_learner(
    batch: RecordedBatch, store: Store, inputs: BatchInputs, issuer: Issuer
) -> str | None:
    """Re-sign learner by learner with the recorded ids; the first whose hash differs."""
    plan = recorded_plan(store, batch.batch_id)
    known = recorded_hashes(store, batch.batch_id)
    awards = recorded_awards(plan, inputs, issuer)
    for award in awards:
        unsigned = build_documents(
            [award], formats=inputs.formats, statuses=plan.statuses, validate=False
        )
        signed = sign_credential(unsigned[0], issuer)
        for credential_id, document in ((award.elm_id, signed.elm), (award.ob3_id, signed.ob3)):
            recorded = known.get(credential_id)
            if document is not None and recorded not in (None, document_hash(document)):
                learner = award.learner
                return (
                    f"{inputs.learners_file}, row {learner.row}: learner "
                    f"{learner.learner_id!r} has data that differs from what the recorded "
                    "credential was signed with"
                )
    return None
