"""`microcred chain …` and `microcred registry …`: the ledger and its trusted-issuers registry.

On the embedded ledger every role (root, quality-assurance authority, issuer) can live in
one home for a demonstration; in production each keeps its own keystore (``--keystore``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.decorators import FC

from microcred._cli_dates import ISO_DATE
from microcred.settings import LedgerSettings, ledger_settings, save_ledger_settings

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from microcred.chain import Ledger

ROOT_KEYSTORE = "keys/root-keystore.json"
AUTHORITY_KEYSTORE = "keys/authority-keystore.json"


@contextmanager
def open_home_ledger(
    home: Path, location: str | None = None, *, create: bool = True
) -> Iterator[Ledger]:
    """The home's ledger, or the one at ``location``; ``create=False`` never starts one."""
    from microcred.chain import open_ledger

    settings = ledger_settings(home)
    if location and location != settings.location:
        settings = LedgerSettings(location=location)
    if settings.is_embedded:  # the embedded ledger remembers its own contract and chain id
        ledger = open_ledger(settings.location, create=create)
    else:
        ledger = open_ledger(
            settings.location, expected_chain_id=settings.chain_id, contract=settings.contract
        )
    try:
        yield ledger
    finally:
        ledger.close()


def account(path: Path, passphrase: str, *, create: bool = False) -> LocalAccount:
    from microcred.chain import create_keystore, load_account

    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        create_keystore(path, passphrase)
    return load_account(path, passphrase)


def _keystore_option(default: str, role: str) -> Callable[[FC], FC]:
    return click.option(
        "--keystore",
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"Encrypted keystore of the {role} (default: <home>/{default}).",
    )


@click.group()
def chain() -> None:
    """The ledger: deploy the registry contract, show where it is."""


@chain.command()
@click.option("--ledger", "location", help="A node URL (http://…) instead of the embedded ledger.")
@click.option("--chain-id", type=int, help="Expected chain id of the node (required with a URL).")
@_keystore_option(ROOT_KEYSTORE, "root (the registry's owner)")
@click.pass_context
def deploy(
    ctx: click.Context, location: str | None, chain_id: int | None, keystore: Path | None
) -> None:
    """Deploy the trusted-issuers registry and anchor contract, and remember it.

    \b
    Example (embedded ledger in the issuer home):
      microcred chain deploy
    Example (a node):
      microcred chain deploy --ledger http://127.0.0.1:8545 --chain-id 31337
    """
    from microcred.chain import open_ledger

    home, passphrase = ctx.obj.home, ctx.obj.passphrase(confirm=False)
    root = account(keystore or home / ROOT_KEYSTORE, passphrase, create=True)
    settings = ledger_settings(home) if location is None else LedgerSettings(location, chain_id)
    with open_ledger(settings.location, expected_chain_id=settings.chain_id) as ledger:
        address = ledger.deploy(root)
        chain_id = ledger.chain_id
    save_ledger_settings(home, LedgerSettings(settings.location, chain_id, address))
    click.echo(f"registry contract {address} on chain {chain_id} ({settings.location})")
    click.echo(f"root account {root.address}")


@chain.command()
@click.pass_context
def info(ctx: click.Context) -> None:
    """Show the configured ledger, its contract and the issuer's anchoring address.

    \b
    Example:
      microcred chain info
    """
    from microcred.issuer.profile import anchoring_address

    home = ctx.obj.home
    with open_home_ledger(home) as ledger:
        click.echo(f"ledger:    {ledger_settings(home).location}")
        click.echo(f"chain id:  {ledger.chain_id}")
        click.echo(f"contract:  {ledger.contract_address or '(not deployed)'}")
    click.echo(f"anchoring: {anchoring_address(home) or '(no issuer)'}")


@click.group()
def registry() -> None:
    """The trusted-issuers registry: authorities accredit issuers for a period and a scope."""


@registry.command("add-authority")
@click.option("--address", help="The authority's address (default: a keystore in the home).")
@_keystore_option(ROOT_KEYSTORE, "root")
@click.pass_context
def add_authority(ctx: click.Context, address: str | None, keystore: Path | None) -> None:
    """Let a quality-assurance agency (an authority) accredit issuers. Root only.

    \b
    Example:
      microcred registry add-authority            # creates <home>/keys/authority-keystore.json
      microcred registry add-authority --address 0xAbC…
    """
    home, passphrase = ctx.obj.home, ctx.obj.passphrase(confirm=False)
    root = account(keystore or home / ROOT_KEYSTORE, passphrase)
    if address is None:
        address = account(home / AUTHORITY_KEYSTORE, passphrase, create=True).address
    with open_home_ledger(home) as ledger:
        tx = ledger.add_authority(root, address)
    click.echo(f"authority {address} added (transaction {tx})")


def _issuer_target(home: Path, did: str | None, address: str | None) -> tuple[str, str]:
    from microcred.issuer import read_profile
    from microcred.issuer.profile import anchoring_address

    did = did or read_profile(home).did
    address = address or anchoring_address(home)
    if address is None:
        raise click.UsageError(
            "no anchoring address: give --issuer-address or run 'microcred init'"
        )
    return did, address


def _unix(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


@registry.command()
@click.option("--issuer-did", help="The issuer's DID (default: this home's issuer).")
@click.option("--issuer-address", help="The address it anchors from (default: this home's).")
@click.option("--from", "valid_from", type=ISO_DATE, help="Default: today.")
@click.option("--until", "valid_until", type=ISO_DATE, help="End date.")
@click.option("--years", type=int, default=2, show_default=True, help="Period when no --until.")
@click.option(
    "--eqf",
    "eqf_levels",
    multiple=True,
    type=click.IntRange(1, 8),
    required=True,
    help="EQF level the issuer may award (repeat).",
)
@click.option("--type", "credential_type", default="MicroCredential", show_default=True)
@_keystore_option(AUTHORITY_KEYSTORE, "authority")
@click.pass_context
def accredit(
    ctx: click.Context,
    issuer_did: str | None,
    issuer_address: str | None,
    valid_from: date | None,
    valid_until: date | None,
    years: int,
    eqf_levels: Sequence[int],
    credential_type: str,
    keystore: Path | None,
) -> None:
    """Accredit an issuer for a period and a scope (the right to deliver micro-credentials).

    \b
    Example (NCEQE grants a two-year right for NQF/EQF levels 6 and 7):
      microcred registry accredit --eqf 6 --eqf 7 --years 2
    """
    from microcred.chain import AccreditationScope

    home, passphrase = ctx.obj.home, ctx.obj.passphrase(confirm=False)
    authority = account(keystore or home / AUTHORITY_KEYSTORE, passphrase)
    did, address = _issuer_target(home, issuer_did, issuer_address)
    start = valid_from or datetime.now(UTC).date()
    end = valid_until or start.replace(year=start.year + years)
    scope = AccreditationScope(frozenset(eqf_levels), credential_type)
    with open_home_ledger(home) as ledger:
        tx = ledger.accredit(authority, address, did, _unix(start), _unix(end), scope)
    click.echo(
        f"accredited {did} ({address}) from {start} until {end} "
        f"for EQF {sorted(eqf_levels)} {credential_type} (transaction {tx})"
    )


def _change_command(name: str, doc: str) -> click.Command:
    @click.option("--issuer-address", help="Default: this home's anchoring address.")
    @click.option(
        "--until",
        "valid_until",
        type=ISO_DATE,
        required=name == "renew",
        help="New end date (renew only).",
    )
    @_keystore_option(AUTHORITY_KEYSTORE, "authority")
    @click.pass_context
    def command(
        ctx: click.Context,
        issuer_address: str | None,
        valid_until: date | None,
        keystore: Path | None,
    ) -> None:
        if valid_until is not None and name != "renew":
            # The contract's suspend/reinstate/revoke take effect at once and have no end date;
            # accepting --until here would promise a reinstatement that never happens.
            raise click.UsageError(
                f"--until is for renew only: the registry contract cannot {name} until a date. "
                + (
                    f"Suspend now and run 'microcred registry reinstate' on {valid_until}."
                    if name == "suspend"
                    else ""
                )
            )
        home, passphrase = ctx.obj.home, ctx.obj.passphrase(confirm=False)
        authority = account(keystore or home / AUTHORITY_KEYSTORE, passphrase)
        _, address = _issuer_target(home, "-", issuer_address)
        with open_home_ledger(home) as ledger:
            if name == "renew":
                assert valid_until is not None
                tx = ledger.renew(authority, address, _unix(valid_until))
            else:
                tx = getattr(ledger, name)(authority, address)
        click.echo(f"{name}: {address} (transaction {tx})")

    command.__doc__ = doc
    return click.command(name)(command)


_EXAMPLE = "\n\n\b\nExample:\n  microcred registry "
for _name, _doc in {
    "renew": "Extend an accreditation." + _EXAMPLE + "renew --until 2029-10-01",
    "suspend": "Suspend an accreditation (reversible)." + _EXAMPLE + "suspend",
    "reinstate": "Lift a suspension." + _EXAMPLE + "reinstate",
    "revoke": "Revoke an accreditation (final)." + _EXAMPLE + "revoke",
}.items():
    registry.add_command(_change_command(_name, _doc))


@registry.command()
@click.option("--issuer-address", help="Default: this home's anchoring address.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable history.")
@click.pass_context
def show(ctx: click.Context, issuer_address: str | None, as_json: bool) -> None:
    """Show an issuer's accreditation history and whether it is accredited now.

    \b
    Example:
      microcred registry show
    """
    home = ctx.obj.home
    _, address = _issuer_target(home, "-", issuer_address)
    with open_home_ledger(home) as ledger:
        history = ledger.accreditation_history(address)
        now = ledger.is_accredited_at(address, int(datetime.now(UTC).timestamp()))
    rows = [_entry_json(entry) for entry in history]
    if as_json:
        click.echo(json.dumps({"issuer": address, "accreditedNow": now, "history": rows}))
        return
    click.echo(f"{address}: {'accredited' if now else 'NOT accredited'} now")
    for row in rows:
        click.echo(
            f"  {row['changedAt']}  {row['status']:<9} {row['validFrom']} → "
            f"{row['validUntil']}  EQF {row['eqfLevels']} {row['credentialType']}"
        )


def _entry_json(entry: Any) -> dict[str, Any]:
    def day(unix: int) -> str:
        return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=unix)).strftime("%Y-%m-%d")

    return {
        "changedAt": day(entry.changed_at),
        "status": entry.status.name.lower(),
        "validFrom": day(entry.valid_from),
        "validUntil": day(entry.valid_until),
        "eqfLevels": sorted(entry.scope.eqf_levels),
        "credentialType": entry.scope.credential_type,
        "authority": entry.authority,
    }
