"""Fast transform stage: JSON-LD → RDFC-1.0 canonical N-Quads entirely in pyoxigraph (Rust).

pyoxigraph parses JSON-LD but has no document loader, so each top-level ``@context`` URL is
replaced by the bundled context's own ``@context`` value. That equals remote loading here
because no bundled context uses ``@base``, ``@import``, relative IRIs or context URLs of its
own (tests/test_canonicalize_backends.py checks the bundle stays that way).

JSON-LD drops what the contexts cannot map, and dropped data would go unsigned, so the parse
runs with two sentinels that turn silent drops into visible IRIs:

* an inline ``{"@vocab": UNDEFINED_TERM}`` placed FIRST in the context list. Placed first,
  a later ``@vocab`` (VC examples/v2) still wins exactly as it does without the sentinel, and
  it defines no term, so ``@protected`` contexts never conflict with it. Undefined
  properties and ``type`` values then expand into the sentinel namespace;
* the base IRI ``RELATIVE_BASE``: every relative ``@id``/``type`` resolves under that scheme
  (pyoxigraph, like pyld, would otherwise drop the triple).

When no quad uses a sentinel, they changed nothing and the result is the canonical form.
Documents whose JSON-LD could make the sentinels vanish or where pyoxigraph and pyld are
known to disagree raise :class:`FastPathUnsupported`; the caller then uses pyld.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

import pyoxigraph as ox

from microcred.contexts import offline_loader
from microcred.errors import ProofError

UNDEFINED_TERM = "urn:microcred:undefined-term:"
RELATIVE_BASE = "microcred-relative://base/"
_RELATIVE_SCHEME = "microcred-relative:"
# Any IRI under a sentinel starts "<" + prefix in N-Quads (a literal may hold it too: the
# quad walk then finds nothing).
_SENTINEL_MARK = re.compile(
    f"<(?:{re.escape(UNDEFINED_TERM)}|{re.escape(_RELATIVE_SCHEME)})".encode()
)
_XSD_DOUBLE = b"<http://www.w3.org/2001/XMLSchema#double>"
_DOUBLE_LITERAL = re.compile(rb'"((?:[^"\\]|\\.)*)"\^\^' + re.escape(_XSD_DOUBLE))
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_SENTINEL_CONTEXT = json.dumps({"@vocab": UNDEFINED_TERM})
# Integers and doubles beyond these print differently in pyld (through float, '%1.15E')
# and pyoxigraph (exact digits, shortest round trip); such documents go to pyld.
_MAX_SAFE_INTEGER = 10**19
_MAX_SAFE_INTEGRAL_FLOAT = 1e15
_MIN_SAFE_DOUBLE = 1e-300

_ODD_KEY = re.compile(r"\s")
DocumentLoader = Callable[..., Any]


def _is_language_tag(value: Any) -> bool:
    return isinstance(value, str) and _LANGUAGE_TAG.match(value) is not None


class FastPathUnsupported(Exception):
    """The document needs the reference (pyld) path; the message says why, without data."""


def canonical_nquads(document: Mapping[str, Any], loader: DocumentLoader | None) -> str:
    """RDFC-1.0 canonical N-Quads of ``document``, one quad per line ending in "\\n".

    Raises ProofError on data loss (undefined terms or types, relative IRIs), ContextError
    from the loader for an unbundled context, FastPathUnsupported when pyld must decide.
    """
    contexts = _inlined_contexts(document.get("@context"), loader)
    _check_supported(document, _null_scoped_terms(contexts))
    nquads = _lenient_nquads(_json_with_contexts(document, contexts))
    quads = _strict_dataset(nquads)
    _check_doubles_as_pyld_writes_them(nquads)
    if _SENTINEL_MARK.search(nquads):
        _refuse_data_loss(quads)
    quads.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return _sorted_nquads(quads)


def _inlined_contexts(context: Any, loader: DocumentLoader | None) -> list[str]:
    """The JSON text of each top-level context, URLs replaced by the bundled definitions."""
    if context is None:
        raise FastPathUnsupported("no @context")
    entries = context if isinstance(context, list) else [context]
    texts = [_context_text(entry, loader) for entry in entries]
    return [_SENTINEL_CONTEXT, *texts]


def _context_text(entry: Any, loader: DocumentLoader | None) -> str:
    if isinstance(entry, str):
        if loader is None or loader is offline_loader():
            return _bundled_context_text(entry)
        return _loaded_context_text(loader(entry, {}).get("document"))
    if not isinstance(entry, Mapping) or _resets_context(entry):
        # null resets the sentinel too; an inline context that nulls @vocab or a scoped
        # context would make undefined terms vanish instead of showing up.
        raise FastPathUnsupported("context entry the sentinels cannot see through")
    return _dumps(entry)


@cache
def _bundled_context_text(url: str) -> str:
    return _loaded_context_text(offline_loader()(url, {}).get("document"))


def _loaded_context_text(loaded: Any) -> str:
    if not isinstance(loaded, Mapping) or "@context" not in loaded:
        raise FastPathUnsupported("loaded context document has no @context")
    if _nulls_vocab(loaded["@context"]):
        raise FastPathUnsupported("context that sets @vocab to null")
    return _dumps(loaded["@context"])


def _nulls_vocab(node: Any) -> bool:
    if isinstance(node, list):
        return any(_nulls_vocab(item) for item in node)
    if isinstance(node, Mapping):
        return any(
            (key == "@vocab" and value is None) or _nulls_vocab(value)
            for key, value in node.items()
        )
    return False


def _resets_context(node: Any) -> bool:
    """True if a context (or scoped context inside it) sets @vocab or @context to null."""
    if isinstance(node, list):
        return any(item is None or _resets_context(item) for item in node)
    if isinstance(node, Mapping):
        return any(
            (key in ("@vocab", "@context") and value is None) or _resets_context(value)
            for key, value in node.items()
        )
    return False


@lru_cache(maxsize=64)
def _null_scoped_terms_of(context_text: str) -> frozenset[str]:
    """Terms (at any depth) whose scoped context holds a null, like VC v2's
    verifiableCredential: used as a key or type, they reset the active context, sentinel
    included."""
    return frozenset(
        term
        for term, definition in _term_definitions(json.loads(context_text))
        if "@context" in definition and _resets_context([definition["@context"]])
    )


def _term_definitions(context: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for entry in context if isinstance(context, list) else [context]:
        if not isinstance(entry, Mapping):
            continue
        for term, definition in entry.items():
            if isinstance(definition, Mapping):
                yield term, definition
                yield from _term_definitions(definition.get("@context"))


def _null_scoped_terms(contexts: Iterable[str]) -> frozenset[str]:
    return frozenset().union(*(_null_scoped_terms_of(text) for text in contexts))


def _check_supported(document: Mapping[str, Any], null_scoped: frozenset[str]) -> None:
    for key, value in document.items():
        if key != "@context":
            _check_node(key, value, null_scoped)


def _check_node(key: str, value: Any, null_scoped: frozenset[str]) -> None:
    # "@context" below the top: embedded contexts may load URLs or reset the sentinel.
    # "@direction": pyoxigraph emits RDF 1.2 directional literals, pyld drops the direction.
    # null and []: an undefined term with such a value yields no quad to show the loss.
    if key in ("@context", "@direction") or key in null_scoped:
        raise FastPathUnsupported(f"document uses {key}")
    if _ODD_KEY.search(key) or (key == "@language" and not _is_language_tag(value)):
        # A language-map key or @language value pyoxigraph would trim or fold: pyld decides
        # (and refuses a tag that is not well-formed).
        raise FastPathUnsupported("key or language tag with unusual characters")
    if value is None or value == []:
        raise FastPathUnsupported("null or empty array value")
    if isinstance(value, Mapping):
        for child_key, child in value.items():
            _check_node(child_key, child, null_scoped)
    elif isinstance(value, list):
        for item in value:
            _check_node(key, item, null_scoped)
    elif isinstance(value, str):
        if value in null_scoped:  # a type with a null scoped context (or a harmless string)
            raise FastPathUnsupported(f"document uses {value}")
    elif isinstance(value, (int, float)) and not _prints_alike(value):
        raise FastPathUnsupported("number printed differently by pyld and pyoxigraph")


def _prints_alike(number: float) -> bool:
    if isinstance(number, bool):
        return True
    if isinstance(number, int):
        return abs(number) < _MAX_SAFE_INTEGER
    if not math.isfinite(number):
        return False
    if number.is_integer():
        return abs(number) < _MAX_SAFE_INTEGRAL_FLOAT
    return _MIN_SAFE_DOUBLE < abs(number) < _MAX_SAFE_INTEGRAL_FLOAT and _pyld_double(
        number
    ) == _shortest_double(number)


def _pyld_double(number: float) -> str:
    """xsd:double the way pyld (and jsonld.js) write it: 16 significant digits, trimmed."""
    mantissa, exponent = f"{number:1.15E}".split("E")
    return _scientific(mantissa, int(exponent))


def _shortest_double(number: float) -> str:
    """xsd:double from the shortest round-trip digits, as pyoxigraph writes it."""
    sign, digits, exponent = Decimal(repr(number)).normalize().as_tuple()
    text = "".join(map(str, digits))
    mantissa = f"{'-' if sign else ''}{text[0]}.{text[1:]}"
    return _scientific(mantissa, int(exponent) + len(text) - 1)  # finite: no 'n'/'F'


def _scientific(mantissa: str, exponent: int) -> str:
    whole, _, fraction = mantissa.partition(".")
    return f"{whole}.{fraction.rstrip('0') or '0'}E{exponent}"


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise FastPathUnsupported("value that is not JSON") from exc


def _json_with_contexts(document: Mapping[str, Any], contexts: list[str]) -> bytes:
    body = _dumps({k: v for k, v in document.items() if k != "@context"})
    head = '{"@context":[' + ",".join(contexts) + "]"
    return (head + ("}" if body == "{}" else "," + body[1:])).encode("utf-8")


def _lenient_nquads(data: bytes) -> bytes:
    """Every triple of the JSON-LD as N-Quads. The strict parser silently drops triples with
    an IRI or language tag it finds invalid; pyld keeps them, and so does lenient mode."""
    try:
        quads = ox.parse(data, format=ox.RdfFormat.JSON_LD, base_iri=RELATIVE_BASE, lenient=True)
        return _nquads_bytes(quads)
    except (SyntaxError, ValueError) as exc:
        # e.g. a scoped context given by URL: pyoxigraph has no loader here.
        raise FastPathUnsupported("pyoxigraph refused the JSON-LD") from exc


def _strict_dataset(nquads: bytes) -> ox.Dataset:
    """The quads re-read strictly: invalid IRIs and tags are refused (pyld decides then),
    and language tags are lowercased as pyld does."""
    try:
        return ox.Dataset(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    except (SyntaxError, ValueError) as exc:
        raise FastPathUnsupported("IRI or language tag pyoxigraph finds invalid") from exc


def _check_doubles_as_pyld_writes_them(nquads: bytes) -> None:
    """pyld rewrites a string typed xsd:double in canonical form ("1.50" -> "1.5E0"); the
    JSON-LD spec and pyoxigraph keep it. Such a document goes to pyld."""
    if _XSD_DOUBLE not in nquads:
        return
    for match in _DOUBLE_LITERAL.finditer(nquads):
        lexical = match.group(1).decode("utf-8")
        try:
            number = float(lexical)
        except ValueError:
            if "\\" in lexical:  # an escape: pyld's float() might still read the raw text
                raise FastPathUnsupported("xsd:double literal with an escape") from None
            continue  # pyld keeps what float() cannot read
        if not math.isfinite(number) or _pyld_double(number) != lexical:
            raise FastPathUnsupported("xsd:double literal pyld would rewrite")


def _refuse_data_loss(quads: ox.Dataset) -> None:
    lost = sorted({name for quad in quads for name in _sentinel_names(quad)})
    if lost:
        raise ProofError(
            f"JSON-LD data loss: the @context cannot map {', '.join(lost)} to IRIs; these "
            "values would not be signed (define the terms or add the context that does)"
        )


def _sentinel_names(quad: ox.Quad) -> list[str]:
    names = []
    for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
        iri = term.value if isinstance(term, ox.NamedNode) else ""
        if isinstance(term, ox.Literal):
            iri = term.datatype.value
        if iri.startswith(UNDEFINED_TERM):
            names.append(iri[len(UNDEFINED_TERM) :] or "'' (type)")
        elif iri.startswith(_RELATIVE_SCHEME):
            names.append(f"{_relative_reference(iri)!r} (type or id)")
    return names


def _relative_reference(iri: str) -> str:
    if iri.startswith(RELATIVE_BASE):
        return iri[len(RELATIVE_BASE) :]
    return iri[len(_RELATIVE_SCHEME) :]


def _sorted_nquads(quads: ox.Dataset) -> str:
    # Canonical N-Quads escapes "\n" inside literals, so every "\n" ends a quad.
    lines = _nquads_bytes(quads).decode("utf-8").split("\n")[:-1]
    return "".join(f"{line}\n" for line in sorted(lines))


def _nquads_bytes(quads: Iterable[ox.Quad]) -> bytes:
    # Without an output file serialize returns the bytes (typed Optional for the file case).
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
