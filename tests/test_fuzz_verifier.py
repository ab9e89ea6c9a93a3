"""Fuzzing every entry point of the verifier: no exception escapes, memory stays bounded.

Each entry point runs tests/_fuzz_verifier.py in its own process (a crash is seen as an exit
status, and the process reports its own peak memory); hypothesis is derandomized, so every
run tries the same examples. The examples are hostile structures built from a real issued
credential, the containers around it (baked PNG and SVG, PDF attachments, QR payloads), and
bombs; see that module.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
MAX_PEAK_RSS_KB = 500 * 1024
HANG_GUARD_S = 600  # not a speed assertion: a fuzz run that never ends must still end
EXAMPLES = {"json": 200, "jwt": 200, "png": 150, "svg": 150, "pdf": 150, "qr": 300}


@pytest.mark.parametrize("entry_point", list(EXAMPLES))
def test_no_input_escapes_the_verifier(tmp_path: Path, entry_point: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(TESTS / "_fuzz_verifier.py"),
            entry_point,
            str(tmp_path),
            str(EXAMPLES[entry_point]),
        ],
        env={**os.environ, "MICROCRED_HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-5000:]  # hypothesis prints the failing example
    assert f"FUZZ OK {entry_point} {EXAMPLES[entry_point]}" in done.stdout
    memory = re.search(r"PEAK_RSS_KB (\d+) VERIFY_EXTRA_KB (\d+)", done.stdout)
    assert memory is not None, done.stdout
    peak, extra = int(memory.group(1)), int(memory.group(2))
    assert 0 < extra <= peak < MAX_PEAK_RSS_KB, done.stdout
