"""The verification steps: one function per named check, each returning a StepResult.

A step reports; it never raises for a bad credential. Errors of microcred's own tree that
mean "could not check" become ERROR; anything else is a bug and propagates.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from microcred.chain.anchor_proof import is_anchor_proof, without_anchor_proofs
from microcred.contexts import BUNDLED_CONTEXTS, CREDENTIALS_V1, CREDENTIALS_V2
from microcred.errors import DidResolutionError, MethodNotAuthorised, MicrocredError
from microcred.proofs import ProofResult, verify_proofs, verify_vc_jwt
from microcred.validation.ob3_schema import Ob3Schema, validate_ob3
from microcred.validation.shacl import validate_elm
from microcred.verifier.annex_i import declares_micro_credential, missing_annex_i_elements
from microcred.verifier.inputs import STATUS_LIST_FORMAT, ParsedCredential, as_list, checked_view
from microcred.verifier.policy import VerificationPolicy
from microcred.verifier.report import StepResult, StepStatus

Step = Callable[[ParsedCredential, VerificationPolicy], StepResult]

PASS, FAIL, ERROR, SKIPPED = StepStatus.PASS, StepStatus.FAIL, StepStatus.ERROR, StepStatus.SKIPPED
_MAX_LISTED_PROBLEMS = 5
_NOT_FOR_STATUS_LISTS = "a status list credential: not applicable"
_VC1_DATES = {"issuanceDate": "validFrom", "expirationDate": "validUntil"}


def check_contexts(credential: ParsedCredential, policy: VerificationPolicy) -> StepResult:
    """Every JSON-LD context must be bundled: nothing is fetched, unknown vocabularies rejected."""
    contexts = credential.document.get("@context")
    urls = [c for c in as_list(contexts) if isinstance(c, str)]
    if not urls:
        return StepResult("contexts", FAIL, "no @context: not a JSON-LD verifiable credential")
    unknown = [url for url in urls if url not in BUNDLED_CONTEXTS]
    if any(not isinstance(c, str) for c in as_list(contexts)):
        return StepResult("contexts", FAIL, "inline @context objects are not accepted")
    if unknown:
        return StepResult(
            "contexts", FAIL, f"unknown JSON-LD context(s), not loaded: {', '.join(unknown)}"
        )
    return StepResult("contexts", PASS, f"{len(urls)} bundled context(s)")


def check_signed_form(credential: ParsedCredential, policy: VerificationPolicy) -> StepResult:
    """The JSON is exactly its signed graph in normal form (proofs.signed_form_problem), and
    the proof set is one a reader cannot misread: objects only, none twice, at most one
    anchor proof."""
    problem = credential.signed_form_problem
    if problem is not None:
        return StepResult("signed-form", FAIL, problem)
    proofs = [] if credential.token is not None else as_list(credential.document.get("proof"))
    if not all(isinstance(proof, Mapping) for proof in proofs):
        return StepResult("signed-form", FAIL, "the proof set holds a value that is no proof")
    if len({json.dumps(proof, sort_keys=True) for proof in proofs}) != len(proofs):
        return StepResult("signed-form", FAIL, "the proof set holds one proof twice")
    anchors = sum(1 for proof in proofs if is_anchor_proof(proof))
    if anchors > 1:
        return StepResult(
            "signed-form",
            FAIL,
            f"the proof set holds {anchors} anchor proofs; a credential is anchored once",
        )
    return StepResult("signed-form", PASS, "the JSON is its signed graph, in normal form")


def unchecked(step: str) -> StepResult:
    """The result of a step that will not read a JSON differing from its signed graph."""
    return StepResult(
        step, FAIL, "not read: the JSON is not its signed graph in normal form (see signed-form)"
    )


def check_format(credential: ParsedCredential, policy: VerificationPolicy) -> StepResult:
    """ELM against the EDC SHACL shapes; OB3 against the 1EdTech JSON Schema."""
    fmt = credential.credential_format
    if not policy.check_format:
        return StepResult("format", SKIPPED, "format validation disabled by policy")
    if fmt == STATUS_LIST_FORMAT:
        return StepResult("format", SKIPPED, _NOT_FOR_STATUS_LISTS)
    if fmt not in ("elm", "ob3", "ob3-jwt"):
        return StepResult("format", FAIL, "neither an ELM nor an Open Badges 3.0 credential")
    document = checked_view(credential)
    if document is None:
        return unchecked("format")
    try:
        return _check_elm_shapes(document) if fmt == "elm" else _check_ob3_schema(document)
    except MicrocredError as exc:
        return StepResult("format", ERROR, f"could not validate: {exc}")


def _check_elm_shapes(document: Mapping[str, Any]) -> StepResult:
    what = "EDC SHACL shapes (ELM 3.2, generic-full)"
    report = validate_elm(document)
    if report.conforms:
        return StepResult("format", PASS, f"conforms to the {what}")
    return _nonconformant(what, report.problems)


def _check_ob3_schema(document: Mapping[str, Any]) -> StepResult:
    """The formal schema first; like 1EdTech's validator, the JSON-LD variant only warns."""
    what = "Open Badges 3.0 AchievementCredential JSON Schema"
    document, legacy = _as_vcdm2(document)
    if legacy:
        what += " (a VC 1.1 badge: its issuanceDate, expirationDate and context mapped to VC 2.0)"
    formal = validate_ob3(document)
    if formal.conforms:
        return StepResult("format", PASS, f"conforms to the {what}")
    lenient = validate_ob3(document, schemas=(Ob3Schema.JSON_LD,))
    if not lenient.conforms:
        return _nonconformant(what, formal.problems)
    return StepResult(
        "format",
        PASS,
        f"conforms to the JSON-LD variant of the {what}; warning, not the formal one: "
        + _summarise(formal.problems),
        {"warnings": list(formal.problems)},
    )


def _as_vcdm2(document: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
    """A VC 1.1 Open Badge (most badges in wallets) as the VC 2.0 shape the schema describes.

    Only the names VC 2.0 changed are mapped; the signature covers the original document.
    """
    context = as_list(document.get("@context"))
    if not context or context[0] != CREDENTIALS_V1:
        return document, False
    view = {k: v for k, v in document.items() if k not in _VC1_DATES}
    view["@context"] = [CREDENTIALS_V2, *context[1:]]
    for old, new in _VC1_DATES.items():
        if old in document:
            view[new] = document[old]
    return view, True


def _nonconformant(what: str, problems: Sequence[str]) -> StepResult:
    return StepResult(
        "format",
        FAIL,
        f"does not conform to the {what}: " + _summarise(problems),
        {"problems": list(problems)},
    )


def check_annex_i(credential: ParsedCredential, policy: VerificationPolicy) -> StepResult:
    """All mandatory elements of Council Recommendation 2022/C 243/02, Annex I, are present."""
    fmt = credential.credential_format
    if fmt == STATUS_LIST_FORMAT:
        return StepResult("annex-i", SKIPPED, _NOT_FOR_STATUS_LISTS)
    if fmt not in ("elm", "ob3", "ob3-jwt"):
        return StepResult("annex-i", SKIPPED, "not a micro-credential format microcred knows")
    document = checked_view(credential)
    if document is None:
        return unchecked("annex-i")
    if fmt != "elm" and not declares_micro_credential(document):
        return StepResult(
            "annex-i", SKIPPED, "an Open Badge that does not declare a MicroCredential"
        )
    missing = missing_annex_i_elements(document, fmt)
    if missing:
        return StepResult(
            "annex-i", FAIL, "missing mandatory Annex I element(s): " + ", ".join(missing)
        )
    return StepResult("annex-i", PASS, "all 11 mandatory Annex I elements present")


def check_proof(credential: ParsedCredential, policy: VerificationPolicy) -> StepResult:
    """The signature (Data Integrity proof set, or VC-JWT) verifies over the whole credential."""
    if credential.token is not None:
        _, result = verify_vc_jwt(credential.token, policy.resolver)
        results = [result]
    else:
        results = verify_proofs(
            without_anchor_proofs(credential.document),
            policy.resolver,
            allowed_cryptosuites=policy.allowed_cryptosuites,
        )
    if not results:
        return StepResult("proof", FAIL, "the credential carries no proof")
    return _proof_step(results)


def _proof_step(results: list[ProofResult]) -> StepResult:
    details = {"proofs": [_proof_detail(r) for r in results]}
    invalid = [r for r in results if r.outcome == "invalid"]
    if invalid:
        return StepResult("proof", FAIL, _describe(invalid[0]), details)
    unverifiable = [r for r in results if r.outcome != "valid"]
    if unverifiable:
        return StepResult("proof", ERROR, _describe(unverifiable[0]), details)
    suites = ", ".join(sorted({r.cryptosuite for r in results}))
    return StepResult("proof", PASS, f"{len(results)} valid proof(s) ({suites})", details)


def _proof_detail(result: ProofResult) -> dict[str, str]:
    return {
        "verificationMethod": result.verification_method,
        "cryptosuite": result.cryptosuite,
        "outcome": result.outcome,
        "reason": result.reason,
    }


def _describe(result: ProofResult) -> str:
    return f"{result.cryptosuite} proof by {result.verification_method}: {result.reason}"


def check_issuer(credential: ParsedCredential, policy: VerificationPolicy) -> StepResult:
    """Every signing key is one the issuer's DID (or controller) document authorises."""
    document = checked_view(credential)
    if document is None:
        return unchecked("issuer")
    issuer = issuer_id(document)
    if issuer is None:
        return StepResult("issuer", FAIL, "the credential names no issuer")
    methods = signing_methods(credential)
    if not methods:
        return StepResult("issuer", FAIL, f"no signing key is named for issuer {issuer}")
    for method in methods:
        try:
            resolved = policy.resolver.resolve_verification_method(method)
        except MethodNotAuthorised as exc:
            return StepResult("issuer", FAIL, f"{method} is not authorised: {exc}")
        except DidResolutionError as exc:
            return StepResult("issuer", ERROR, f"cannot resolve {method}: {exc}")
        if resolved.controller != issuer:
            return StepResult(
                "issuer", FAIL, f"key {method} is controlled by {resolved.controller}, not {issuer}"
            )
    return StepResult("issuer", PASS, f"{issuer} resolved; it controls the signing key")


def check_validity_period(credential: ParsedCredential, policy: VerificationPolicy) -> StepResult:
    document = checked_view(credential)
    if document is None:
        return unchecked("validity")
    start_raw = document.get("validFrom") or document.get("issuanceDate")
    end_raw = document.get("validUntil") or document.get("expirationDate")
    try:
        start = _parse_datetime(start_raw) if start_raw else None
        end = _parse_datetime(end_raw) if end_raw else None
    except ValueError as exc:
        return StepResult("validity", FAIL, f"malformed date: {exc}")
    if start is None:
        return StepResult("validity", FAIL, "no validFrom / issuanceDate")
    now = policy.now
    if now < start:
        return StepResult("validity", FAIL, f"not valid before {start_raw} (now {_iso(now)})")
    if end is not None and now > end:
        return StepResult("validity", FAIL, f"expired on {end_raw} (now {_iso(now)})")
    until = f" until {end_raw}" if end else ", no expiry"
    return StepResult("validity", PASS, f"valid from {start_raw}{until}")


def issuer_id(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def signing_methods(credential: ParsedCredential) -> list[str]:
    if credential.token is not None:
        kid = credential.jwt_header.get("kid")
        return [kid] if isinstance(kid, str) else []
    proofs = as_list(without_anchor_proofs(credential.document).get("proof"))
    methods = [p.get("verificationMethod") for p in proofs if isinstance(p, Mapping)]
    return [method for method in methods if isinstance(method, str)]


def _parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date-time string")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{value} has no time zone")
    return parsed


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _summarise(problems: Iterable[str]) -> str:
    problems = list(problems)
    shown = "; ".join(problems[:_MAX_LISTED_PROBLEMS])
    more = len(problems) - _MAX_LISTED_PROBLEMS
    return shown + (f"; and {more} more" if more > 0 else "")
