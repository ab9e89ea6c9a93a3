"""File locks between the issuer's processes on one machine (released by the kernel on a crash)."""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from microcred.errors import MicrocredError

_LOCKS_DIR = "locks"


class BatchBusy(MicrocredError):
    """Another process is issuing or anchoring the same output directory right now."""


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold ``path``'s lock for the block, waiting for whoever holds it now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        yield


@contextmanager
def batch_in_hand(home: Path, out_dir: Path) -> Iterator[None]:
    """Refuse at once if another process holds ``out_dir``: both would sign and anchor it."""
    name = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:32]
    path = home / _LOCKS_DIR / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BatchBusy(
                f"another microcred process is issuing or anchoring {out_dir}; "
                "run the command again when it has finished"
            ) from None
        yield
