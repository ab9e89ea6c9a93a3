"""Is the issuer known to be trusted? The ledger's registry, or the policy's trust list.

A valid signature shows who signed, not that the signer is a real institution: anyone can
make a DID. So a credential is valid only if its issuer is in the registry (and then the
``accredited`` step checks the accreditation) or on the verifier's own trust list.
"""

from __future__ import annotations

from pathlib import Path

from microcred.chain import LedgerError
from microcred.errors import InputError
from microcred.verifier.inputs import ParsedCredential, checked_view
from microcred.verifier.policy import VerificationPolicy
from microcred.verifier.report import StepResult, StepStatus
from microcred.verifier.steps import issuer_id, unchecked

PASS, ERROR, SKIPPED = StepStatus.PASS, StepStatus.ERROR, StepStatus.SKIPPED
MAX_TRUST_LIST_BYTES = 1_000_000
_MAX_ENTRY_CHARS = 2_000


class RegistryUnknown(Exception):
    """Whether the registry knows an issuer cannot be told (no ledger, or not reachable)."""


def registry_knows(policy: VerificationPolicy, issuer: str) -> bool:
    """Whether the ledger's registry has ever accredited ``issuer`` (a DID)."""
    if policy.ledger is None:
        raise RegistryUnknown("no ledger configured")
    try:
        return any(entry.did == issuer for entry in policy.ledger.accredited_issuers())
    except LedgerError as exc:
        raise RegistryUnknown(f"ledger not reachable ({exc})") from exc


def check_trusted(credential: ParsedCredential, policy: VerificationPolicy) -> StepResult:
    """PASS if the issuer is in the registry or on the trust list; ERROR otherwise, never FAIL."""
    document = checked_view(credential)
    if document is None:
        return unchecked("trusted")
    issuer = issuer_id(document)
    if issuer is None:
        return StepResult("trusted", SKIPPED, "the credential names no issuer (see issuer)")
    if issuer in policy.trusted_issuers:
        return StepResult("trusted", PASS, f"{issuer} is on the verifier's trust list")
    try:
        known = registry_knows(policy, issuer)
    except RegistryUnknown as exc:
        return StepResult(
            "trusted",
            ERROR,
            f"issuer not known to be trusted: {issuer} is not on the trust list, and the "
            f"registry was not consulted: {exc}",
        )
    if known:
        return StepResult("trusted", PASS, f"{issuer} is in the ledger's trusted-issuers registry")
    return StepResult(
        "trusted",
        ERROR,
        f"issuer not known to be trusted: {issuer} is neither in the ledger's registry nor "
        "on the trust list",
    )


def read_trust_list(path: Path) -> frozenset[str]:
    """The issuers a trust list file names: one DID or https:// issuer id a line, ``#`` comments.

    InputError (file and line) for anything else, so a typo never silently trusts nothing.
    """
    try:
        if path.stat().st_size > MAX_TRUST_LIST_BYTES:
            raise InputError(f"{path}: more than {MAX_TRUST_LIST_BYTES} bytes")
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the trust list ({exc})") from exc
    issuers = set()
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()  # a DID has no "#"; the rest is a comment
        if not entry:
            continue
        if not _is_issuer_id(entry):
            raise InputError(
                f"{path}, line {number}: {entry[:80]!r} is not a DID or an https:// issuer id"
            )
        issuers.add(entry)
    return frozenset(issuers)


def _is_issuer_id(entry: str) -> bool:
    if len(entry) > _MAX_ENTRY_CHARS or any(c.isspace() for c in entry):
        return False
    if entry.startswith("did:"):
        method, _, specific = entry[4:].partition(":")
        return method.isalnum() and method.islower() and bool(specific)
    return entry.startswith("https://") and len(entry) > len("https://")
