"""PKCS#8 EncryptedPrivateKeyInfo with PBES2 = scrypt + AES-256-CBC (RFC 8018, RFC 7914).

pyca/cryptography writes encrypted PKCS#8 only with OpenSSL's default PBKDF2 (2048
rounds) and cannot choose scrypt, but it reads scrypt-protected PKCS#8 (as written by
``openssl pkcs8 -topk8 -scrypt``). So this module builds that standard DER structure
itself; reading goes through cryptography. The encoder covers only the few DER types used.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

# OWASP Password Storage Cheat Sheet (scrypt): N=2^17, r=8, p=1 (128 MiB, about 0.4 s here).
# The parameters are stored in each file, so files written with older ones (N=2^14) still open.
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1
_KEY_BYTES = 32
_SALT_BYTES = 16
_IV_BYTES = 16

_OID_PBES2 = "1.2.840.113549.1.5.13"
_OID_SCRYPT = "1.3.6.1.4.1.11591.4.11"
_OID_AES256_CBC = "2.16.840.1.101.3.4.1.42"


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(encoded)]) + encoded + content


def _sequence(*items: bytes) -> bytes:
    return _der(0x30, b"".join(items))


def _octet_string(data: bytes) -> bytes:
    return _der(0x04, data)


def _integer(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _oid(dotted: str) -> bytes:
    first, second, *rest = (int(part) for part in dotted.split("."))
    body = bytearray([40 * first + second])
    for arc in rest:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return _der(0x06, bytes(body))


def encrypt_pkcs8_pem(pkcs8_der: bytes, passphrase: bytes, *, scrypt_n: int = SCRYPT_N) -> bytes:
    """PEM ``ENCRYPTED PRIVATE KEY`` of an unencrypted PKCS#8 DER, scrypt + AES-256-CBC."""
    salt, iv = os.urandom(_SALT_BYTES), os.urandom(_IV_BYTES)
    key = Scrypt(salt=salt, length=_KEY_BYTES, n=scrypt_n, r=SCRYPT_R, p=SCRYPT_P).derive(
        passphrase
    )
    padder = padding.PKCS7(algorithms.AES.block_size).padder()
    padded = padder.update(pkcs8_der) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    scrypt_params = _sequence(
        _octet_string(salt),
        _integer(scrypt_n),
        _integer(SCRYPT_R),
        _integer(SCRYPT_P),
        _integer(_KEY_BYTES),
    )
    algorithm = _sequence(
        _oid(_OID_PBES2),
        _sequence(
            _sequence(_oid(_OID_SCRYPT), scrypt_params),
            _sequence(_oid(_OID_AES256_CBC), _octet_string(iv)),
        ),
    )
    der = _sequence(algorithm, _octet_string(ciphertext))
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"\n".join(
        [
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----",
            *lines,
            b"-----END ENCRYPTED PRIVATE KEY-----",
            b"",
        ]
    )
