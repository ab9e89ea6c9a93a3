"""`microcred verify`: reports of named steps for credential files, images and PDFs."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from microcred._cli_context import EXIT_NOT_VERIFIED, AppContext, fail
from microcred._cli_dates import UTC_DATE_TIME
from microcred._cli_ledger import open_home_ledger
from microcred._cli_status import STATUS_DIR
from microcred.bundle import load_bundle_file
from microcred.chain import Ledger, LedgerError
from microcred.keys import DidResolver
from microcred.verifier import (
    DEFAULT_STEPS,
    StatusDirectory,
    VerificationPolicy,
    VerificationReport,
    verify_path,
)


@click.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="One machine-readable JSON report per file.")
@click.option(
    "--did-document",
    "did_documents",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A local copy of a did:web DID document to trust (repeatable).",
)
@click.option(
    "--allow-network",
    is_flag=True,
    help="Allow resolving did:web over HTTPS (off by default: nothing is fetched).",
)
@click.option(
    "--ledger",
    "ledger_location",
    help="Ledger to check anchors on: a directory or node URL (default: this home's).",
)
@click.option("--no-ledger", is_flag=True, help="Do not check anchors (those steps say ERROR).")
@click.option(
    "--status-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Published status lists to check against (default: <home>/{STATUS_DIR} if present).",
)
@click.option(
    "--bundle",
    "bundle_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Verify offline with a trust bundle instead of a ledger and status lists.",
)
@click.option(
    "--bundle-signer",
    "bundle_signers",
    multiple=True,
    metavar="DID",
    help="Who may sign the bundle (repeatable).",
)
@click.option(
    "--trust-bundle-issuer",
    is_flag=True,
    help="Accept the bundle whoever signed it (you checked it another way).",
)
@click.option(
    "--at",
    "at",
    type=UTC_DATE_TIME,
    help="Verify as of this time instead of now (e.g. 2026-06-01 or 2026-06-01T00:00:00Z).",
)
@click.pass_obj
def verify(
    app: AppContext,
    files: Sequence[Path],
    as_json: bool,
    did_documents: Sequence[Path],
    allow_network: bool,
    ledger_location: str | None,
    no_ledger: bool,
    status_dir: Path | None,
    bundle_file: Path | None,
    bundle_signers: Sequence[str],
    trust_bundle_issuer: bool,
    at: datetime | None,
) -> None:
    """Verify credential files (JSON-LD with an embedded proof, or a VC-JWT).

    Each file gets a report of named steps (contexts, format, annex-i, proof, issuer,
    validity, anchored, accredited, status), each PASS, FAIL, ERROR or SKIPPED. The exit code is 0
    only if every file is valid. Anchors are checked on this home's ledger (the embedded one
    by default) or the one given with --ledger; with --bundle, everything comes from a signed
    trust bundle and nothing else is consulted.

    \b
    Example:
      microcred verify out/elm/S2025-0001.jsonld out/ob3/S2025-0001.json
      microcred verify --json out/ob3/*.json
      microcred verify --bundle trust.json --bundle-signer did:web:nceqe.example badge.png
    """
    documents = {doc["id"]: doc for doc in (_load_json(p) for p in did_documents)}
    now = at or datetime.now(UTC)
    if bundle_file is not None:
        if ledger_location or status_dir or allow_network:
            raise click.UsageError("--bundle replaces --ledger, --status-dir and --allow-network")
        if not bundle_signers and not trust_bundle_issuer:
            raise click.UsageError("say who may sign the bundle: --bundle-signer DID")
        reports = _verify_with_bundle(files, documents, bundle_file, bundle_signers, at, now)
    else:
        with ExitStack() as stack:
            ledger = (
                None if no_ledger else stack.enter_context(_verifier_ledger(app, ledger_location))
            )
            policy = VerificationPolicy(
                now=now,
                resolver=DidResolver(documents, allow_network=allow_network),
                ledger=ledger,
                status_lists=_status_source(app, status_dir),
                status_as_of=now if at else None,
            )
            reports = [report for path in files for report in verify_path(path, policy)]
    for report in reports:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False) if as_json else _render(report))
    if not all(report.is_valid for report in reports):
        sys.exit(EXIT_NOT_VERIFIED)


def _verify_with_bundle(
    files: Sequence[Path],
    documents: dict[str, dict[str, Any]],
    bundle_file: Path,
    signers: Sequence[str],
    at: datetime | None,
    now: datetime,
) -> list[VerificationReport]:
    trust = load_bundle_file(
        bundle_file,
        trusted_signers=set(signers) or None,
        resolver=DidResolver(documents),
        now=datetime.now(UTC),  # the bundle's own freshness is judged now, even with --at
    )
    click.echo(trust.summary(), err=True)
    policy = VerificationPolicy(
        now=now,
        resolver=trust.resolver(documents.values()),
        ledger=trust.ledger,
        status_lists=trust.status_lists,
        status_as_of=now if at else None,
    )
    steps = (*DEFAULT_STEPS, trust.check_freshness)
    return [report for path in files for report in verify_path(path, policy, steps=steps)]


def _status_source(app: AppContext, status_dir: Path | None) -> StatusDirectory | None:
    directory = status_dir or app.home / STATUS_DIR
    return StatusDirectory(directory) if directory.is_dir() else None


@contextmanager
def _verifier_ledger(app: AppContext, location: str | None) -> Iterator[Ledger | None]:
    """The ledger to check anchors on; None (steps say "not checked") if it cannot be opened.

    A verifier never creates a ledger: a mistyped --ledger path is refused, and a home
    without one leaves the ledger steps unchecked.
    """
    if location and "://" not in location and not Path(location).is_dir():
        fail(f"--ledger {location}: no such directory (a ledger directory or a node URL)")
    try:
        with open_home_ledger(app.home, location, create=False) as ledger:
            yield ledger
    except LedgerError as exc:
        if location and "://" not in location:
            fail(f"--ledger {location}: {exc}")
        click.echo(f"warning: ledger not available, anchors not checked: {exc}", err=True)
        yield None


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        fail(f"{path}: not a readable JSON DID document ({exc})")
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        fail(f"{path}: a DID document needs an 'id'")
    return data


_COLOURS = {"PASS": "green", "FAIL": "red", "ERROR": "yellow", "SKIPPED": "bright_black"}
_VERDICT_COLOURS = {"valid": "green", "invalid": "red", "not verified": "yellow"}


def _render(report: VerificationReport) -> str:
    verdict = str(report.verdict)
    head = click.style(verdict.upper(), fg=_VERDICT_COLOURS[verdict], bold=True)
    lines = [f"{report.source}: {head}  ({report.credential_format}, {report.credential_id})"]
    for step in report.steps:
        status = click.style(f"{step.status!s:<8}", fg=_COLOURS[str(step.status)])
        lines.append(f"  {status} {step.name:<10} {step.reason}")
    return "\n".join(lines)
