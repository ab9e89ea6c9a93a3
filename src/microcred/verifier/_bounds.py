"""Bounds on a credential's structure, checked before any step does JSON-LD or key work.

Each bound stops an input that is small on disk but costly to process: 100,000 repeated
contexts (each a copy of the active context in the JSON-LD processor: gigabytes), 10,000
copies of one proof (each canonicalized and checked), a verification method of megabytes
(base58 decoding is quadratic), 100,000 small objects (canonicalization and validation take
about a millisecond each). Real credentials are far inside every bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microcred._bounded_json import MAX_JSON_DEPTH

MAX_JSON_VALUES = 20_000  # objects, arrays and scalars (an ELM credential has about 1,000)
MAX_CONTEXTS = 16  # entries of one @context (microcred writes 2 or 3)
MAX_CONTEXT_ENTRIES = 64  # @context entries in the whole document, nested ones included
MAX_PROOFS = 16  # proofs in the whole document (a proof set and the anchor proofs)
MAX_ID_CHARS = 2048  # a DID, a verification method id, a JWT kid
MAX_JWT_CHARS = 1_000_000
MAX_JWT_HEADER_CHARS = 8192  # a header with an RSA-4096 jwk is under 2,000


def document_bounds_problem(document: Mapping[str, Any]) -> str | None:
    """Why ``document`` is refused before verification, or None if it is within bounds.

    Iterative, so a document built in Python (not read from JSON) cannot exhaust the stack.
    """
    counts = {"@context": 0, "proof": 0}
    pending: list[tuple[object, int]] = [(document, 1)]
    values = 0
    while pending:
        node, depth = pending.pop()
        values += 1
        if values > MAX_JSON_VALUES:
            return f"more than {MAX_JSON_VALUES} JSON values (objects, arrays, strings, numbers)"
        if depth > MAX_JSON_DEPTH:
            return f"nested more than {MAX_JSON_DEPTH} levels deep"
        if isinstance(node, Mapping):
            problem = _node_problem(node, counts)
            if problem:
                return problem
            pending.extend((value, depth + 1) for value in node.values())
        elif isinstance(node, list | tuple):
            pending.extend((value, depth + 1) for value in node)
    return _issuer_problem(document)


def _node_problem(node: Mapping[str, Any], counts: dict[str, int]) -> str | None:
    if "@context" in node:
        contexts = _entries(node["@context"])
        counts["@context"] += len(contexts)
        if len(contexts) > MAX_CONTEXTS:
            return f"an @context of {len(contexts)} entries (at most {MAX_CONTEXTS})"
        if counts["@context"] > MAX_CONTEXT_ENTRIES:
            return f"more than {MAX_CONTEXT_ENTRIES} @context entries in the document"
        urls = [entry for entry in contexts if isinstance(entry, str)]
        if len(set(urls)) != len(urls):
            return "an @context lists the same context more than once"
    if "proof" in node:
        counts["proof"] += len(_entries(node["proof"]))
        if counts["proof"] > MAX_PROOFS:
            return f"more than {MAX_PROOFS} proofs in the document"
    method = node.get("verificationMethod")
    if isinstance(method, str) and len(method) > MAX_ID_CHARS:
        return f"a verificationMethod of {len(method)} characters (at most {MAX_ID_CHARS})"
    return None


def _issuer_problem(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    if isinstance(issuer, str) and len(issuer) > MAX_ID_CHARS:
        return f"an issuer id of {len(issuer)} characters (at most {MAX_ID_CHARS})"
    return None


def _entries(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]
