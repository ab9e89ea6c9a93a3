"""The one exception tree of microcred.

    MicrocredError
    ├── RecordError            a specification or learner row is invalid (file, row, field)
    │   └── BatchRejected      one or more rows invalid; nothing was signed
    ├── ContextError           a JSON-LD context is not bundled / not allowed
    ├── KeyStoreError          a key file is missing, unreadable or the passphrase is wrong
    ├── DidResolutionError     a DID or verification method cannot be resolved
    │   └── MethodNotAuthorised  the controller's document does not authorise it (invalid)
    ├── ProofError             a proof cannot be created or is malformed
    ├── FormatError            a document is not a valid ELM / OB3 credential (shapes, schema)
    ├── InputError             a verifier input is unreadable, too large or not a credential
    ├── chain.errors.LedgerError         the ledger is misconfigured or refuses
    │   ├── LedgerUnavailable            the node cannot be reached (verifier: not checked)
    │   └── TransactionRejected          a revert (with the contract's reason), out of gas
    └── store.StoreError                 the issuer's records refuse a change
        └── StatusChangeRejected         e.g. reinstating a revoked credential

The issuer raises these; the verifier turns them into step results (never "valid").
"""

from __future__ import annotations

import dataclasses

__all__ = [
    "BatchRejected",
    "ContextError",
    "DidResolutionError",
    "FieldProblem",
    "FormatError",
    "InputError",
    "KeyStoreError",
    "MethodNotAuthorised",
    "MicrocredError",
    "ProofError",
    "RecordError",
]


class MicrocredError(Exception):
    """Base of every error microcred raises on purpose."""


@dataclasses.dataclass(frozen=True)
class FieldProblem:
    """One invalid value, located precisely enough for a registrar to fix it."""

    file: str
    field: str
    message: str
    row: int | None = None

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}, row {self.row}"
        return f"{where}, field '{self.field}': {self.message}"


class RecordError(MicrocredError):
    """A specification or learner record is invalid."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class BatchRejected(RecordError):
    """At least one record of a batch is invalid, so nothing of the batch was signed."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__(problems)
        self.args = (
            f"batch rejected, nothing was signed ({len(problems)} problem(s)):\n"
            + "\n".join(f"  - {p}" for p in problems),
        )


class ContextError(MicrocredError):
    """A JSON-LD context URL is not among the bundled (allowed) contexts."""


class KeyStoreError(MicrocredError):
    """A key file cannot be read, written or decrypted."""


class DidResolutionError(MicrocredError):
    """A DID or DID URL cannot be resolved to a verification method."""


class MethodNotAuthorised(DidResolutionError):
    """The controller's document is known, and it does not authorise this method for assertions.

    Unlike its parent ("could not check"), this proves a proof made with the method invalid.
    """


class ProofError(MicrocredError):
    """A proof cannot be created, or is malformed."""


class FormatError(MicrocredError):
    """A document does not conform to its format (SHACL shapes, JSON Schema)."""


class InputError(MicrocredError):
    """An input file is unreadable, too large, or not a credential."""
