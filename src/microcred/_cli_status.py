"""`microcred revoke|suspend|reinstate` and `microcred status publish|show`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from microcred._cli_context import AppContext
from microcred.errors import MicrocredError

if TYPE_CHECKING:
    from microcred.issuer.status_lists import CredentialInfo

STATUS_DIR = "status-lists"


def _select(
    app: AppContext,
    targets: Sequence[str],
    filters: dict[str, str | None],
) -> list[CredentialInfo]:
    """The credentials named (ids or files) plus those every given filter selects."""
    from microcred.issuer.status_lists import find_credentials

    ids = [_id_in_file(Path(t)) if Path(t).is_file() else t for t in targets]
    if not ids and not any(filters.values()):
        raise click.UsageError(
            "name credentials (ids or files), or select with --learner/--batch/--spec"
        )
    with app.store() as store:
        found, unknown = find_credentials(store, ids=ids, **filters)
    if unknown:
        raise click.UsageError(f"not a credential of this issuer: {', '.join(unknown)}")
    if not found:
        chosen = ", ".join(f"--{name} {value}" for name, value in filters.items() if value)
        raise click.UsageError(f"no credential matches {chosen}")
    return found


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
    @click.option("--learner", help="Credentials issued to this learner id.")
    @click.option("--batch", help="Credentials of this batch (its id).")
    @click.option("--spec", help="Credentials of this specification (its id or file name).")
    @click.option(
        "--reason",
        required=True,
        help="Why (a ticket or decision reference; no "
        "personal details: the reason is kept for good).",
    )
    @click.option("--actor", default=None, help="Who decides (default: the OS user).")
    @click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    @click.pass_obj
    def command(
        app: AppContext,
        credentials: Sequence[str],
        learner: str | None,
        batch: str | None,
        spec: str | None,
        reason: str,
        actor: str | None,
        dry_run: bool,
        yes: bool,
    ) -> None:
        import getpass

        from microcred.issuer import load_issuer
        from microcred.issuer.status_lists import change_status

        filters = {"learner": learner, "batch": batch, "spec": spec}
        selected = _select(app, credentials, filters)
        verb = "would " + action if dry_run else action
        click.echo(f"{verb} {len(selected)} credential(s):")
        for info in selected:
            click.echo(f"  {_describe(info)}")
        if dry_run:
            return
        # One credential named explicitly is its own confirmation; a selection is not.
        if not yes and (len(selected) > 1 or any(filters.values())):
            click.confirm(f"{action} these {len(selected)} credential(s)?", abort=True, err=True)
        # Only the issuer records a change: prove possession of its signing key first.
        load_issuer(app.home, app.passphrase(confirm=False))
        with app.store() as store:
            changes = change_status(
                store,
                [info.credential_id for info in selected],
                action,
                actor=actor or getpass.getuser(),
                reason=reason,
                at=datetime.now(UTC),
            )
        for change in changes:
            click.echo(f"{action}: {change.credential_id}")
        click.echo("run 'microcred status publish' to publish the updated status lists")

    command.__doc__ = (
        f"{summary}\n\nNeeds the issuer's passphrase. A selection (--learner, --batch, --spec, "
        "or several credentials) is shown and confirmed first (--yes skips the question; "
        f"--dry-run only shows it).\n\n\b\nExample:\n  {example}"
    )
    return click.command(action)(command)


def _describe(info: CredentialInfo) -> str:
    return (
        f"{info.credential_id}  learner {info.learner_ref or '-'}, {info.credential_format}, "
        f"batch {info.batch_id}, {info.spec_file} ({info.spec_uri})"
    )


revoke = _status_command(
    "revoke",
    "Revoke credentials (final: a revoked credential stays revoked).",
    'microcred revoke out/cohort/elm/S2025-0003.jsonld --reason "decision 2026/14"',
)
suspend = _status_command(
    "suspend",
    "Suspend credentials while a case is investigated (reversible).",
    'microcred suspend --learner S2025-0003 --batch 9c6420f9-… --reason "complaint 2026/7"',
)
reinstate = _status_command(
    "reinstate",
    "Lift a suspension.",
    'microcred reinstate --learner S2025-0003 --yes --reason "complaint 2026/7 closed"',
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
    from microcred.issuer.rotation import (
        status_anchoring_account,
        status_list_signer,
        status_marker_accounts,
    )
    from microcred.issuer.status_lists import publish_status_lists, restore_status_files

    home: Path = app.home
    passphrase = app.passphrase(confirm=False)
    issuer = load_issuer(home, passphrase)
    target = out_dir or home / STATUS_DIR
    now = datetime.now(UTC)
    try:
        with app.store() as store, open_home_ledger(home) as ledger:
            published, anchor = publish_status_lists(
                store,
                issuer,
                target,
                ledger=ledger,
                account=status_anchoring_account(home, passphrase, ledger, now),
                at=now,
                signer_for=status_list_signer(home, passphrase),
                marker_account=status_marker_accounts(home, passphrase, ledger, now),
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
