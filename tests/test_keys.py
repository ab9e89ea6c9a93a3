"""Keys: Multikey round trips against the W3C key pairs, signing, JWKs, encrypted key files."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

import microcred.keys
from microcred.errors import KeyStoreError
from microcred.keys import (
    KeyType,
    PublicKey,
    SigningKey,
    load_signing_key,
    passphrase_from_env,
    save_signing_key,
)
from microcred.keys._pkcs8_scrypt import encrypt_pkcs8_pem

VECTORS = Path(__file__).parent / "vectors"
PASSPHRASE = "correct horse battery staple"
# (file, secret field): w3c/vc-di-eddsa@abb673eb and w3c/vc-di-ecdsa@00781de5 TestVectors.
KEY_PAIRS = [
    ("eddsa-rdfc-2022/keyPair.json", "privateKeyMultibase", KeyType.ED25519),
    ("ecdsa-rdfc-2019-p256/p256KeyPair.json", "secretKeyMultibase", KeyType.P256),
]


def test_public_surface_is_exact() -> None:
    assert sorted(microcred.keys.__all__) == [
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


@pytest.mark.parametrize(("path", "field", "key_type"), KEY_PAIRS, ids=["ed25519", "p256"])
def test_multibase_round_trip(path: str, field: str, key_type: KeyType) -> None:
    pair = json.loads((VECTORS / path).read_text())
    key = SigningKey.from_multibase(pair[field])
    assert key.key_type is key_type
    assert key.secret_multibase() == pair[field]
    assert key.public_key.multibase() == pair["publicKeyMultibase"]
    public = PublicKey.from_multibase(pair["publicKeyMultibase"])
    assert public == key.public_key
    assert len(public.raw) == (32 if key_type is KeyType.ED25519 else 33)


@pytest.mark.parametrize("key_type", list(KeyType))
def test_sign_and_verify(key_type: KeyType) -> None:
    key = SigningKey.generate(key_type)
    signature = key.sign(b"hash data")
    assert len(signature) == 64
    assert key.public_key.verify(signature, b"hash data")
    assert not key.public_key.verify(signature, b"hash datA")
    assert not key.public_key.verify(signature[:-1] + bytes([signature[-1] ^ 1]), b"hash data")
    assert not SigningKey.generate(key_type).public_key.verify(signature, b"hash data")


def test_p256_signing_is_deterministic() -> None:
    key = SigningKey.generate(KeyType.P256)
    assert key.sign(b"x") == key.sign(b"x")


@pytest.mark.parametrize("key_type", list(KeyType))
def test_jwk_round_trip(key_type: KeyType) -> None:
    key = SigningKey.generate(key_type)
    jwk = key.public_key.to_jwk()
    assert "d" not in jwk
    assert jwk["kty"] == ("OKP" if key_type is KeyType.ED25519 else "EC")
    assert PublicKey.from_jwk(jwk) == key.public_key
    private = key.to_private_jwk()
    assert {k: v for k, v in private.items() if k != "d"} == jwk


def test_invalid_public_keys_are_rejected() -> None:
    with pytest.raises(ValueError):
        PublicKey(KeyType.ED25519, b"\x00" * 31)
    with pytest.raises(ValueError):
        PublicKey(KeyType.P256, b"\x05" + b"\x00" * 32)  # not a compressed point
    with pytest.raises(ValueError):
        PublicKey.from_multibase("6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")


@pytest.mark.parametrize("key_type", list(KeyType))
def test_repr_hides_secret(key_type: KeyType) -> None:
    key = SigningKey.generate(key_type)
    secret = key.secret_multibase()
    d = key.to_private_jwk()["d"]
    for text in (repr(key), str(key), f"{key}"):
        assert secret not in text and secret[1:] not in text and d not in text
        assert key.public_key.multibase() in text


@pytest.mark.parametrize("key_type", list(KeyType))
def test_key_file_round_trip_is_private_and_encrypted(tmp_path: Path, key_type: KeyType) -> None:
    key = SigningKey.generate(key_type)
    path = tmp_path / "issuer.pem"
    save_signing_key(path, key, "correct horse battery")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    pem = path.read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    raw_secret = key.to_private_jwk()["d"]
    assert raw_secret.encode() not in pem and key.secret_multibase().encode() not in pem
    loaded = load_signing_key(path, "correct horse battery")
    assert loaded.public_key == key.public_key
    assert loaded.sign(b"m") == key.sign(b"m")  # both suites sign deterministically
    assert loaded.secret_multibase() == key.secret_multibase()
    assert [p.name for p in tmp_path.iterdir()] == ["issuer.pem"]  # no temp file left


def test_key_file_is_standard_pkcs8(tmp_path: Path) -> None:
    key = SigningKey.generate(KeyType.ED25519)
    save_signing_key(tmp_path / "k.pem", key, PASSPHRASE)
    private = serialization.load_pem_private_key(
        (tmp_path / "k.pem").read_bytes(), PASSPHRASE.encode()
    )
    assert SigningKey(private).public_key == key.public_key  # type: ignore[arg-type]


def test_overwriting_key_file_keeps_mode(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    path.write_text("old")
    path.chmod(0o644)
    save_signing_key(path, SigningKey.generate(KeyType.ED25519), PASSPHRASE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_wrong_passphrase_raises_keystore_error(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    save_signing_key(path, SigningKey.generate(KeyType.ED25519), PASSPHRASE)
    with pytest.raises(KeyStoreError, match="wrong passphrase or corrupt key file") as info:
        load_signing_key(path, "wrong")
    assert str(path) in str(info.value)
    assert info.value.__cause__ is None


def test_corrupt_and_missing_key_files(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.pem"
    corrupt.write_text("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n")
    with pytest.raises(KeyStoreError, match="wrong passphrase or corrupt key file"):
        load_signing_key(corrupt, "pw")
    with pytest.raises(KeyStoreError, match="cannot read key file"):
        load_signing_key(tmp_path / "missing.pem", "pw")


@pytest.mark.parametrize("passphrase", ["", "x", "fourteen chars"])
def test_short_passphrase_is_refused(tmp_path: Path, passphrase: str) -> None:
    with pytest.raises(KeyStoreError, match="at least 15"):
        save_signing_key(tmp_path / "k.pem", SigningKey.generate(KeyType.ED25519), passphrase)
    assert not (tmp_path / "k.pem").exists()


def test_fifteen_characters_are_enough(tmp_path: Path) -> None:
    save_signing_key(tmp_path / "k.pem", SigningKey.generate(KeyType.ED25519), "fifteen chars!!")
    assert load_signing_key(tmp_path / "k.pem", "fifteen chars!!").key_type is KeyType.ED25519


def _scrypt_parameters(pem: bytes) -> tuple[int, int, int]:
    """(N, r, p) read back from the DER of an encrypted PKCS#8 PEM written by microcred."""
    der = base64.b64decode(b"".join(pem.strip().splitlines()[1:-1]))
    scrypt_oid = bytes.fromhex("06092b06010401da47040b")  # 1.3.6.1.4.1.11591.4.11
    params = der[der.index(scrypt_oid) + len(scrypt_oid) :]
    # SEQUENCE { OCTET STRING salt(16), INTEGER N, INTEGER r, INTEGER p, INTEGER keyLength }
    assert params[0] == 0x30 and params[2] == 0x04 and params[3] == 16
    rest, values = params[4 + 16 :], []
    for _ in range(3):
        assert rest[0] == 0x02
        values.append(int.from_bytes(rest[2 : 2 + rest[1]], "big"))
        rest = rest[2 + rest[1] :]
    return values[0], values[1], values[2]


def test_new_key_files_use_owasp_scrypt_parameters(tmp_path: Path) -> None:
    save_signing_key(tmp_path / "k.pem", SigningKey.generate(KeyType.ED25519), PASSPHRASE)
    assert _scrypt_parameters((tmp_path / "k.pem").read_bytes()) == (2**17, 8, 1)


def test_key_files_with_older_scrypt_parameters_still_open(tmp_path: Path) -> None:
    key = SigningKey.generate(KeyType.P256)
    der = key._crypto_key().private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    old = encrypt_pkcs8_pem(der, b"short", scrypt_n=2**14)  # as microcred wrote them before
    assert _scrypt_parameters(old) == (2**14, 8, 1)
    (tmp_path / "old.pem").write_bytes(old)
    assert load_signing_key(tmp_path / "old.pem", "short").public_key == key.public_key


def test_passphrase_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MICROCRED_KEY_PASSPHRASE", raising=False)
    assert passphrase_from_env() is None
    monkeypatch.setenv("MICROCRED_KEY_PASSPHRASE", "")
    assert passphrase_from_env() is None
    monkeypatch.setenv("MICROCRED_KEY_PASSPHRASE", "s3cret")
    assert passphrase_from_env() == "s3cret"
    monkeypatch.setenv("OTHER_VAR", "x")
    assert passphrase_from_env("OTHER_VAR") == "x"
