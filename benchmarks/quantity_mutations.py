"""The mutations of issue 7 that change how one quantity is written: its unit dropped, swapped
or in the wrong case, its number with a decimal comma, digit grouping, foreign digits, NaN,
infinity, an exponent, a sign, zero, or the same value spelt another way.
"""

from __future__ import annotations

import random
import re
from decimal import Decimal
from typing import Any

from mutation_base import ANY, NOT_CLEAR, REJECT, SAME, Kind, Mutant, Seed, Where, leaves, mutant
from mutation_base import replaced as _replaced

_UNIT = r"(?:mcg|µg|μg|ug|mg|mL|ml)(?:/(?:day|d|h|hr|min))?|day|d|h|hr|min"
_QUANTITY = re.compile(rf"([0-9]+(?:\.[0-9]+)?)( ?)({_UNIT})")

# The fields where a 1000-fold (mcg/mg) or 24-fold (day/h) slip must never pass as CLEAR.
_CRITICAL = {
    "daily_dose",
    "previous_daily_dose",
    "dispensed_concentration",
    "programmed_concentration",
}
_MASS = {"mcg", "µg", "μg", "ug", "mg"}
_TIME = {"day", "d", "h", "hr", "min"}

Quantity = tuple[Where, str, str, str]  # place, number, space, unit


def quantities(data: Any) -> list[Quantity]:
    """Every quantity in the document: its place, number, separator and unit."""
    found = []
    for where, value in leaves(data):
        match = _QUANTITY.fullmatch(value) if isinstance(value, str) else None
        if match:
            found.append((where, match.group(1), match.group(2), match.group(3)))
    return found


def _critical(where: Where) -> bool:
    return where[-1] in _CRITICAL or (where[-1] == "dose" and "boluses" in where)


def _no_zero(where: Where) -> bool:
    if where[-1] in {"dispensed_concentration", "programmed_concentration"}:
        return True
    if where[-1] in {"previous_concentration", "duration"}:
        return True
    return where[-1] in {"dose", "volume"} and ("boluses" in where or "bridge_bolus" in where)


def _pick(rng: random.Random, seed: Seed) -> Quantity:
    return rng.choice(quantities(seed.data))


def _with(
    rng: random.Random, seed: Seed, kind: str, where: Where, text: Any, *, expect: str
) -> Mutant:
    return mutant(rng, seed, kind, _replaced(seed.data, where, text), expect)


def drop_unit(rng: random.Random, seed: Seed) -> Mutant:
    where, number, _, _ = _pick(rng, seed)
    bare: Any = rng.choice([number, float(number), int(Decimal(number))])
    return _with(rng, seed, "drop_unit", where, bare, expect=REJECT)


_SAME_DIMENSION = {"mcg": "mg", "µg": "mg", "μg": "mg", "ug": "mg", "mg": "mcg"}
_SAME_DIMENSION |= {"day": "h", "d": "min", "h": "day", "hr": "d", "min": "h"}
_OTHER_DIMENSION = (
    dict.fromkeys(_MASS, "mL") | dict.fromkeys(_TIME, "mcg") | {"mL": "h", "ml": "mg"}
)


def swap_unit(rng: random.Random, seed: Seed) -> Mutant:
    where, number, space, unit = _pick(rng, seed)
    parts = unit.split("/")
    index = rng.randrange(len(parts))
    part = parts[index]
    if part in _SAME_DIMENSION and rng.random() < 0.6:
        parts[index] = _SAME_DIMENSION[part]
        expect = NOT_CLEAR if _critical(where) else ANY
    else:
        parts[index] = _OTHER_DIMENSION[part]
        expect = REJECT
    return _with(rng, seed, "swap_unit", where, f"{number}{space}{'/'.join(parts)}", expect=expect)


def wrong_case(rng: random.Random, seed: Seed) -> Mutant:
    where, number, space, unit = _pick(rng, seed)
    # Never lower(): 'mL' lower-cased is 'ml', which is allowed.
    cased = rng.choice([unit.upper(), unit.capitalize(), unit.swapcase()])
    return _with(rng, seed, "wrong_case", where, f"{number}{space}{cased}", expect=REJECT)


def decimal_comma(rng: random.Random, seed: Seed) -> Mutant:
    where, number, space, unit = _pick(rng, seed)
    written = number.replace(".", ",") if "." in number else f"{number[0]},{number[1:] or '5'}"
    return _with(rng, seed, "decimal_comma", where, f"{written}{space}{unit}", expect=REJECT)


def digit_grouping(rng: random.Random, seed: Seed) -> Mutant:
    where, number, space, unit = _pick(rng, seed)
    separator = rng.choice([",", " ", "_", "'", "\u202f", "\u00a0"])
    whole, _, fraction = number.partition(".")
    whole = whole if len(whole) > 1 else "1000" + whole
    grouped = f"{whole[0]}{separator}{whole[1:]}" + (f".{fraction}" if fraction else "")
    return _with(rng, seed, "digit_grouping", where, f"{grouped}{space}{unit}", expect=REJECT)


def compound_time(rng: random.Random, seed: Seed) -> Mutant:
    where, number, space, unit = _pick(rng, seed)
    per = rng.choice(["24h", "24 h", "24hr", "1d", "2day", "0.5h"])
    top = unit.split("/")[0]
    return _with(rng, seed, "compound_time", where, f"{number}{space}{top}/{per}", expect=REJECT)


_DIGIT_SETS = ["٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "０１２３４５６７８９", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"]


def foreign_digits(rng: random.Random, seed: Seed) -> Mutant:
    where, number, space, unit = _pick(rng, seed)
    digits = rng.choice(_DIGIT_SETS)
    every = rng.random() < 0.5
    position = rng.randrange(len(number.replace(".", "")))
    written, seen = [], 0
    for ch in number:
        if ch.isdigit():
            written.append(digits[int(ch)] if every or seen == position else ch)
            seen += 1
        else:
            written.append(ch)
    return _with(
        rng, seed, "foreign_digits", where, f"{''.join(written)}{space}{unit}", expect=REJECT
    )


_NOT_NUMBERS = [
    "nan", "NaN", "-nan", "inf", "-inf", "+inf", "Infinity", "1e309", "1E3", "1e-3", "0x10",
    "∞", "½", "1/2", "-0", "+5", ".5", "5.", "05", "1234567890123", "0.1234567890123", "1..5",
    "--5", "5-", "²", "1.5.2", "0,5e3",
]  # fmt: skip


def not_a_number(rng: random.Random, seed: Seed) -> Mutant:
    where, _, space, unit = _pick(rng, seed)
    return _with(
        rng, seed, "not_a_number", where, f"{rng.choice(_NOT_NUMBERS)}{space}{unit}", expect=REJECT
    )


def negative(rng: random.Random, seed: Seed) -> Mutant:
    where, number, space, unit = _pick(rng, seed)
    sign = rng.choice(["-", "−", "- "])  # hyphen-minus, minus sign, hyphen and a space
    return _with(rng, seed, "negative", where, f"{sign}{number}{space}{unit}", expect=REJECT)


def zero(rng: random.Random, seed: Seed) -> Mutant:
    where, _, space, unit = _pick(rng, seed)
    if _no_zero(where):
        expect = REJECT
    elif where[-1] == "daily_dose":
        expect = NOT_CLEAR  # a stopped pump is at least a CAUTION
    else:
        expect = ANY
    return _with(
        rng, seed, "zero", where, f"{rng.choice(['0', '0.0'])}{space}{unit}", expect=expect
    )


_EXTREMES = ["999999999999", "0.000000000001", "999999999999.999999999999", "123456789012.5"]


def extreme(rng: random.Random, seed: Seed) -> Mutant:
    where, _, space, unit = _pick(rng, seed)
    return _with(rng, seed, "extreme", where, f"{rng.choice(_EXTREMES)}{space}{unit}", expect=ANY)


_ALIASES = {"mcg": ["µg", "μg", "ug"], "µg": ["mcg", "μg"], "μg": ["ug", "µg"], "ug": ["mcg"]}
_ALIASES |= {"mL": ["ml"], "ml": ["mL"], "day": ["d"], "d": ["day"], "h": ["hr"], "hr": ["h"]}
_SCALE = {"mcg": ("mg", Decimal("0.001")), "mg": ("mcg", Decimal(1000))}  # new unit, x
_SCALE |= {"µg": ("mg", Decimal("0.001")), "ug": ("mg", Decimal("0.001"))}


def _plain(value: Decimal) -> str | None:
    """The number as itbcheck accepts it (plain, at most 12 digits each side), or None."""
    text = format(value.normalize(), "f")
    whole, _, fraction = text.partition(".")
    return text if len(whole) <= 12 and len(fraction) <= 12 else None


def respelt(rng: random.Random, seed: Seed) -> Mutant:
    """The same value in another accepted spelling: an alias of the unit, mg for mcg with the
    number scaled, a trailing zero, or no space before the unit."""
    data = seed.data
    for where, number, space, unit in quantities(seed.data):
        if rng.random() < 0.5:
            continue
        parts, scaled = unit.split("/"), Decimal(number)
        for index, part in enumerate(parts):
            if part in _SCALE and index == 0 and rng.random() < 0.5:
                parts[index], factor = _SCALE[part]
                scaled = Decimal(number) * factor
            elif part in _ALIASES:
                parts[index] = rng.choice(_ALIASES[part])
        written = _plain(scaled)
        if written is None:
            continue
        if rng.random() < 0.2 and "." not in written:
            written += ".0"
        separator = rng.choice([space, " ", ""])
        data = _replaced(data, where, f"{written}{separator}{'/'.join(parts)}")
    return mutant(rng, seed, "respelt", data, SAME)


QUANTITY_KINDS: list[Kind] = [
    drop_unit,
    swap_unit,
    wrong_case,
    decimal_comma,
    digit_grouping,
    compound_time,
    foreign_digits,
    not_a_number,
    negative,
    zero,
    extreme,
    respelt,
]
