"""The shipped contract artefact is what the pinned Vyper makes of the shipped source."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import pytest
import vyper

from microcred.chain.contracts import CONTRACT_NAME, load_artifact
from microcred.chain.contracts._build import PINNED_VYPER, artifact_path, compile_artifact


def test_the_pinned_compiler_is_installed() -> None:
    assert vyper.__version__ == PINNED_VYPER


@pytest.fixture(scope="module")
def recompiled() -> dict[str, object]:
    return compile_artifact()


def test_recompiling_reproduces_the_shipped_bytecode_and_abi(recompiled: dict[str, object]) -> None:
    shipped = json.loads(artifact_path().read_text())
    assert recompiled["bytecode"] == shipped["bytecode"]
    assert recompiled["abi"] == shipped["abi"]
    assert recompiled == shipped


def test_the_artefact_records_its_source_and_compiler() -> None:
    artifact = load_artifact()
    source = resources.files("microcred.chain.contracts").joinpath(f"{CONTRACT_NAME}.vy")
    assert artifact.source_sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert artifact.compiler == f"vyper-{PINNED_VYPER}"
    assert artifact.evm_version == "cancun"
    assert artifact.bytecode.startswith("0x")


def test_the_abi_offers_the_registry_and_anchor_interface() -> None:
    names = {entry["name"] for entry in load_artifact().abi if "name" in entry}
    expected = {
        "addAuthority",
        "removeAuthority",
        "accredit",
        "renew",
        "suspend",
        "reinstate",
        "revoke",
        "isAccreditedAt",
        "anchor",
        "anchorOf",
        "Accredited",
        "AccreditationChanged",
        "AuthorityChanged",
        "Anchored",
    }
    assert expected <= names
