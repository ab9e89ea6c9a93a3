"""Baked Open Badges 3.0: the 1EdTech samples, round trips, tampering and hostile images.

The samples' provenance is in tests/vectors/SOURCES.md (1EdTech digital-credentials-public-
validator@38254719, inspector-vc/src/test/resources/ob30/).
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from PIL import Image

from _controller_documents import controller_document
from microcred._cli_bake import bake as bake_command
from microcred._cli_context import AppContext
from microcred.cli import main
from microcred.errors import InputError
from microcred.keys import DidResolver
from microcred.proofs import verify_proofs, verify_vc_jwt
from microcred.render.baking import (
    MAX_CREDENTIAL_BYTES,
    MAX_IMAGE_BYTES,
    bake,
    bake_png,
    bake_svg,
    baked_image_kind,
    extract_baked,
)
from microcred.render.default_badge import default_badge_png, default_badge_svg

VECTORS = Path(__file__).parent / "vectors" / "ob3-examples"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
PASSPHRASE = "baking test passphrase"
LEGAL_ID = ("--legal-id", "204000000")
SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --- an issued credential (one learner, every format) --------------------------------------


def _run(home: Path, *args: str) -> Result:
    env = {"MICROCRED_HOME": str(home), "MICROCRED_KEY_PASSPHRASE": PASSPHRASE}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _bake(home: Path, *args: str) -> Result:
    env = {"MICROCRED_HOME": str(home), "MICROCRED_KEY_PASSPHRASE": PASSPHRASE}
    return CliRunner().invoke(bake_command, list(args), obj=AppContext(home=home), env=env)


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    home = tmp_path_factory.mktemp("home")
    out = tmp_path_factory.mktemp("out") / "cohort"
    learners = out.parent / "learners.csv"
    rows = (EXAMPLE / "learners.csv").read_text("utf-8").splitlines()
    learners.write_text("\n".join(rows[:2]) + "\n", "utf-8")
    steps = (
        ["init", "--name", "Example State University", "--country", "GE", *LEGAL_ID],
        ["chain", "deploy"],
        ["registry", "add-authority"],
        ["registry", "accredit", "--eqf", "7"],
        [
            "issue",
            "--spec",
            str(EXAMPLE / "microcredential.yaml"),
            "--learners",
            str(learners),
            "--out",
            str(out),
            "--format",
            "ob3",
            "--format",
            "ob3-jwt",
            "--format",
            "elm",
        ],
    )
    for step in steps:
        result = _run(home, *step)
        assert result.exit_code == 0, result.output
    return home, out


@pytest.fixture(scope="module")
def ob3_json(issued: tuple[Path, Path]) -> Path:
    return next((issued[1] / "ob3").glob("*.json"))


@pytest.fixture(scope="module")
def ob3_jwt(issued: tuple[Path, Path]) -> Path:
    return next((issued[1] / "ob3-jwt").glob("*.jwt"))


def _proof_outcomes(text: str) -> dict[str, str]:
    """Each Data Integrity proof's outcome, by cryptosuite (the anchor proof is not a signature)."""
    results = verify_proofs(json.loads(text), DidResolver())
    return {result.cryptosuite: result.outcome for result in results}


def _jwt_outcome(token: str) -> str:
    return verify_vc_jwt(token, DidResolver())[1].outcome


# --- the 1EdTech baked samples --------------------------------------------------------------


_BAKED_SAMPLE_METHOD = (
    "https://example.com/issuers/876543#z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x"
)


@pytest.mark.parametrize("name", ["simple-json.png", "simple-json.svg"])
def test_1edtech_baked_json_sample_verifies_through_its_controller_document(name: str) -> None:
    [credential] = extract_baked((VECTORS / name).read_bytes())
    # The key sits in the method's URL fragment: never used as is (anyone can write one).
    assert _proof_outcomes(credential) == {"eddsa-rdfc-2022": "unverifiable"}
    document = controller_document(_BAKED_SAMPLE_METHOD, _BAKED_SAMPLE_METHOD.split("#")[1])
    resolver = DidResolver({document["id"]: document})
    [result] = verify_proofs(json.loads(credential), resolver)
    assert result.outcome == "valid", result.reason
    assert json.loads(credential)["id"] == "http://example.com/credentials/3527"


def test_1edtech_baked_png_and_svg_carry_the_same_credential() -> None:
    [png] = extract_baked((VECTORS / "simple-json.png").read_bytes())
    [svg] = extract_baked((VECTORS / "simple-json.svg").read_bytes())
    assert json.loads(png) == json.loads(svg)


def test_1edtech_baked_jwt_sample_is_extracted_and_its_signature_checked() -> None:
    [token] = extract_baked((VECTORS / "simple-jwt.png").read_bytes())
    credential, result = verify_vc_jwt(token, DidResolver())
    # Signed with a key from its own jwk header: integrity holds, the issuer is not bound.
    assert result.outcome == "unverifiable", result.reason
    assert "signature verified (RS256)" in result.reason
    assert credential is not None and "OpenBadgeCredential" in credential["type"]


# --- round trips through `microcred bake` ---------------------------------------------------


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_bake_json_round_trip_verifies(
    issued: tuple[Path, Path], ob3_json: Path, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"badge{suffix}"
    result = _bake(issued[0], str(ob3_json), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "JSON credential" in result.output
    [credential] = extract_baked(out.read_bytes())
    assert credential == ob3_json.read_text("utf-8").strip()
    assert _proof_outcomes(credential)["eddsa-rdfc-2022"] == "valid"


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_bake_jwt_round_trip_verifies(
    issued: tuple[Path, Path], ob3_jwt: Path, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"badge{suffix}"
    result = _bake(issued[0], str(ob3_jwt), "--out", str(out))
    assert result.exit_code == 0, result.output
    [token] = extract_baked(out.read_bytes())
    assert token == ob3_jwt.read_text("ascii").strip()
    assert _jwt_outcome(token) == "valid"


def test_bake_jwt_flag_signs_the_json_credential_with_the_issuers_key(
    issued: tuple[Path, Path], ob3_json: Path, tmp_path: Path
) -> None:
    out = tmp_path / "badge.svg"
    result = _bake(issued[0], str(ob3_json), "--jwt", "--out", str(out))
    assert result.exit_code == 0, result.output
    [token] = extract_baked(out.read_bytes())
    credential, outcome = verify_vc_jwt(token, DidResolver())
    assert outcome.outcome == "valid", outcome.reason
    assert credential is not None and credential["id"] == json.loads(ob3_json.read_bytes())["id"]
    assert 'verify="' in out.read_text("utf-8")


def test_bake_into_a_given_image_keeps_its_pixels(
    issued: tuple[Path, Path], ob3_json: Path, tmp_path: Path
) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(_png_of_colour((10, 200, 30)))
    out = tmp_path / "badge.png"
    assert _bake(issued[0], str(ob3_json), "--image", str(logo), "--out", str(out)).exit_code == 0
    assert Image.open(out).getpixel((5, 5)) == (10, 200, 30)
    assert len(extract_baked(out.read_bytes())) == 1


def test_bake_refuses_an_elm_credential(issued: tuple[Path, Path], tmp_path: Path) -> None:
    elm = next((issued[1] / "elm").glob("*.jsonld"))
    result = _bake(issued[0], str(elm), "--out", str(tmp_path / "badge.png"))
    assert isinstance(result.exception, InputError)
    assert "Open Badges 3.0" in str(result.exception)


def test_bake_refuses_an_image_of_the_other_kind(
    issued: tuple[Path, Path], ob3_json: Path, tmp_path: Path
) -> None:
    logo = tmp_path / "logo.svg"
    logo.write_text(default_badge_svg({}), "utf-8")
    result = _bake(issued[0], str(ob3_json), "--image", str(logo), "--out", str(tmp_path / "b.png"))
    assert isinstance(result.exception, InputError) and "not a PNG" in str(result.exception)


def test_bake_never_overwrites(issued: tuple[Path, Path], ob3_json: Path, tmp_path: Path) -> None:
    out = tmp_path / "badge.png"
    out.write_bytes(b"kept")
    result = _bake(issued[0], str(ob3_json), "--out", str(out))
    assert result.exit_code == 2 and "already exists" in result.output
    assert out.read_bytes() == b"kept"


# --- the PNG container ------------------------------------------------------------------------


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, body) of every chunk; an independent reader for the tests."""
    chunks, offset = [], 8
    while offset < len(png):
        length, kind = struct.unpack(">I4s", png[offset : offset + 8])
        chunks.append((kind, png[offset + 8 : offset + 8 + length]))
        offset += 12 + length
    return chunks


def _encode(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def _rewrite_chunk(png: bytes, kind: bytes, change: Callable[[bytes], bytes]) -> bytes:
    """``png`` with every ``kind`` chunk changed and its CRC recomputed (a careful forger)."""
    chunks = [(k, change(body) if k == kind else body) for k, body in _chunks(png)]
    return SIGNATURE + b"".join(_encode(k, body) for k, body in chunks)


def _png_of_colour(rgb: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def test_png_chunk_is_uncompressed_itxt_before_iend_and_other_chunks_are_kept() -> None:
    original = _png_of_colour((1, 2, 3))
    baked = bake_png(original, '{"a": "ქართული"}')
    before, after = _chunks(original), _chunks(baked)
    assert after == [*before[:-1], (b"iTXt", after[-2][1]), before[-1]]
    assert after[-2][1] == b"openbadgecredential\0\0\0\0\0" + '{"a": "ქართული"}'.encode()
    image = Image.open(io.BytesIO(baked))
    image.verify()  # every CRC and the structure, by an independent decoder


def test_png_baking_twice_is_refused_and_replace_keeps_one() -> None:
    once = bake_png(_png_of_colour((1, 2, 3)), '{"n": 1}')
    with pytest.raises(InputError, match="already carries a credential"):
        bake_png(once, '{"n": 2}')
    twice = bake_png(once, '{"n": 2}', replace=True)
    assert [kind for kind, _ in _chunks(twice)].count(b"iTXt") == 1
    assert extract_baked(twice) == ['{"n": 2}']


def test_png_with_two_credential_chunks_is_refused() -> None:
    baked = bake_png(_png_of_colour((1, 2, 3)), '{"n": 1}')
    chunks = _chunks(baked)
    doubled = [*chunks[:-1], chunks[-2], chunks[-1]]
    data = SIGNATURE + b"".join(_encode(kind, body) for kind, body in doubled)
    with pytest.raises(InputError, match="2 credential chunks"):
        extract_baked(data)


def test_png_without_a_credential_is_refused_and_ob2_is_named() -> None:
    with pytest.raises(InputError, match=r"carries no Open Badges 3\.0 credential"):
        extract_baked(_png_of_colour((1, 2, 3)))
    chunks = _chunks(_png_of_colour((1, 2, 3)))
    ob2 = [*chunks[:-1], (b"tEXt", b"openbadges\0https://example.org/assertion"), chunks[-1]]
    with pytest.raises(InputError, match=r"Open Badges 2\.0"):
        extract_baked(SIGNATURE + b"".join(_encode(kind, body) for kind, body in ob2))


def test_png_with_a_broken_crc_is_refused(ob3_json: Path) -> None:
    baked = bake_png(_png_of_colour((1, 2, 3)), ob3_json.read_text("utf-8"))
    at = baked.index(b"Example State University")
    broken = baked[:at] + b"X" + baked[at + 1 :]
    with pytest.raises(InputError, match="fails its CRC"):
        extract_baked(broken)


def test_png_credential_edited_with_a_fixed_crc_fails_verification(ob3_json: Path) -> None:
    baked = bake(ob3_json.read_text("utf-8"), "png")
    forged = _rewrite_chunk(
        baked, b"iTXt", lambda body: body.replace(b"Example State", b"Exemple State")
    )
    [credential] = extract_baked(forged)
    assert "Exemple State" in credential
    assert _proof_outcomes(credential)["eddsa-rdfc-2022"] == "invalid"


def test_png_jwt_edited_with_a_fixed_crc_fails_verification(ob3_jwt: Path) -> None:
    token = ob3_jwt.read_text("ascii").strip()
    payload = token.split(".")[1]
    flipped = payload[:60] + ("A" if payload[60] != "A" else "B") + payload[61:]
    forged = _rewrite_chunk(
        bake(token, "png"), b"iTXt", lambda body: body.replace(payload.encode(), flipped.encode())
    )
    [changed] = extract_baked(forged)
    assert changed != token
    assert _jwt_outcome(changed) == "invalid"


# --- the SVG container ------------------------------------------------------------------------


def test_svg_credential_is_the_first_child_and_the_rest_is_kept_exactly() -> None:
    sample = (VECTORS / "simple-json.svg").read_text("utf-8")
    head, _, rest = sample.partition("<openbadges:credential>")
    tail = rest.partition("</openbadges:credential>")[2]
    baked = bake_svg(head + tail, '{"n": 1}')
    root_tag, whitespace = head.rstrip(), head[len(head.rstrip()) :]
    element = '<openbadges:credential><![CDATA[{"n": 1}]]></openbadges:credential>'
    assert baked == f"{root_tag}\n{element}{whitespace}{tail}"


def test_svg_namespace_is_declared_when_missing() -> None:
    baked = bake_svg('<svg xmlns="http://www.w3.org/2000/svg"/>', '{"n": 1}')
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in baked
    assert baked.endswith("</svg>")
    assert extract_baked(baked.encode()) == ['{"n": 1}']


def test_svg_cdata_terminator_inside_the_credential_round_trips() -> None:
    credential = '{"note": "a]]>b ]]]> <![CDATA[ &amp;"}'
    baked = bake_svg(default_badge_svg({}), credential)
    assert extract_baked(baked.encode()) == [credential]


def test_svg_baking_twice_is_refused_and_replace_keeps_one() -> None:
    once = bake_svg(default_badge_svg({}), '{"n": 1}')
    with pytest.raises(InputError, match="already carries a credential"):
        bake_svg(once, '{"n": 2}')
    twice = bake_svg(once, '{"n": 2}', replace=True)
    assert twice.count("openbadges:credential>") == 2  # one element: start and end tags
    assert extract_baked(twice.encode()) == ['{"n": 2}']


def test_svg_replace_removes_a_jwt_element(ob3_jwt: Path) -> None:
    once = bake_svg(default_badge_svg({}), ob3_jwt.read_text("ascii"))
    assert extract_baked(bake_svg(once, '{"n": 2}', replace=True).encode()) == ['{"n": 2}']


def test_svg_with_two_credentials_is_refused() -> None:
    ns = 'xmlns="http://www.w3.org/2000/svg" xmlns:o="https://purl.imsglobal.org/ob/v3p0"'
    svg = f'<svg {ns}><o:credential verify="a.b.c"/><o:credential verify="a.b.c"/></svg>'
    with pytest.raises(InputError, match="2 credential elements"):
        extract_baked(svg.encode())


def test_svg_credential_edited_fails_verification(ob3_json: Path) -> None:
    baked = bake(ob3_json.read_text("utf-8"), "svg")
    [credential] = extract_baked(baked.replace(b"Example State", b"Exemple State"))
    assert _proof_outcomes(credential)["eddsa-rdfc-2022"] == "invalid"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY a "lol">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&c;</text></svg>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg"
     xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
  <openbadges:credential>&secret;</openbadges:credential>
</svg>"""


@pytest.mark.parametrize("svg", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["expansion", "xxe"])
def test_svg_declaring_entities_is_refused(svg: str) -> None:
    with pytest.raises(InputError, match="declares XML entities"):
        extract_baked(svg.encode())
    with pytest.raises(InputError, match="declares XML entities"):
        bake_svg(svg, '{"n": 1}')


def test_svg_that_is_not_svg_is_refused() -> None:
    with pytest.raises(InputError, match="not an SVG"):
        bake_svg("<html><svg/></html>", '{"n": 1}')
    with pytest.raises(InputError, match="not well-formed"):
        extract_baked(b"<svg><g></svg>")


# --- bounds and inputs --------------------------------------------------------------------------


def test_oversized_inputs_are_refused() -> None:
    with pytest.raises(InputError, match="more than"):
        extract_baked(SIGNATURE + bytes(MAX_IMAGE_BYTES))
    itxt = b"openbadgecredential\0\0\0\0\0" + b" " * (MAX_CREDENTIAL_BYTES + 1)
    chunks = _chunks(_png_of_colour((1, 2, 3)))
    big = SIGNATURE + b"".join(
        _encode(kind, body) for kind, body in [*chunks[:-1], (b"iTXt", itxt), chunks[-1]]
    )
    with pytest.raises(InputError, match="more than"):
        extract_baked(big)
    with pytest.raises(InputError, match="larger than"):
        bake_png(_png_of_colour((1, 2, 3)), " " * (MAX_CREDENTIAL_BYTES + 1))


def test_only_json_objects_and_compact_jws_are_baked() -> None:
    with pytest.raises(InputError, match="neither JSON nor a compact JWS"):
        bake_png(_png_of_colour((1, 2, 3)), "https://example.org/assertion")
    with pytest.raises(InputError, match="JSON object"):
        bake_svg(default_badge_svg({}), "[1, 2]")


def test_image_kind_comes_from_the_content() -> None:
    assert baked_image_kind(_png_of_colour((1, 2, 3))) == "png"
    assert baked_image_kind(b'\xef\xbb\xbf<?xml version="1.0"?>\n<svg/>') == "svg"
    assert baked_image_kind(b'{"@context": []}') is None
    with pytest.raises(InputError, match="not a PNG or SVG"):
        extract_baked(b'{"@context": []}')


# --- the default badge ----------------------------------------------------------------------------


def test_default_badge_png_is_a_round_400px_badge(ob3_json: Path) -> None:
    image = Image.open(io.BytesIO(default_badge_png(json.loads(ob3_json.read_bytes()))))
    assert image.size == (400, 400) and image.mode == "RGBA"
    corner, inside = image.getpixel((0, 0)), image.getpixel((30, 200))
    assert isinstance(corner, tuple) and isinstance(inside, tuple)
    assert corner[3] == 0  # transparent outside the circle
    assert inside[:3] == (0, 51, 153)  # EU blue inside the gold ring


def test_default_badge_svg_shows_the_credential(ob3_json: Path) -> None:
    svg = default_badge_svg(json.loads(ob3_json.read_bytes()))
    assert ">AI</text>" in svg  # the title's acronym
    assert ">EQF 7 · 7 ECTS</text>" in svg
    assert ">Example State University</text>" in svg
    assert extract_baked(bake_svg(svg, '{"n": 1}').encode()) == ['{"n": 1}']
