"""QR payload sizes for the example course: how far they vary, and which QR version they need.

Run:  .venv/bin/python bench/bench_qr_payload.py [--cohorts 3]
Issues the example cohort (30 learners, anchored) with a fresh issuer ``--cohorts`` times, so
keys, contract addresses, ids, hashes and status indices all differ, then prints the payload
length (characters) and QR version of every ELM and OB3 credential, with the title in one and
in two languages. Figures go to docs/benchmarks.md and docs/qr-and-pdf.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import zlib
from datetime import UTC, datetime
from pathlib import Path

import base45  # type: ignore[import-untyped]
import cbor2
from click.testing import CliRunner

from microcred.cli import main as microcred
from microcred.issuer import Issuer, load_issuer
from microcred.qr import PAYLOAD_PREFIX, TARGET_PAYLOAD_CHARS, qr_code
from microcred.qr._claims import claims_map
from microcred.qr._cose import sign1

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
PASSPHRASE = "bench passphrase"


def _issue_cohort(work: Path) -> tuple[Issuer, Path]:
    env = {"MICROCRED_HOME": str(work / "home"), "MICROCRED_KEY_PASSPHRASE": PASSPHRASE}
    steps = [
        ["init", "--name", "Example State University", "--name",
         "ka=სანიმუშო სახელმწიფო უნივერსიტეტი", "--country", "GE", "--legal-id", "204000000",
         "--homepage", "https://www.example.edu.ge"],  # as scripts/demo does
        ["chain", "deploy"],
        ["registry", "add-authority"],
        ["registry", "accredit", "--eqf", "7"],
        ["issue", "--spec", str(EXAMPLE / "microcredential.yaml"),
         "--learners", str(EXAMPLE / "learners.csv"), "--out", str(work / "out")],
    ]  # fmt: skip
    for step in steps:
        result = CliRunner().invoke(microcred, step, env=env)
        if result.exit_code != 0:
            raise SystemExit(f"{' '.join(step)} failed:\n{result.output}")
    return load_issuer(work / "home", PASSPHRASE), work / "out"


def _payload_length(document: dict[str, object], issuer: Issuer, languages: int) -> int:
    # make_qr_payload's encoding, with the number of title languages fixed.
    claims = cbor2.dumps(claims_map(document, title_languages=languages))
    message = sign1(claims, issuer.key, issuer.profile.verification_method)
    return len(PAYLOAD_PREFIX + base45.b45encode(zlib.compress(message, 9)).decode("ascii"))


def _row(label: str, lengths: list[int]) -> str:
    versions = sorted({qr_code("A" * n).version for n in (min(lengths), max(lengths))})
    return (
        f"  {label:<22} n={len(lengths):3}  min {min(lengths):5}  mean "
        f"{statistics.mean(lengths):7.1f}  max {max(lengths):5}  "
        f"versions {'-'.join(map(str, versions))}  over {TARGET_PAYLOAD_CHARS}: "
        f"{sum(n > TARGET_PAYLOAD_CHARS for n in lengths)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cohorts", type=int, default=3)
    args = parser.parse_args()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    lengths: dict[str, list[int]] = {}
    for _ in range(args.cohorts):
        with tempfile.TemporaryDirectory() as work:
            issuer, out = _issue_cohort(Path(work))
            for fmt, pattern in (("elm", "elm/*.jsonld"), ("ob3", "ob3/*.json")):
                for path in sorted(out.glob(pattern)):
                    document = json.loads(path.read_text("utf-8"))
                    for languages in (1, 2):
                        length = _payload_length(document, issuer, languages)
                        lengths.setdefault(f"{fmt}, {languages} title language(s)", []).append(
                            length
                        )
    for label, values in lengths.items():
        print(_row(label, values))


if __name__ == "__main__":
    main()
