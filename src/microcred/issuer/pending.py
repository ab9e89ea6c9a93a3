"""The issuer's list of batches written but not yet anchored, so none is forgotten."""

from __future__ import annotations

import json
import os
from pathlib import Path

from microcred.issuer.locks import exclusive

PENDING_FILE = "pending-batches.json"
# Concurrent issuers share the list: without the lock, read-modify-write loses entries.
_LOCK_FILE = PENDING_FILE + ".lock"


def pending_batches(home: Path) -> list[Path]:
    path = home / PENDING_FILE
    if not path.exists():
        return []
    return [Path(p) for p in json.loads(path.read_text("utf-8"))]


def mark_pending(home: Path, out_dir: Path) -> None:
    resolved = out_dir.resolve()
    with exclusive(home / _LOCK_FILE):
        batches = pending_batches(home)
        if resolved not in batches:
            _save(home, [*batches, resolved])


def mark_done(home: Path, out_dir: Path) -> None:
    resolved = out_dir.resolve()
    with exclusive(home / _LOCK_FILE):
        _save(home, [p for p in pending_batches(home) if p != resolved])


def _save(home: Path, batches: list[Path]) -> None:
    tmp = home / f"{PENDING_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps([str(p) for p in batches], indent=2) + "\n", "utf-8")
    os.replace(tmp, home / PENDING_FILE)
