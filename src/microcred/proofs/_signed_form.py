"""The signed form: a credential's JSON must be exactly what its contexts make of the graph
that was signed, so that anything read from a JSON path is something that was signed.

A Data Integrity proof signs the canonical RDF graph, not the JSON. Many JSON documents give
one graph: a key written as its full IRI (``https://www.w3.org/2018/credentials#
credentialStatus``) or a compact IRI, a node split over two embeddings, a reverse property,
another context list. Readers of JSON paths (the status and validity steps, the certificate
facts) would then miss a status entry or an expiry, or show a node the graph never held.
:func:`signed_form_problem` accepts a document only if

(a) its @context list is one of ``KNOWN_CONTEXT_SEQUENCES`` (so every term means one thing);
(b) nothing is dropped on the way to RDF (``expand_checked``), and the expanded form has no
    @reverse, @included, @graph or @nest: every triple sits where a JSON reader looks;
(c) a node that appears in more than one place (same @id) appears identically everywhere,
    and no node carries a blank node label (``"id": "_:b0"``: canonicalization renames it,
    so the label is not signed). A bare reference (``{"id": X}`` or the IRI string) to a
    node described elsewhere counts as different: microcred's readers read each path on its
    own and never resolve references, so that path would show less than the graph says;
(d) no property gives one value twice (the graph holds it once);
(e) every key is a plain term (no IRI, compact IRI or keyword but the top-level @context),
    and the document (without ``proof``) equals the JSON-LD compaction of its own expansion
    under its own @context: every key is the term a JSON-LD processor reads, and every value
    has the form that term gives it. Two tolerances (docs/security.md): a one-element array
    and its single value count as equal (JSON-LD reads them alike; issuers differ, and so do
    @set containers), and where a context defines two type names for one IRI (OB 3.0's
    ``AchievementCredential`` and ``OpenBadgeCredential``) a ``type`` value may be either.
    Keys get one such tolerance only, for a listed pair of synonym terms of a known context
    (``_SYNONYM_KEYS``); otherwise a key is the term compaction chooses, or it is refused.

Compaction is pyld's (correctness first; it costs about as much as one canonicalization).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from pyld import jsonld

from microcred.contexts import KNOWN_CONTEXT_SEQUENCES, offline_loader
from microcred.errors import ContextError, ProofError
from microcred.proofs._canonicalize import expand_checked

_STRUCTURAL_KEYWORDS = ("@reverse", "@included", "@graph", "@nest")
# Two terms of one known context for one IRI, where compaction picks the other one: OB 3.0's
# first context (purl.imsglobal.org/spec/ob/v3p0/context.json) maps the property
# ``achievement`` to the IRI of the class ``Achievement``. Both are plain terms of a pinned
# context, so the key a reader looks for (``achievement``) holds the signed value.
_SYNONYM_KEYS = frozenset({("achievement", "Achievement")})
_MAX_LISTED = 3


def signed_form_problem(document: Mapping[str, Any]) -> str | None:
    """Why ``document`` is not its signed graph in normal form (None when it is).

    ``proof`` is left out: the proof set is not part of the signed graph.
    """
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    try:
        text = json.dumps(unsecured, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return "the document is not JSON"
    return _problem_of(text)


@lru_cache(maxsize=64)
def _problem_of(text: str) -> str | None:
    # The verifier's steps, the facts shown by `verify` and a PDF read the same credential:
    # its JSON text is the cache key, so the compaction runs once per credential.
    try:
        check_signed_form(json.loads(text))
    except (ProofError, ContextError) as exc:
        return str(exc)
    return None


def check_signed_form(document: Mapping[str, Any]) -> None:
    """ProofError naming the first way ``document`` differs from its normal form."""
    context = _known_context(document.get("@context"))
    _refuse_keys_that_are_no_terms(document)
    expanded = expand_checked(document)
    _refuse_structural_keywords(expanded)
    _refuse_divergent_descriptions(expanded)
    _refuse_repeated_values(expanded)
    compacted = _compact(expanded, context)
    differences = list(_differences(document, compacted, "$", None))
    if differences:
        shown = "; ".join(differences[:_MAX_LISTED])
        more = len(differences) - _MAX_LISTED
        raise ProofError(
            "the JSON is not the signed graph in normal form: "
            + shown
            + (f"; and {more} more" if more > 0 else "")
        )


def _known_context(context: Any) -> list[str]:
    entries = context if isinstance(context, list) else [context]
    if context is None:
        raise ProofError("no @context: not JSON-LD, so nothing in it was signed as read")
    if not all(isinstance(entry, str) for entry in entries):
        raise ProofError("the @context list holds an inline context; only known lists are read")
    if tuple(entries) not in KNOWN_CONTEXT_SEQUENCES:
        raise ProofError(
            f"the @context list {entries} is not one of the known lists (an added, removed or "
            "reordered context can change what a key means without changing the signature)"
        )
    return list(entries)


def _refuse_keys_that_are_no_terms(document: Mapping[str, Any]) -> None:
    """Keys must be plain terms. A full or compact IRI key, or a value object, can spell a
    value the graph holds without the key a reader looks for: compaction alone does not
    catch all of them (a plain literal and an xsd:string one are one RDF literal, but not
    one JSON-LD value, so compaction may answer with a compact IRI)."""
    found = [f"{key!r} at {path}" for key, path in _no_terms(document, "$")]
    if found:
        more = len(found) - _MAX_LISTED
        raise ProofError(
            f"key {', '.join(found[:_MAX_LISTED])}{f' and {more} more' if more > 0 else ''} "
            "is not a term of the @context (an IRI, compact IRI or keyword): the JSON is not "
            "the signed graph in normal form"
        )


def _no_terms(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _no_terms(item, f"{path}[{index}]")
    elif isinstance(node, Mapping):
        for key, value in node.items():
            if key == "@context" and path == "$":
                continue
            if not _is_plain_term(key):
                yield key, path
            yield from _no_terms(value, f"{path}.{key}")


def _refuse_structural_keywords(expanded: Any) -> None:
    found = sorted(set(_structural_keywords(expanded)))
    if found:
        raise ProofError(
            f"the JSON uses {', '.join(found)}: data a reader of JSON paths would not see "
            "where the signed graph has it"
        )


def _structural_keywords(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _structural_keywords(item)
    elif isinstance(node, dict) and "@value" not in node:
        for key, value in node.items():
            if key in _STRUCTURAL_KEYWORDS:
                yield key
            yield from _structural_keywords(value)


def _refuse_divergent_descriptions(expanded: Any) -> None:
    descriptions: dict[str, str] = {}
    for node_id, description in _described_nodes(expanded):
        if node_id.startswith("_:"):
            raise ProofError(
                f"node id {node_id!r} is a blank node label: canonicalization renames it, so "
                "it is not signed (leave the id out)"
            )
        seen = descriptions.setdefault(node_id, description)
        if seen != description:
            raise ProofError(
                f"node {node_id} is described differently in two places (or described in one "
                "and only referenced in another); the signed graph holds one merged "
                "description, a reader of one place would see only part of it"
            )


def _described_nodes(node: Any) -> Iterator[tuple[str, str]]:
    """(id, serialized description) of every node object with an @id, references included."""
    if isinstance(node, list):
        for item in node:
            yield from _described_nodes(item)
    elif isinstance(node, dict) and "@value" not in node:
        node_id = node.get("@id")
        if isinstance(node_id, str):
            yield node_id, json.dumps(node, sort_keys=True, ensure_ascii=False)
        for key, value in node.items():
            if key != "@id":
                yield from _described_nodes(value)


def _refuse_repeated_values(expanded: Any) -> None:
    repeated = next(_repeated_values(expanded), None)
    if repeated is not None:
        raise ProofError(
            f"{repeated} is given twice for one property; the signed graph holds it once, "
            "so a reader counting the JSON values would count one that was not signed twice"
        )


def _repeated_values(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        seen: set[str] = set()
        for item in node:
            text = json.dumps(item, sort_keys=True, ensure_ascii=False)
            if text in seen:
                yield _short(item)
            seen.add(text)
            yield from _repeated_values(item)
    elif isinstance(node, dict) and "@value" not in node:
        for key, value in node.items():
            if key != "@list":  # a list may repeat a value: its order and length are signed
                yield from _repeated_values(value)
            else:
                for item in value:
                    yield from _repeated_values(item)


def _compact(expanded: Any, context: list[str]) -> dict[str, Any]:
    options = {"documentLoader": offline_loader(), "base": None}
    try:
        compacted: dict[str, Any] = jsonld.compact(
            copy.deepcopy(expanded), {"@context": context}, options
        )
    except jsonld.JsonLdError as exc:
        raise ProofError(f"the JSON-LD cannot be compacted: {str(exc).splitlines()[0]}") from exc
    return compacted


def _differences(document: Any, compacted: Any, path: str, key: str | None) -> Iterator[str]:
    document, compacted = _single(document), _single(compacted)
    if isinstance(document, Mapping) and isinstance(compacted, Mapping):
        yield from _object_differences(document, compacted, path)
    elif isinstance(document, list) and isinstance(compacted, list):
        if len(document) != len(compacted):
            yield f"{path} has {len(document)} values where the graph gives {len(compacted)}"
            return
        for index, (mine, theirs) in enumerate(zip(document, compacted, strict=True)):
            yield from _differences(mine, theirs, f"{path}[{index}]", key)
    elif not _same_scalar(document, compacted) and not _synonym_type(document, compacted, key):
        yield f"{path} is {_short(document)} where the graph gives {_short(compacted)}"


def _object_differences(
    document: Mapping[str, Any], compacted: Mapping[str, Any], path: str
) -> Iterator[str]:
    unmatched = [key for key in compacted if key not in document]
    for key, value in document.items():
        if key in compacted:
            yield from _differences(value, compacted[key], f"{path}.{key}", key)
        elif len(unmatched) == 1 and (key, unmatched[0]) in _SYNONYM_KEYS:
            yield from _differences(value, compacted[unmatched.pop()], f"{path}.{key}", key)
        else:
            yield (
                f"key {key!r} at {path} is not the term a JSON-LD processor reads"
                + (f" (it reads {unmatched[0]!r})" if len(unmatched) == 1 else "")
            )
    for key in unmatched:
        yield f"{path}.{key} is in the signed graph but not where the JSON has it"


def _single(value: Any) -> Any:
    # The documented normalisation: a one-element array stands for its value, as JSON-LD
    # reads it (readers take a single value or a list alike).
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _synonym_type(document: Any, compacted: Any, key: str | None) -> bool:
    # A type value expands in place, so the compacted value at the same position is the
    # same IRI; either term names it (OB 3.0: AchievementCredential / OpenBadgeCredential).
    return (
        key == "type"
        and isinstance(document, str)
        and isinstance(compacted, str)
        and _is_plain_term(document)
        and _is_plain_term(compacted)
    )


def _is_plain_term(name: str) -> bool:
    return ":" not in name and not name.startswith("@")


def _same_scalar(document: Any, compacted: Any) -> bool:
    # JSON true is not 1, and 1 is not 1.0 (different literals in RDF).
    return type(document) is type(compacted) and document == compacted


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
