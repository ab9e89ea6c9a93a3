"""Compile the Vyper source into the JSON artefact the package ships (development only).

Run ``python -m microcred.chain.contracts._build`` after editing the ``.vy`` file; the test
``tests/test_contract_build.py`` recompiles with the pinned compiler and compares.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

from microcred.chain.contracts import CONTRACT_NAME

__all__ = ["EVM_VERSION", "PINNED_VYPER", "artifact_path", "compile_artifact", "main"]

# The compiler the shipped artefact was built with; the dev extras pin the same version.
PINNED_VYPER = "0.4.3"
# Cancun, not the compiler's default (Prague), so Besu/Hardhat nodes of 2024-25 can run it.
EVM_VERSION = "cancun"


def _source_path() -> Path:
    return Path(str(resources.files(__package__).joinpath(f"{CONTRACT_NAME}.vy")))


def artifact_path() -> Path:
    return _source_path().parent / "compiled" / f"{CONTRACT_NAME}.json"


def compile_artifact() -> dict[str, Any]:
    """Compile the source with the installed Vyper, which must be the pinned version."""
    import vyper
    from vyper.compiler.settings import OptimizationLevel, Settings

    if vyper.__version__ != PINNED_VYPER:
        raise RuntimeError(f"vyper {PINNED_VYPER} is pinned, but {vyper.__version__} is installed")
    source = _source_path().read_text()
    settings = Settings(evm_version=EVM_VERSION, optimize=OptimizationLevel.GAS)
    # A fixed contract path keeps the output independent of where the package is installed.
    output = vyper.compile_code(
        source,
        contract_path=f"{CONTRACT_NAME}.vy",
        output_formats=["abi", "bytecode"],
        settings=settings,
    )
    return {
        "contractName": CONTRACT_NAME,
        "compiler": f"vyper-{vyper.__version__}",
        "evmVersion": EVM_VERSION,
        "optimize": "gas",
        "sourceSha256": hashlib.sha256(source.encode()).hexdigest(),
        "abi": output["abi"],
        "bytecode": output["bytecode"],
    }


def main() -> None:
    artifact = compile_artifact()
    artifact_path().write_text(json.dumps(artifact, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
