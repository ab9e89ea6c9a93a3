"""The issuer's profile and signing key, kept in the issuer's home directory.

<home>/issuer.json            the public profile (DID, names, country, legal identifier),
                              which key files are current, and the retired keys
<home>/keys/signing-key.pem   the private key, encrypted with a passphrase, mode 0600
<home>/did.json               for did:web issuers: the DID document to publish

Keys are never deleted or overwritten: ``init`` refuses to run over existing keys, and
``keys rotate`` (microcred.issuer.rotation) writes new files and lists the old ones under
``retired_keys``, still encrypted, so the old DID's status lists can still be signed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address

from microcred.chain import create_keystore, load_account
from microcred.elm_models.readers import issuer_profile_problems
from microcred.elm_models.record import IssuerProfile, multilingual
from microcred.errors import KeyStoreError, RecordError
from microcred.keys import (
    KeyType,
    SigningKey,
    did_key,
    did_key_verification_method,
    did_web_document,
    load_signing_key,
    save_signing_key,
)
from microcred.keys.keyfile import check_new_passphrase

PROFILE_FILE = "issuer.json"
KEY_FILE = "keys/signing-key.pem"
ANCHORING_KEYSTORE = "keys/anchoring-keystore.json"
DID_DOCUMENT_FILE = "did.json"


@dataclass(frozen=True)
class Issuer:
    """An issuer ready to sign: its public profile and its decrypted key (kept in memory only)."""

    profile: IssuerProfile
    key: SigningKey

    def __repr__(self) -> str:
        return f"Issuer(did={self.profile.did!r})"


def init_issuer(
    home: Path,
    *,
    name: dict[str, str],
    country: str,
    legal_identifier: str,
    passphrase: str,
    key_type: KeyType = KeyType.ED25519,
    web_domain: str | None = None,
    homepage: str | None = None,
    email: str | None = None,
    status_base_url: str | None = None,
) -> IssuerProfile:
    """Create keys and a profile; did:key by default, did:web when ``web_domain`` is given.

    Refuses (KeyStoreError) when the home already has a profile or keys: replacing them
    would make every credential issued so far unverifiable once its status list is signed
    again; ``keys rotate`` is the way to new keys.
    """
    problems = issuer_profile_problems(
        source="microcred init",
        name=name,
        country=country,
        legal_identifier=legal_identifier,
        homepage=homepage,
        email=email,
        web_domain=web_domain,
        status_base_url=status_base_url,
    )
    if problems:  # before any key is made or file written
        raise RecordError(problems)
    check_new_passphrase(passphrase)
    existing = [
        home / p for p in (PROFILE_FILE, KEY_FILE, ANCHORING_KEYSTORE) if (home / p).exists()
    ]
    if existing:
        raise KeyStoreError(
            f"an issuer already exists in {home} ({existing[0].name}): init never replaces "
            "keys; use 'microcred keys rotate' for new keys"
        )
    key = SigningKey.generate(key_type)
    did, method = _identify(key, web_domain)
    profile = IssuerProfile(
        did=did,
        verification_method=method,
        name=multilingual({lang.lower(): text.strip() for lang, text in name.items()}),
        country=country.strip().upper(),
        legal_identifier=legal_identifier.strip(),
        homepage=homepage.strip() if homepage else None,
        email=email.strip() if email else None,
        status_base_url=status_base_url,
    )
    (home / KEY_FILE).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    save_signing_key(home / KEY_FILE, key, passphrase)
    create_keystore(home / ANCHORING_KEYSTORE, passphrase)
    if web_domain:
        document = did_web_document(did, [(method, key.public_key)])
        write_json(home / DID_DOCUMENT_FILE, document)
    write_json(home / PROFILE_FILE, _profile_to_json(profile, key.public_key.key_type))
    return profile


def _identify(key: SigningKey, web_domain: str | None) -> tuple[str, str]:
    if not web_domain:
        return did_key(key.public_key), did_key_verification_method(key.public_key)
    did = "did:web:" + web_domain.replace(":", "%3A").replace("/", ":")
    return did, f"{did}#{key.public_key.multibase()}"


def profile_data(home: Path) -> dict[str, Any]:
    """issuer.json as stored (profile, current key files, retired keys)."""
    path = home / PROFILE_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise KeyStoreError(f"no issuer profile at {path}: run 'microcred init' first") from exc
    except (OSError, ValueError) as exc:
        raise KeyStoreError(f"cannot read the issuer profile {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise KeyStoreError(f"the issuer profile {path} is not a JSON object")
    return data


def signing_key_path(home: Path, data: dict[str, Any] | None = None) -> Path:
    """The current signing key file (profiles written before rotation existed: the default)."""
    return home / str((data or profile_data(home)).get("key_file") or KEY_FILE)


def anchoring_keystore_path(home: Path, data: dict[str, Any] | None = None) -> Path:
    """The current anchoring keystore."""
    if data is None and not (home / PROFILE_FILE).exists():
        return home / ANCHORING_KEYSTORE
    return home / str((data or profile_data(home)).get("anchoring_keystore") or ANCHORING_KEYSTORE)


def read_profile(home: Path) -> IssuerProfile:
    return profile_from_data(profile_data(home))


def profile_from_data(data: dict[str, Any]) -> IssuerProfile:
    return IssuerProfile(
        did=data["did"],
        verification_method=data["verification_method"],
        name=multilingual(data["name"]),
        country=data["country"],
        legal_identifier=data["legal_identifier"],
        homepage=data.get("homepage"),
        email=data.get("email"),
        status_base_url=data.get("status_base_url"),
    )


def load_issuer(home: Path, passphrase: str) -> Issuer:
    """The profile and the decrypted key; KeyStoreError if the passphrase is wrong."""
    data = profile_data(home)
    return issuer_with_key(profile_from_data(data), signing_key_path(home, data), passphrase)


def issuer_with_key(profile: IssuerProfile, key_file: Path, passphrase: str) -> Issuer:
    """``profile`` with the key in ``key_file``, which must be its verification method's."""
    key = load_signing_key(key_file, passphrase)
    if profile.verification_method.split("#", 1)[1] != key.public_key.multibase():
        raise KeyStoreError(f"the key in {key_file} does not match the issuer profile")
    return Issuer(profile=profile, key=key)


def read_did_document(home: Path) -> dict[str, Any] | None:
    path = home / DID_DOCUMENT_FILE
    return json.loads(path.read_text("utf-8")) if path.exists() else None


def _profile_to_json(profile: IssuerProfile, key_type: KeyType) -> dict[str, Any]:
    data = {f.name: getattr(profile, f.name) for f in fields(profile)}
    data["name"] = dict(profile.name)
    data["key_type"] = str(key_type)
    data["key_file"] = KEY_FILE
    data["anchoring_keystore"] = ANCHORING_KEYSTORE
    return data


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` atomically: readers see the old or the new file, never half of one."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def anchoring_account(home: Path, passphrase: str) -> LocalAccount:
    """The issuer's Ethereum account (created on first use for profiles made before it)."""
    path = anchoring_keystore_path(home, profile_data(home))  # no account without an issuer
    if not path.exists():
        create_keystore(path, passphrase)
    return load_account(path, passphrase)


def anchoring_address(home: Path) -> str | None:
    """The anchoring address, read from the keystore without decrypting it."""
    return keystore_address(anchoring_keystore_path(home))


def keystore_address(path: Path) -> str | None:
    """The address of a Web3 Secret Storage file, read without decrypting it."""
    if not path.exists():
        return None
    address = json.loads(path.read_text("utf-8")).get("address", "")
    return to_checksum_address(address) if address else None
