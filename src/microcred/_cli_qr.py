"""`microcred qr CREDENTIAL`: write the credential's verifiable QR code as PNG and SVG."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from microcred._cli_context import AppContext
from microcred.errors import InputError


def read_credential_json(path: Path) -> dict[str, Any]:
    """A signed JSON-LD credential file (ELM or OB3); InputError otherwise."""
    try:
        document = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable JSON credential ({exc})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        raise InputError(f"{path}: a credential must be a JSON object with an id")
    return document


def _stem(path: Path) -> str:
    return path.name.split(".", 1)[0]


@click.command()
@click.argument("credential", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the images (default: next to the credential).",
)
@click.pass_obj
def qr(app: AppContext, credential: Path, out_dir: Path | None) -> None:
    """Write a signed QR code of a credential: <stem>.qr.png and <stem>.qr.svg.

    The code holds the essential Annex I elements signed with the issuer's key (COSE) and
    the hash of the full credential; `microcred verify` reads it from a photo or scan.
    The SVG prints the symbol 4 cm wide. Needs the issuer's passphrase.

    \b
    Example:
      microcred qr out/cohort/elm/S2025-0001.jsonld --out out/qr
    """
    from microcred.issuer import load_issuer
    from microcred.qr import make_qr_payload, qr_code, render_qr_png, render_qr_svg

    document = read_credential_json(credential)
    issuer = load_issuer(app.home, app.passphrase(confirm=False))
    payload = make_qr_payload(document, issuer)
    target = out_dir or credential.parent
    target.mkdir(parents=True, exist_ok=True)
    png, svg = target / f"{_stem(credential)}.qr.png", target / f"{_stem(credential)}.qr.svg"
    png.write_bytes(render_qr_png(payload))
    svg.write_text(render_qr_svg(payload), "utf-8")
    version = qr_code(payload).version
    click.echo(f"wrote {png} and {svg} (QR version {version}-M, {len(payload)} characters)")
