"""The ledger's smart contract: Vyper source and the compiled artefact the package ships.

The runtime only reads the shipped JSON (``compiled/TrustedIssuersAnchors.json``); the Vyper
compiler is a development dependency, used by ``python -m microcred.chain.contracts._build`` to
regenerate the artefact and by the test that checks it is reproducible from the source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["CONTRACT_NAME", "ContractArtifact", "load_artifact"]

CONTRACT_NAME = "TrustedIssuersAnchors"


@dataclass(frozen=True)
class ContractArtifact:
    """The compiled contract: what deploying and calling it needs, plus its provenance."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    compiler: str
    evm_version: str
    source_sha256: str


def load_artifact() -> ContractArtifact:
    """Read the shipped, compiled contract."""
    text = resources.files(__package__).joinpath("compiled", f"{CONTRACT_NAME}.json").read_text()
    data = json.loads(text)
    return ContractArtifact(
        name=data["contractName"],
        abi=data["abi"],
        bytecode=data["bytecode"],
        compiler=data["compiler"],
        evm_version=data["evmVersion"],
        source_sha256=data["sourceSha256"],
    )
