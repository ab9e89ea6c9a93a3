"""Signed QR codes: round trip, images that survive print and camera, tampering, wrong keys."""

from __future__ import annotations

import io
import json
import random
import zlib
from pathlib import Path
from typing import Any

import base45
import cbor2
import pytest
from click.testing import CliRunner, Result
from PIL import Image, ImageFilter

from microcred._cli_context import AppContext
from microcred._cli_qr import qr as qr_command
from microcred.cli import main
from microcred.errors import InputError
from microcred.issuer import Issuer, load_issuer
from microcred.keys import DidResolver, KeyType, SigningKey, did_key_verification_method
from microcred.qr import (
    PAYLOAD_PREFIX,
    TARGET_PAYLOAD_CHARS,
    TARGET_QR_VERSION,
    decode_qr_image,
    make_qr_payload,
    qr_code,
    render_qr_png,
    render_qr_svg,
    verify_qr_payload,
)
from microcred.qr._cose import sign1

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
PASSPHRASE = "qr test passphrase"
LEARNERS = 2  # enough for "another learner's credential"; keeps the fixture fast


def _run(home: Path, *args: str) -> Result:
    env = {"MICROCRED_HOME": str(home), "MICROCRED_KEY_PASSPHRASE": PASSPHRASE}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def issue_example(home: Path, out: Path) -> None:
    """init, chain, accreditation, issue two learners of the example course, anchored."""
    learners = out.parent / "learners.csv"
    rows = (EXAMPLE / "learners.csv").read_text("utf-8").splitlines()[: LEARNERS + 1]
    learners.write_text("\n".join(rows) + "\n", "utf-8")
    steps = [
        ["init", "--name", "Example State University", "--name", "ka=სანიმუშო სახელმწიფო "
         "უნივერსიტეტი", "--country", "GE", "--legal-id", "204000000",
         "--homepage", "https://www.example.edu.ge"],
        ["chain", "deploy"],
        ["registry", "add-authority"],
        ["registry", "accredit", "--eqf", "7"],
        ["issue", "--spec", str(EXAMPLE / "microcredential.yaml"), "--learners", str(learners),
         "--out", str(out)],
    ]  # fmt: skip
    for step in steps:
        result = _run(home, *step)
        assert result.exit_code == 0, (step, result.output)


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Issuer]:
    home = tmp_path_factory.mktemp("home")
    out = tmp_path_factory.mktemp("out") / "cohort"
    issue_example(home, out)
    return home, out, load_issuer(home, PASSPHRASE)


def _credential(out: Path, name: str = "elm/S2025-0001.jsonld") -> dict[str, Any]:
    document: dict[str, Any] = json.loads((out / name).read_text("utf-8"))
    return document


@pytest.fixture(scope="module")
def payload(issued: tuple[Path, Path, Issuer]) -> str:
    _, out, issuer = issued
    return make_qr_payload(_credential(out), issuer)


def test_round_trip_carries_the_essential_annex_i_elements(
    issued: tuple[Path, Path, Issuer], payload: str
) -> None:
    _, out, issuer = issued
    credential = _credential(out)
    result = verify_qr_payload(payload, DidResolver(), credential=credential)
    assert result.outcome == "valid" and result.valid, result.reason
    assert result.issuer == issuer.profile.did
    assert result.kid == issuer.profile.verification_method
    claims = result.claims
    assert claims is not None
    assert (claims.learner_name, claims.learner_id) == ("Nino Beridze", "S2025-0001")
    # The record's primary language is Georgian; the English title fits too (version ≤ 22-M).
    assert list(claims.title) == ["ka", "en"]
    assert claims.title["ka"].startswith("ხელოვნური ინტელექტის")
    assert claims.awarding_bodies == ("თბილისის სანიმუშო უნივერსიტეტი",)
    assert (claims.country, claims.ects, claims.eqf_level, claims.nqf_level) == ("GE", "7", 7, "7")
    assert claims.issued == credential["issued"][:10]
    assert claims.assessment_types[:2] == ("written-exam", "project-work")
    assert claims.quality_assurance == "Programme licence; internal"
    reference = claims.reference
    assert reference.credential_id == credential["id"]
    assert reference.anchor is not None
    anchored = json.loads((out / "manifest.json").read_text("utf-8"))["anchor"]
    assert "0x" + reference.anchor.merkle_root.hex() == anchored["root"]


def test_an_ob3_credential_gets_a_qr_code_too(issued: tuple[Path, Path, Issuer]) -> None:
    _, out, issuer = issued
    credential = _credential(out, "ob3/S2025-0001.json")
    result = verify_qr_payload(
        make_qr_payload(credential, issuer), DidResolver(), credential=credential
    )
    assert result.valid, result.reason
    assert result.claims is not None and result.claims.title["en"].startswith("AI for")


def test_without_the_credential_only_the_signature_is_checked(payload: str) -> None:
    result = verify_qr_payload(payload, DidResolver())
    assert result.valid
    assert "signed by did:key:" in result.reason


def test_the_example_fits_a_qr_code_printable_at_4_cm(payload: str) -> None:
    # Bound (docs/qr-and-pdf.md): version ≤ 22 at error correction M, i.e. ≥ 0.38 mm modules
    # (4.5 dots at 300 dpi) when the symbol is printed 4 cm wide.
    code = qr_code(payload)
    assert payload.startswith(PAYLOAD_PREFIX)
    assert len(payload) <= TARGET_PAYLOAD_CHARS
    assert code.version <= TARGET_QR_VERSION == 22
    assert code.error_correction == 0  # qrcode's constant for M
    assert 40 / code.modules_count >= 0.38


def test_the_payload_bound_is_exactly_what_version_22_m_holds() -> None:
    assert qr_code(PAYLOAD_PREFIX.ljust(TARGET_PAYLOAD_CHARS, "A")).version == TARGET_QR_VERSION
    assert qr_code(PAYLOAD_PREFIX.ljust(TARGET_PAYLOAD_CHARS + 1, "A")).version > TARGET_QR_VERSION


def test_the_second_title_language_is_dropped_only_when_it_does_not_fit(
    issued: tuple[Path, Path, Issuer],
) -> None:
    _, out, issuer = issued
    credential = _credential(out)
    credential["credentialSubject"]["hasClaim"][0]["title"]["en"] = (
        "Artificial Intelligence Tools, Prompting Techniques and Critical Evaluation Methods "
        "for Enhancing Literature Review, Data Analysis, Academic Writing, Research Ethics and "
        "Scholarly Communication Skills of Doctoral Students, Early-Career Researchers and "
        "Supervising Faculty in Georgian Higher Education Institutions"
    )
    claims = verify_qr_payload(make_qr_payload(credential, issuer), DidResolver()).claims
    assert claims is not None and list(claims.title) == ["ka"]


def _image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("L")


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _noisy(image: Image.Image) -> Image.Image:
    rng = random.Random(20251122)  # deterministic noise
    pixels = bytes(min(255, max(0, p + int(rng.gauss(0, 40)))) for p in image.tobytes())
    return Image.frombytes("L", image.size, pixels)


_TRANSFORMS = {
    "rotate-15": lambda im: im.rotate(15, expand=True, fillcolor=255),
    "rotate-90": lambda im: im.rotate(90, expand=True),
    "scale-down": lambda im: im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS),
    "scale-up": lambda im: im.resize((im.width * 2, im.height * 2), Image.Resampling.BICUBIC),
    "blur": lambda im: im.filter(ImageFilter.GaussianBlur(2)),
    "noise": _noisy,
    "blur-rotate-noise": lambda im: _noisy(
        im.filter(ImageFilter.GaussianBlur(1.5)).rotate(-15, expand=True, fillcolor=255)
    ),
}


@pytest.mark.parametrize("transform", list(_TRANSFORMS))
def test_a_photographed_qr_code_still_decodes_and_verifies(
    transform: str, payload: str, issued: tuple[Path, Path, Issuer]
) -> None:
    image = _TRANSFORMS[transform](_image(render_qr_png(payload)))
    decoded = decode_qr_image(_png(image))
    assert decoded == [payload]
    assert verify_qr_payload(decoded[0], DidResolver(), credential=_credential(issued[1])).valid


def _reencode(payload: str, change: Any) -> str:
    """Change the signed claims without re-signing (keeps the original signature)."""
    message = cbor2.loads(zlib.decompress(base45.b45decode(payload[len(PAYLOAD_PREFIX) :])))
    protected, unprotected, claims, signature = message.value
    edited = cbor2.loads(claims)
    change(edited)
    message.value = [protected, unprotected, cbor2.dumps(edited), signature]
    return PAYLOAD_PREFIX + base45.b45encode(zlib.compress(cbor2.dumps(message))).decode()


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.update(n="Someone Else"),
        lambda c: c.update(q=8),
        lambda c: c["r"].update(h=bytes(32)),
    ],
    ids=["learner", "eqf-level", "credential-hash"],
)
def test_a_tampered_payload_is_invalid(payload: str, change: Any) -> None:
    tampered = _reencode(payload, change)
    result = verify_qr_payload(tampered, DidResolver())
    assert result.outcome == "invalid"
    assert "signature" in result.reason


def test_a_tampered_qr_image_is_invalid(payload: str) -> None:
    tampered = _reencode(payload, lambda c: c.update(e="30"))
    decoded = decode_qr_image(render_qr_png(tampered))
    assert verify_qr_payload(decoded[0], DidResolver()).outcome == "invalid"


def _claims(payload: str) -> bytes:
    message = cbor2.loads(zlib.decompress(base45.b45decode(payload[len(PAYLOAD_PREFIX) :])))
    claims: bytes = message.value[2]
    return claims


def _wrap(message: bytes) -> str:
    return PAYLOAD_PREFIX + base45.b45encode(zlib.compress(message)).decode()


def test_a_signature_by_another_key_under_the_issuers_kid_is_invalid(
    payload: str, issued: tuple[Path, Path, Issuer]
) -> None:
    forger = SigningKey.generate(KeyType.ED25519)
    forged = _wrap(sign1(_claims(payload), forger, issued[2].profile.verification_method))
    result = verify_qr_payload(forged, DidResolver())
    assert result.outcome == "invalid"


def test_another_issuers_qr_code_does_not_vouch_for_this_credential(
    payload: str, issued: tuple[Path, Path, Issuer]
) -> None:
    other = SigningKey.generate(KeyType.P256)
    own_kid = _wrap(sign1(_claims(payload), other, did_key_verification_method(other.public_key)))
    assert verify_qr_payload(own_kid, DidResolver()).valid  # a valid ES256 signature …
    result = verify_qr_payload(own_kid, DidResolver(), credential=_credential(issued[1]))
    assert result.outcome == "invalid"  # … by someone who did not issue the credential
    assert "issuer" in result.reason


def test_the_qr_code_of_one_credential_does_not_match_another(
    payload: str, issued: tuple[Path, Path, Issuer]
) -> None:
    out = issued[1]
    other = verify_qr_payload(
        payload, DidResolver(), credential=_credential(out, "elm/S2025-0002.jsonld")
    )
    assert other.outcome == "invalid"
    edited = _credential(out)
    edited["credentialSubject"]["fullName"] = {"ka": "Someone Else"}
    changed = verify_qr_payload(payload, DidResolver(), credential=edited)
    assert changed.outcome == "invalid" and "hash" in changed.reason


def test_an_unresolvable_key_is_unverifiable_not_invalid(payload: str) -> None:
    key = SigningKey.generate(KeyType.ED25519)
    message = sign1(_claims(payload), key, "did:web:unknown.example#key-1")
    result = verify_qr_payload(_wrap(message), DidResolver())
    assert result.outcome == "unverifiable"
    assert result.claims is not None and result.claims.learner_name == "Nino Beridze"


@pytest.mark.parametrize(
    "text",
    ["HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3", "MC1:not base45 ~", "MC1:", "MC1:" + "A" * 5000],
    ids=["other-prefix", "not-base45", "empty", "too-long"],
)
def test_malformed_payloads_are_invalid(text: str) -> None:
    result = verify_qr_payload(text, DidResolver())
    assert result.outcome == "invalid"
    assert result.claims is None


def test_a_zlib_bomb_is_refused() -> None:
    bomb = _wrap(cbor2.dumps(bytes(2_000_000)))  # 2 MB in ~3,000 characters
    result = verify_qr_payload(bomb, DidResolver())
    assert result.outcome == "invalid" and "inflates" in result.reason


def test_decode_refuses_what_is_not_an_image_or_too_large() -> None:
    with pytest.raises(InputError, match="not a readable image"):
        decode_qr_image(b"%PDF-1.7 not an image")
    with pytest.raises(InputError, match="over"):
        decode_qr_image(bytes(20_000_001))
    assert decode_qr_image(_png(Image.new("L", (200, 200), 255))) == []


def test_the_svg_prints_the_symbol_4_cm_wide(payload: str) -> None:
    svg = render_qr_svg(payload)
    modules = qr_code(payload).modules_count
    assert f'width="{40 * (modules + 8) / modules:.2f}mm"' in svg
    assert svg.startswith("<svg") and "<path" in svg


def test_cli_writes_png_and_svg(issued: tuple[Path, Path, Issuer], tmp_path: Path) -> None:
    home, out, _ = issued
    result = CliRunner().invoke(
        qr_command,
        [str(out / "elm/S2025-0002.jsonld"), "--out", str(tmp_path)],
        obj=AppContext(home=home),
        env={"MICROCRED_KEY_PASSPHRASE": PASSPHRASE},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    png = (tmp_path / "S2025-0002.qr.png").read_bytes()
    assert (tmp_path / "S2025-0002.qr.svg").read_text("utf-8").startswith("<svg")
    decoded = decode_qr_image(png)
    credential = _credential(out, "elm/S2025-0002.jsonld")
    assert verify_qr_payload(decoded[0], DidResolver(), credential=credential).valid
