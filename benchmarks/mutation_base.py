"""What every mutation of issue 7 works with: the seed records, the mutant, and helpers to
change a document and write it out as YAML or JSON. The kinds are in mutations.py,
quantity_mutations.py and text_mutations.py.

Each mutant says what must become of it: REJECT (the reader or the record model must refuse
it), NOT_CLEAR (well-formed, but a 1000-fold or 24-fold error in a dose or a strength: never
CLEAR), SAME (the same record spelt another way: the seed's verdict and findings) or ANY
(may be accepted or refused; must not crash).
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from itbcheck.reading import load_document

REPO = Path(__file__).resolve().parent.parent
SEED_FOLDERS = (REPO / "examples", REPO / "tests" / "checks" / "fixtures")

REJECT = "reject"
NOT_CLEAR = "not_clear"
SAME = "same"
ANY = "any"

Where = tuple[str | int, ...]


@dataclass(frozen=True)
class Seed:
    name: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Mutant:
    kind: str
    seed: str
    name: str  # the file name given to the reader: its suffix picks YAML or JSON
    raw: bytes
    expect: str


def seeds() -> list[Seed]:
    """Every example and check fixture, loaded exactly as `itbcheck check` loads it."""
    found = []
    for folder in SEED_FOLDERS:
        for path in sorted(folder.glob("*.yaml")):
            data = load_document(path.read_bytes(), path.name)
            if isinstance(data, dict):
                found.append(Seed(path.name, data))
    return found


def leaves(data: Any, where: Where = ()) -> Iterator[tuple[Where, Any]]:
    """Every scalar in the document, with its place."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, (*where, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from leaves(value, (*where, index))
    else:
        yield where, data


def sections(data: Any, where: Where = ()) -> Iterator[Where]:
    """Every mapping in the document, the record itself first."""
    if isinstance(data, dict):
        yield where
        for key, value in data.items():
            yield from sections(value, (*where, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from sections(value, (*where, index))


def replaced(data: dict[str, Any], where: Where, value: Any) -> dict[str, Any]:
    copied = copy.deepcopy(data)
    target: Any = copied
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = value
    return copied


def deleted(data: dict[str, Any], where: Where) -> dict[str, Any]:
    copied = copy.deepcopy(data)
    target: Any = copied
    for step in where[:-1]:
        target = target[step]
    del target[where[-1]]
    return copied


def at(data: Any, where: Where) -> Any:
    for step in where:
        data = data[step]
    return data


def as_yaml(data: Any) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def as_json(data: Any, *, ascii_only: bool = False) -> bytes:
    return json.dumps(data, ensure_ascii=ascii_only).encode("utf-8")


def serialised(rng: random.Random, data: Any) -> tuple[str, bytes]:
    """The document as YAML or as JSON, chosen at random, with the matching file name."""
    if rng.random() < 0.5:
        return "mutant.json", as_json(data, ascii_only=rng.random() < 0.5)
    return "mutant.yaml", as_yaml(data)


Kind = Callable[[random.Random, Seed], Mutant]


def mutant(rng: random.Random, seed: Seed, kind: str, data: Any, expect: str) -> Mutant:
    name, raw = serialised(rng, data)
    return Mutant(kind, seed.name, name, raw, expect)
