"""Quantities as written on a refill sheet, turned into exact canonical numbers.

Two steps, in this order, because pint alone accepts far too much (`"5 Mg"` is a megagram,
`"1,5 mL"` is 15 mL, `"nan mg"` is a number):

1. The text is checked against a closed, case-sensitive allowlist of number and unit
   spellings. Anything else is refused with a reason; nothing is guessed.
2. The one pint registry of the application, loaded from `data/units.txt`, gives the exact
   factor from the written unit to the canonical unit of the expected kind.

The allowlist is closed, so pint's answers for every spelling are computed once, ahead of time,
into `data/unit_factors.txt` (`factor_table_text()` writes it; a test recomputes it with pint
and compares). A check reads that table instead of importing pint, which costs more than the
whole rest of a check; a spelling missing from the table would still be asked of pint. Each
distinct quantity text is parsed once per process (`_parse_text`, and once per record field
type by its `quantity_parser`), so a sheet of many rows does not repeat the work for
`"2000 mcg/mL"` on every row.

Numbers are `Decimal` throughout so that a limit at 800 mcg/day compares exactly, whatever
spelling the dose was written in.
"""

from __future__ import annotations

import enum
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Context, Decimal
from importlib import resources
from typing import TYPE_CHECKING

from itbcheck.exceptions import UnitError

if TYPE_CHECKING:
    import pint

MASS_SPELLINGS = frozenset({"mcg", "µg", "μg", "ug", "mg"})
VOLUME_SPELLINGS = frozenset({"mL", "ml"})
TIME_SPELLINGS = frozenset({"day", "d", "h", "hr", "min"})
ALL_SPELLINGS = MASS_SPELLINGS | VOLUME_SPELLINGS | TIME_SPELLINGS

# A plain decimal: no sign, no exponent, no grouping, a leading zero before the point.
_PLAIN_DECIMAL = re.compile(r"(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,12})?", re.ASCII)
_EXPONENT = re.compile(r"[0-9.]+[eE][-+]?[0-9]", re.ASCII)


class Kind(enum.Enum):
    """What a field holds, with the canonical unit every spelling is normalised to."""

    CONCENTRATION = ("mass", "volume", "mcg/mL", "a concentration such as '2000 mcg/mL'")
    DOSE_RATE = ("mass", "time", "mcg/day", "a dose rate such as '480 mcg/day' or '20 mcg/h'")
    VOLUME = ("volume", None, "mL", "a volume such as '18 mL'")
    VOLUME_RATE = ("volume", "time", "mL/day", "a flow such as '0.6 mL/day'")
    MASS = ("mass", None, "mcg", "an amount of drug such as '50 mcg'")
    DURATION = ("time", None, "h", "a duration such as '24 h'")

    def __init__(
        self, numerator: str, denominator: str | None, canonical: str, example: str
    ) -> None:
        self.numerator = numerator
        self.denominator = denominator
        self.canonical = canonical
        self.example = example


@dataclass(frozen=True)
class Measured:
    """A quantity as written (`text`) and its exact value in the kind's canonical unit."""

    text: str
    value: Decimal
    kind: Kind

    @property
    def unit(self) -> str:
        return self.kind.canonical


def _dimension_of(spelling: str) -> str | None:
    if spelling in MASS_SPELLINGS:
        return "mass"
    if spelling in VOLUME_SPELLINGS:
        return "volume"
    if spelling in TIME_SPELLINGS:
        return "time"
    return None


@functools.cache
def registry() -> pint.UnitRegistry[Decimal]:
    """The application's one pint registry, built on first use so commands that never touch a
    quantity do not pay for importing pint."""
    import pint

    definitions = resources.files("itbcheck") / "data" / "units.txt"
    with resources.as_file(definitions) as path:
        return pint.UnitRegistry(str(path), non_int_type=Decimal, cache_folder=None)


def pint_factor(unit: str, canonical: str) -> Decimal:
    """Exact factor from a unit spelling to a canonical unit, as pint computes it."""
    magnitude = registry().Quantity(Decimal(1), unit).to(canonical).magnitude
    return Decimal(magnitude)


def unit_spellings(kind: Kind) -> list[str]:
    """Every unit spelling a quantity of `kind` may be written with, sorted."""
    by_dimension = {"mass": MASS_SPELLINGS, "volume": VOLUME_SPELLINGS, "time": TIME_SPELLINGS}
    numerators = sorted(by_dimension[kind.numerator])
    if kind.denominator is None:
        return numerators
    return [
        f"{top}/{bottom}" for top in numerators for bottom in sorted(by_dimension[kind.denominator])
    ]


_TABLE_HEADER = """\
# Exact factors from every accepted unit spelling to its canonical unit, as pint computes them
# from units.txt. Generated; do not edit. After changing units.txt or the allowlist in
# units.py, regenerate it from the repository root with
#   python -c 'import itbcheck.units as u; print(u.factor_table_text(), end="")' \\
#     > src/itbcheck/data/unit_factors.txt
# and tests/test_unit_factors.py checks that it is what pint computes today.
#
# Syntax: one spelling a line, three fields separated by spaces:
#   SPELLING CANONICAL FACTOR
# a value written in SPELLING times FACTOR (an exact decimal, Python's Decimal notation) is
# the value in CANONICAL. Lines starting with '#' are comments.
"""


def factor_table_text() -> str:
    """The text of `data/unit_factors.txt`, computed with pint now."""
    lines = [
        f"{unit} {kind.canonical} {pint_factor(unit, kind.canonical)}"
        for kind in Kind
        for unit in unit_spellings(kind)
    ]
    return _TABLE_HEADER + "\n".join(lines) + "\n"


@functools.cache
def factor_table() -> dict[tuple[str, str], Decimal]:
    """The shipped table of factors, by (spelling, canonical unit)."""
    text = (resources.files("itbcheck") / "data" / "unit_factors.txt").read_text("utf-8")
    table: dict[tuple[str, str], Decimal] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            unit, canonical, factor = line.split(" ")
            table[unit, canonical] = Decimal(factor)
    return table


@functools.cache
def conversion_factor(unit: str, canonical: str) -> Decimal:
    """Exact factor from an allowlisted unit spelling to a canonical one: pint's answer, from
    the precomputed table, or from pint itself for a spelling the table lacks."""
    factor = factor_table().get((unit, canonical))
    return pint_factor(unit, canonical) if factor is None else factor


def _check_number(number: str) -> Decimal:
    if any(unicodedata.category(ch) == "Nd" and not ch.isascii() for ch in number):
        raise UnitError("digits must be ASCII 0-9")
    unexpected = sorted({ch for ch in number if ch not in "0123456789.,_ '+-"})
    if unexpected:
        raise UnitError(f"unexpected character {unexpected[0]!r} in the number")
    if "," in number:
        raise UnitError("decimal comma or digit grouping: write the number like 1.5 or 1000")
    if "_" in number or " " in number or "'" in number:
        raise UnitError("digit grouping is not accepted: write the number like 1000")
    if number.startswith("-"):
        raise UnitError("negative quantities are not accepted")
    if number.startswith("+"):
        raise UnitError("write the number without a sign")
    if number.startswith("."):
        raise UnitError("write a leading zero, like 0.5")
    if not _PLAIN_DECIMAL.fullmatch(number):
        raise UnitError("not a plain decimal number (up to 12 digits each side of the point)")
    return Decimal(number)


def _split(text: str) -> tuple[str, str]:
    """Split at the first letter: a number has none, and every accepted unit starts with one."""
    for index, ch in enumerate(text):
        if ch.isalpha():
            return text[:index].rstrip(), text[index:]
    return text, ""


def _unit_parts(unit: str) -> list[str]:
    parts = unit.split("/")
    if len(parts) > 2 or any(not part for part in parts):
        raise UnitError(f"unit {unit!r} is not of the form 'mass/volume' or 'mass/time'")
    for part in parts:
        if part in ALL_SPELLINGS:
            continue
        if any(ch.isdigit() for ch in part):
            raise UnitError(
                f"unit {unit!r} has a number in it: write the time unit alone, like 'mL/day'"
            )
        suggestions = sorted(s for s in ALL_SPELLINGS if s.lower() == part.lower())
        hint = f" (units are case-sensitive: did you mean {' or '.join(suggestions)}?)"
        raise UnitError(
            f"unknown unit {part!r}"
            + (hint if suggestions else "")
            + f"; accepted: {', '.join(sorted(ALL_SPELLINGS))}"
        )
    return parts


def parse_quantity(text: object, kind: Kind, *, allow_zero: bool = True) -> Measured:
    """Turn the text of one quantity into its exact canonical value, or raise `UnitError`."""
    if type(text) is str:
        return _parse_text(text, kind, allow_zero)
    if isinstance(text, int | float | Decimal) and not isinstance(text, bool):
        raise UnitError(f"missing unit: write {kind.example}")
    raise UnitError(f"expected text with a unit, {kind.example}")


def quantity_parser(kind: Kind, *, allow_zero: bool = True) -> Callable[[object], Measured]:
    """`parse_quantity` for one kind, for a record field that parses a value of it on every
    row: the same values and the same errors, from a cache keyed by the text alone (the kind
    and `allow_zero` are fixed), so a row's quantities do not each hash the kind again."""

    @functools.lru_cache(maxsize=1024)
    def parse_text(text: str) -> Measured:
        return _parse_text.__wrapped__(text, kind, allow_zero)

    def parse(text: object) -> Measured:
        if type(text) is str:
            return parse_text(text)
        return parse_quantity(text, kind, allow_zero=allow_zero)  # refused, with its reason

    return parse


# Bounded, so a sheet of all-different quantities cannot grow memory without limit; a refusal
# is not cached (an exception leaves no entry) and is simply worked out again.
@functools.lru_cache(maxsize=4096)
def _parse_text(text: str, kind: Kind, allow_zero: bool) -> Measured:
    stripped = text.strip(" ")
    if not stripped:
        raise UnitError(f"empty: write {kind.example}")
    lowered = stripped.lower()
    if lowered.startswith(("nan", "inf", "-inf", "+inf", "infinity")):
        raise UnitError("not a finite number")
    if _EXPONENT.match(stripped):
        raise UnitError("exponent notation is not accepted: write the number in full")
    number, unit = _split(stripped)
    if not number:
        raise UnitError(f"missing number: write {kind.example}")
    if not unit:
        _check_number(number)
        raise UnitError(f"missing unit: write {kind.example}")
    value = _check_number(number)
    parts = _unit_parts(unit)
    dimensions = (_dimension_of(parts[0]), _dimension_of(parts[1]) if len(parts) == 2 else None)
    if dimensions != (kind.numerator, kind.denominator):
        raise UnitError(f"wrong kind of quantity: expected {kind.example}")
    if value == 0 and not allow_zero:
        raise UnitError("must be greater than zero")
    canonical_value = value * conversion_factor(unit, kind.canonical)
    return Measured(text=text, value=canonical_value, kind=kind)


# Equal values give the same text, so a bounded cache is exact; it spares a sheet from
# formatting the same few doses and volumes again on every row.
@functools.lru_cache(maxsize=4096, typed=True)
def wide_enough(value: Decimal, places: int) -> Context:
    """A context with the digits to hold `value` to `places` decimal places: the default 28 are
    too few for the days a pump takes to empty at a dose far too small for its fill (1e30)."""
    return Context(prec=max(28, value.adjusted() + places + 2))


def format_number(value: Decimal, places: int = 4) -> str:
    """Render a number the ISMP way: a leading zero, no trailing zeros, no exponent."""
    rounded = value.quantize(Decimal(1).scaleb(-places), context=wide_enough(value, places))
    text = format(rounded.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def format_quantity(value: Decimal, unit: str, places: int = 4) -> str:
    return f"{format_number(value, places)} {unit}"
