"""SHACL validation of ELM 3 credentials against the official EDC shapes (3.2-LTS), offline.

The recipe: JSON-LD -> RDF with pyld and the bundled contexts only -> the default graph as
N-Triples -> the EDC ``generic-no-cv`` + ``generic-full`` shapes, parsed and compiled once per
process. ``EDC-generic-full.ttl`` ``owl:imports`` the no-cv shapes by URL; both files ship in
``data/elm`` and imports are never followed.

Engine: pyshacl-turbo (a Rust SHACL engine with pySHACL's API). On the test corpus it gives the
same results as pyshacl (tests/test_shacl.py checks this) at ~8 ms instead of ~150 ms a
credential. It refuses two typos in the official shapes that pyshacl (and Jena) silently ignore,
``a sh:propertyShape`` and ``sh:nodekind``; we drop those triples in memory, which leaves every
constraint the other engines apply unchanged (the files on disk are byte-identical to upstream).

Proofs: a Data Integrity ``proof`` is an ``@graph`` container, so in RDF the credential's
``sec:proof`` points at the *name* of the proof's own graph. ELM 3.2 requires that object to be an
``elm:Proof``, a class with no constraints of its own (``edc:ProofShape`` is empty), and the
contexts never say that a W3C proof is one. We state it: each graph name a ``sec:proof`` points
at is typed ``elm:Proof``. The proof's content is the proof verifier's business, not the shapes'.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pyshacl_turbo
import rdflib
from pyld import jsonld
from rdflib.namespace import DCTERMS, RDF, SH

from microcred.contexts import offline_loader
from microcred.errors import ContextError, FormatError

__all__ = ["ShaclReport", "validate_elm"]

_SHAPE_FILES = ("EDC-generic-no-cv.ttl", "EDC-generic-full.ttl")
_SEC_PROOF = "https://w3id.org/security#proof"
_ELM_PROOF = "http://data.europa.eu/snb/model/elm/Proof"
#: Misspelt SHACL terms in the official shapes; no SHACL engine gives them a meaning.
_SHAPE_TYPOS = (
    (None, RDF.type, rdflib.URIRef(f"{SH}propertyShape")),
    (None, rdflib.URIRef(f"{SH}nodekind"), None),
)


@dataclass(frozen=True)
class ShaclReport:
    """The outcome of validating one credential; ``problems`` are readable, one per violation."""

    conforms: bool
    problems: tuple[str, ...] = ()


def validate_elm(document: Mapping[str, Any], *, include_proof: bool = True) -> ShaclReport:
    """Validate an ELM credential against the EDC generic-full shapes.

    ``include_proof=False`` validates the document as if unsigned (the issuer checks before
    signing). Raises ContextError when the document cites a context that is not bundled, and
    FormatError when the validation itself cannot run; every defect of the document is a problem.
    """
    payload = dict(document)
    if not include_proof:
        payload.pop("proof", None)
    dropped: list[str] = []
    try:
        data = _default_graph_ntriples(payload, dropped)
    except jsonld.JsonLdError as exc:
        _reraise_context_error(exc)
        return ShaclReport(False, (f"not valid JSON-LD for the ELM contexts: {exc}",))
    shapes = _compiled_shapes()
    try:
        conforms, report, _text = shapes.validate(  # type: ignore[no-untyped-call]
            data, data_graph_format="nt"
        )
    except (pyshacl_turbo.ReportableRuntimeError, pyshacl_turbo.ValidationFailure) as exc:
        raise FormatError(f"SHACL validation could not run: {exc}") from exc
    except ValueError as exc:
        # The engine's N-Triples parser refuses what pyld let through: a malformed language
        # tag in a language map, an IRI with spaces. The document's data is not valid RDF.
        return ShaclReport(False, (f"not valid RDF: {exc}",))
    problems = sorted(_problems(report, shapes.graph)) + [_dropped(key) for key in dropped]
    return ShaclReport(bool(conforms) and not dropped, tuple(problems))


# --- JSON-LD -> RDF ----------------------------------------------------------------------


def _default_graph_ntriples(document: Mapping[str, Any], dropped: list[str]) -> str:
    """The default graph as N-Triples; keys the contexts do not define are added to ``dropped``.

    A dropped key is data no RDF consumer (and no Data Integrity signature) ever sees, so it is
    reported rather than silently ignored.
    """
    processor = jsonld.JsonLdProcessor(on_property_dropped=lambda key: dropped.append(str(key)))
    options = {"documentLoader": offline_loader()}
    dataset: dict[str, list[dict[str, Any]]] = processor.to_rdf(dict(document), options)
    default = dataset.get("@default", [])
    lines = [jsonld.JsonLdProcessor.to_nquad(triple, None) for triple in default]
    lines += [_typed_as_elm_proof(name) for name in _proof_graph_names(default, dataset)]
    return "".join(lines)


def _proof_graph_names(
    default: list[dict[str, Any]], dataset: Mapping[str, object]
) -> Iterator[str]:
    for triple in default:
        target = triple["object"]
        if triple["predicate"]["value"] == _SEC_PROOF and target["value"] in dataset:
            yield target["value"]


def _typed_as_elm_proof(graph_name: str) -> str:
    triple = {
        "subject": {"type": "blank node", "value": graph_name},
        "predicate": {"type": "IRI", "value": str(RDF.type)},
        "object": {"type": "IRI", "value": _ELM_PROOF},
    }
    nquad: str = jsonld.JsonLdProcessor.to_nquad(triple, None)
    return nquad


def _reraise_context_error(exc: BaseException) -> None:
    """pyld wraps loader errors; an unbundled context is "could not check", not "invalid"."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ContextError):
            raise ContextError(str(seen)) from exc
        cause = getattr(seen, "cause", None)
        seen = cause if isinstance(cause, BaseException) else seen.__cause__


def _dropped(key: str) -> str:
    return f"'{key}': not defined by the document's JSON-LD contexts, so it is not part of the data"


# --- shapes --------------------------------------------------------------------------------


@cache
def _compiled_shapes() -> pyshacl_turbo.CompiledShapes:
    graph = rdflib.Graph()
    folder = resources.files("microcred.validation").joinpath("data", "elm")
    for name in _SHAPE_FILES:
        graph.parse(data=folder.joinpath(name).read_text("utf-8"), format="turtle")
    for pattern in _SHAPE_TYPOS:
        graph.remove(pattern)
    # rdflib binds "dc" to DC elements 1.1 by default; the shapes mean DC terms, so say "dc:".
    graph.bind("dc", DCTERMS, override=True, replace=True)
    compiled: pyshacl_turbo.CompiledShapes = pyshacl_turbo.compile_shapes(graph)  # type: ignore[no-untyped-call]
    return compiled


# --- report -> readable problems -----------------------------------------------------------


def _problems(report: rdflib.Graph, shapes: rdflib.Graph) -> Iterator[str]:
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if (None, SH.detail, result) not in report:  # nested results are told by their parent
            yield _describe(result, report, shapes)


def _describe(result: rdflib.term.Node, report: rdflib.Graph, shapes: rdflib.Graph) -> str:
    focus = _term(report.value(result, SH.focusNode), shapes)
    path = _term(report.value(result, SH.resultPath), shapes)
    source = report.value(result, SH.sourceShape)
    name = shapes.value(source, SH.name) if source is not None else None
    message = str(report.value(result, SH.resultMessage) or "constraint violated")
    text = f"{focus}: {path}" + (f" ({name})" if name else "") + f": {message}"
    if source is not None:
        component = report.value(result, SH.sourceConstraintComponent)
        text += _expectation(component, source, shapes, message)
    value = report.value(result, SH.value)
    if value is not None and str(value) not in message:
        text += f" [value: {_term(value, shapes)}]"
    details = [_describe(d, report, shapes) for d in report.objects(result, SH.detail)]
    return text + "".join(f" <- {detail}" for detail in sorted(details))


#: Constraint component -> (parameter, wording) to say what the violated shape asks for.
_EXPECTED = {
    SH.HasValueConstraintComponent: (SH.hasValue, "must be"),
    SH.DatatypeConstraintComponent: (SH.datatype, "datatype must be"),
    SH.ClassConstraintComponent: (SH["class"], "must be a"),
}


def _expectation(
    component: rdflib.term.Node | None, source: rdflib.term.Node, shapes: rdflib.Graph, message: str
) -> str:
    """The expected value when the engine's message does not already say it."""
    if not isinstance(component, rdflib.URIRef) or component not in _EXPECTED:
        return ""
    parameter, wording = _EXPECTED[component]
    expected = shapes.value(source, parameter)
    if expected is None or _term(expected, shapes) in message:
        return ""
    return f" ({wording} {_term(expected, shapes)})"


def _term(node: rdflib.term.Node | None, shapes: rdflib.Graph) -> str:
    if node is None:
        return "(node)"
    if isinstance(node, rdflib.URIRef):
        compact = shapes.namespace_manager.normalizeUri(node)
        return compact if not compact.startswith("<") else str(node)
    if isinstance(node, rdflib.Literal):
        return f'"{node}"' + (f"^^{_term(node.datatype, shapes)}" if node.datatype else "")
    return "(blank node)"
