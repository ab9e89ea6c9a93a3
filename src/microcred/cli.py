"""The microcred command line: thin adapters over the library (parse, call, render).

Exit codes: 0 success; 1 a credential did not verify; 2 usage error; 3 bad input or
configuration (a MicrocredError: the message names the file, row and field); 4 a batch was
written but not anchored yet (pending: `microcred anchor` completes it).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from microcred._cli_bake import bake
from microcred._cli_bundle import bundle
from microcred._cli_context import (
    EXIT_PENDING,
    AppContext,
    fail,
    passphrase,
)
from microcred._cli_dates import ISO_DATE, UTC_DATE_TIME
from microcred._cli_keys import keys
from microcred._cli_ledger import chain, open_home_ledger, registry
from microcred._cli_pdf import pdf
from microcred._cli_qr import qr
from microcred._cli_status import reinstate, revoke, status, suspend
from microcred._cli_verify import verify
from microcred.errors import MicrocredError
from microcred.issuer import (
    DEFAULT_FORMATS,
    FORMATS,
    Issuer,
    init_issuer,
    load_issuer,
    read_profile,
)
from microcred.issuer.output import FileCounts
from microcred.issuer.pending import pending_batches
from microcred.issuer.profile import anchoring_account
from microcred.issuer.run import IssueOutcome, IssueRequest, complete_batch, issue_cohort
from microcred.keys import KeyType
from microcred.settings import DATABASE_ENV, HOME_ENV, default_home


class _Group(click.Group):
    """Turns microcred's own errors into one message and one exit code, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MicrocredError as exc:
            fail(str(exc))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=HOME_ENV,
    help=f"Issuer data directory (default: ${HOME_ENV} or the user data directory).",
)
@click.option(
    "--db",
    "database_url",
    envvar=DATABASE_ENV,
    help=f"Issuer records database URL (default: SQLite in the home; ${DATABASE_ENV}), "
    "e.g. postgresql+psycopg://user@host/db.",
)
@click.version_option(package_name="microcred")
@click.pass_context
def main(ctx: click.Context, home: Path | None, database_url: str | None) -> None:
    """Issue and verify EU micro-credentials (ELM 3 + Open Badges 3.0) as W3C VCs.

    \b
    Typical session:
      microcred init --name "Example University" --country GE --legal-id 204000000
      microcred issue --spec course.yaml --learners learners.csv --out out/
      microcred verify out/ob3/*.json
    """
    ctx.obj = AppContext(home=home or default_home(), database_url=database_url)


@main.command()
@click.option(
    "--name",
    "names",
    multiple=True,
    required=True,
    metavar="[LANG=]NAME",
    help="Legal name of the issuing organisation; repeat per language, e.g. ka=….",
)
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 country code, e.g. GE.")
@click.option("--legal-id", required=True, help="Registration / eIDAS legal identifier.")
@click.option(
    "--key-type",
    type=click.Choice(["ed25519", "p-256"]),
    default="ed25519",
    show_default=True,
    help="ed25519 signs eddsa-rdfc-2022; p-256 signs ecdsa-rdfc-2019.",
)
@click.option(
    "--did-web",
    metavar="DOMAIN",
    help="Use did:web:DOMAIN (writes did.json to publish) instead of did:key.",
)
@click.option("--homepage", help="The organisation's web site.")
@click.option("--email", help="Contact e-mail.")
@click.pass_obj
def init(
    app: AppContext,
    names: Sequence[str],
    country: str,
    legal_id: str,
    key_type: str,
    did_web: str | None,
    homepage: str | None,
    email: str | None,
) -> None:
    """Create the issuer profile and an encrypted signing key.

    The passphrase (at least 15 characters) comes from $MICROCRED_KEY_PASSPHRASE or a
    prompt; the key files are encrypted with it and readable by you only. init never
    replaces existing keys: `microcred keys rotate` makes new ones and keeps the old.

    \b
    Example:
      microcred init --name "Example University" --name ka="სანიმუშო უნივერსიტეტი" \\
          --country GE --legal-id 204000000 --homepage https://www.example.edu.ge
    """
    profile = init_issuer(
        app.home,
        name=_parse_names(names),
        country=country,
        legal_identifier=legal_id,
        passphrase=passphrase(confirm=True),
        key_type=KeyType.ED25519 if key_type == "ed25519" else KeyType.P256,
        web_domain=did_web,
        homepage=homepage,
        email=email,
    )
    click.echo(f"issuer DID: {profile.did}")
    click.echo(f"profile and encrypted key in {app.home}")
    if did_web:
        click.echo(f"publish {app.home / 'did.json'} at the did:web address of {profile.did}")


def _parse_names(names: Sequence[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for entry in names:
        lang, sep, text = entry.partition("=")
        if sep and 2 <= len(lang) <= 3 and lang.isalpha():
            result[lang] = text
        else:
            result.setdefault("en", entry)
    return result


@main.command()
@click.option(
    "--spec",
    "spec_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Micro-credential specification (YAML or JSON).",
)
@click.option(
    "--learners",
    "learners_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Learners CSV (one row per learner).",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the signed credentials.",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMATS),
    help="Output format; repeat for several (default: elm and ob3).",
)
@click.option(
    "--issued",
    type=UTC_DATE_TIME,
    help="Time of issue = signing time, validFrom (default: now); refused if in the future or "
    "too old to be anchored (see --awarded).",
)
@click.option(
    "--awarded",
    type=ISO_DATE,
    help="Date of award, e.g. the day the course ended (default: the issue date; a learners "
    "CSV column awarded_date overrides it per learner).",
)
@click.option("--no-anchor", is_flag=True, help="Do not anchor now; the batch stays pending.")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Only rebuild the recorded batch of this command (refuse to issue a new one).",
)
@click.pass_obj
def issue(
    app: AppContext,
    spec_path: Path,
    learners_path: Path,
    out_dir: Path,
    formats: Sequence[str],
    issued: datetime | None,
    awarded: date | None,
    no_anchor: bool,
    rebuild: bool,
) -> None:
    """Issue signed credentials for every learner of a cohort, and anchor the batch.

    Every row is validated first; if any is invalid, nothing is signed and each problem is
    listed with its file, row and field. Each credential gets a status entry (revocation
    and suspension). The batch's Merkle root is then anchored on the ledger in one
    transaction; if that fails, the batch stays pending (exit code 4) and `microcred anchor`
    completes it. If the command is interrupted, running it again resumes the same batch;
    if the output directory is lost or altered, running it again rebuilds its files from the
    records, byte for byte (--rebuild: only that, never a new batch).
    Before signing, it refuses a batch a verifier would reject for good: an issue time in
    the future or too old to anchor, an award date after the issue date, an issuer not
    accredited now for the course's EQF level (docs/issuer-checks.md).

    \b
    Example:
      microcred issue --spec examples/ai-research-skills/microcredential.yaml \\
          --learners examples/ai-research-skills/learners.csv --out out/
    """
    request = IssueRequest(
        spec_file=spec_path,
        learners_file=learners_path,
        out_dir=out_dir,
        formats=tuple(formats) or DEFAULT_FORMATS,
        issued=issued,
        anchor=not no_anchor,
        rebuild_only=rebuild,
        awarded=awarded,
    )
    secret = passphrase(confirm=False)
    issuer = load_issuer(app.home, secret)
    with (
        app.store() as store,
        click.progressbar(length=0, label="signing", file=sys.stderr, show_eta=False) as bar,
    ):
        outcome = issue_cohort(
            request,
            home=app.home,
            store=store,
            issuer=issuer,
            account=anchoring_account(app.home, secret),
            open_ledger=lambda: open_home_ledger(app.home),
            on_progress=bar.update,
        )
    _report_issue(outcome, request.formats, issuer)


class _ProgressBar:
    """A click progress bar that learns its length from the first update."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._bar: Any = None

    def __enter__(self) -> _ProgressBar:
        return self

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=total, label=self._label, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(1)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def _report_issue(outcome: IssueOutcome, formats: Sequence[str], issuer: Issuer) -> None:
    files = outcome.files
    verb = "issued"
    if outcome.resumed:
        verb = "rebuilt" if files.rebuilt else "resumed" if files.written else "checked"
    counts = ", ".join(f"{outcome.learners} {fmt}" for fmt in formats)
    click.echo(f"{verb} batch {outcome.batch_id}: {counts} credential(s) by {issuer.profile.did}")
    _report_files(outcome.out_dir, files)
    _report_anchor(outcome)


def _report_files(out_dir: Path, files: FileCounts) -> None:
    """What was done to the files, never more: no "written" when nothing was."""
    if files.written:
        click.echo(f"written: {files.written} file(s) to {out_dir}")
    if files.rebuilt:
        click.echo(f"rebuilt from the records: {files.rebuilt} file(s) in {out_dir}")
    if files.verified:
        click.echo(f"already present and verified: {files.verified} file(s) in {out_dir}")


def _report_anchor(outcome: IssueOutcome) -> None:
    if outcome.pending_reason is not None:
        _pending(outcome.out_dir, outcome.pending_reason)
    anchor = outcome.anchor
    if anchor is None:
        return
    if outcome.anchored_before:
        click.echo(
            f"already anchored: root 0x{anchor.root.hex()} in block {anchor.block_number} on "
            f"chain {anchor.chain_id} (recorded; no new transaction)"
        )
        return
    how = "found already anchored" if anchor.reused else f"transaction {anchor.transaction_hash}"
    click.echo(
        f"anchored {outcome.out_dir}: root 0x{anchor.root.hex()} in block {anchor.block_number} "
        f"on chain {anchor.chain_id} ({how}); "
        f"{outcome.anchor_files.written} file(s) written with their anchor proofs"
    )


def _pending(out_dir: Path, reason: str) -> NoReturn:
    click.echo(
        click.style("pending: ", fg="yellow", bold=True)
        + f"{out_dir} is signed but not anchored: {reason}\n"
        + "run 'microcred anchor' to complete it; nothing is lost",
        err=True,
    )
    sys.exit(EXIT_PENDING)


@main.command()
@click.argument("out_dirs", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def anchor(app: AppContext, out_dirs: Sequence[Path]) -> None:
    """Anchor pending batches (all of this issuer's, or the given output directories).

    A root that is already on the ledger is never anchored twice; the credentials get
    their anchor proofs either way.

    \b
    Example:
      microcred anchor
      microcred anchor out/cohort-2025
    """
    targets = list(out_dirs) or pending_batches(app.home)
    if not targets:
        click.echo("no pending batch")
        return
    secret = passphrase(confirm=False)
    issuer = load_issuer(app.home, secret)
    account = anchoring_account(app.home, secret)
    with app.store() as store:
        for out_dir in targets:
            outcome = complete_batch(
                out_dir,
                home=app.home,
                store=store,
                issuer=issuer,
                account=account,
                open_ledger=lambda: open_home_ledger(app.home),
            )
            if outcome.anchored_before:
                click.echo(f"{out_dir}: batch {outcome.batch_id} is already anchored")
                _report_files(out_dir, outcome.files)
            _report_anchor(outcome)


@main.command()
@click.pass_obj
def whoami(app: AppContext) -> None:
    """Show the issuer profile (DID, name, country) without touching the key.

    \b
    Example:
      microcred whoami
    """
    profile = read_profile(app.home)
    click.echo(f"DID:                 {profile.did}")
    click.echo(f"verification method: {profile.verification_method}")
    click.echo(f"name:                {', '.join(profile.name.values())}")
    click.echo(f"country:             {profile.country}")
    click.echo(f"legal identifier:    {profile.legal_identifier}")
    click.echo(f"home:                {app.home}")


main.add_command(chain)
main.add_command(registry)
main.add_command(keys)
for _command in (verify, revoke, suspend, reinstate, status, qr, pdf, bake, bundle):
    main.add_command(_command)
