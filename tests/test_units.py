"""Quantities: the allowlist of spellings, exact normalisation, and every refusal class."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itbcheck.exceptions import UnitError
from itbcheck.units import Kind, format_number, parse_quantity


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("2000 mcg/mL", Kind.CONCENTRATION, Decimal(2000)),
        ("0.5 mg/mL", Kind.CONCENTRATION, Decimal(500)),
        ("2 mg/ml", Kind.CONCENTRATION, Decimal(2000)),
        ("500 µg/mL", Kind.CONCENTRATION, Decimal(500)),  # U+00B5 micro sign
        ("500 μg/mL", Kind.CONCENTRATION, Decimal(500)),  # U+03BC Greek mu
        ("500 ug/mL", Kind.CONCENTRATION, Decimal(500)),
        ("480 mcg/day", Kind.DOSE_RATE, Decimal(480)),
        ("480 mcg/d", Kind.DOSE_RATE, Decimal(480)),
        ("20 mcg/h", Kind.DOSE_RATE, Decimal(480)),  # 20 x 24
        ("20 mcg/hr", Kind.DOSE_RATE, Decimal(480)),
        ("0.5 mcg/min", Kind.DOSE_RATE, Decimal(720)),  # 0.5 x 1440
        ("0.8 mg/day", Kind.DOSE_RATE, Decimal(800)),
        ("18 mL", Kind.VOLUME, Decimal(18)),
        ("18mL", Kind.VOLUME, Decimal(18)),
        ("0.14 ml", Kind.VOLUME, Decimal("0.14")),
        ("0.025 mL/h", Kind.VOLUME_RATE, Decimal("0.6")),  # 0.025 x 24
        ("50 mcg", Kind.MASS, Decimal(50)),
        ("0.05 mg", Kind.MASS, Decimal(50)),
        ("24 h", Kind.DURATION, Decimal(24)),
        ("1 day", Kind.DURATION, Decimal(24)),
        ("0 mL", Kind.VOLUME, Decimal(0)),
    ],
)
def test_accepted_spellings_normalise_exactly(text: str, kind: Kind, expected: Decimal) -> None:
    """Every allowlisted spelling converts to the exact canonical value derived by hand."""
    assert expected == parse_quantity(text, kind).value


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2000", "missing unit"),
        (2000, "missing unit"),
        (2.5, "missing unit"),
        (True, "expected text"),
        (None, "expected text"),
        ("mcg/mL", "missing number"),
        ("", "empty"),
        ("   ", "empty"),
        ("2000 MCG/mL", "unknown unit 'MCG'"),
        ("2 MG/mL", "did you mean mg"),
        ("2 Mg/mL", "did you mean mg"),
        ("2000 mcg/ML", "did you mean mL or ml"),
        ("5 u/mL", "unknown unit 'u'"),
        ("5 U/mL", "unknown unit 'U'"),
        ("5 units/mL", "unknown unit 'units'"),
        ("2000 mcg/L", "unknown unit 'L'"),
        ("2000 g/mL", "unknown unit 'g'"),
        ("2000 mcg / mL", "unknown unit"),
        ("2000 mcg/mL/day", "not of the form"),
        ("480 mcg/day", "wrong kind of quantity"),
        ("1,5 mg/mL", "decimal comma"),
        ("1,000 mcg/mL", "decimal comma or digit grouping"),
        ("1_000 mcg/mL", "digit grouping"),
        ("1 000 mcg/mL", "digit grouping"),
        ("1'000 mcg/mL", "digit grouping"),
        ("2 mcg/mL/24h", "not of the form"),
        ("-500 mcg/mL", "negative"),
        ("+500 mcg/mL", "without a sign"),
        (".5 mg/mL", "leading zero"),
        ("5. mg/mL", "plain decimal"),
        ("0500 mcg/mL", "plain decimal"),
        ("0 mcg/mL", "greater than zero"),
        ("nan mcg/mL", "not a finite number"),
        ("NaN mcg/mL", "not a finite number"),
        ("inf mcg/mL", "not a finite number"),
        ("-inf mcg/mL", "not a finite number"),
        ("Infinity mcg/mL", "not a finite number"),
        ("1e309 mcg/mL", "exponent"),
        ("5E2 mcg/mL", "exponent"),
        ("٥٠٠ mcg/mL", "ASCII"),  # Arabic-Indic digits
        ("５００ mcg/mL", "ASCII"),  # full-width digits
        ("1234567890123 mcg/mL", "plain decimal"),
        ("500 mcg/mL extra", "unknown unit"),
    ],
)
def test_refused_spellings_name_the_reason(value: object, reason: str) -> None:
    """Each class of unclear quantity is refused with a reason, never guessed."""
    with pytest.raises(UnitError) as caught:
        parse_quantity(value, Kind.CONCENTRATION, allow_zero=False)
    assert reason in str(caught.value)


def test_compound_time_in_a_rate_is_refused() -> None:
    """'2 mL/24h' (which pint reads as mL·h/24) is refused, not reinterpreted."""
    with pytest.raises(UnitError, match="has a number in it"):
        parse_quantity("2 mL/24h", Kind.VOLUME_RATE)


def test_zero_dose_is_a_real_value() -> None:
    """A zero dose or zero residual reaches the checks; only some kinds refuse zero."""
    assert Decimal(0) == parse_quantity("0 mcg/day", Kind.DOSE_RATE).value


def test_text_is_kept_as_written() -> None:
    """The parsed quantity remembers exactly what was written, for messages and audit."""
    assert parse_quantity("0.5 mg/mL", Kind.CONCENTRATION).text == "0.5 mg/mL"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("3200"), "3200"),
        (Decimal("5.0"), "5"),
        (Decimal("0.5"), "0.5"),
        (Decimal("1.6000"), "1.6"),
        (Decimal("63.33333"), "63.3333"),
        (Decimal("0.0125"), "0.0125"),
        (Decimal("5E+2"), "500"),
        (Decimal("0"), "0"),
    ],
)
def test_numbers_are_shown_the_ismp_way(value: Decimal, expected: str) -> None:
    """Shown numbers have a leading zero, no trailing zero and no exponent."""
    assert expected == format_number(value)


_MASS = st.sampled_from([("mcg", 1), ("µg", 1), ("μg", 1), ("ug", 1), ("mg", 1000)])
_TIME = st.sampled_from([("day", 1), ("d", 1), ("h", 24), ("hr", 24), ("min", 1440)])
_DECIMALS = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(99999), places=3)


@settings(max_examples=200, deadline=None)
@given(number=_DECIMALS, mass=_MASS, time=_TIME)
def test_dose_rate_spellings_agree_with_hand_factors(
    number: Decimal, mass: tuple[str, int], time: tuple[str, int]
) -> None:
    """Any allowlisted mass/time spelling gives number x mass factor x time factor exactly."""
    text = f"{format_number(number)} {mass[0]}/{time[0]}"
    expected = Decimal(format_number(number)) * mass[1] * time[1]
    assert expected == parse_quantity(text, Kind.DOSE_RATE).value


@settings(max_examples=200, deadline=None)
@given(number=_DECIMALS)
def test_mg_and_mcg_round_trip(number: Decimal) -> None:
    """Writing a concentration in mg/mL or in the equivalent mcg/mL gives the same value."""
    in_mg = parse_quantity(f"{format_number(number)} mg/mL", Kind.CONCENTRATION).value
    in_mcg = parse_quantity(f"{format_number(in_mg)} mcg/mL", Kind.CONCENTRATION).value
    assert in_mg == in_mcg


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=30))
def test_any_text_is_parsed_or_refused_cleanly(text: str) -> None:
    """Arbitrary text either parses to a finite, non-negative value or raises UnitError."""
    try:
        measured = parse_quantity(text, Kind.DOSE_RATE)
    except UnitError:
        return
    assert measured.value.is_finite()
    assert measured.value >= 0
