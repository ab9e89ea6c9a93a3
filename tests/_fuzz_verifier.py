"""The verifier fuzzed at one entry point; run as a program by tests/test_fuzz_verifier.py.

    python tests/_fuzz_verifier.py ENTRY_POINT WORKDIR EXAMPLES

Entry points: json, jwt, png, svg, pdf, qr. Inputs are hostile structures built from a real
issued credential (a field replaced by deep nesting, a huge number, a lone surrogate, a list
where a string was, a bad language tag…), containers around them (baked badges, PDF
attachments) and bombs, plus plain corruption. For each, ``verify_path`` (or, for QR payload
text, ``verify_qr``) must return reports without raising, and the CLI must be able to print
them. Hypothesis runs derandomized (the same examples every run), without deadline; a
separate process, so that the parent can observe a crash. Memory is this process's peak while
verifying (``VmHWM``, reset before each example), and the most one verification added to it.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import base45  # type: ignore[import-untyped]
import cbor2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _hostile import (
    NOW,
    Issued,
    issue_one,
    pdf_with_attachments,
    png_chunk,
    png_with_text_bomb,
)
from microcred._cli_verify import _facts_block, _json_line, _render
from microcred.proofs import sign_vc_jwt
from microcred.qr import make_qr_payload
from microcred.render.baking import bake
from microcred.verifier import (
    AnchorRequirement,
    StepStatus,
    VerificationPolicy,
    VerificationReport,
    verify_path,
)
from microcred.verifier.qr_steps import verify_qr

POLICY = VerificationPolicy(now=NOW, anchoring=AnchorRequirement.OPTIONAL)
Json = Any

# --- hostile values -------------------------------------------------------------------------

_NASTY_STRINGS = [
    "\ud800",
    "\udfff tail",
    "line\nbreak: VALID",
    "\x1b[2K\x1b[32mVALID\x1b[0m",
    "\u202e\u2028\u0000",
    "did:key:z" + "2" * 5000,
    "did:web:" + "a" * 3000,
    "https://www.w3.org/ns/credentials/v2",
    "x" * 200_000,
    "2025-13-45T25:61:61Z",
    "9999-12-31T23:59:59+99:99",
    "",
]
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**80), max_value=10**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(_NASTY_STRINGS),
)


def _deep(depth: int, leaf: Json = 0) -> Json:
    value: Json = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


_HOSTILE = st.one_of(
    st.recursive(
        _SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=5),
            st.dictionaries(
                st.one_of(st.text(max_size=8), st.sampled_from(_NASTY_STRINGS[:5])),
                inner,
                max_size=5,
            ),
        ),
        max_leaves=20,
    ),
    st.integers(min_value=1, max_value=100).map(_deep),
    st.just([["VerifiableCredential"]]),
    st.just({"en": "x", "not a tag!": "y", "": "z", "ka\n": "w"}),
    st.just(["https://www.w3.org/ns/credentials/v2"] * 20),
    st.just([{"type": ["Evidence"], "name": "e"}] * 25_000),
)

# Text-level damage that a dict cannot carry: numbers JSON cannot hold, nesting past any limit.
_TEXT_DAMAGE: list[Callable[[str], str]] = [
    lambda text: text.replace('"name":', '"n":' + "9" * 5000 + ',"name":', 1),
    lambda text: text.replace('"name":', '"n":1e99999,"name":', 1),
    lambda text: text.replace('"name":', '"n":NaN,"name":', 1),
    lambda text: "[" * 100_000 + text + "]" * 100_000,
    lambda text: text[: len(text) // 2],
    lambda text: text.replace('"', "'", 3),
    lambda text: text.replace('"name":"', '"name":"\\ud800', 1),
]


def _paths(node: Json, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _replaced(document: Json, path: tuple[Any, ...], value: Json) -> Json:
    if not path:
        return value
    result = copy.deepcopy(document)
    parent = result
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return result


@st.composite
def hostile_credential_text(draw: st.DrawFn, issued: Issued) -> str:
    """A real credential with one field made hostile, or its JSON text damaged."""
    document = draw(st.sampled_from([issued.ob3, issued.elm]))
    path = draw(st.sampled_from(_paths(document)))
    mutated = _replaced(document, path, draw(_HOSTILE))
    if draw(st.booleans()) and isinstance(mutated, dict):
        mutated[draw(st.text(max_size=12))] = draw(_HOSTILE)  # a member nobody expects
    text = json.dumps(mutated, ensure_ascii=draw(st.booleans()), allow_nan=True)
    if draw(st.integers(0, 4)) == 0:
        text = draw(st.sampled_from(_TEXT_DAMAGE))(text)
    return text


# --- the entry points -------------------------------------------------------------------


REACHED: dict[str, int] = {}  # the first step of each report: how deep the examples get
EXTRA_KB = [0]  # the most memory one verification added over what was resident before it
PEAK_KB = [0]  # the process's peak while verifying (hypothesis's own bookkeeping included)


def _status_kb(field: str) -> int:
    found = re.search(rf"{field}:\s+(\d+) kB", Path("/proc/self/status").read_text("ascii"))
    assert found is not None
    return int(found.group(1))


def _measured(verify: Callable[[], list[VerificationReport]]) -> list[VerificationReport]:
    """``verify()``, noting its own peak: the process peak is reset first (clear_refs 5), so
    hypothesis's growing bookkeeping is not counted as the verifier's."""
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kb("VmRSS")
    reports = verify()
    peak = _status_kb("VmHWM")
    EXTRA_KB[0] = max(EXTRA_KB[0], peak - before)
    PEAK_KB[0] = max(PEAK_KB[0], peak)
    return reports


def _check(reports: list[VerificationReport]) -> None:
    """No exception escaped; the reports are whole and the CLI can print them."""
    assert reports
    for report in reports:
        first = report.steps[0].name if report.steps else "-"
        REACHED[first] = REACHED.get(first, 0) + 1
        assert report.steps and all(isinstance(step.status, StepStatus) for step in report.steps)
        # No forged lines: the verdict line, the facts block, one line a step.
        expected = 1 + len(_facts_block(report)) + len(report.steps)
        assert len(_render(report).splitlines()) == expected
        assert json.loads(_json_line(report))["verdict"] == str(report.verdict)


def _write(workdir: Path, name: str, data: bytes | str) -> Path:
    path = workdir / name
    if isinstance(data, str):
        path.write_text(data, "utf-8", errors="surrogatepass")
    else:
        path.write_bytes(data)
    return path


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def fuzz_json(issued: Issued, workdir: Path, settings_: settings) -> None:
    @settings_
    @given(hostile_credential_text(issued))
    def run(text: str) -> None:
        _check(_measured(lambda: verify_path(_write(workdir, "credential.json", text), POLICY)))

    run()


def fuzz_jwt(issued: Issued, workdir: Path, settings_: settings) -> None:
    token = sign_vc_jwt(
        issued.ob3, issued.issuer.key, kid=issued.issuer.profile.verification_method
    )
    header, payload, signature = token.split(".")
    headers = st.one_of(
        st.just(header),
        st.dictionaries(
            st.sampled_from(["alg", "kid", "jwk", "typ", "crit"]), _HOSTILE, max_size=4
        ).map(lambda value: _b64(json.dumps(value, allow_nan=True).encode())),
        st.text(alphabet="ABCDEFabcdef0123456789-_", min_size=1, max_size=50),
    )
    payloads = st.one_of(
        st.just(payload),
        hostile_credential_text(issued).map(
            lambda text: _b64(text.encode("utf-8", "surrogatepass"))
        ),
    )
    signatures = st.one_of(
        st.just(signature), st.text(alphabet="abcXYZ019-_", min_size=1, max_size=100)
    )

    @settings_
    @given(headers, payloads, signatures)
    def run(head: str, body: str, sig: str) -> None:
        path = _write(workdir, "credential.jwt", f"{head}.{body}.{sig}")
        _check(_measured(lambda: verify_path(path, POLICY)))

    run()


def _itxt_png(png: bytes, text: bytes) -> bytes:
    """``png`` with one openbadgecredential iTXt chunk carrying ``text`` exactly."""
    end = png.rindex(b"IEND") - 4
    chunk = png_chunk(b"iTXt", b"openbadgecredential\0\0\0\0\0" + text)
    return png[:end] + chunk + png[end:]


def _flip(data: bytes, position: int, byte: int) -> bytes:
    position %= len(data)
    return data[:position] + bytes([byte]) + data[position + 1 :]


def fuzz_png(issued: Issued, workdir: Path, settings_: settings) -> None:
    baked = bake(json.dumps(issued.ob3), "png")
    plain = _without_credential_chunk(baked)
    bombs = [png_with_text_bomb(b"zTXt", 50_000_000), png_with_text_bomb(b"iTXt", 50_000_000)]
    huge = plain.replace(
        struct.pack(">II", *_png_size(plain)), struct.pack(">II", 60_000, 60_000), 1
    )
    images = st.one_of(
        hostile_credential_text(issued).map(
            lambda text: _itxt_png(plain, text.encode("utf-8", "surrogatepass"))
        ),
        st.sampled_from([*bombs, huge, _fixed_crc(huge)]),
        st.tuples(st.integers(0, 10**9), st.integers(0, 255)).map(lambda flip: _flip(baked, *flip)),
    )

    @settings_
    @given(images)
    def run(image: bytes) -> None:
        path = _write(workdir, "badge.png", image)
        _check(_measured(lambda: verify_path(path, POLICY)))

    run()


def _png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _fixed_crc(png: bytes) -> bytes:
    """``png`` with its IHDR CRC recomputed (so only the declared size is hostile)."""
    body = png[12:29]
    return png[:29] + struct.pack(">I", zlib.crc32(body)) + png[33:]


def _without_credential_chunk(png: bytes) -> bytes:
    start = png.index(b"iTXtopenbadgecredential") - 4
    length = struct.unpack(">I", png[start : start + 4])[0]
    return png[:start] + png[start + 12 + length :]


def fuzz_svg(issued: Issued, workdir: Path, settings_: settings) -> None:
    baked = bake(json.dumps(issued.ob3), "svg").decode("utf-8")
    head, _, rest = baked.partition("<![CDATA[")
    _, _, tail = rest.partition("]]>")
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE svg ['
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    )
    deep = "<g>" * 100_000 + "</g>" * 100_000
    svgs = st.one_of(
        hostile_credential_text(issued).map(lambda text: head + "<![CDATA[" + text + "]]>" + tail),
        st.sampled_from(
            [
                laughs + baked,
                baked.replace("<openbadges:credential>", deep + "<openbadges:credential>", 1),
            ]
        ),
        st.tuples(st.integers(0, 10**9), st.sampled_from(["<", ">", "&", "]]>", "\0", "<!--"])).map(
            lambda cut: baked[: cut[0] % len(baked)] + cut[1] + baked[cut[0] % len(baked) :]
        ),
    )

    @settings_
    @given(svgs)
    def run(svg: str) -> None:
        path = _write(workdir, "badge.svg", svg)
        _check(_measured(lambda: verify_path(path, POLICY)))

    run()


def fuzz_pdf(issued: Issued, workdir: Path, settings_: settings) -> None:
    from _hostile import pdf_with_flate_bombs

    real = pdf_with_attachments([("c.json", json.dumps(issued.ob3).encode())])
    bombs = pdf_with_flate_bombs(count=3, inflated_bytes=40_000_000)
    names = st.one_of(st.text(max_size=20), st.sampled_from(_NASTY_STRINGS[2:5]))
    attachments = st.lists(
        st.tuples(
            names, hostile_credential_text(issued).map(lambda t: t.encode("utf-8", "surrogatepass"))
        ),
        max_size=3,
        unique_by=lambda item: item[0],
    )
    pdfs = st.one_of(
        attachments.map(pdf_with_attachments),
        st.just(bombs),
        st.tuples(st.integers(0, 10**9), st.integers(0, 255)).map(lambda flip: _flip(real, *flip)),
        st.integers(0, 10**9).map(lambda cut: real[: max(8, cut % len(real))]),
    )

    @settings_
    @given(pdfs)
    def run(pdf: bytes) -> None:
        path = _write(workdir, "certificate.pdf", pdf)
        _check(_measured(lambda: verify_path(path, POLICY)))

    run()


_CBOR = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.binary(max_size=40), st.text(max_size=20)
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(st.integers(-10, 10), st.text(max_size=5)), inner, max_size=5),
    ),
    max_leaves=20,
)


def _mc1(data: bytes) -> str:
    return "MC1:" + base45.b45encode(zlib.compress(data)).decode("ascii")


def fuzz_qr(issued: Issued, workdir: Path, settings_: settings) -> None:
    real = make_qr_payload(issued.ob3, issued.issuer)
    unwrapped = zlib.decompress(base45.b45decode(real[4:]))
    payloads = st.one_of(
        st.text(alphabet=base45.BASE45_CHARSET, max_size=400).map(lambda text: "MC1:" + text),
        _CBOR.map(lambda value: _mc1(cbor2.dumps(value))),
        st.just(_mc1(b"\x81" * 16_000 + b"\x00")),  # CBOR nested as deep as the bound allows
        st.just(_mc1(b"\0" * 100_000)),
        st.tuples(st.integers(0, 10**9), st.integers(0, 255)).map(
            lambda flip: _mc1(_flip(unwrapped, *flip))
        ),
        st.tuples(st.integers(0, 10**9), st.sampled_from(base45.BASE45_CHARSET)).map(
            lambda sub: (
                real[: 4 + sub[0] % (len(real) - 4)] + sub[1] + real[5 + sub[0] % (len(real) - 4) :]
            )
        ),
    )

    @settings_
    @given(payloads)
    def run(payload: str) -> None:
        _check(_measured(lambda: [verify_qr(payload, POLICY, source="scan (QR code)")]))

    run()


ENTRY_POINTS: dict[str, Callable[[Issued, Path, settings], None]] = {
    "json": fuzz_json,
    "jwt": fuzz_jwt,
    "png": fuzz_png,
    "svg": fuzz_svg,
    "pdf": fuzz_pdf,
    "qr": fuzz_qr,
}


def main(entry: str, workdir: Path, examples: int) -> None:
    fuzz_settings = settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    ENTRY_POINTS[entry](issue_one(), workdir, fuzz_settings)
    print(f"FUZZ OK {entry} {examples}; reports by first step: {REACHED}")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]))
    print(f"PEAK_RSS_KB {PEAK_KB[0]} VERIFY_EXTRA_KB {EXTRA_KB[0]}")
