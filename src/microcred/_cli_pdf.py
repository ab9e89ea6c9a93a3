"""`microcred pdf CREDENTIAL…`: a printable A4 certificate, the signed credentials attached."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from microcred._cli_context import AppContext
from microcred._cli_qr import read_credential_json


@click.command()
@click.argument(
    "credentials",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The PDF to write (default: <stem>.pdf next to the first credential).",
)
@click.option(
    "--logo",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A PNG or JPEG logo for the letterhead (default: the issuer's initials).",
)
@click.pass_obj
def pdf(
    app: AppContext, credentials: Sequence[Path], out_file: Path | None, logo: Path | None
) -> None:
    """Render a printable A4 certificate of one learner's credential (ELM and/or OB3 JSON).

    It shows every Annex I element in each language of the record, the issuer's signed QR
    code, and carries the credential files as PDF attachments, so `microcred verify
    certificate.pdf` checks the signed originals. Needs the issuer's passphrase (for the QR).

    \b
    Example:
      microcred pdf out/cohort/elm/S2025-0001.jsonld out/cohort/ob3/S2025-0001.json \\
          --out S2025-0001.pdf
    """
    from microcred.issuer import load_issuer
    from microcred.qr import make_qr_payload
    from microcred.render.pdf import render_certificate_pdf

    documents = [read_credential_json(path) for path in credentials]
    shown = next(
        (d for d in documents if "EuropeanDigitalCredential" in d.get("type", [])), documents[0]
    )
    issuer = load_issuer(app.home, app.passphrase(confirm=False))
    data = render_certificate_pdf(
        [(path.name, path.read_bytes()) for path in credentials],
        qr_payload=make_qr_payload(shown, issuer),
        logo_png=logo.read_bytes() if logo else None,
    )
    target = out_file or credentials[0].with_name(credentials[0].name.split(".", 1)[0] + ".pdf")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    click.echo(
        f"wrote {target} ({len(data) // 1024} KiB, {len(credentials)} credential(s) attached)"
    )
