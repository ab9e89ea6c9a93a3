"""microcred: issue and verify EU micro-credentials as W3C Verifiable Credentials.

The recipes most callers need; the subpackages hold the rest. They are imported on first
use (PEP 562), so ``import microcred.verifier`` does not pay for the issuer's ledger stack.
"""

from __future__ import annotations

import importlib
import typing

if typing.TYPE_CHECKING:
    from microcred.elm_models.elm import award_to_elm
    from microcred.elm_models.ob3 import award_to_ob3
    from microcred.elm_models.readers import read_learners, read_spec
    from microcred.errors import MicrocredError
    from microcred.issuer import (
        Issuer,
        init_issuer,
        issue_batch,
        load_issuer,
        make_awards,
        write_batch,
    )
    from microcred.verifier import (
        Verdict,
        VerificationPolicy,
        VerificationReport,
        verify_credential,
        verify_file,
    )

__version__ = "0.1.0"

_HOMES = {
    "award_to_elm": "microcred.elm_models.elm",
    "award_to_ob3": "microcred.elm_models.ob3",
    "read_learners": "microcred.elm_models.readers",
    "read_spec": "microcred.elm_models.readers",
    "MicrocredError": "microcred.errors",
    "Issuer": "microcred.issuer",
    "init_issuer": "microcred.issuer",
    "issue_batch": "microcred.issuer",
    "load_issuer": "microcred.issuer",
    "make_awards": "microcred.issuer",
    "write_batch": "microcred.issuer",
    "Verdict": "microcred.verifier",
    "VerificationPolicy": "microcred.verifier",
    "VerificationReport": "microcred.verifier",
    "verify_credential": "microcred.verifier",
    "verify_file": "microcred.verifier",
}

__all__ = [
    "Issuer",
    "MicrocredError",
    "Verdict",
    "VerificationPolicy",
    "VerificationReport",
    "__version__",
    "award_to_elm",
    "award_to_ob3",
    "init_issuer",
    "issue_batch",
    "load_issuer",
    "make_awards",
    "read_learners",
    "read_spec",
    "verify_credential",
    "verify_file",
    "write_batch",
]


def __getattr__(name: str) -> typing.Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'microcred' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
