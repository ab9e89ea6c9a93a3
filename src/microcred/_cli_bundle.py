"""`microcred bundle export|show`: trust bundles for verification without any network."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from microcred._cli_context import AppContext
from microcred._cli_status import STATUS_DIR


@click.group()
def bundle() -> None:
    """Trust bundles: what offline verification needs (issuers, anchors, status lists), signed."""


@bundle.command("export")
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The bundle file to write (replaced if it exists).",
)
@click.option(
    "--valid-days",
    type=click.IntRange(1, 366),
    default=7,
    show_default=True,
    help="How long verifiers may rely on it before it counts as expired.",
)
@click.option(
    "--status-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Published status lists to include (default: <home>/{STATUS_DIR}).",
)
@click.option(
    "--did-document",
    "did_documents",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A did:web DID document to include (repeatable; this home's is always included).",
)
@click.option("--ledger", "location", help="Ledger to read: a directory or node URL.")
@click.pass_obj
def export(
    app: AppContext,
    out_file: Path,
    valid_days: int,
    status_dir: Path | None,
    did_documents: Sequence[Path],
    location: str | None,
) -> None:
    """Export a signed trust bundle from this home's ledger and published status lists.

    The bundle holds every accredited issuer with its full accreditation history, the
    authorities, every anchored root with its block, time and transaction, and every
    published status list version. It is signed with this issuer's key; verifiers accept
    it only from a signer they name (see `microcred verify --bundle`).

    \b
    Example:
      microcred bundle export --out trust-bundle.json --valid-days 7
    """
    from microcred._cli_ledger import open_home_ledger
    from microcred.bundle import dump_bundle, export_bundle, missing_did_documents
    from microcred.issuer import load_issuer, read_did_document

    signer = load_issuer(app.home, app.passphrase(confirm=False))
    documents = [_read_json(path) for path in did_documents]
    own = read_did_document(app.home)
    with open_home_ledger(app.home, location) as ledger:
        exported = export_bundle(
            ledger,
            status_dir=status_dir or app.home / STATUS_DIR,
            signer=signer,
            now=datetime.now(UTC),
            did_documents=[*documents, *([own] if own else [])],
            valid_for=timedelta(days=valid_days),
        )
    _write_atomically(out_file, dump_bundle(exported))
    click.echo(f"wrote {out_file}: {_counts(exported)}")
    click.echo(f"signed by {exported['issuer']}, valid until {exported['validUntil']}")
    for did in missing_did_documents(exported):
        click.echo(
            f"warning: no DID document for {did}: give it with --did-document, or its "
            "credentials will not verify offline",
            err=True,
        )


@bundle.command()
@click.argument("bundle_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--signer",
    "signers",
    multiple=True,
    metavar="DID",
    help="A DID whose bundles you trust (repeatable).",
)
@click.option(
    "--trust-bundle-issuer",
    is_flag=True,
    help="Accept whoever signed it (checks integrity only, not who vouches for it).",
)
@click.option(
    "--did-document",
    "did_documents",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The DID document of a did:web signer (repeatable).",
)
@click.pass_obj
def show(
    app: AppContext,
    bundle_file: Path,
    signers: Sequence[str],
    trust_bundle_issuer: bool,
    did_documents: Sequence[Path],
) -> None:
    """Check a trust bundle's signature and show who signed it, how old it is, what it holds.

    \b
    Example:
      microcred bundle show trust-bundle.json --signer did:key:z6Mk…
    """
    from microcred.bundle import load_bundle_file
    from microcred.keys import DidResolver

    if not signers and not trust_bundle_issuer:
        raise click.UsageError("name the DIDs you trust with --signer, or --trust-bundle-issuer")
    documents = {str(doc["id"]): doc for doc in map(_read_json, did_documents)}
    loaded = load_bundle_file(
        bundle_file,
        trusted_signers=None if trust_bundle_issuer else set(signers),
        resolver=DidResolver(documents),
        now=datetime.now(UTC),
    )
    click.echo(loaded.summary())
    if loaded.expired:
        click.echo("warning: the bundle has expired; export a new one", err=True)


def _counts(exported: dict[str, Any]) -> str:
    versions = sum(len(item["versions"]) for item in exported["statusLists"])
    return (
        f"{len(exported['issuers'])} issuer(s), {len(exported['anchors'])} anchor(s), "
        f"{len(exported['statusLists'])} status list(s) ({versions} version(s)), "
        f"{len(exported['didDocuments'])} DID document(s)"
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise click.UsageError(f"{path}: not a readable JSON DID document ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise click.UsageError(f"{path}: a DID document needs an 'id'")
    return data


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)
