"""The issuer's profile and signing key, kept in the issuer's home directory.

<home>/issuer.json            the public profile (DID, names, country, legal identifier)
<home>/keys/signing-key.pem   the private key, encrypted with a passphrase, mode 0600
<home>/did.json               for did:web issuers: the DID document to publish
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
    force: bool = False,
) -> IssuerProfile:
    """Create keys and a profile; did:key by default, did:web when ``web_domain`` is given."""
    profile_path = home / PROFILE_FILE
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
    if profile_path.exists() and not force:
        raise KeyStoreError(f"an issuer profile already exists at {profile_path} (use --force)")
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
    if force:
        (home / ANCHORING_KEYSTORE).unlink(missing_ok=True)
    create_keystore(home / ANCHORING_KEYSTORE, passphrase)
    if web_domain:
        document = did_web_document(did, [(method, key.public_key)])
        _write_json(home / DID_DOCUMENT_FILE, document)
    _write_json(profile_path, _profile_to_json(profile, key.public_key.key_type))
    return profile


def _identify(key: SigningKey, web_domain: str | None) -> tuple[str, str]:
    if not web_domain:
        return did_key(key.public_key), did_key_verification_method(key.public_key)
    did = "did:web:" + web_domain.replace(":", "%3A").replace("/", ":")
    return did, f"{did}#{key.public_key.multibase()}"


def read_profile(home: Path) -> IssuerProfile:
    path = home / PROFILE_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise KeyStoreError(f"no issuer profile at {path}: run 'microcred init' first") from exc
    except (OSError, ValueError) as exc:
        raise KeyStoreError(f"cannot read the issuer profile {path}: {exc}") from exc
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
    profile = read_profile(home)
    key = load_signing_key(home / KEY_FILE, passphrase)
    if profile.verification_method.split("#", 1)[1] != key.public_key.multibase():
        raise KeyStoreError(f"the key in {home / KEY_FILE} does not match the issuer profile")
    return Issuer(profile=profile, key=key)


def read_did_document(home: Path) -> dict[str, Any] | None:
    path = home / DID_DOCUMENT_FILE
    return json.loads(path.read_text("utf-8")) if path.exists() else None


def _profile_to_json(profile: IssuerProfile, key_type: KeyType) -> dict[str, Any]:
    data = {f.name: getattr(profile, f.name) for f in fields(profile)}
    data["name"] = dict(profile.name)
    data["key_type"] = str(key_type)
    data["key_file"] = KEY_FILE
    return data


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
    os.replace(tmp, path)


def anchoring_account(home: Path, passphrase: str) -> LocalAccount:
    """The issuer's Ethereum account (created on first use for profiles made before it)."""
    path = home / ANCHORING_KEYSTORE
    if not path.exists():
        read_profile(home)  # no account without an issuer
        create_keystore(path, passphrase)
    return load_account(path, passphrase)


def anchoring_address(home: Path) -> str | None:
    """The anchoring address, read from the keystore without decrypting it."""
    path = home / ANCHORING_KEYSTORE
    if not path.exists():
        return None
    address = json.loads(path.read_text("utf-8")).get("address", "")
    return to_checksum_address(address) if address else None
