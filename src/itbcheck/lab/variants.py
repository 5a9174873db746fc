"""A record varied on purpose: edits by dotted path to a record's loaded data, made before it is
validated, so a varied record goes through the same model and checks as a written one.

`simulate --set` and every point of a `sweep` grid are such edits. A path names fields as in
error messages (`refill.fill_volume`, `dosing.prescription.steps[1].rate`); a value is written
as in a YAML record (`"40 mL"`, `42`, `true`, `[]`), and read by the same strict loader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from itbcheck.exceptions import InvalidRecordError, ItbcheckError
from itbcheck.reading import load_document

_PART = re.compile(r"([a-z_][a-z0-9_]*)((?:\[[0-9]{1,3}\])*)", re.ASCII)
_INDEX = re.compile(r"\[([0-9]+)\]", re.ASCII)

Step = str | int
Edit = tuple[tuple[Step, ...], object]


class VariantError(ItbcheckError, ValueError):
    """A variation asked for on the command line or in a grid file is written wrongly: an edit,
    a grid axis, a step or a time span. The CLI reports it as a usage error."""


def parse_path(text: str) -> tuple[Step, ...]:
    """`dosing.prescription.steps[1].rate` as ("dosing", "prescription", "steps", 1, "rate")."""
    steps: list[Step] = []
    for part in text.split("."):
        match = _PART.fullmatch(part)
        if match is None:
            raise VariantError(f"{text!r} is not a field path like refill.fill_volume")
        steps.append(match.group(1))
        steps += [int(index) for index in _INDEX.findall(match.group(2))]
    return tuple(steps)


def parse_edit(text: str) -> Edit:
    """`PATH=VALUE` as an edit; the value is read as one YAML value, strictly."""
    path, equals, value = text.partition("=")
    if not equals:
        raise VariantError(f"{text!r}: write an edit as PATH=VALUE, like refill.fill_volume=40 mL")
    try:
        loaded = load_document(value.strip().encode("utf-8"), f"{path.strip()}.yaml")
    except InvalidRecordError as error:
        reason = "; ".join(problem.message for problem in error.problems)
        raise VariantError(f"{text!r}: the value is not one YAML value ({reason})") from None
    return parse_path(path.strip()), loaded


def _copied(node: object) -> Any:
    """A shallow copy of a mapping or list, so an edit never changes the data it came from."""
    if isinstance(node, Mapping):
        return dict(node)
    if isinstance(node, list):
        return list(node)
    return node


def _set(container: Any, path: tuple[Step, ...], value: object, where: str) -> Any:
    head, rest = path[0], path[1:]
    copy = _copied(container)
    if isinstance(head, int):
        if not isinstance(copy, list) or head >= len(copy):
            raise VariantError(f"{where}: there is no item [{head}] to change")
    elif not isinstance(copy, dict):
        raise VariantError(f"{where}: {head!r} is inside something that is not a mapping")
    if not rest:
        copy[head] = value
        return copy
    child = copy[head] if isinstance(head, int) else copy.get(head, {})
    copy[head] = _set(child, rest, value, where)
    return copy


def _shown(path: tuple[Step, ...]) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)[1:]


def with_edits(data: object, edits: Iterable[Edit]) -> Any:
    """The data with each edit applied in turn (a missing mapping on the way is created; a
    `None` value removes the field). Only the containers on an edited path are copied."""
    result: Any = data
    for path, value in edits:
        if not path:
            raise VariantError("an edit needs a field path")
        result = _set(result, path, value, _shown(path))
        if value is None:
            result = _removed(result, path)
    return result


def _removed(data: Any, path: tuple[Step, ...]) -> Any:
    """The data without the field at `path` (already copied along the path by `_set`)."""
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    if isinstance(path[-1], str):
        del parent[path[-1]]
    return data
