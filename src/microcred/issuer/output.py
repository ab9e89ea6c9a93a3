"""Write a signed batch to a directory, then complete it with its ledger anchor.

    <out>/elm/<learner_id>.jsonld      ELM 3 European Digital Credential (Data Integrity proof)
    <out>/ob3/<learner_id>.json        Open Badges 3.0 AchievementCredential (Data Integrity proof)
    <out>/ob3-jwt/<learner_id>.jwt     the anchored OB3 credential as a VC-JWT (when asked for)
    <out>/manifest.json                what was issued, the batch state and its anchor

Every file is written atomically, the manifest last (state ``pending-anchor``);
``finish_batch`` anchors the batch and rewrites each file with its anchor proof. Both steps
can be repeated after a failure without losing or duplicating anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from microcred.chain import Ledger
from microcred.elm_models.record import Learner
from microcred.errors import BatchRejected, FieldProblem, MicrocredError
from microcred.issuer.anchoring import (
    BatchAnchor,
    PreparedBatch,
    anchor_root,
    attach_anchor_proofs,
    prepare_anchor,
)
from microcred.issuer.batch import Batch, IssuedCredential
from microcred.issuer.profile import Issuer
from microcred.proofs import sign_vc_jwt

MANIFEST = "manifest.json"
PENDING, ANCHORED = "pending-anchor", "anchored"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class OutputError(MicrocredError):
    """The output directory cannot take the batch (files would be overwritten, or I/O failed)."""


@dataclass(frozen=True)
class FileCounts:
    """What a run did to the output directory's files (a report never claims more)."""

    written: int = 0  # new files (first issue, or anchor proofs added)
    verified: int = 0  # already there with exactly the expected content
    rebuilt: int = 0  # missing or altered files of a recorded batch, re-created from the records

    def __add__(self, other: FileCounts) -> FileCounts:
        return FileCounts(
            self.written + other.written,
            self.verified + other.verified,
            self.rebuilt + other.rebuilt,
        )


def file_stem(learner_id: str) -> str:
    """The file name (without extension) a learner's credentials get."""
    return _UNSAFE.sub("_", learner_id)


def check_file_names(learners: Sequence[Learner], learners_file: Path) -> None:
    """Refuse learner ids that would share a file (``COL~1``/``COL_1``; ``A1``/``a1``).

    Compared case-insensitively: on macOS and Windows ``A1.json`` and ``a1.json`` are one
    file, so the second credential would silently replace the first.
    """
    first_of: dict[str, Learner] = {}
    problems = []
    for learner in learners:
        stem = file_stem(learner.learner_id)
        first = first_of.setdefault(stem.casefold(), learner)
        if first is not learner:
            problems.append(
                FieldProblem(
                    str(learners_file),
                    "learner_id",
                    f"{learner.learner_id!r} and {first.learner_id!r} (row {first.row}) would "
                    f"both be written to the file {file_stem(first.learner_id)}.json "
                    "(file names keep only A-Z a-z 0-9 . _ - and ignore case); "
                    "give each learner an id that stays distinct",
                    learner.row,
                )
            )
    if problems:
        raise BatchRejected(problems)


def write_batch(batch: Batch, out_dir: Path, *, batch_id: str | None = None) -> Path:
    """Every credential file, then the manifest (see ``write_credential_files``)."""
    write_credential_files(batch.credentials, out_dir)
    return write_manifest(batch, out_dir, batch_id=batch_id or str(uuid.uuid4()))


def write_credential_files(credentials: Sequence[IssuedCredential], out_dir: Path) -> FileCounts:
    """Write each file atomically (a reader sees it whole or not at all).

    A file already there with the same content is kept (a resumed batch); one with other
    content is never overwritten, so a rerun cannot replace what was handed to learners.
    """
    files = {name: data for c in credentials for name, data in credential_files(c).items()}
    clashes = [name for name, data in files.items() if _differs(out_dir / name, data)]
    if clashes:
        raise OutputError(f"{out_dir} already holds {clashes[0]} (and {len(clashes) - 1} more)")
    written = 0
    for name, data in files.items():
        if not (out_dir / name).exists():
            _replace(out_dir / name, data)
            written += 1
    return FileCounts(written=written, verified=len(files) - written)


def write_manifest(batch: Batch, out_dir: Path, *, batch_id: str) -> Path:
    _replace(out_dir / MANIFEST, manifest_bytes(batch, batch_id))
    return out_dir / MANIFEST


def manifest_bytes(batch: Batch, batch_id: str) -> bytes:
    """The manifest of a written, not yet anchored batch."""
    return _json_bytes(_manifest(batch, batch_id))


def restore_files(
    out_dir: Path, files: Mapping[str, bytes], *, intact: Callable[[str, Path], bool]
) -> FileCounts:
    """Re-create every file that is missing or not ``intact``; the manifest last.

    Only for a recorded batch whose content was rebuilt and checked against the records:
    an altered file is replaced by what the issuer really signed.
    """
    verified = rebuilt = 0
    for name in sorted(files, key=lambda n: n == MANIFEST):
        path = out_dir / name
        if path.is_file() and intact(name, path):
            verified += 1
        else:
            _replace(path, files[name])
            rebuilt += 1
    return FileCounts(verified=verified, rebuilt=rebuilt)


def same_bytes(files: Mapping[str, bytes]) -> Callable[[str, Path], bool]:
    return lambda name, path: path.read_bytes() == files[name]


def _differs(path: Path, content: bytes) -> bool:
    return path.exists() and path.read_bytes() != content


def read_manifest(out_dir: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((out_dir / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise OutputError(f"{out_dir} holds no readable {MANIFEST}: {exc}") from exc
    return manifest


def finish_batch(
    out_dir: Path,
    open_ledger: Callable[[], AbstractContextManager[Ledger]],
    account: LocalAccount,
    issuer: Issuer,
) -> BatchAnchor:
    """Anchor a pending batch and rewrite its credentials with their anchor proofs."""
    return anchor_output(out_dir, open_ledger, account, issuer)[0]


def anchor_output(
    out_dir: Path,
    open_ledger: Callable[[], AbstractContextManager[Ledger]],
    account: LocalAccount,
    issuer: Issuer,
) -> tuple[BatchAnchor, FileCounts]:
    """``finish_batch``, also saying how many files it wrote."""
    manifest = read_manifest(out_dir)
    names = anchored_names(manifest)
    prepared = prepare_anchor([_read_json(out_dir / name) for name in names])
    with open_ledger() as ledger:  # the slow part (above) is done before taking its lock
        anchor = anchor_root(prepared, ledger, account)
    files = anchored_files(manifest, prepared, anchor, issuer)
    for name in sorted(files, key=lambda n: n == MANIFEST):
        _replace(out_dir / name, files[name])
    return anchor, FileCounts(written=len(files))


def anchored_names(manifest: Mapping[str, Any]) -> list[str]:
    """The files carrying an anchor proof, in the order of the Merkle tree's leaves."""
    names = [name for entry in manifest["credentials"] for name in entry["files"]]
    return [name for name in names if not name.endswith(".jwt")]


def anchored_files(
    manifest: Mapping[str, Any], prepared: PreparedBatch, anchor: BatchAnchor, issuer: Issuer
) -> dict[str, bytes]:
    """Every file of the anchored batch: credentials with anchor proofs, VC-JWTs, manifest.

    Pure and deterministic (Ed25519, RFC 6979 ECDSA), so the records and the same inputs
    always give the same bytes.
    """
    names = anchored_names(manifest)
    anchored = attach_anchor_proofs(prepared, anchor)
    files = {name: _json_bytes(doc) for name, doc in zip(names, anchored, strict=True)}
    if "ob3-jwt" in manifest["formats"]:
        files.update(_jwts(names, anchored, issuer))
    entries = [
        {
            **entry,
            "files": {
                name: hashlib.sha256(files[name]).hexdigest()
                for name in _entry_files(entry, manifest)
            },
        }
        for entry in manifest["credentials"]
    ]
    updated = {
        **manifest,
        "state": ANCHORED,
        "anchor": _anchor_json(anchor),
        "credentials": entries,
    }
    files[MANIFEST] = _json_bytes(updated)
    return files


def _jwts(names: list[str], documents: list[dict[str, Any]], issuer: Issuer) -> dict[str, bytes]:
    tokens = {}
    for name, document in zip(names, documents, strict=True):
        if name.startswith("ob3/"):
            token = sign_vc_jwt(document, issuer.key, kid=issuer.profile.verification_method)
            tokens[_jwt_name(name)] = token.encode("ascii") + b"\n"
    return tokens


def _entry_files(entry: Mapping[str, Any], manifest: Mapping[str, Any]) -> list[str]:
    names = [name for name in entry["files"] if not name.endswith(".jwt")]
    if "ob3-jwt" in manifest["formats"]:
        names += [_jwt_name(name) for name in names if name.startswith("ob3/")]
    return names


def _jwt_name(ob3_name: str) -> str:
    return "ob3-jwt/" + ob3_name.removeprefix("ob3/").removesuffix(".json") + ".jwt"


def _anchor_json(anchor: BatchAnchor) -> dict[str, Any]:
    # ``reused`` says what one run found, not what the batch is: the manifest leaves it out,
    # so a manifest rebuilt from the records is byte-identical to the first one.
    data = {key: value for key, value in asdict(anchor).items() if key != "reused"}
    data["root"] = "0x" + anchor.root.hex()
    data["anchoredAt"] = datetime.fromtimestamp(anchor.block_time, UTC).isoformat()
    return data


def credential_files(credential: IssuedCredential) -> dict[str, bytes]:
    """Relative path -> file content for one learner's credentials."""
    return {name: _json_bytes(doc) for name, doc in credential_documents(credential).items()}


def credential_documents(credential: IssuedCredential) -> dict[str, dict[str, Any]]:
    """Relative path -> signed document for one learner's credentials."""
    stem = file_stem(credential.award.learner.learner_id)
    documents: dict[str, dict[str, Any]] = {}
    if credential.elm is not None:
        documents[f"elm/{stem}.jsonld"] = credential.elm
    if credential.ob3 is not None:
        documents[f"ob3/{stem}.json"] = credential.ob3
    return documents


def json_bytes(document: Any) -> bytes:
    """A document as the batch's files hold it."""
    return _json_bytes(document)


def _manifest(batch: Batch, batch_id: str) -> dict[str, Any]:
    return {
        "batch": batch_id,
        "specification": batch.spec.id,
        "specificationFile": batch.spec.source,
        "issued": batch.issued.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "formats": list(batch.formats),
        "count": len(batch.credentials),
        "state": PENDING,
        "anchor": None,
        "credentials": [
            _manifest_entry(credential, credential_files(credential))
            for credential in batch.credentials
        ],
    }


def _manifest_entry(credential: IssuedCredential, files: dict[str, bytes]) -> dict[str, Any]:
    award = credential.award
    return {
        "record": award.record_id,
        "learnerId": award.learner.learner_id,
        "elmId": award.elm_id if credential.elm is not None else None,
        "ob3Id": award.ob3_id if credential.ob3 is not None else None,
        "files": {name: hashlib.sha256(content).hexdigest() for name, content in files.items()},
    }


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise OutputError(f"cannot read {path}: {exc}") from exc
    return document


def _replace(path: Path, content: bytes) -> None:
    """Write beside the target, then rename: a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(content)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc}") from exc


def _json_bytes(document: Any) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
