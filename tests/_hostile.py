"""Shared by the hostile-input tests: real issued credentials, hostile containers, and a
`microcred verify` run in its own process whose exit status and peak memory are observed.

A crash of the interpreter (a segfault) or an unbounded read can only be seen from outside
the process, so those tests run the real CLI in a child; the child reports its own peak
resident memory (``VmHWM``) on stderr as it exits.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pypdf import PdfWriter
from pypdf.generic import NameObject

from microcred.elm_models.readers import read_learners, read_spec
from microcred.elm_models.record import IssuerProfile, multilingual
from microcred.issuer import Issuer, issue_batch, make_awards
from microcred.keys import KeyType, SigningKey, did_key, did_key_verification_method

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
ISSUED = datetime(2025, 10, 20, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
MAX_PEAK_RSS_BYTES = 500 * 1024 * 1024
HANG_GUARD_S = 180  # not a speed assertion: a run that never ends must still end the test

# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so a child of a big test process
# would report its parent's size; VmHWM is this program's own peak.
_CHILD = """
import atexit, re, sys
def peak():
    status = open("/proc/self/status").read()
    sys.stderr.write("\\nPEAK_RSS_KB %s\\n" % re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
atexit.register(peak)
from microcred.cli import main
main(sys.argv[1:], prog_name="microcred")
"""


@dataclass(frozen=True)
class Issued:
    """One learner's signed OB3 and ELM credentials, and the issuer that signed them."""

    issuer: Issuer
    ob3: dict[str, Any]
    elm: dict[str, Any]


def issue_one() -> Issued:
    key = SigningKey.generate(KeyType.ED25519)
    profile = IssuerProfile(
        did=did_key(key.public_key),
        verification_method=did_key_verification_method(key.public_key),
        name=multilingual({"en": "Example State University"}),
        country="GE",
        legal_identifier="204000000",
    )
    issuer = Issuer(profile=profile, key=key)
    spec = read_spec(EXAMPLE / "microcredential.yaml")
    learners = read_learners(EXAMPLE / "learners.csv", spec)[:1]
    awards = make_awards(spec, learners, profile, issued=ISSUED)
    [credential] = issue_batch(awards, issuer, formats=("elm", "ob3")).credentials
    assert credential.ob3 is not None and credential.elm is not None
    return Issued(issuer, credential.ob3, credential.elm)


@dataclass(frozen=True)
class ChildRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def peak_rss_bytes(self) -> int:
        found = re.findall(r"PEAK_RSS_KB (\d+)", self.stderr)
        assert found, (
            f"the child did not report its memory (exit {self.returncode}):\n{self.stderr}"
        )
        return int(found[-1]) * 1024


def run_verify_in_child(home: Path, *args: str) -> ChildRun:
    """`microcred verify --no-ledger ARGS` in a fresh interpreter (the CLI's own imports)."""
    env = {**os.environ, "MICROCRED_HOME": str(home), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, "verify", "--no-ledger", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
        check=False,
    )
    return ChildRun(done.returncode, done.stdout, done.stderr)


def report_heads(output: str) -> list[str]:
    """The first line of each text report: ``<source>: VERDICT  (format, id)``."""
    return [line for line in output.splitlines() if line and not line.startswith(" ")]


# --- hostile containers ------------------------------------------------------------------


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_with_text_bomb(kind: bytes, inflated_bytes: int = 200_000_000) -> bytes:
    """A 1×1 PNG with a zTXt or compressed iTXt chunk that inflates to ``inflated_bytes``."""
    bomb = zlib.compress(b"\0" * inflated_bytes, 9)
    body = b"Comment\0\0" + bomb if kind == b"zTXt" else b"Comment\0\x01\0\0\0" + bomb
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    pixels = png_chunk(b"IDAT", zlib.compress(b"\0\0"))
    return b"\x89PNG\r\n\x1a\n" + header + png_chunk(kind, body) + pixels + png_chunk(b"IEND", b"")


def pdf_with_attachments(files: list[tuple[str, bytes]]) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    for name, content in files:
        writer.add_attachment(name, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_flate_bombs(count: int = 4, inflated_bytes: int = 70_000_000) -> bytes:
    """A PDF of about a megabyte whose ``count`` attachments each inflate to ``inflated_bytes``."""
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    for index in range(count):
        writer.add_attachment(f"bomb{index}.json", b"{}")
    bomb = zlib.compress(b" " * inflated_bytes, 9)
    names = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"]
    for position in range(1, len(names), 2):
        stream = names[position].get_object()["/EF"]["/F"].get_object()
        stream._data = bomb
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def dumps(document: object) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
