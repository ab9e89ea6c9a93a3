"""Sign and verify throughput for ELM and OB3 credentials of the example course.

Run:  .venv/bin/python bench/bench_issue_verify.py [--learners 30]
Prints credentials/second for: building + shape/schema validation, signing, verifying the
proof only, and the full verifier (all steps). Figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from microcred.elm_models.elm import award_to_elm
from microcred.elm_models.ob3 import award_to_ob3
from microcred.elm_models.readers import read_learners, read_spec
from microcred.elm_models.record import (
    Award,
    IssuerProfile,
    Learner,
    MicroCredentialSpec,
    multilingual,
)
from microcred.issuer import Batch, IssuedCredential, Issuer, issue_batch, make_awards
from microcred.keys import DidResolver, KeyType, SigningKey, did_key, did_key_verification_method
from microcred.proofs import verify_proofs
from microcred.validation.ob3_schema import validate_ob3
from microcred.validation.shacl import validate_elm
from microcred.verifier import VerificationPolicy, verify_credential

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"


def _issuer(key_type: KeyType) -> Issuer:
    key = SigningKey.generate(key_type)
    profile = IssuerProfile(
        did=did_key(key.public_key),
        verification_method=did_key_verification_method(key.public_key),
        name=multilingual({"en": "Example State University"}),
        country="GE",
        legal_identifier="204000000",
    )
    return Issuer(profile=profile, key=key)


def _rate(label: str, count: int, action: Callable[[], object]) -> None:
    start = time.perf_counter()
    action()
    elapsed = time.perf_counter() - start
    print(f"  {label:<44} {count / elapsed:9.1f} /s   ({elapsed * 1000 / count:7.2f} ms each)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=30)
    args = parser.parse_args()
    spec = read_spec(EXAMPLE / "microcredential.yaml")
    base = read_learners(EXAMPLE / "learners.csv", spec)
    learners = [
        replace(base[i % len(base)], learner_id=f"B{i:06d}", row=i + 1)
        for i in range(args.learners)
    ]
    print(
        f"microcred benchmark, {datetime.now(UTC):%Y-%m-%d}, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}"
    )
    for key_type in (KeyType.ED25519, KeyType.P256):
        _bench_key_type(spec, learners, key_type)


def _bench_key_type(spec: MicroCredentialSpec, learners: list[Learner], key_type: KeyType) -> None:
    issuer = _issuer(key_type)
    awards = make_awards(spec, learners, issuer.profile, issued=datetime(2025, 10, 20, tzinfo=UTC))
    n = len(awards)
    print(f"{key_type} ({n} learners)")
    _rate("ELM build + SHACL validation", n, lambda: [_elm_checked(a) for a in awards])
    _rate(
        "OB3 build + JSON Schema validation",
        n,
        lambda: [validate_ob3(award_to_ob3(a)) for a in awards],
    )
    resolver = DidResolver()
    policy = VerificationPolicy(resolver=resolver)
    for fmt in ("elm", "ob3"):
        batches: list[Batch] = []
        _rate(f"{fmt}: sign", n, lambda f=fmt, b=batches: b.append(_sign(awards, issuer, f)))
        docs = [_document(c, fmt) for c in batches[0].credentials]
        _rate(
            f"{fmt}: verify proof only", n, lambda d=docs: [verify_proofs(x, resolver) for x in d]
        )
        _rate(
            f"{fmt}: verify, all steps", n, lambda d=docs: [verify_credential(x, policy) for x in d]
        )


def _elm_checked(award: Award) -> object:
    return validate_elm(award_to_elm(award), include_proof=False)


def _sign(awards: list[Award], issuer: Issuer, fmt: str) -> Batch:
    return issue_batch(awards, issuer, formats=(fmt,), validate=False)


def _document(credential: IssuedCredential, fmt: str) -> dict[str, Any]:
    document = credential.elm if fmt == "elm" else credential.ob3
    assert document is not None
    return document


if __name__ == "__main__":
    main()
