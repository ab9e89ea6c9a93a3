"""Load a trust bundle: bounded parse, trusted signer, signature, then the views it offers."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from microcred.bundle._content import BUNDLE_TYPE, FORMAT_VERSION, decode_content
from microcred.bundle._dates import human_duration, iso, parse_iso
from microcred.bundle._signature import verify_detached
from microcred.bundle._views import BundleLedger, BundleStatusLists
from microcred.bundle.errors import BundleError, UntrustedBundleSigner
from microcred.keys import DidResolver
from microcred.verifier import ParsedCredential, StepResult, StepStatus, VerificationPolicy

DEFAULT_MAX_BUNDLE_BYTES = 64_000_000
# A bundle dated later than this past the loader's clock is refused: the clock or the
# exporter is wrong, and its age would be meaningless.
FUTURE_TOLERANCE = timedelta(minutes=10)
FRESHNESS_STEP = "bundle"


@dataclass(frozen=True)
class TrustBundle:
    """A verified bundle: who vouches for it, when, and the views the verifier reads."""

    signer: str
    issued: datetime
    valid_until: datetime
    loaded_at: datetime
    ledger: BundleLedger
    status_lists: BundleStatusLists
    did_documents: Mapping[str, Mapping[str, Any]]

    @property
    def age(self) -> timedelta:
        return self.loaded_at - self.issued

    @property
    def expired(self) -> bool:
        return self.loaded_at >= self.valid_until

    def resolver(self, extra_documents: Iterable[Mapping[str, Any]] = ()) -> DidResolver:
        """A network-free resolver over the bundle's DID documents (``extra_documents`` win)."""
        documents = dict(self.did_documents)
        documents.update({str(doc["id"]): doc for doc in extra_documents})
        return DidResolver(documents, allow_network=False)

    def summary(self) -> str:
        """One line for people: who signed it, how old it is, until when it holds."""
        anchors, issuers = self.ledger.anchor_events(), self.ledger.accredited_issuers()
        content = (
            f"{len({i.address for i in issuers})} issuer(s), {len(anchors)} anchor(s), "
            f"{len(self.status_lists.urls)} status list(s)"
        )
        return (
            f"trust bundle signed by {self.signer}, exported {iso(self.issued)} "
            f"({human_duration(self.age)} old), {self._validity(self.loaded_at)}; {content}"
        )

    def check_freshness(
        self, credential: ParsedCredential, policy: VerificationPolicy
    ) -> StepResult:
        """A verifier step: was the bundle still valid at the verification time?

        Append it to the steps (``steps=(*DEFAULT_STEPS, bundle.check_freshness)``) so every
        report says how old the bundle is, and an expired one makes the verdict "not verified".
        """
        details = {
            "signer": self.signer,
            "issued": iso(self.issued),
            "validUntil": iso(self.valid_until),
            "ageSeconds": int((policy.now - self.issued).total_seconds()),
        }
        if policy.now >= self.valid_until:
            return StepResult(
                FRESHNESS_STEP,
                StepStatus.ERROR,
                f"the trust bundle {self._validity(policy.now)}: anchors, accreditations and "
                "status may have changed since; not checked against current data",
                details,
            )
        return StepResult(
            FRESHNESS_STEP,
            StepStatus.PASS,
            f"checked against the trust bundle of {self.signer} exported {iso(self.issued)} "
            f"({human_duration(policy.now - self.issued)} before), {self._validity(policy.now)}",
            details,
        )

    def _validity(self, moment: datetime) -> str:
        if moment >= self.valid_until:
            ago = human_duration(moment - self.valid_until)
            return f"EXPIRED {iso(self.valid_until)} ({ago} ago)"
        return f"valid until {iso(self.valid_until)}"


def load_bundle(
    data: bytes | str,
    *,
    trusted_signers: Collection[str] | None,
    resolver: DidResolver,
    now: datetime,
    max_bytes: int = DEFAULT_MAX_BUNDLE_BYTES,
) -> TrustBundle:
    """Verify a bundle and return its views; BundleError if it cannot be relied on.

    ``trusted_signers``: the DIDs whose bundles are accepted. ``None`` accepts the bundle's
    own signer (integrity only: anyone can sign a bundle) and must be an explicit choice.
    ``resolver`` resolves the signer's key (a did:web signer's document must come from the
    verifier, never from the bundle it would vouch for). An expired bundle loads, flagged
    (``expired``, ``summary``, ``check_freshness``); ``now`` is the real current time.
    """
    if now.tzinfo is None:
        raise BundleError("the load time must be timezone-aware")
    document = _parse(data, max_bytes)
    signer = _claimed_signer(document, trusted_signers)
    content = {key: value for key, value in document.items() if key != "signature"}
    controller = verify_detached(content, document.get("signature", ""), resolver)
    if controller != signer:
        raise BundleError(f"the bundle names {signer} as its issuer but {controller} signed it")
    issued = parse_iso(document.get("issued"), "bundle.issued")
    valid_until = parse_iso(document.get("validUntil"), "bundle.validUntil")
    if issued > now + FUTURE_TOLERANCE:
        raise BundleError(f"the bundle is dated {iso(issued)}, in the future (clock wrong?)")
    decoded = decode_content(document)
    return TrustBundle(
        signer=signer,
        issued=issued,
        valid_until=valid_until,
        loaded_at=now,
        ledger=BundleLedger(decoded, issued),
        status_lists=BundleStatusLists(decoded.status_lists),
        did_documents=decoded.did_documents,
    )


def load_bundle_file(
    path: Path,
    *,
    trusted_signers: Collection[str] | None,
    resolver: DidResolver,
    now: datetime,
    max_bytes: int = DEFAULT_MAX_BUNDLE_BYTES,
) -> TrustBundle:
    """:func:`load_bundle` on a file, whose size is checked before it is read."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise BundleError(f"{path}: {size} bytes is more than the limit of {max_bytes}")
        data = path.read_bytes()
    except OSError as exc:
        raise BundleError(f"{path}: cannot read the trust bundle ({exc.strerror})") from exc
    try:
        return load_bundle(
            data, trusted_signers=trusted_signers, resolver=resolver, now=now, max_bytes=max_bytes
        )
    except UntrustedBundleSigner as exc:
        raise UntrustedBundleSigner(f"{path}: {exc}", signer=exc.signer) from exc
    except BundleError as exc:
        raise BundleError(f"{path}: {exc}") from exc


def _parse(data: bytes | str, max_bytes: int) -> dict[str, Any]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise BundleError(f"the bundle is {len(raw)} bytes, more than the limit of {max_bytes}")
    try:
        document = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_no_duplicate_keys,
            parse_float=_no_float,
            parse_constant=_no_float,
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"the bundle is not UTF-8 JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise BundleError("the bundle is not a JSON object")
    if document.get("type") != BUNDLE_TYPE or document.get("version") != FORMAT_VERSION:
        raise BundleError(
            f"not a {BUNDLE_TYPE} version {FORMAT_VERSION} "
            f"(type {document.get('type')!r}, version {document.get('version')!r})"
        )
    return document


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A duplicated key would let a reader see one value while the signature covers the other.
    result = dict(pairs)
    if len(result) != len(pairs):
        raise BundleError("the bundle repeats a key in one JSON object")
    return result


def _no_float(text: str) -> Any:
    raise BundleError(f"the bundle holds a non-integer number ({text}), which it never signs")


def _claimed_signer(document: Mapping[str, Any], trusted: Collection[str] | None) -> str:
    signer = document.get("issuer")
    if not isinstance(signer, str) or not signer.startswith("did:"):
        raise BundleError("the bundle names no issuer DID")
    if trusted is not None and signer not in trusted:
        raise UntrustedBundleSigner(
            f"the bundle is signed by {signer}, which is not a trusted bundle signer "
            f"(trusted: {', '.join(sorted(trusted)) or 'none'})",
            signer=signer,
        )
    return signer
