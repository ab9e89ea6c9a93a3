"""`microcred verify`: reports of named steps for credential files, images and PDFs."""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from microcred._bounded_json import load_bounded_json
from microcred._cli_context import EXIT_NOT_VERIFIED, AppContext, fail
from microcred._cli_dates import UTC_DATE_TIME
from microcred._cli_ledger import open_home_ledger
from microcred._cli_status import STATUS_DIR
from microcred.bundle import load_bundle_file
from microcred.chain import Ledger, LedgerError
from microcred.errors import InputError
from microcred.keys import DidResolver
from microcred.verifier import (
    DEFAULT_STEPS,
    AnchorRequirement,
    StatusDirectory,
    StatusListFiles,
    StatusListSource,
    StatusSources,
    Step,
    VerificationPolicy,
    VerificationReport,
    read_trust_list,
    verify_path,
)
from microcred.verifier._verify import unreadable_report
from microcred.verifier.inputs import read_credential_file


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
    help="A local copy of a did:web DID document, or of an https:// issuer's controller "
    "document, to trust (repeatable).",
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
    "--trust-list",
    "trust_lists",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of trusted issuer DIDs, one a line (repeatable); see docs/verification-policy.md.",
)
@click.option(
    "--anchoring",
    type=click.Choice([str(a) for a in AnchorRequirement]),
    default=str(AnchorRequirement.REGISTERED),
    show_default=True,
    help="Which credentials must be anchored: all, those of registry issuers, or none.",
)
@click.option(
    "--status-list",
    "status_list_files",
    multiple=True,
    metavar="URL=FILE",
    help="Another issuer's status list, saved from URL (repeatable).",
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
    trust_lists: Sequence[Path],
    anchoring: str,
    status_list_files: Sequence[str],
    at: datetime | None,
) -> None:
    """Verify credential files (JSON-LD with an embedded proof, or a VC-JWT).

    Each file gets a report of named steps (contexts, format, annex-i, proof, issuer,
    validity, anchored, accredited, trusted, status), each PASS, FAIL, ERROR or SKIPPED. The
    exit code is 0 only if every file is valid. Anchors are checked on this home's ledger (the
    embedded one by default) or the one given with --ledger; with --bundle, everything comes
    from a signed trust bundle and nothing else is consulted. An issuer is trusted if the
    ledger's registry knows it or --trust-list names it (docs/verification-policy.md).

    Under the verdict, the report shows what the signed credential says (learner, title,
    awarding body, date, grade, credits, level): compare it with the certificate you were
    shown. A PDF's printed page is not signed; only its attached credentials are verified.

    \b
    Example:
      microcred verify out/elm/S2025-0001.jsonld out/ob3/S2025-0001.json
      microcred verify --json out/ob3/*.json
      microcred verify --bundle trust.json --bundle-signer did:web:nceqe.example badge.png
      microcred verify --no-ledger --anchoring optional --trust-list issuers.txt \\
          --status-list https://issuer.example/status/1=list.json badge.json
    """
    documents = {doc["id"]: doc for doc in (_load_json(p) for p in did_documents)}
    now = at or datetime.now(UTC)
    trust = _trust_settings(trust_lists, anchoring)
    if bundle_file is not None:
        if ledger_location or status_dir or allow_network or status_list_files:
            raise click.UsageError(
                "--bundle replaces --ledger, --status-dir, --status-list and --allow-network"
            )
        if not bundle_signers and not trust_bundle_issuer:
            raise click.UsageError("say who may sign the bundle: --bundle-signer DID")
        reports = _verify_with_bundle(files, documents, bundle_file, bundle_signers, at, now, trust)
    else:
        with ExitStack() as stack:
            ledger = (
                None if no_ledger else stack.enter_context(_verifier_ledger(app, ledger_location))
            )
            policy = VerificationPolicy(
                now=now,
                resolver=DidResolver(documents, allow_network=allow_network),
                ledger=ledger,
                status_lists=_status_source(app, status_dir, status_list_files),
                status_as_of=now if at else None,
                **trust,
            )
            reports = _verify_each(files, policy, DEFAULT_STEPS)
    for report in reports:
        click.echo(_json_line(report) if as_json else _render(report))
    if not all(report.is_valid for report in reports):
        sys.exit(EXIT_NOT_VERIFIED)


def _verify_with_bundle(
    files: Sequence[Path],
    documents: dict[str, dict[str, Any]],
    bundle_file: Path,
    signers: Sequence[str],
    at: datetime | None,
    now: datetime,
    policy_trust: dict[str, Any],
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
        **policy_trust,
    )
    return _verify_each(files, policy, (*DEFAULT_STEPS, trust.check_freshness))


def _verify_each(
    files: Sequence[Path], policy: VerificationPolicy, steps: Sequence[Step]
) -> list[VerificationReport]:
    """Every file's reports; one file that cannot be verified never stops the others."""
    reports: list[VerificationReport] = []
    for path in files:
        try:
            reports += verify_path(path, policy, steps=steps)
        except Exception as exc:  # verify_path reports; this is the last guard
            reports.append(unreadable_report(str(path), exc))
    return reports


def _trust_settings(trust_lists: Sequence[Path], anchoring: str) -> dict[str, Any]:
    issuers: set[str] = set()
    for path in trust_lists:
        try:
            issuers |= read_trust_list(path)
        except InputError as exc:
            fail(str(exc))
    return {"trusted_issuers": frozenset(issuers), "anchoring": AnchorRequirement(anchoring)}


def _status_source(
    app: AppContext, status_dir: Path | None, list_files: Sequence[str]
) -> StatusListSource | None:
    directory = status_dir or app.home / STATUS_DIR
    sources: list[StatusListSource] = []
    if list_files:
        sources.append(StatusListFiles(dict(_url_and_file(item) for item in list_files)))
    if directory.is_dir():
        sources.append(StatusDirectory(directory))
    return StatusSources(sources) if sources else None


def _url_and_file(item: str) -> tuple[str, Path]:
    url, sep, file = item.partition("=")
    if not sep or not url.startswith(("https://", "http://")) or not file:
        raise click.BadParameter(f"{item!r} is not URL=FILE", param_hint="--status-list")
    path = Path(file)
    if not path.is_file():
        raise click.BadParameter(f"{file}: no such file", param_hint="--status-list")
    return url, path


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


_MAX_DID_DOCUMENT_BYTES = 100_000


def _load_json(path: Path) -> dict[str, Any]:
    try:
        text = read_credential_file(path, max_bytes=_MAX_DID_DOCUMENT_BYTES).decode("utf-8")
        data = load_bounded_json(text)
    except (InputError, ValueError) as exc:
        fail(f"{_shown(str(path))}: not a readable JSON DID document ({_shown(str(exc))})")
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        fail(f"{path}: a DID document needs an 'id'")
    return data


_COLOURS = {"PASS": "green", "FAIL": "red", "ERROR": "yellow", "SKIPPED": "bright_black"}
_VERDICT_COLOURS = {"valid": "green", "invalid": "red", "not verified": "yellow"}


def _json_line(report: VerificationReport) -> str:
    """The report as one line of JSON; ASCII escapes if it holds text UTF-8 cannot encode
    (a lone surrogate from a file name that is not UTF-8)."""
    line = json.dumps(report.to_dict(), ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(report.to_dict())
    return line


def _render(report: VerificationReport) -> str:
    """The text report; every string that came from the input is shown escaped (``_shown``)."""
    verdict = str(report.verdict)
    head = click.style(verdict.upper(), fg=_VERDICT_COLOURS[verdict], bold=True)
    about = f"{_shown(report.credential_format)}, {_shown(str(report.credential_id))}"
    lines = [f"{_shown(report.source)}: {head}  ({about})"]
    lines += _facts_block(report)
    for step in report.steps:
        status = click.style(f"{step.status!s:<8}", fg=_COLOURS[str(step.status)])
        lines.append(f"  {status} {_shown(step.name):<11} {_shown(step.reason)}")
    return "\n".join(lines)


def _facts_block(report: VerificationReport) -> list[str]:
    """What the signed credential says, for a person to compare with what they were shown."""
    if report.facts is None:
        lines = ["  No facts shown: no signature that verified covers them."]
    else:
        if report.is_valid:
            heading = "As signed by the issuer (compare with the certificate you were shown):"
        else:
            heading = "As signed, but the credential is NOT valid (see the steps below):"
        lines = [f"  {click.style(heading, bold=True)}"]
        previous = ""
        for label, value in report.facts.text_lines():
            shown = f"{label}:" if label != previous else ""  # one label per group of languages
            lines.append(f"    {shown:<12}{_shown(value)}")
            previous = label
    note = click.style("Note:", fg="yellow", bold=True)
    lines += [f"  {note} {_shown(text)}" for text in report.notes]
    return lines


# Line breaks, escape sequences and other control characters (Unicode Cc), invisible format
# characters such as bidi overrides (Cf), and line/paragraph separators (Zl, Zp): any of these
# in a credential's id, an attachment's name or a reason could draw a fake report line.
_UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _shown(text: str) -> str:
    """``text`` with every unprintable character as a visible escape (``\\n``, ``\\x1b``, …)."""
    if text.isprintable():
        return text
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in _UNPRINTABLE_CATEGORIES
        else ch
        for ch in text
    )
