"""JSON from untrusted bytes, parsed only once it is known to be cheap and safe to parse.

``json.loads`` recurses once per nesting level in C: a few hundred thousand brackets
overflow the C stack when a library has raised Python's recursion limit (py-evm and py_ecc
do, at import time), and kill the process. It also raises ValueError for integers of more
than 4,300 digits, accepts ``NaN``/``Infinity`` (not JSON) and lone surrogates (``"\\ud800"``,
which no UTF-8 encoder accepts later). Here the nesting depth is measured first with a
cheap scan, and every one of those is refused as a ``ValueError`` naming what is wrong.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["MAX_INT_DIGITS", "MAX_JSON_DEPTH", "json_depth", "load_bounded_json"]

MAX_JSON_DEPTH = 64  # an ELM credential nests 14 levels deep, an OB3 one 6
MAX_INT_DIGITS = 64  # JSON-LD numbers in credentials are small; big ones are attacks

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth(text: str, *, limit: int) -> int | None:
    """The deepest bracket nesting of JSON ``text``, or None if it is over ``limit``.

    Strings are removed first (brackets inside them do not nest); then each round removes
    the innermost ``[]``/``{}`` pairs, at C speed, so the cost is ``limit`` passes at most.
    Unbalanced brackets also give None: such text is not JSON, and its depth is unknown.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for depth in range(limit + 1):
        if not brackets:
            return depth
        inner = brackets.replace("[]", "").replace("{}", "")
        if inner == brackets:
            return None
        brackets = inner
    return None


def load_bounded_json(
    text: str, *, max_depth: int = MAX_JSON_DEPTH, max_int_digits: int = MAX_INT_DIGITS
) -> Any:
    """``json.loads(text)`` for untrusted text; ValueError (with a reason) if refused."""
    if json_depth(text, limit=max_depth) is None:
        raise ValueError(f"nested more than {max_depth} levels deep, or brackets unbalanced")
    try:
        value = json.loads(
            text,
            parse_int=lambda digits: _bounded_int(digits, max_int_digits),
            parse_float=_finite_float,
            parse_constant=_refused_constant,
        )
    except json.JSONDecodeError as exc:
        raise ValueError(f"{exc.msg} at line {exc.lineno}") from exc
    _refuse_lone_surrogates(value, text)
    return value


def _bounded_int(digits: str, max_digits: int) -> int:
    if len(digits.lstrip("-")) > max_digits:
        raise ValueError(f"a number with {len(digits)} digits (at most {max_digits} are read)")
    return int(digits)


def _finite_float(digits: str) -> float:
    value = float(digits)
    if not math.isfinite(value):
        raise ValueError(f"the number {digits[:20]}… is too large for a double")
    return value


def _refused_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _refuse_lone_surrogates(value: Any, text: str) -> None:
    # Only a \uD800-\uDFFF escape can make one (the text itself is valid UTF-8 when decoded).
    if "\\u" not in text:
        return
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("a string holds a lone surrogate (\\ud800-\\udfff), not Unicode") from exc
