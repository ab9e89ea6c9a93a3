"""`microcred revoke|suspend|reinstate` and `microcred status publish|show`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import click

from microcred._cli_context import AppContext
from microcred.errors import MicrocredError

STATUS_DIR = "status-lists"


def _credential_ids(app: AppContext, targets: Sequence[str], learner: str | None) -> list[str]:
    """Credential ids from ids, credential files, or every credential of a learner."""
    from microcred.issuer.status_lists import credentials_of_learner

    ids: list[str] = []
    for target in targets:
        path = Path(target)
        ids.append(_id_in_file(path) if path.is_file() else target)
    if learner:
        with app.store() as store:
            found = credentials_of_learner(store, learner)
        if not found:
            raise click.UsageError(f"no credential of learner {learner!r} in the records")
        ids += found
    if not ids:
        raise click.UsageError("name credentials (ids or files) or --learner")
    return ids


def _id_in_file(path: Path) -> str:
    try:
        document = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise click.UsageError(f"{path}: not a credential file ({exc})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        raise click.UsageError(f"{path}: the credential has no id")
    return str(document["id"])


def _status_command(action: str, summary: str, example: str) -> click.Command:
    @click.argument("credentials", nargs=-1)
    @click.option("--learner", help="Every credential issued to this learner id.")
    @click.option(
        "--reason",
        required=True,
        help="Why (a ticket or decision reference; no "
        "personal details: the reason is kept for good).",
    )
    @click.option("--actor", default=None, help="Who decides (default: the OS user).")
    @click.pass_obj
    def command(
        app: AppContext,
        credentials: Sequence[str],
        learner: str | None,
        reason: str,
        actor: str | None,
    ) -> None:
        import getpass

        from microcred.issuer.status_lists import change_status

        ids = _credential_ids(app, credentials, learner)
        with app.store() as store:
            changes = change_status(
                store,
                ids,
                action,
                actor=actor or getpass.getuser(),
                reason=reason,
                at=datetime.now(UTC),
            )
        for change in changes:
            click.echo(f"{action}: {change.credential_id}")
        click.echo("run 'microcred status publish' to publish the updated status lists")

    command.__doc__ = f"{summary}\n\n\b\nExample:\n  {example}"
    return click.command(action)(command)


revoke = _status_command(
    "revoke",
    "Revoke credentials (final: a revoked credential stays revoked).",
    'microcred revoke out/cohort/elm/S2025-0003.jsonld --reason "decision 2026/14"',
)
suspend = _status_command(
    "suspend",
    "Suspend credentials while a case is investigated (reversible).",
    'microcred suspend --learner S2025-0003 --reason "complaint 2026/7"',
)
reinstate = _status_command(
    "reinstate",
    "Lift a suspension.",
    'microcred reinstate --learner S2025-0003 --reason "complaint 2026/7 closed"',
)


@click.group()
def status() -> None:
    """Status lists: publish them, show a credential's status history."""


@status.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Where to write the lists (default: <home>/{STATUS_DIR}).",
)
@click.pass_obj
def publish(app: AppContext, out_dir: Path | None) -> None:
    """Sign, anchor and write every status list that changed since it was last published.

    Serve the directory at the issuer's status URL; every version is kept and anchored.

    \b
    Example:
      microcred status publish
    """
    from microcred._cli_ledger import open_home_ledger
    from microcred.issuer import load_issuer
    from microcred.issuer.profile import anchoring_account
    from microcred.issuer.status_lists import publish_status_lists, restore_status_files

    home: Path = app.home
    passphrase = app.passphrase(confirm=False)
    issuer = load_issuer(home, passphrase)
    target = out_dir or home / STATUS_DIR
    try:
        with app.store() as store, open_home_ledger(home) as ledger:
            published, anchor = publish_status_lists(
                store,
                issuer,
                target,
                ledger=ledger,
                account=anchoring_account(home, passphrase),
                at=datetime.now(UTC),
            )
    except MicrocredError as exc:
        raise MicrocredError(f"status lists not published (the changes are kept): {exc}") from exc
    for item in published:
        click.echo(f"published {item.url} revision {item.revision} -> {item.path}")
    if anchor is not None:
        click.echo(f"anchored in block {anchor.block_number} (root 0x{anchor.root.hex()})")
    with app.store() as store:
        restored = restore_status_files(store, target)
    if not published:
        click.echo("every status list is up to date (nothing to sign or anchor)")
    if restored.rebuilt:
        click.echo(f"rebuilt from the records: {restored.rebuilt} status list file(s) in {target}")
    if restored.verified:
        click.echo(f"already present and verified: {restored.verified} file(s) in {target}")


@status.command()
@click.argument("credential")
@click.pass_obj
def show(app: AppContext, credential: str) -> None:
    """Show a credential's current status and every change (who, when, why).

    \b
    Example:
      microcred status show urn:uuid:…
    """
    from microcred.store import current_status, status_history

    credential_id = _id_in_file(Path(credential)) if Path(credential).is_file() else credential
    with app.store() as store, store.transaction() as session:
        state = current_status(session, credential_id)
        events = status_history(session, credential_id)
        lines = [
            f"{e.at:%Y-%m-%dT%H:%M:%SZ}  {e.action:<9} by {e.actor}: {e.reason}" for e in events
        ]
    label = "revoked" if state.revoked else "suspended" if state.suspended else "valid"
    if state.revoked is None:
        label = "unknown to this issuer's records"
    click.echo(f"{credential_id}: {label}")
    for line in lines:
        click.echo(f"  {line}")
