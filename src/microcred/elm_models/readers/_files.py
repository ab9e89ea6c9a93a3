"""Reading input files safely: size-bounded, UTF-8 (BOM tolerated), duplicate keys rejected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import yaml

from microcred.errors import FieldProblem, RecordError

#: The ``field`` of problems about the file as a whole (unreadable, not YAML, no header).
FILE_FIELD: Final = "(file)"
DOCUMENT_SUFFIXES: Final = (".yaml", ".yml", ".json")


def file_error(path: Path, message: str) -> RecordError:
    return RecordError([FieldProblem(str(path), FILE_FIELD, message)])


def read_text(path: Path, limit: int) -> str:
    try:
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
    except OSError as exc:
        raise file_error(path, f"cannot read the file: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise file_error(path, f"the file is larger than the limit of {limit >> 20} MiB")
    try:
        return data.decode("utf-8-sig")  # a byte-order mark, as Excel writes, is tolerated
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise file_error(path, f"not UTF-8 text (line {line}); save it as UTF-8") from exc


class _DuplicateKey(ValueError):
    pass


class _StrictSafeLoader(yaml.SafeLoader):
    """``yaml.safe_load``, except that a key given twice is an error, not "last one wins"."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(
                key_node, yaml.ScalarNode
            ):
                continue
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key_node.value!r} is given twice", key_node.start_mark
                )
            seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


def _unique_json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKey(f"key {key!r} is given twice")
        document[key] = value
    return document


def load_document(path: Path, limit: int) -> object:
    """The YAML or JSON document in ``path``, chosen by its extension; never empty."""
    suffix = path.suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        raise file_error(path, f"expected a .yaml, .yml or .json file, got {suffix or 'none'!r}")
    text = read_text(path, limit)
    try:
        if suffix == ".json":
            document = json.loads(text, object_pairs_hook=_unique_json_object)
        else:
            document = yaml.load(text, Loader=_StrictSafeLoader)
    except (json.JSONDecodeError, _DuplicateKey) as exc:
        raise file_error(path, f"not valid JSON: {exc}") from exc
    except yaml.YAMLError as exc:
        raise file_error(path, f"not valid YAML: {exc}") from exc
    if document is None:
        raise file_error(path, "the file is empty")
    return document
