"""Transform stage shared by every rdfc cryptosuite: JSON-LD → RDFC-1.0 canonical N-Quads.

The default path runs entirely in pyoxigraph (see _jsonld_fast: bundled contexts inlined,
sentinels that expose data loss); it is 2–5x faster than pyld (docs/benchmarks.md).
pyld stays the reference path, used for whatever the fast path declines (embedded contexts,
@direction, null values, numbers the two print differently, IRIs pyoxigraph refuses):
correctness first. On that path pyld expands the document and builds the RDF dataset;
pyld's URDNA2015 canonicalizes it, except that pyld writes control characters in literals
raw whereas RDFC-1.0 requires ``\\b``, ``\\f`` and ``\\u00XX``, so such a dataset goes to
pyoxigraph's RDFC-1.0 as terms (and back to pyld's output should pyoxigraph refuse a term);
so does a dataset with a quad that names one blank node twice, which pyld's URDNA2015 hashes
against the spec.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

import pyoxigraph as ox
from pyld import jsonld
from pyld.canon import URDNA2015

from microcred.contexts import offline_loader
from microcred.errors import ContextError, ProofError
from microcred.proofs._jsonld_fast import FastPathUnsupported, canonical_nquads

Backend = Literal["auto", "oxigraph", "pyld"]
DocumentLoader = Callable[..., Any]
_RdfDataset = dict[str, list[dict[str, Any]]]
_log = logging.getLogger(__name__)
# Characters pyld's N-Quads serializer leaves raw but RDFC-1.0 escapes (\b, \f, \u00XX).
_NEEDS_RDFC_ESCAPE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_KEYWORD_LIKE = re.compile(r"^@[a-zA-Z]+$")
_JSONLD_KEYWORDS = frozenset(
    {
        "@base", "@container", "@context", "@direction", "@graph", "@id", "@import",
        "@included", "@index", "@json", "@language", "@list", "@nest", "@none", "@prefix",
        "@propagate", "@protected", "@reverse", "@set", "@type", "@value", "@version", "@vocab",
    }
)  # fmt: skip


def canonicalize(document: Mapping[str, Any], *, loader: DocumentLoader | None = None) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (a "\\n" after every quad).

    Raises ContextError if a context is not bundled (or not allowed by ``loader``), and
    ProofError if the document is not valid JSON-LD or if expansion would drop data
    (terms the contexts do not define), since dropped data would go unsigned.
    """
    return canonicalize_with(document, loader=loader, backend="auto")


def canonicalize_with(
    document: Mapping[str, Any], *, loader: DocumentLoader | None, backend: Backend
) -> str:
    """:func:`canonicalize` with an explicit backend (tests and the benchmark compare them).

    "oxigraph" is the fast path alone (FastPathUnsupported if it declines the document),
    "pyld" the reference path alone, "auto" the fast path with pyld as its fallback.
    """
    refuse_dropped_keys(document)
    if backend == "pyld":
        return _canonicalize_reference(document, loader)
    try:
        return canonical_nquads(document, loader)
    except FastPathUnsupported as unsupported:
        if backend == "oxigraph":
            raise
        # The reason names a JSON-LD feature, never document data.
        _log.debug("canonicalize: pyld path (%s)", unsupported)
    return _canonicalize_reference(document, loader)


def _canonicalize_reference(document: Mapping[str, Any], loader: DocumentLoader | None) -> str:
    dataset = to_rdf_dataset(document, loader=loader)
    if _has_unescaped_literals(dataset) or _has_repeated_blank_node(dataset):
        try:
            return _canonicalize_oxigraph(dataset)
        except ValueError:
            pass  # a term pyoxigraph refuses; correctness first, so use pyld for this document
    return _canonicalize_pyld(dataset)


def to_rdf_dataset(
    document: Mapping[str, Any], *, loader: DocumentLoader | None = None
) -> _RdfDataset:
    """pyld's RDF dataset for ``document``, refusing any data loss during expansion."""
    processor = jsonld.JsonLdProcessor()
    options = _options(loader)
    expanded = expand_checked(document, loader=loader)
    try:
        dataset: _RdfDataset = processor.to_rdf(expanded, options)
    except jsonld.JsonLdError as exc:
        raise _translate(exc) from exc
    return dataset


def expand_checked(document: Mapping[str, Any], *, loader: DocumentLoader | None = None) -> Any:
    """pyld's expanded form of ``document``; ProofError if expansion or toRdf would drop data.

    Dropped data would go unsigned while a reader of the JSON still sees it: undefined terms,
    keyword-like keys (``"@grade"``), ``@included`` nodes, and IRIs toRdf skips (relative,
    or with a space: pyld's absolute-IRI test).
    """
    refuse_dropped_keys(document)
    dropped: list[str] = []
    processor = jsonld.JsonLdProcessor(on_property_dropped=lambda iri: _note_drop(dropped, iri))
    try:
        expanded = processor.expand(copy.deepcopy(dict(document)), _options(loader))
    except jsonld.JsonLdError as exc:
        raise _translate(exc) from exc
    dropped.extend(_unusable_iris(expanded))
    if dropped:
        names = ", ".join(sorted(set(dropped)))
        raise ProofError(
            f"JSON-LD data loss: the @context cannot map {names} to IRIs; these values would not "
            "be signed (define the terms or add the context that does)"
        )
    tags = sorted(set(_ill_formed_languages(expanded)))
    if tags:
        raise ProofError(
            f"JSON-LD data loss: language tag(s) {', '.join(map(repr, tags))} are not "
            "well-formed (BCP 47); processors read them differently, so the text is not "
            "signed as written"
        )
    return expanded


def _options(loader: DocumentLoader | None) -> dict[str, Any]:
    # base None keeps relative IRIs relative; pyld 3 would resolve "" against example.org.
    return {"documentLoader": loader or offline_loader(), "base": None}


def refuse_dropped_keys(document: Mapping[str, Any]) -> None:
    """ProofError for keys JSON-LD ignores without a word, on every backend: keyword-like
    keys that are no keyword (``"@grade"``) and ``@included`` (nodes no reader looks at)."""
    found = sorted(set(_dropped_keys(document)))
    if found:
        raise ProofError(
            f"JSON-LD data loss: {', '.join(found)} would not be signed as written (a key "
            "that looks like a JSON-LD keyword but is none, or @included); remove or rename it"
        )


def _dropped_keys(node: Any, path: str = "$") -> Iterator[str]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _dropped_keys(item, f"{path}[{index}]")
    elif isinstance(node, Mapping):
        for key, value in node.items():
            if key == "@context":
                continue  # contexts are checked where they are loaded
            if key == "@included" or (
                _KEYWORD_LIKE.match(key) is not None and key not in _JSONLD_KEYWORDS
            ):
                yield f"{key!r} at {path}"
            yield from _dropped_keys(value, f"{path}.{key}")


def _has_unescaped_literals(dataset: _RdfDataset) -> bool:
    return any(
        _NEEDS_RDFC_ESCAPE.search(triple["object"]["value"])
        for triples in dataset.values()
        for triple in triples
        if triple["object"]["type"] == "literal"
    )


def _has_repeated_blank_node(dataset: _RdfDataset) -> bool:
    """A quad naming one blank node twice (``_:b <p> _:b``): pyld's URDNA2015 counts that
    quad twice in the node's first-degree hash, against RDFC-1.0; pyoxigraph follows it."""
    for graph_name, triples in dataset.items():
        for triple in triples:
            labels = [
                term["value"]
                for term in (triple["subject"], triple["object"])
                if term["type"] == "blank node"
            ]
            if graph_name.startswith("_:"):
                labels.append(graph_name)
            if len(labels) != len(set(labels)):
                return True
    return False


def _note_drop(dropped: list[str], iri: str | None) -> None:
    # None means the term is explicitly mapped to null: an intended drop, not data loss.
    if iri is not None:
        dropped.append(iri)


def _unusable_iris(node: Any) -> list[str]:
    """Node @ids, @type values and property IRIs of the expanded form that toRdf would skip,
    with the triples that use them: relative IRIs, or IRIs pyld does not take as absolute
    (a space in them, a scheme that is not one)."""
    found: list[str] = []
    if isinstance(node, list):
        for item in node:
            found.extend(_unusable_iris(item))
    elif isinstance(node, dict) and "@value" not in node:
        types = node.get("@type", [])
        ids = [node["@id"]] if isinstance(node.get("@id"), str) else []
        properties = [key for key in node if not key.startswith("@")]
        found.extend(
            f"{iri!r} (type or id)" for iri in [*types, *ids] if not _is_absolute_or_blank(iri)
        )
        found.extend(f"{iri!r} (property)" for iri in properties if not _is_absolute_iri(iri))
        for key, value in node.items():
            if key not in ("@type", "@id"):
                found.extend(_unusable_iris(value))
    return found


def _ill_formed_languages(node: Any) -> Iterator[str]:
    """Language tags that are not BCP 47 shaped: backends disagree on them (pyoxigraph trims
    "en " to "en"), so a reader of the JSON key would not read what was signed."""
    if isinstance(node, list):
        for item in node:
            yield from _ill_formed_languages(item)
    elif isinstance(node, dict):
        language = node.get("@language")
        if isinstance(language, str) and not LANGUAGE_TAG.match(language):
            yield language
        for value in node.values():
            yield from _ill_formed_languages(value)


def _is_absolute_or_blank(iri: str) -> bool:
    return iri.startswith("_:") or _is_absolute_iri(iri)


def _is_absolute_iri(iri: str) -> bool:
    # pyld's own test in toRdf: anything else is skipped there, with its triples.
    return _ABSOLUTE_IRI.match(iri) is not None


def _translate(exc: jsonld.JsonLdError) -> ContextError | ProofError:
    """A ContextError raised by our loader, found in pyld's cause chain, or a ProofError."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ContextError):
            return ContextError(str(cause))
        cause = cause.__cause__ or cause.__context__
    return ProofError(f"invalid JSON-LD: {_first_line(exc)}")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _canonicalize_pyld(dataset: _RdfDataset) -> str:
    result: str = URDNA2015().main(
        dataset, {"algorithm": "URDNA2015", "format": "application/n-quads"}
    )
    return result


def _canonicalize_oxigraph(dataset: _RdfDataset) -> str:
    quads = ox.Dataset()
    for graph_name, triples in dataset.items():
        graph = ox.DefaultGraph() if graph_name == "@default" else _graph_term(graph_name)
        for triple in triples:
            quads.add(
                ox.Quad(
                    _resource(triple["subject"]),
                    ox.NamedNode(triple["predicate"]["value"]),
                    _term(triple["object"]),
                    graph,
                )
            )
    quads.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return "".join(sorted(f"{quad} .\n" for quad in quads))


def _graph_term(name: str) -> ox.NamedNode | ox.BlankNode:
    return ox.BlankNode(name[2:]) if name.startswith("_:") else ox.NamedNode(name)


def _resource(term: Mapping[str, str]) -> ox.NamedNode | ox.BlankNode:
    value = term["value"]
    return ox.BlankNode(value[2:]) if term["type"] == "blank node" else ox.NamedNode(value)


def _term(term: Mapping[str, str]) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if term["type"] != "literal":
        return _resource(term)
    value = term["value"]
    if "language" in term:
        return ox.Literal(value, language=term["language"])
    return ox.Literal(value, datatype=ox.NamedNode(term["datatype"]))
