"""Bytes to plain data, refusing everything YAML and JSON would otherwise let through.

JSON keeps the last of duplicate keys and accepts NaN; YAML 1.1 turns `yes` into True,
`1_000` into 1000, expands aliases without bound and builds dates behind our back. A record
is small and written by people, so the loaders here accept plain mappings, lists, strings,
decimal integers, true/false and null, and refuse the rest with a reason.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import yaml

from itbcheck.exceptions import InvalidRecordError, Problem

MAX_INPUT_BYTES = 256 * 1024
MAX_DEPTH = 20
# A record holds a few dozen values (a few hundred with 48 flex steps and 48 boluses). Without a
# cap, 18,000 keys in 230 KB of YAML take PyYAML seconds to read, and each is one problem line.
MAX_VALUES = 2000
_TOO_MANY = f"more than {MAX_VALUES} values; a record has a few dozen"
# Python refuses to turn more than 4300 digits into an int, with a ValueError no loader expects;
# a record's whole numbers (its version, an age) have one to three.
MAX_INT_DIGITS = 18
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class _StrictYamlLoader(yaml.SafeLoader):
    """SafeLoader minus implicit typing beyond int/bool/null, minus aliases and tags."""

    # A fresh table, so the resolvers added below replace YAML 1.1's instead of joining them.
    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's own class attribute


# The only spellings of a bool, an int and a null, whether the tag was implied or written out:
# an explicit `!!int 0x2A`, `!!int '٤٢'` or `!!bool off` would otherwise reach PyYAML's own,
# far more lenient, constructors.
_PLAIN_SCALARS = {
    "tag:yaml.org,2002:bool": re.compile(r"^(?:true|false)$"),
    "tag:yaml.org,2002:int": re.compile(r"^-?(?:0|[1-9][0-9]*)$", re.ASCII),
    "tag:yaml.org,2002:null": re.compile(r"^(?:~|null|)$"),
}
_StrictYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", _PLAIN_SCALARS["tag:yaml.org,2002:bool"], list("tf")
)
_StrictYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", _PLAIN_SCALARS["tag:yaml.org,2002:int"], list("-0123456789")
)
_StrictYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", _PLAIN_SCALARS["tag:yaml.org,2002:null"], ["~", "n", ""]
)

_PLAIN_TAGS = {
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


class _RefusedError(Exception):
    def __init__(self, location: str, message: str, kind: str = "structure") -> None:
        super().__init__(message)
        self.location = location
        self.message = message
        self.kind = kind


def _check_yaml_node(node: yaml.Node, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise _RefusedError(path or "record", f"nested more than {MAX_DEPTH} levels deep")
    if node.tag not in _PLAIN_TAGS:
        raise _RefusedError(path or "record", f"YAML tag {node.tag!r} is not accepted")
    if isinstance(node, yaml.ScalarNode) and node.tag in _PLAIN_SCALARS:
        plain = node.style is None and _PLAIN_SCALARS[node.tag].fullmatch(node.value)
        if not plain:
            raise _RefusedError(path or "record", f"YAML tag {node.tag!r} is not accepted here")
        if node.tag.endswith(":int") and len(node.value.lstrip("-")) > MAX_INT_DIGITS:
            raise _RefusedError(path or "record", _TOO_LONG)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                raise _RefusedError(path or "record", "mapping keys must be plain text")
            key = key_node.value
            where = f"{path}.{key}" if path else key
            if key in seen:
                raise _RefusedError(where, "duplicate key", "duplicate_key")
            seen.add(key)
            _check_yaml_node(value_node, where, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _check_yaml_node(item, f"{path}[{index}]", depth + 1)


def _load_yaml(text: str) -> Any:
    # Aliases and deep nesting are refused at the event level, before any expansion can happen
    # and before PyYAML's scanner, quadratic in the nesting depth, can take minutes over it.
    depth = values = 0
    for event in yaml.parse(text, Loader=_StrictYamlLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _RefusedError("record", "YAML anchors and aliases are not accepted")
        if isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
            values += 1
            if values > MAX_VALUES:
                raise _RefusedError("record", _TOO_MANY)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH + 1:
                raise _RefusedError("record", f"nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    loader = _StrictYamlLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise _RefusedError("record", "the document is empty")
        _check_yaml_node(node, "", 0)
        return loader.construct_document(node)
    finally:
        loader.dispose()


_TOO_LONG = f"a whole number of more than {MAX_INT_DIGITS} digits is not accepted"


def _reject_constant(name: str) -> Any:
    raise _RefusedError("record", f"{name} is not a number itbcheck accepts")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _RefusedError("record", _TOO_LONG)
    return int(text)


def _refuse_surrogates(value: Any, path: str = "") -> None:
    """JSON's and YAML's "\\ud800" escapes make text that is not Unicode: it cannot be written
    as UTF-8 (to the audit log, to a terminal) or keyed into a token. The location named is that
    of the value, or of the mapping whose key holds one, so it never holds one itself."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise _RefusedError(path or "record", "a lone surrogate (like \\ud800) is not text")
    elif isinstance(value, dict):
        for key in value:
            _refuse_surrogates(key, path)
        for key, item in value.items():
            _refuse_surrogates(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_surrogates(item, f"{path}[{index}]")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RefusedError(key, "duplicate key", "duplicate_key")
        result[key] = value
    return result


def _depth(value: Any, depth: int = 0) -> int:
    if depth > MAX_DEPTH:
        return depth
    if isinstance(value, dict):
        return max((_depth(item, depth + 1) for item in value.values()), default=depth)
    if isinstance(value, list):
        return max((_depth(item, depth + 1) for item in value), default=depth)
    return depth


def _load_json(text: str) -> Any:
    data = json.loads(
        text,
        object_pairs_hook=_unique_keys,
        parse_constant=_reject_constant,
        parse_int=_bounded_int,
        # Kept exact and passed on, so the field it sits in reports it with its location.
        parse_float=Decimal,
    )
    if _depth(data) > MAX_DEPTH:
        raise _RefusedError("record", f"nested more than {MAX_DEPTH} levels deep")
    if _count(data) > MAX_VALUES:
        raise _RefusedError("record", _TOO_MANY)
    return data


def _count(value: Any) -> int:
    """The values in a document (keys aside), collections included; nesting is already bounded."""
    if isinstance(value, dict):
        return 1 + sum(_count(item) for item in value.values())
    if isinstance(value, list):
        return 1 + sum(_count(item) for item in value)
    return 1


def looks_like_json(name: str, text: str) -> bool:
    if name.endswith(".json"):
        return True
    if name.endswith((".yaml", ".yml")):
        return False
    return text.lstrip().startswith("{")


def load_document(raw: bytes, name: str) -> Any:
    """Decode and parse one record document (YAML or JSON), or raise `InvalidRecordError`."""
    if len(raw) > MAX_INPUT_BYTES:
        raise InvalidRecordError(
            [
                Problem(
                    "record",
                    f"larger than {MAX_INPUT_BYTES} bytes; a record is far smaller",
                    kind="too_large",
                )
            ],
            name,
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidRecordError(
            [Problem("record", f"not valid UTF-8 (byte {error.start})", kind="encoding")], name
        ) from None
    if "\x00" in text:
        raise InvalidRecordError(
            [Problem("record", "contains a NUL character", kind="encoding")], name
        )
    try:
        document = _load_json(text) if looks_like_json(name, text) else _load_yaml(text)
        _refuse_surrogates(document)
        return document
    except _RefusedError as refused:
        raise InvalidRecordError(
            [Problem(refused.location, refused.message, kind=refused.kind)], name
        ) from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise InvalidRecordError(
            [Problem("record", f"not valid JSON: {error.msg} at {where}", kind="syntax")], name
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "syntax error"
        raise InvalidRecordError(
            [Problem("record", f"not valid YAML: {problem}{where}", kind="syntax")], name
        ) from None
    except RecursionError:
        raise InvalidRecordError(
            [Problem("record", "nested too deeply", kind="structure")], name
        ) from None
