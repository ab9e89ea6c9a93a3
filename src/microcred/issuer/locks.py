"""File locks between the issuer's processes on one machine (released by the kernel on a crash)."""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from microcred.errors import MicrocredError

_LOCKS_DIR = "locks"


class BatchBusy(MicrocredError):
    """Another process is issuing or anchoring the same output directory right now."""


@contextmanager
def exclusive(path: Path, *, wait: bool = True) -> Iterator[None]:
    """Hold ``path``'s lock for the block; without ``wait``, BlockingIOError if it is taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        yield  # the lock goes with the file's closing


@contextmanager
def batch_in_hand(home: Path, out_dir: Path) -> Iterator[None]:
    """Refuse at once if another process holds ``out_dir``: both would sign and anchor it."""
    name = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:32]
    with ExitStack() as held:
        try:
            held.enter_context(exclusive(home / _LOCKS_DIR / f"{name}.lock", wait=False))
        except BlockingIOError:
            raise BatchBusy(
                f"another microcred process is issuing or anchoring {out_dir}; "
                "run the command again when it has finished"
            ) from None
        yield
