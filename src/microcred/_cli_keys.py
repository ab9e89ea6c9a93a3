"""`microcred keys rotate`: new signing and anchoring keys; the old ones retired, kept."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from microcred._cli_context import AppContext
from microcred.keys import KeyType


@click.group()
def keys() -> None:
    """The issuer's keys: rotate them without losing what was issued."""


@keys.command()
@click.option(
    "--key-type",
    type=click.Choice(["ed25519", "p-256"]),
    help="Key type of the new signing key (default: the current one's).",
)
@click.pass_obj
def rotate(app: AppContext, key_type: str | None) -> None:
    """Make a new signing key and a new anchoring key; retire the old ones (kept encrypted).

    Credentials issued before keep verifying, and so do their status lists: a did:web DID
    document lists the old key beside the new one; a did:key issuer gets a new DID, and
    the old DID's lists stay signed by its retired key. The new anchoring address must be
    accredited on the registry before new batches can be anchored.

    \b
    Example:
      microcred keys rotate
      microcred registry accredit --eqf 6 --eqf 7 --years 2   # by the authority
    """
    from microcred.issuer.rotation import rotate_keys

    chosen = (
        None if key_type is None else KeyType.ED25519 if key_type == "ed25519" else KeyType.P256
    )
    secret = app.passphrase(confirm=False)
    with app.store() as store:
        rotation = rotate_keys(app.home, secret, store=store, at=datetime.now(UTC), key_type=chosen)
    click.echo(
        f"retired {rotation.old_verification_method} (kept encrypted: {rotation.retired_key_file})"
    )
    click.echo(f"signing with {rotation.new_verification_method}")
    if rotation.new_did != rotation.old_did:
        click.echo(
            f"new issuer DID: {rotation.new_did} (the status lists of "
            f"{rotation.old_did} stay signed by its retired key)"
        )
    else:
        click.echo(
            f"publish the updated {app.home / 'did.json'} at the did:web address of "
            + rotation.new_did
        )
    click.echo(
        f"new anchoring address {rotation.new_anchoring_address}: the authority must accredit it "
        f"for {rotation.new_did} before the next batch is anchored "
        f"(microcred registry accredit --issuer-address {rotation.new_anchoring_address} "
        f"--issuer-did {rotation.new_did})"
    )
