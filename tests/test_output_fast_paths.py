"""The shortcuts the JSON output takes for speed (issue 14) give exactly what the general path
gives: the same numbers, the same types, the same text."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itbcheck.output import _json_number
from itbcheck.textlines import KEEP_TOGETHER, wrap
from itbcheck.units import wide_enough


def _general(value: Decimal) -> int | float:
    """The number as `_json_number` gave it before its fast paths: quantised in a context made
    for the value, then an int when whole."""
    rounded = value.quantize(Decimal("0.000001"), context=wide_enough(value, 6))
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal(120), 120),  # whole: the fast path, no rounding
        (Decimal("1E+3"), 1000),  # whole with a positive exponent
        (Decimal("20.00"), 20),  # whole written with places
        (Decimal("-0.0"), 0),  # negative zero is the int 0, as quantised
        (Decimal("2.50"), 2.5),  # within six places: rounding changes nothing
        (Decimal("27.4999999999999999999999999"), 27.5),  # 27.500000 after rounding
        (Decimal("2.0000005"), 2),  # half even: 2.000000|5 rounds to 2.000000, whole
        (Decimal("2.0000015"), 2.000002),  # half even: 2.000001|5 rounds up to the even 2
        (Decimal("3.9999996"), 4),  # rounds up to a whole number
        (Decimal("-1.0000004"), -1),  # negative, rounds to whole
        (Decimal(10**30) / 7, 142857142857142857142857142900),  # 28 digits, exponent +2
        (Decimal("1E+30") / 3, 333333333333333333333333333300),
        (Decimal("1234567890123456789012.0000004"), 1234567890123456789012),  # past 28 digits
    ],
)
def test_json_number_hand_derived(value: Decimal, expected: int | float) -> None:
    """Each number becomes the hand-rounded value and type, as the general path gives it."""
    actual = _json_number(value)
    assert (type(expected), expected) == (type(actual), actual)
    assert (type(_general(value)), _general(value)) == (type(actual), actual)


@pytest.mark.parametrize("value", [Decimal("Infinity"), Decimal("-Infinity")])
def test_json_number_refuses_infinity(value: Decimal) -> None:
    """An infinite number is an error on the fast path's guard too, as in the general path."""
    with pytest.raises(InvalidOperation):
        _general(value)
    with pytest.raises(InvalidOperation):
        _json_number(value)


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_json_number_agrees_with_general_path(value: Decimal) -> None:
    """Any finite number gives the same int or float, and the same JSON text, either way."""
    expected = _general(value)
    actual = _json_number(value)
    assert (type(expected), repr(expected)) == (type(actual), repr(actual))


@given(st.integers(-(10**40), 10**40), st.integers(-30, 30))
def test_json_number_agrees_at_every_scale(coefficient: int, exponent: int) -> None:
    """Numbers of every size and number of places agree with the general path."""
    value = Decimal(coefficient).scaleb(exponent)
    expected = _general(value)
    actual = _json_number(value)
    assert (type(expected), repr(expected)) == (type(actual), repr(actual))


def test_wrap_fills_lines_greedily_with_whole_words() -> None:
    """Twenty 'word's (4 + 1 each) under a 4-space indent fill 15 words a line: 4 + 74 = 78
    columns, and a sixteenth would make 83."""
    text = " ".join(["word"] * 20)
    expected = ["    " + " ".join(["word"] * 15), "    " + " ".join(["word"] * 5)]
    assert expected == wrap(text, "    ")


@pytest.mark.parametrize(
    ("text", "indent", "expected"),
    [
        ("x" * 63, " " * 17, [" " * 17 + "x" * 63]),  # exactly 80 columns: one line
        ("a " + "x" * 62, " " * 17, [" " * 17 + "a", " " * 17 + "x" * 62]),  # 81: breaks
        (f"12{KEEP_TOGETHER}mL a", "", ["12 mL a"]),  # a kept-together space is shown as one
    ],
)
def test_wrap_edges(text: str, indent: str, expected: list[str]) -> None:
    """A line of exactly the width stays whole, one column more breaks at the last space, and
    a kept-together space becomes a plain one, as textwrap does it."""
    assert expected == wrap(text, indent)
