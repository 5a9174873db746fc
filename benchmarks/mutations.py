"""The mutations of issue 7 that break a record's structure, bytes or YAML, and the registry of
every kind with the generator `mutation_corpus.py` and `fuzz_record.py` use.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from typing import Any

from delivery_mutations import DELIVERY_KINDS
from mutation_base import (
    ANY,
    REJECT,
    SAME,
    Kind,
    Mutant,
    Seed,
    Where,
    as_json,
    as_yaml,
    at,
    deleted,
    leaves,
    mutant,
    replaced,
    sections,
    seeds,
    serialised,
)
from plausibility_mutations import PLAUSIBILITY_KINDS
from quantity_mutations import QUANTITY_KINDS
from text_mutations import TEXT_KINDS

# --- The structure of the document -----------------------------------------------------------


def empty_value(rng: random.Random, seed: Seed) -> Mutant:
    where, _ = rng.choice(list(leaves(seed.data)))
    return mutant(rng, seed, "empty_value", replaced(seed.data, where, ""), REJECT)


_OTHER_TYPES: list[Any] = [42, 4.25, True, False, [], {}, ["18 mL"], {"value": "18 mL"}, "text"]


def wrong_type(rng: random.Random, seed: Seed) -> Mutant:
    where, value = rng.choice(list(leaves(seed.data)))
    choices = [other for other in [*_OTHER_TYPES, None] if type(other) is not type(value)]
    other = rng.choice(choices)
    # null is how an optional field is left out; on a required one it is refused.
    expect = ANY if other is None else REJECT
    data = replaced(seed.data, where, other)
    if isinstance(other, float) and isinstance(value, str):
        # In YAML, 4.25 is read as the text '4.25' (docs/record-format.md), a valid patient id.
        return Mutant("wrong_type", seed.name, "mutant.json", as_json(data), expect)
    return mutant(rng, seed, "wrong_type", data, expect)


def drop_key(rng: random.Random, seed: Seed) -> Mutant:
    places = [where for where, _ in leaves(seed.data)] + [s for s in sections(seed.data) if s]
    where = rng.choice(places)
    while where and isinstance(where[-1], int):
        where = where[:-1]  # drop the list, not an item (an item less is another record)
    return mutant(rng, seed, "drop_key", deleted(seed.data, where), ANY)


_UNKNOWN_KEYS = ["fill_volum", "Fill_volume", "notes", "dose", "__proto__", "x" * 300, "a b"]


def unknown_key(rng: random.Random, seed: Seed) -> Mutant:
    where = rng.choice(list(sections(seed.data)))
    key = rng.choice([*_UNKNOWN_KEYS, "\u202eevil", "\x1b[31mred"])
    target = at(seed.data, where)
    data = replaced(seed.data, (*where, key), "18 mL") if where else {**target, key: "18 mL"}
    return mutant(rng, seed, "unknown_key", data, REJECT)


def _json_with_duplicate(value: Any, target: Where, pick: int, where: Where = ()) -> str:
    if isinstance(value, dict):
        items = [
            f"{json.dumps(key)}: {_json_with_duplicate(item, target, pick, (*where, key))}"
            for key, item in value.items()
        ]
        if where == target:
            items.append(items[pick % len(items)])
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        parts = [_json_with_duplicate(v, target, pick, (*where, i)) for i, v in enumerate(value)]
        return "[" + ", ".join(parts) + "]"
    return json.dumps(value)


_YAML_PAIR = re.compile(r"^(\s*(?:- )?)([A-Za-z_]+): (\S.*)$")


def duplicate_key(rng: random.Random, seed: Seed) -> Mutant:
    if rng.random() < 0.5:
        target = rng.choice([s for s in sections(seed.data) if at(seed.data, s)])
        text = _json_with_duplicate(seed.data, target, rng.randrange(1000))
        return Mutant("duplicate_key", seed.name, "mutant.json", text.encode(), REJECT)
    lines = as_yaml(seed.data).decode().splitlines()
    index = rng.choice([i for i, line in enumerate(lines) if _YAML_PAIR.match(line)])
    match = _YAML_PAIR.match(lines[index])
    assert match is not None
    # The copy goes right after the original, at the same indentation, inside the same mapping.
    copy_line = " " * len(match.group(1)) + f"{match.group(2)}: {match.group(3)}"
    lines.insert(index + 1, copy_line)
    raw = ("\n".join(lines) + "\n").encode()
    return Mutant("duplicate_key", seed.name, "mutant.yaml", raw, REJECT)


def reordered(rng: random.Random, seed: Seed) -> Mutant:
    def shuffle(value: Any) -> Any:
        if isinstance(value, dict):
            items = list(value.items())
            rng.shuffle(items)
            return {key: shuffle(item) for key, item in items}
        if isinstance(value, list):
            return [shuffle(item) for item in value]
        return value

    return mutant(rng, seed, "reordered_keys", shuffle(seed.data), SAME)


def nested_deep(rng: random.Random, seed: Seed) -> Mutant:
    depth = rng.choice([21, 25, 60, 150])
    where, value = rng.choice(list(leaves(seed.data)))
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"a": value}
    if rng.random() < 0.2:  # an unclosed flow collection, the worst case for PyYAML's scanner
        raw = ("[" * rng.choice([1000, 100_000, 250_000])).encode()
        return Mutant("nested_deep", seed.name, rng.choice(["m.yaml", "m.json"]), raw, REJECT)
    return mutant(rng, seed, "nested_deep", replaced(seed.data, where, value), REJECT)


def large_document(rng: random.Random, seed: Seed) -> Mutant:
    from itbcheck.reading import MAX_INPUT_BYTES

    name, raw = serialised(rng, seed.data)
    choice = rng.random()
    if choice < 0.3:  # just over the limit
        raw = raw + b" " * (MAX_INPUT_BYTES + 1 - len(raw))
    elif choice < 0.5:  # a long string just under it, under an unknown key
        filler = "x" * (MAX_INPUT_BYTES - len(raw) - 100)
        name, raw = serialised(rng, {**seed.data, "notes": filler})
    elif choice < 0.51:  # thousands of keys, just under it
        name, raw = serialised(rng, {**seed.data, **{f"k{i}": i for i in range(18_000)}})
    else:  # a list far longer than the format allows
        boluses = [{"dose": "1 mcg"}] * rng.choice([49, 500, 3000])
        data = replaced(seed.data, ("dosing", "prescription", "boluses"), boluses)
        name, raw = serialised(rng, data)
    return Mutant("large_document", seed.name, name, raw, REJECT)


# --- Bytes and YAML ----------------------------------------------------------------------------


def byte_order_mark(rng: random.Random, seed: Seed) -> Mutant:
    name, raw = serialised(rng, seed.data)
    return Mutant("byte_order_mark", seed.name, name, b"\xef\xbb\xbf" + raw, SAME)


_INVALID_UTF8 = [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xc0\xaf"]


def invalid_utf8(rng: random.Random, seed: Seed) -> Mutant:
    name, raw = serialised(rng, seed.data)
    cut = rng.randrange(len(raw))
    raw = raw[:cut] + rng.choice(_INVALID_UTF8) + raw[cut:]
    return Mutant("invalid_utf8", seed.name, name, raw, REJECT)


def truncated(rng: random.Random, seed: Seed) -> Mutant:
    name, raw = serialised(rng, seed.data)
    return Mutant("truncated", seed.name, name, raw[: rng.randrange(len(raw))], ANY)


def bytes_flipped(rng: random.Random, seed: Seed) -> Mutant:
    name, raw = serialised(rng, seed.data)
    changed = bytearray(raw)
    for _ in range(rng.randint(1, 4)):
        changed[rng.randrange(len(changed))] = rng.randrange(256)
    return Mutant("bytes_flipped", seed.name, name, bytes(changed), ANY)


_LAUGHS = "\n".join(
    ['l0: &l0 "lol"'] + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
)


def billion_laughs(rng: random.Random, seed: Seed) -> Mutant:
    text = as_yaml(seed.data).decode()
    variants = [
        _LAUGHS + "\n" + text,
        text + "extra: &a [1, 2]\nagain: *a\n",
        text.replace("patient:\n", "patient: &p\n", 1) + "copy: *p\n",
        "base: &b {drug: baclofen}\n" + text.replace("refill:\n", "refill:\n  <<: *b\n", 1),
    ]
    return Mutant("billion_laughs", seed.name, "m.yaml", rng.choice(variants).encode(), REJECT)


_TAGS_REFUSED = [
    "!!python/object/apply:os.system ['true']",
    "!!python/name:os.system",
    "!!python/object/new:builtins.str ['x']",
    "!<tag:yaml.org,2002:python/tuple> [1, 2]",
    "!!binary aGVsbG8=",
    "!!timestamp 2026-11-27",
    "!!float 1.5",
    "!!set {a: null}",
    "!!omap [a: 1]",
    "!custom x",
    "!!int 0x1F",
    "!!int '42'",
    "!!int 0:42",
    "!!bool yes",
    "!!null 'x'",
]


def yaml_tag(rng: random.Random, seed: Seed) -> Mutant:
    lines = as_yaml(seed.data).decode().splitlines()
    index = rng.choice([i for i, line in enumerate(lines) if _YAML_PAIR.match(line)])
    match = _YAML_PAIR.match(lines[index])
    assert match is not None
    if rng.random() < 0.1 and match.group(3)[0] in "'\"":  # !!str on quoted text: harmless
        value, expect = f"!!str {match.group(3)}", SAME
    else:
        value, expect = rng.choice(_TAGS_REFUSED), REJECT
    lines[index] = f"{match.group(1)}{match.group(2)}: {value}"
    raw = ("\n".join(lines) + "\n").encode()
    return Mutant("yaml_tag", seed.name, "mutant.yaml", raw, expect)


_YAML_11 = {
    bool: ["yes", "no", "on", "off", "True", "FALSE", "y", "n", "'true'"],
    int: ["0x2A", "052", "0o52", "4_2", "42.0", "+42", "1:30", "'42'", "4.2e1", "٤٢"],
}


def yaml_11_spelling(rng: random.Random, seed: Seed) -> Mutant:
    """YAML 1.1's other booleans and numbers, which the strict reader reads as text."""
    typed = [(w, v) for w, v in leaves(seed.data) if type(v) in _YAML_11 and isinstance(w[-1], str)]
    where, value = rng.choice(typed)
    text = as_yaml(seed.data).decode()
    key_line = re.compile(rf"^(\s*(?:- )?){where[-1]}: .*$", re.M)
    spelt = rng.choice(_YAML_11[type(value)])
    raw = key_line.sub(lambda m: f"{m.group(1)}{where[-1]}: {spelt}", text, count=1).encode()
    return Mutant("yaml_11_spelling", seed.name, "mutant.yaml", raw, REJECT)


def documents(rng: random.Random, seed: Seed) -> Mutant:
    text = as_yaml(seed.data).decode()
    if rng.random() < 0.3:
        return Mutant("documents", seed.name, "m.yaml", ("---\n" + text).encode(), SAME)
    raw = (text + "---\n" + text).encode()
    return Mutant("documents", seed.name, "m.yaml", raw, REJECT)


def unchanged(rng: random.Random, seed: Seed) -> Mutant:
    return mutant(rng, seed, "unchanged", seed.data, SAME)


STRUCTURE_KINDS: list[Kind] = [
    empty_value,
    wrong_type,
    drop_key,
    unknown_key,
    duplicate_key,
    reordered,
    nested_deep,
    large_document,
    byte_order_mark,
    invalid_utf8,
    truncated,
    bytes_flipped,
    billion_laughs,
    yaml_tag,
    yaml_11_spelling,
    documents,
    unchanged,
]
KINDS: list[Kind] = [
    *STRUCTURE_KINDS,
    *QUANTITY_KINDS,
    *TEXT_KINDS,
    *PLAUSIBILITY_KINDS,
    *DELIVERY_KINDS,
]


def generate(count: int, seed: int = 7) -> Iterator[Mutant]:
    """`count` mutants, the kinds taken in turn, seed records and places chosen by a seeded
    random generator: the same mutants on every run."""
    rng = random.Random(seed)
    records = seeds()
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        yield kind(rng, rng.choice(records))
