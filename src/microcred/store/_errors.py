"""Store errors; both belong under MicrocredError (see microcred.errors)."""

from __future__ import annotations

from microcred.errors import MicrocredError


class StoreError(MicrocredError):
    """The records store cannot be opened, migrated or written as asked."""


class StatusChangeRejected(StoreError):
    """A revoke / suspend / reinstate is not allowed in the credential's current state."""
