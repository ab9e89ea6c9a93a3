"""Keys, DIDs and verification methods: Ed25519/P-256 Multikeys, did:key, did:web, key files."""

from microcred.keys._did import (
    VerificationMethod,
    did_key,
    did_key_verification_method,
    did_web_document,
    did_web_url,
)
from microcred.keys._keypair import KeyType, PublicKey, SigningKey
from microcred.keys._resolver import DidResolver
from microcred.keys.keyfile import load_signing_key, passphrase_from_env, save_signing_key

__all__ = [
    "DidResolver",
    "KeyType",
    "PublicKey",
    "SigningKey",
    "VerificationMethod",
    "did_key",
    "did_key_verification_method",
    "did_web_document",
    "did_web_url",
    "load_signing_key",
    "passphrase_from_env",
    "save_signing_key",
]
