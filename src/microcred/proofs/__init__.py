"""Proofs: Data Integrity (eddsa-rdfc-2022, ecdsa-rdfc-2019, Ed25519Signature2020) and VC-JWT."""

from microcred.proofs._canonicalize import canonicalize
from microcred.proofs._create import add_proof
from microcred.proofs._signed_form import check_signed_form, signed_form_problem
from microcred.proofs._suites import cryptosuite_for
from microcred.proofs._verify import ProofResult, verify_proofs
from microcred.proofs.jwt import is_compact_jws, sign_vc_jwt, verify_vc_jwt

__all__ = [
    "ProofResult",
    "add_proof",
    "canonicalize",
    "check_signed_form",
    "cryptosuite_for",
    "is_compact_jws",
    "sign_vc_jwt",
    "signed_form_problem",
    "verify_proofs",
    "verify_vc_jwt",
]
