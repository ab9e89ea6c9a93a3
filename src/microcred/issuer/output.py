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
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from microcred.chain import Ledger
from microcred.errors import MicrocredError
from microcred.issuer.anchoring import (
    BatchAnchor,
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


def write_batch(batch: Batch, out_dir: Path, *, batch_id: str | None = None) -> Path:
    """Every credential file, then the manifest (see ``write_credential_files``)."""
    write_credential_files(batch.credentials, out_dir)
    return write_manifest(batch, out_dir, batch_id=batch_id or str(uuid.uuid4()))


def write_credential_files(credentials: Sequence[IssuedCredential], out_dir: Path) -> None:
    """Write each file atomically (a reader sees it whole or not at all).

    A file already there with the same content is kept (a resumed batch); one with other
    content is never overwritten, so a rerun cannot replace what was handed to learners.
    """
    files = {name: data for c in credentials for name, data in credential_files(c).items()}
    clashes = [name for name, data in files.items() if _differs(out_dir / name, data)]
    if clashes:
        raise OutputError(f"{out_dir} already holds {clashes[0]} (and {len(clashes) - 1} more)")
    for name, data in files.items():
        if not (out_dir / name).exists():
            _replace(out_dir / name, data)


def write_manifest(batch: Batch, out_dir: Path, *, batch_id: str) -> Path:
    _replace(out_dir / MANIFEST, _json_bytes(_manifest(batch, batch_id)))
    return out_dir / MANIFEST


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
    manifest = read_manifest(out_dir)
    names = [name for entry in manifest["credentials"] for name in entry["files"]]
    names = [name for name in names if not name.endswith(".jwt")]
    documents = [_read_json(out_dir / name) for name in names]
    prepared = prepare_anchor(documents)  # the slow part, before taking the ledger's lock
    with open_ledger() as ledger:
        anchor = anchor_root(prepared, ledger, account)
    anchored = attach_anchor_proofs(prepared, anchor)
    for name, document in zip(names, anchored, strict=True):
        _replace(out_dir / name, _json_bytes(document))
    if "ob3-jwt" in manifest["formats"]:
        _write_jwts(out_dir, names, anchored, issuer)
    manifest["state"] = ANCHORED
    manifest["anchor"] = _anchor_json(anchor)
    for entry in manifest["credentials"]:
        entry["files"] = {name: _sha256(out_dir / name) for name in _entry_files(entry, manifest)}
    _replace(out_dir / MANIFEST, _json_bytes(manifest))
    return anchor


def _write_jwts(
    out_dir: Path, names: list[str], documents: list[dict[str, Any]], issuer: Issuer
) -> None:
    for name, document in zip(names, documents, strict=True):
        if name.startswith("ob3/"):
            token = sign_vc_jwt(document, issuer.key, kid=issuer.profile.verification_method)
            _replace(out_dir / _jwt_name(name), token.encode("ascii") + b"\n")


def _entry_files(entry: Mapping[str, Any], manifest: Mapping[str, Any]) -> list[str]:
    names = [name for name in entry["files"] if not name.endswith(".jwt")]
    if "ob3-jwt" in manifest["formats"]:
        names += [_jwt_name(name) for name in names if name.startswith("ob3/")]
    return names


def _jwt_name(ob3_name: str) -> str:
    return "ob3-jwt/" + ob3_name.removeprefix("ob3/").removesuffix(".json") + ".jwt"


def _anchor_json(anchor: BatchAnchor) -> dict[str, Any]:
    data = asdict(anchor)
    data["root"] = "0x" + anchor.root.hex()
    data["anchoredAt"] = datetime.fromtimestamp(anchor.block_time, UTC).isoformat()
    return data


def credential_files(credential: IssuedCredential) -> dict[str, bytes]:
    """Relative path -> file content for one learner's credentials."""
    stem = _UNSAFE.sub("_", credential.award.learner.learner_id)
    files: dict[str, bytes] = {}
    if credential.elm is not None:
        files[f"elm/{stem}.jsonld"] = _json_bytes(credential.elm)
    if credential.ob3 is not None:
        files[f"ob3/{stem}.json"] = _json_bytes(credential.ob3)
    return files


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


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


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
