"""The mutations of issue 7 that change text, dates, times and names: control characters and
lone surrogates in text, an integer of thousands of digits, timestamps without a time zone,
and pump profile names that try to leave the profiles folder.
"""

from __future__ import annotations

import random
import re

from mutation_base import (
    ANY,
    REJECT,
    Kind,
    Mutant,
    Seed,
    as_json,
    as_yaml,
    leaves,
    mutant,
    replaced,
)

_TEXT_FIELDS = {"id", "serial", "approver", "reason", "change_reason"}
_CONTROLS = ["\x1b[31m", "\x00", "\u202e", "\x9b", "\r", "\x07", "\ufeff", "\u200b", "\x7f"]


def _text_places(seed: Seed) -> list[tuple[str | int, ...]]:
    return [w for w, v in leaves(seed.data) if isinstance(v, str) and w[-1] in _TEXT_FIELDS]


def control_characters(rng: random.Random, seed: Seed) -> Mutant:
    where = rng.choice(_text_places(seed))
    value = f"MRN{rng.choice(_CONTROLS)}0042"
    # U+2028 is a line separator, not a control character: accepted, shown as '?' on a terminal.
    if rng.random() < 0.1:
        return mutant(rng, seed, "control_characters", replaced(seed.data, where, "a\u2028b"), ANY)
    return mutant(rng, seed, "control_characters", replaced(seed.data, where, value), REJECT)


def lone_surrogate(rng: random.Random, seed: Seed) -> Mutant:
    where = rng.choice([w for w, v in leaves(seed.data) if isinstance(v, str)])
    data = replaced(seed.data, where, rng.choice(["\ud800", "MRN\udcff1", "\udfff"]))
    name = rng.choice(["m.json", "m.yaml"])
    raw = as_json(data, ascii_only=True)  # JSON's \\ud800 escape; YAML reads JSON too
    return Mutant("lone_surrogate", seed.name, name, raw, REJECT)


def long_integer(rng: random.Random, seed: Seed) -> Mutant:
    """A whole number of thousands of digits: Python refuses to read it as an int."""
    key = rng.choice(["record_version", "age_years"])
    number = "4" + "2" * (rng.choice([19, 5000, 100_000]) - 1)
    if rng.random() < 0.5:
        text = as_yaml(seed.data).decode()
        raw = re.sub(rf"^(\s*){key}: .*$", rf"\g<1>{key}: {number}", text, count=1, flags=re.M)
        return Mutant("long_integer", seed.name, "m.yaml", raw.encode(), REJECT)
    marker = 1234567
    where = ("record_version",) if key == "record_version" else ("patient", "age_years")
    raw_json = as_json(replaced(seed.data, where, marker))
    raw_json = raw_json.replace(str(marker).encode(), number.encode(), 1)
    return Mutant("long_integer", seed.name, "m.json", raw_json, REJECT)


_TIMESTAMPS = [
    ("2026-11-27T10:30:00", REJECT),
    ("2026-11-27 10:30", REJECT),
    ("27/11/2026 10:30+00:00", REJECT),
    ("2026-11-27T10:30:00+25:00", REJECT),
    ("2026-11-27T24:00:00+00:00", REJECT),
    ("2026-02-30T10:30:00+00:00", REJECT),
    ("2026-11-27T10:30:00.123456789Z", ANY),
    ("9999-12-31T23:59:59-23:59", ANY),
    ("0001-01-01T00:00:00+23:59", ANY),
    ("2026-W48-5T10:30Z", ANY),
]
_DATES = [("2027-01-15T00:00", ANY), ("15/01/2027", REJECT), ("2027-02-29", REJECT)]
_DATES += [("9999-12-31", ANY), ("0001-01-01", ANY), ("20270115", ANY), ("2027-1-5", REJECT)]
_CLOCKS = [("24:00", REJECT), ("8:00", REJECT), ("08:00:00", REJECT), ("08:60", REJECT)]


def bad_time(rng: random.Random, seed: Seed) -> Mutant:
    places = [w for w, v in leaves(seed.data) if isinstance(v, str)]
    stamps = [w for w in places if w[-1] in {"visit_time", "previous_dose_changed_at"}]
    dates = [w for w in places if w[-1] in {"next_refill", "end_of_service"}]
    clocks = [w for w in places if w[-1] in {"start", "time"}]
    choices = [(w, _TIMESTAMPS) for w in stamps] + [(w, _DATES) for w in dates]
    choices += [(w, _CLOCKS) for w in clocks]
    where, table = rng.choice(choices)
    value, expect = rng.choice(table)
    return mutant(rng, seed, "bad_time", replaced(seed.data, where, value), expect)


_PROFILES = [
    "../../etc/passwd",
    "synchromed-ii-20ml/../synchromed-ii-20ml",
    "/etc/passwd",
    "SYNCHROMED-II-20ML",
    "synchromed-ii-20ml\n",
    "synchromed-ii-20ml.toml",
    "..",
    "README",
    "synchromed\u2010ii\u201020ml",  # Unicode hyphens
    "synchromed-ii-20ml\x00",
    "a" * 65,
    "%2e%2e%2fetc",
    "synchromed-ii-30ml",
]


def profile_name(rng: random.Random, seed: Seed) -> Mutant:
    data = replaced(seed.data, ("pump", "profile"), rng.choice(_PROFILES))
    return mutant(rng, seed, "profile_name", data, REJECT)


TEXT_KINDS: list[Kind] = [control_characters, lone_surrogate, long_integer, bad_time, profile_name]
