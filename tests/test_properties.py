"""Issue 7's invariants as hypothesis properties: what the record parser refuses never gets a
verdict and always ends in one clean error and exit 3; the same record spelt in other units
gets the same verdict and findings; a dose that reaches above the ceiling or the allowed
increase is STOP; a higher dose or a later appointment never lowers the verdict.

Hypothesis settings: every property here runs under `property_settings(n)`: n examples
(`max_examples`, 80 to 300 below) and `derandomize=True`, so every run, on CI too, tries the
same examples and the suite's time is known (this module takes about 30 s). The records are
built from examples/visit-clear.yaml by tests/generated.py and checked through the functions
`itbcheck check` calls; the CLI ones through the command itself.

The allowed increase is judged between doses delivered by the same pump: whatever its accuracy
(up to +14.5 % for a SynchroMed II), it scales the previous dose and the new one alike, so the
ratio of the two delivered doses is the ratio of the prescribed ones times the concentration
factor. The ceiling is absolute: there the top of the accuracy band counts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itbcheck.cli import ExitCode
from itbcheck.exceptions import InvalidRecordError, Problem
from itbcheck.findings import Verdict
from tests.conftest import run_cli
from tests.generated import BANDS, SEVERITY, Visit, check, plain, replace, severity, visits


def property_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


QUANTITY_FIELDS = [
    ("refill", "dispensed_concentration"),
    ("refill", "programmed_concentration"),
    ("refill", "fill_volume"),
    ("refill", "aspirated_residual"),
    ("refill", "low_reservoir_alarm"),
    ("dosing", "previous_daily_dose"),
    ("dosing", "prescription", "daily_dose"),
]
# Every class of spelling the record format refuses (docs/record-format.md).
REFUSED = [
    "18", "18 MG", "18 Mg", "18 ML", "18 MCG/ML", "18 u", "18 U/mL", "1,5 mL", "2,000 mcg/mL",
    "2_000 mcg/mL", "2 000 mL", "2 mL/24h", "-5 mL", "nan mL", "NaN mcg/day", "inf mL",
    "-inf mL", "Infinity mL", "1e309 mL", "1E3 mcg/day", "١٨ mL", "１８ mL", ".5 mL", "05 mL",
    "", "   ", "mL", "18 mL extra", "18 mcg / mL", "1234567890123 mL", "18 mcg/mL/day",
]  # fmt: skip
WRONG_TYPES: list[Any] = [18, 18.5, True, [], {}, ["18 mL"]]


def _set(record: dict[str, Any], where: tuple[str, ...], value: object) -> dict[str, Any]:
    target = record
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    return record


@property_settings(80)
@given(
    visit=visits(),
    where=st.sampled_from(QUANTITY_FIELDS),
    value=st.one_of(st.sampled_from(REFUSED), st.sampled_from(WRONG_TYPES)),
)
def test_a_refused_record_is_one_clean_error_and_exit_3(
    visit: Visit, where: tuple[str, ...], value: object, tmp_path: Path
) -> None:
    """A record with a refused quantity gets no verdict: exit 3, nothing on stdout, one line
    per problem on stderr naming the file, and no traceback."""
    record = _set(visit.record(), where, value)
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record), "utf-8")
    with pytest.raises(InvalidRecordError):
        check(record)
    result = run_cli("check", str(path))
    lines = result.stderr.splitlines()
    assert (ExitCode.INVALID_RECORD, "") == (result.exit_code, result.stdout)
    assert [] == [line for line in lines if not line.startswith(f"{path}: ")]
    assert "Traceback" not in result.stderr


@property_settings(120)
@given(raw=st.binary(max_size=600), suffix=st.sampled_from([".json", ".yaml", ".txt"]))
def test_any_bytes_are_refused_cleanly(raw: bytes, suffix: str, tmp_path: Path) -> None:
    """Arbitrary bytes are never a record: exit 3 and one clean line per problem, never an
    internal error or a traceback."""
    path = tmp_path / f"record{suffix}"
    path.write_bytes(raw)
    result = run_cli("check", str(path))
    assert (ExitCode.INVALID_RECORD, "") == (result.exit_code, result.stdout)
    assert "Traceback" not in result.stderr


@property_settings(120)
@given(
    visit=visits(),
    where=st.sampled_from(QUANTITY_FIELDS),
    text=st.text(max_size=24),
)
def test_any_text_in_a_quantity_is_refused_or_checked_never_a_crash(
    visit: Visit, where: tuple[str, ...], text: str
) -> None:
    """Any text in a quantity field is either refused with a reason or checked; nothing else
    escapes the parser and the checks."""
    record = _set(visit.record(), where, text)
    problems: tuple[Problem, ...] = ()
    try:
        check(record)
    except InvalidRecordError as error:
        problems = error.problems
    assert [] == [problem for problem in problems if not problem.message]


# Spellings of a canonical value: (unit, number of canonical units in one written unit).
MASS = [("mcg", 1), ("µg", 1), ("μg", 1), ("ug", 1), ("mg", 1000)]
PER_TIME = [("day", 1), ("d", 1), ("h", 24), ("hr", 24), ("min", 1440)]
VOLUME = [("mL", 1), ("ml", 1)]
SPELLINGS = {
    "mcg/mL": [(f"{m}/{v}", mf * 1) for m, mf in MASS for v, _ in VOLUME],
    "mcg/day": [(f"{m}/{t}", mf * tf) for m, mf in MASS for t, tf in PER_TIME],
    "mcg": MASS,
    "mL": VOLUME,
}


def _exact(value: Decimal, factor: int) -> str | None:
    """`value` / `factor` written as a plain decimal of at most 12 digits each side, or None."""
    text = plain(value / factor)
    whole, _, fraction = text.partition(".")
    if len(whole) > 12 or len(fraction) > 12 or Decimal(text) * factor != value:
        return None
    return text


def _respelt(value: Any, choose: Callable[[st.SearchStrategy[Any]], Any]) -> Any:
    if isinstance(value, dict):
        return {key: _respelt(item, choose) for key, item in value.items()}
    if isinstance(value, list):
        return [_respelt(item, choose) for item in value]
    if not isinstance(value, str) or " " not in value:
        return value
    number, _, unit = value.partition(" ")
    if unit not in SPELLINGS:
        return value
    options = [
        (text, spelling)
        for spelling, factor in SPELLINGS[unit]
        if (text := _exact(Decimal(number), factor)) is not None
    ]
    text, spelling = choose(st.sampled_from(options))
    separator = choose(st.sampled_from([" ", ""]))
    return f"{text}{separator}{spelling}"


@property_settings(100)
@given(visit=visits(), data=st.data())
def test_equivalent_spellings_give_the_same_verdict_and_findings(
    visit: Visit, data: st.DataObject
) -> None:
    """Rewriting every quantity in an equivalent spelling (mg for mcg, per hour or minute for
    per day, ml for mL, µ, μ or u for mc) changes neither the verdict nor any finding."""
    record = visit.record()
    respelt = _respelt(record, data.draw)
    expected, actual = check(record), check(respelt)
    assert (expected.verdict, expected.findings) == (actual.verdict, actual.findings)


def _increase_limit(visit: Visit) -> Decimal:
    # A periodic refill (issue 11 point 1: running, filled, dose unchanged for 28 days) allows
    # up to 40 % spinal and 20 % cerebral; children and titration steps keep 15 % and 30 %.
    refill = visit.status == "running" and visit.fill > 0 and visit.hours_since_change >= 28 * 24
    if visit.age_years < 18:
        return Decimal(15)
    if visit.origin == "cerebral":
        return Decimal(20 if refill else 15)
    return Decimal(40 if refill else 30)


@property_settings(300)
@given(visit=visits())
def test_a_delivered_dose_above_the_ceiling_or_the_allowed_increase_is_stop(
    visit: Visit,
) -> None:
    """Whenever the dose delivered (after any concentration mismatch, at the top of the pump's
    accuracy band) exceeds the 1000 mcg/day ceiling, or rises from the previous dose by more
    than the allowed increase, the verdict is STOP."""
    factor = visit.dispensed / visit.programmed
    delivered = visit.prescribed * factor
    worst = delivered * (100 + BANDS[visit.profile]) / 100
    limit = _increase_limit(visit)
    too_much = worst > 1000
    if visit.previous_dose == 0:
        too_fast = delivered > 0
    else:
        too_fast = delivered * 100 > visit.previous_dose * (100 + limit)
    if too_much or too_fast:
        assert Verdict.STOP == check(visit.record()).verdict


@property_settings(100)
@given(visit=visits(), more=st.decimals(min_value=Decimal("0.1"), max_value=800, places=1))
def test_raising_the_dose_never_lowers_the_verdict(visit: Visit, more: Decimal) -> None:
    """From a dose at or above both the previous dose and the typical minimum, a higher dose
    never gets a milder verdict, so STOP never turns into CLEAR. (Below those, a higher dose can
    rightly end a withdrawal STOP.)"""
    start = max(visit.daily_dose, visit.previous_dose, Decimal(50))
    lower = replace(visit, daily_dose=start)
    higher = replace(visit, daily_dose=start + more)
    assert severity(higher) >= severity(lower)


@property_settings(100)
@given(visit=visits(), later=st.integers(1, 400))
def test_a_later_appointment_never_lowers_the_verdict(visit: Visit, later: int) -> None:
    """Moving the next refill later, from any day after the visit, never gets a milder verdict,
    so STOP never turns into CLEAR."""
    earlier = severity(visit)
    assert severity(replace(visit, appointment_days=visit.appointment_days + later)) >= earlier


def test_severity_order_is_the_verdict_order() -> None:
    """The severity scale the monotonicity properties compare is CLEAR < CAUTION < STOP."""
    assert [0, 1, 2] == [SEVERITY[v] for v in (Verdict.CLEAR, Verdict.CAUTION, Verdict.STOP)]
