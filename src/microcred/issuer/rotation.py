"""Key rotation: a new signing key and a new anchoring key, with nothing issued before lost.

What stays verifiable, and why (docs/security.md, section 4, has the whole argument):

- Credentials carry their proof and their anchor proof; the old anchoring address stays
  accredited on the registry for the old DID until the authority says otherwise, and the
  registry answers "was it accredited when it anchored", so old anchors keep passing.
- did:web: the DID does not change. The DID document lists the new key and every retired
  one under ``assertionMethod`` (old signatures still resolve); only the new key is under
  ``authentication``. Status lists are signed with the new key.
- did:key: the DID *is* the key, so a new key is a new DID. Every status list records the
  DID that signs it; lists of the old DID keep being signed by the old DID's retired key
  (kept encrypted), so a revocation made after the rotation still reaches old credentials.
  New credentials go on new lists of the new DID.

Nothing is overwritten: new keys get new file names, and issuer.json, written atomically
last, switches to them and lists the old ones under ``retired_keys``. A crash before that
write leaves the old keys in use and at most an unused new file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import update

from microcred.chain import Ledger, create_keystore, load_account
from microcred.errors import KeyStoreError
from microcred.issuer.pending import pending_batches
from microcred.issuer.profile import (
    DID_DOCUMENT_FILE,
    PROFILE_FILE,
    Issuer,
    anchoring_account,
    anchoring_keystore_path,
    issuer_with_key,
    keystore_address,
    load_issuer,
    profile_data,
    profile_from_data,
    signing_key_path,
    write_json,
)
from microcred.keys import (
    KeyType,
    PublicKey,
    SigningKey,
    did_key,
    did_key_verification_method,
    did_web_document,
    save_signing_key,
)
from microcred.keys.keyfile import check_new_passphrase
from microcred.store import StatusList, Store

RETIRED_KEYS = "retired_keys"


@dataclass(frozen=True)
class Rotation:
    """What ``rotate_keys`` changed."""

    old_did: str
    new_did: str
    old_verification_method: str
    new_verification_method: str
    old_anchoring_address: str | None
    new_anchoring_address: str
    retired_key_file: Path


def rotate_keys(
    home: Path,
    passphrase: str,
    *,
    store: Store,
    at: datetime,
    key_type: KeyType | None = None,
) -> Rotation:
    """Retire the current keys (kept encrypted) and make new ones current.

    The passphrase must open the current signing key (possession), and is the one the new
    keys are encrypted with.
    """
    data = profile_data(home)
    current = load_issuer(home, passphrase)
    check_new_passphrase(passphrase)
    waiting = pending_batches(home)
    if waiting:
        # They are signed by the current key; after a did:key rotation the new anchoring
        # address would be accredited for another DID, and their `accredited` step would fail.
        raise KeyStoreError(
            f"{len(waiting)} batch(es) signed but not anchored yet ({waiting[0]}): "
            "run 'microcred anchor' before rotating keys"
        )
    old_key_file = signing_key_path(home, data)
    old_keystore = anchoring_keystore_path(home, data)
    # Every list opened so far belongs to the DID in use until now; record it before the
    # DID changes, so new credentials never land on a list the old DID signs.
    _claim_status_lists(store, current.profile.did)
    key = SigningKey.generate(key_type or current.key.key_type)
    stamp = at.strftime("%Y%m%dT%H%M%S%fZ")
    key_file = Path("keys") / f"signing-key-{stamp}.pem"
    keystore = Path("keys") / f"anchoring-keystore-{stamp}.json"
    if (home / key_file).exists() or (home / keystore).exists():
        raise KeyStoreError(f"{home / key_file} already exists: rotate again")
    save_signing_key(home / key_file, key, passphrase)
    address = create_keystore(home / keystore, passphrase)
    did, method = _successor(current.profile.did, key.public_key)
    retired = {
        "did": current.profile.did,
        "verification_method": current.profile.verification_method,
        "key_type": str(current.key.key_type),
        "public_key_multibase": current.key.public_key.multibase(),
        "key_file": str(old_key_file.relative_to(home)),
        "anchoring_keystore": str(old_keystore.relative_to(home)),
        "anchoring_address": keystore_address(old_keystore),
        "retired_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    new_data = {
        **data,
        "did": did,
        "verification_method": method,
        "key_type": str(key.key_type),
        "key_file": str(key_file),
        "anchoring_keystore": str(keystore),
        RETIRED_KEYS: [*retired_keys(data), retired],
    }
    if did.startswith("did:web:"):
        write_json(home / DID_DOCUMENT_FILE, did_web_rotation_document(did, new_data))
    write_json(home / PROFILE_FILE, new_data)
    return Rotation(
        old_did=current.profile.did,
        new_did=did,
        old_verification_method=current.profile.verification_method,
        new_verification_method=method,
        old_anchoring_address=retired["anchoring_address"],
        new_anchoring_address=address,
        retired_key_file=old_key_file,
    )


def retired_keys(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The retired keys listed in issuer.json, oldest first."""
    entries = data.get(RETIRED_KEYS, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise KeyStoreError(f"{PROFILE_FILE}: {RETIRED_KEYS} must be a list of objects")
    return entries


def did_web_rotation_document(did: str, data: dict[str, Any]) -> dict[str, Any]:
    """The DID document after a rotation: every key verifies, only the current one signs.

    Retired keys stay under ``assertionMethod`` (credentials they signed keep verifying);
    ``authentication`` holds the current key only.
    """
    current = str(data["verification_method"])
    keys = [(current, _public_key(current))]
    for entry in reversed(retired_keys(data)):
        method = str(entry["verification_method"])
        if entry.get("did") == did and method not in dict(keys):
            keys.append((method, _public_key(method)))
    document = did_web_document(did, keys)
    document["authentication"] = [current]
    return document


def status_list_signer(home: Path, passphrase: str) -> Callable[[str | None], Issuer]:
    """Who signs a status list of a given DID: the current key, or that DID's retired key.

    Keys are decrypted once, when first needed.
    """
    data = profile_data(home)
    loaded: dict[str, Issuer] = {}

    def signer(list_did: str | None) -> Issuer:
        did = list_did or str(data["did"])
        if did not in loaded:
            loaded[did] = _signer_for(home, data, did, passphrase)
        return loaded[did]

    return signer


def _signer_for(home: Path, data: dict[str, Any], did: str, passphrase: str) -> Issuer:
    profile = profile_from_data(data)
    if did == profile.did:
        return issuer_with_key(profile, signing_key_path(home, data), passphrase)
    for entry in reversed(retired_keys(data)):
        if entry.get("did") == did:
            retired_profile = replace(
                profile, did=did, verification_method=str(entry["verification_method"])
            )
            return issuer_with_key(retired_profile, home / str(entry["key_file"]), passphrase)
    raise KeyStoreError(f"no key of {did} in {home / PROFILE_FILE} (current or retired)")


def _successor(did: str, public_key: PublicKey) -> tuple[str, str]:
    if did.startswith("did:web:"):
        return did, f"{did}#{public_key.multibase()}"
    return did_key(public_key), did_key_verification_method(public_key)


def _public_key(verification_method: str) -> PublicKey:
    return PublicKey.from_multibase(verification_method.split("#", 1)[1])


def _claim_status_lists(store: Store, did: str) -> None:
    with store.transaction() as session:
        session.execute(
            update(StatusList).where(StatusList.issuer_did.is_(None)).values(issuer_did=did)
        )


def status_anchoring_account(
    home: Path, passphrase: str, ledger: Ledger, at: datetime
) -> LocalAccount:
    """The account to anchor status lists from: the current one, once it is accredited.

    Between ``keys rotate`` and the authority accrediting the new address, the newest
    retired address that is still accredited anchors the lists instead, so a revocation
    can always be published. (An authority that revokes a compromised old address ends
    that: then only the current one is tried.)
    """
    current = anchoring_account(home, passphrase)
    moment = int(at.timestamp())
    if ledger.is_accredited_at(current.address, moment):
        return current
    data = profile_data(home)
    for entry in reversed(retired_keys(data)):
        address = entry.get("anchoring_address")
        if address and ledger.is_accredited_at(str(address), moment):
            return load_account(home / str(entry["anchoring_keystore"]), passphrase)
    return current  # anchoring will fail and say why


def status_marker_accounts(
    home: Path, passphrase: str, ledger: Ledger, at: datetime
) -> Callable[[str | None], LocalAccount]:
    """For a list's DID, the account that anchors its revision markers.

    A verifier counts a list's revision markers only from an address accredited for the
    list's DID (verifier/list_freshness.py). After a did:key rotation the old DID's lists
    keep their DID, so their markers come from the newest of this issuer's addresses, current
    or retired, that the registry accredited for that DID and that is accredited now; the
    status anchoring account when there is none (did:web keeps one DID for every address).
    """
    fallback = status_anchoring_account(home, passphrase, ledger, at)
    moment = int(at.timestamp())
    accredited = {(i.did, i.address.lower()) for i in ledger.accredited_issuers()}
    retired = [
        home / str(entry["anchoring_keystore"]) for entry in retired_keys(profile_data(home))
    ]
    keystores = [anchoring_keystore_path(home), *reversed(retired)]
    chosen: dict[str | None, LocalAccount] = {}

    def account_for(did: str | None) -> LocalAccount:
        if did not in chosen:
            keystore = next(
                (
                    path
                    for path in keystores
                    if (address := keystore_address(path)) is not None
                    and (did, address.lower()) in accredited
                    and ledger.is_accredited_at(address, moment)
                ),
                None,
            )
            chosen[did] = fallback if keystore is None else load_account(keystore, passphrase)
        return chosen[did]

    return account_for
