"""`microcred bake`: an Open Badges 3.0 credential baked into a PNG or SVG badge image."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from microcred._cli_context import AppContext
from microcred.errors import InputError

if TYPE_CHECKING:
    from microcred.render.baking import ImageKind

_KINDS: dict[str, ImageKind] = {".png": "png", ".svg": "svg"}


@click.command()
@click.argument("credential", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--image",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The badge image to bake into (PNG or SVG, as --out); default: a badge drawn "
    "from the credential (title, EQF level, ECTS, issuer).",
)
@click.option(
    "--jwt",
    "as_jwt",
    is_flag=True,
    help="Bake the VC-JWT form of a JSON credential, signed now with this issuer's key "
    "(asks for the passphrase). A .jwt CREDENTIAL is baked as it is without this flag.",
)
@click.option("--replace", is_flag=True, help="Replace a credential the image already carries.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The baked badge, FILE.png or FILE.svg (never overwritten).",
)
@click.pass_obj
def bake(
    app: AppContext,
    credential: Path,
    image: Path | None,
    as_jwt: bool,
    replace: bool,
    out: Path,
) -> None:
    """Bake a signed Open Badges 3.0 credential into a badge image.

    The credential travels inside the image (PNG iTXt chunk 'openbadgecredential' or SVG
    <openbadges:credential>), unchanged, so `microcred verify` can check the image itself.

    \b
    Example:
      microcred bake out/cohort/ob3/S2025-0001.json --out S2025-0001.png
      microcred bake out/cohort/ob3-jwt/S2025-0001.jwt --image logo.svg --out S2025-0001.svg
    """
    from microcred.proofs import is_compact_jws
    from microcred.render.baking import MAX_CREDENTIAL_BYTES
    from microcred.render.baking import bake as bake_badge

    kind = _KINDS.get(out.suffix.lower())
    if kind is None:
        raise click.UsageError("--out must end in .png or .svg")
    if out.exists():
        raise click.UsageError(f"{out} already exists; choose another name or remove it")
    if credential.stat().st_size > MAX_CREDENTIAL_BYTES:
        raise click.UsageError(f"{credential} is larger than {MAX_CREDENTIAL_BYTES} bytes")
    text = credential.read_text("utf-8")
    if as_jwt and not is_compact_jws(text):
        text = _vc_jwt(app, text)
    source = image.read_bytes() if image else None
    baked = bake_badge(text, kind, image=source, replace=replace)
    out.write_bytes(baked)
    form = "VC-JWT" if is_compact_jws(text) else "JSON"
    click.echo(f"baked the {form} credential into {out} ({len(baked)} bytes)")


def _vc_jwt(app: AppContext, text: str) -> str:
    """The VC-JWT of a JSON credential, signed with this issuer's key (as `issue` writes it)."""
    from microcred.issuer import load_issuer
    from microcred.proofs import sign_vc_jwt

    try:
        document = json.loads(text)
    except ValueError as exc:
        raise InputError("--jwt needs a JSON credential or a .jwt file") from exc
    if not isinstance(document, dict):
        raise InputError("--jwt needs a JSON credential (an object)")
    issuer = load_issuer(app.home, app.passphrase(confirm=False))
    named = document.get("issuer")
    named_id = named.get("id") if isinstance(named, dict) else named
    if named_id != issuer.profile.did:
        raise click.UsageError(
            f"the credential's issuer is {named_id}, not this issuer ({issuer.profile.did})"
        )
    return sign_vc_jwt(document, issuer.key, kid=issuer.profile.verification_method)
