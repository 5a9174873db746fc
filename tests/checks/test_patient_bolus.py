"""Patient-activated boluses (issue 11 point 8): the most the patient can give, counted once in
the dose summary and read by the daily ceiling, the rise against the previous visit's most, the
reservoir forecast (both pumps) and the delivery curve.

Hand derivations are in each fixture's header comment ([34] Prometra PTC guide: the refill date
assumes every allotted bolus is given).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from itbcheck.checking import check_record
from itbcheck.delivery import patient_bolus_minutes
from itbcheck.dosing import DoseSummary, summarise
from itbcheck.exceptions import InvalidRecordError
from itbcheck.findings import Verdict
from itbcheck.policy import load_policy
from itbcheck.reading import load_document
from itbcheck.records import parse_record
from tests.checks.helpers import Case, figures_of, params, the_finding
from tests.checks.profile_variants import NoteCase
from tests.conftest import CHECK_FIXTURES, check_file, codes_of, note_codes_of

COUNTED = "PATIENT_BOLUS_COUNTED"
RISE = "PATIENT_BOLUS_INCREASE_ABOVE_LIMIT"
LOCKOUT = "PATIENT_BOLUS_LOCKOUT_INCONSISTENT"
RATE = "RATE_RANGE_UNCHECKED"

DAY_10 = "patient_bolus_400_plus_4_x_50_refill_day_10.yaml"
DAY_11 = "patient_bolus_400_plus_4_x_50_refill_day_11.yaml"
CEILING = "patient_bolus_800_plus_12_x_20_above_ceiling.yaml"
NEW = "patient_bolus_new_8_x_20_on_400.yaml"
UNCHANGED = "patient_bolus_8_x_20_unchanged_on_400.yaml"
BASAL = "patient_bolus_unchanged_basal_400_to_560.yaml"
EIGHT_HOURS = "patient_bolus_lockout_8_h_4_a_day.yaml"
HALF_HOUR = "patient_bolus_60_mcg_lockout_30_min.yaml"
OLD_DRUG = "patient_bolus_20_mcg_during_2000_to_500.yaml"

CASES: list[Case] = [
    (DAY_10, Verdict.CAUTION, ["DELIVERY_PEAK_HOUR"]),
    (DAY_11, Verdict.STOP, ["DELIVERY_PEAK_HOUR", "REFILL_AFTER_ALARM"]),
    (CEILING, Verdict.STOP, ["DOSE_ABOVE_CEILING"]),
    (NEW, Verdict.STOP, [RISE]),
    (UNCHANGED, Verdict.CLEAR, []),
    (BASAL, Verdict.STOP, ["INCREASE_ABOVE_LIMIT"]),
    (EIGHT_HOURS, Verdict.CAUTION, [LOCKOUT]),
    (HALF_HOUR, Verdict.STOP, ["DELIVERY_PEAK_HOUR"]),
    (OLD_DRUG, Verdict.CAUTION, ["CATHETER_VOLUME_UNCHECKED", "DELIVERY_PEAK_HOUR"]),
]
NOTE_CASES: list[NoteCase] = [(name, [COUNTED, RATE]) for name, _, _ in CASES]


def mcg_day(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "mcg/day"


def summary_of(name: str) -> DoseSummary:
    raw = (CHECK_FIXTURES / name).read_bytes()
    return summarise(parse_record(load_document(raw, name), name))


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each patient-bolus fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


@pytest.mark.parametrize(("name", "notes"), NOTE_CASES)
def test_notes(name: str, notes: list[str]) -> None:
    """Every record with patient boluses says, in a NOTE, that they were counted as given."""
    assert notes == note_codes_of(check_file(CHECK_FIXTURES / name))


def test_point_8_the_most_per_day_is_in_the_dose_summary() -> None:
    """Issue 11 point 8: 400 mcg/day + 4 x 50 mcg = 600 mcg/day at most, 1.2 mL/day at
    500 mcg/mL, against 400 mcg/day and 0.8 mL/day programmed."""
    dose = summary_of(DAY_10)
    expected = (Decimal(400), Decimal(200), Decimal(600), Decimal(600), Decimal("0.8"))
    actual = (
        dose.prescribed_daily_dose_mcg_per_day,
        dose.patient_bolus_daily_max_mcg_per_day,
        dose.most_daily_dose_mcg_per_day,
        dose.previous_most_daily_dose_mcg_per_day,
        dose.pump_daily_volume_ml_per_day,
    )
    assert (expected, Decimal("1.2")) == (actual, dose.most_daily_volume_ml_per_day)


def test_point_8_the_reservoir_forecast_counts_every_bolus() -> None:
    """Issue 11 point 8: 18 mL above the alarm at 1.2 mL/day is 15 days nominal and
    18 / 1.374 days at worst, not the 22.5 days of the programmed flow alone."""
    outlook = check_file(CHECK_FIXTURES / DAY_10).forecast
    expected = (Decimal(15), Decimal(18) / Decimal("1.374"))
    assert expected == (outlook.days_to_alarm_nominal, outlook.days_to_alarm_worst)


def test_point_8_the_ceiling_counts_every_bolus() -> None:
    """Issue 11 point 8: 800 mcg/day + 12 x 20 mcg = 1040 mcg/day, above the 1000 ceiling."""
    found = the_finding(check_file(CHECK_FIXTURES / CEILING), "DOSE_ABOVE_CEILING")
    expected = {
        "prescribed_daily_dose": mcg_day("800"),
        "patient_bolus_daily_max": mcg_day("240"),
        "most_daily_dose": mcg_day("1040"),
        "hard_ceiling": mcg_day("1000"),
    }
    assert expected == figures_of(found)


def test_point_8_a_new_patient_bolus_is_an_increase() -> None:
    """Issue 11 point 8: 400 -> 400 + 8 x 20 = 560 mcg/day at most is +40 %, above 30 %; at
    most 520 mcg/day in all, 6 activations of 20 mcg."""
    found = the_finding(check_file(CHECK_FIXTURES / NEW), RISE)
    expected = {
        "previous_most_daily_dose": mcg_day("400"),
        "most_daily_dose": mcg_day("560"),
        "limit": (Decimal(30), "%"),
        "change": (Decimal(40), "%"),
    }
    assert (expected, True) == (figures_of(found), "at most 6 activations" in found.action)


def test_point_8_unchanged_boluses_do_not_hide_a_basal_increase() -> None:
    """Issue 11 point 8: 400 -> 560 mcg/day (+40 %) with unchanged boluses is still
    INCREASE_ABOVE_LIMIT, though the most per day rises only 33.3 %, and is reported once."""
    result = check_file(CHECK_FIXTURES / BASAL)
    found = the_finding(result, "INCREASE_ABOVE_LIMIT")
    assert (Decimal(40), "%") == figures_of(found)["change"]


@pytest.mark.parametrize(
    ("lockout", "per_day", "expected"),
    [
        # 4 h lockout: 0, 4, 8, 12 h, then the next day's four from 24 h.
        ("4 h", 4, [0, 240, 480, 720, 1440, 1680, 1920, 2160]),
        # 8 h x 4 = 32 h: the fourth at 24 h, then each at least 24 h after the one three back.
        ("8 h", 4, [0, 480, 960, 1440, 1920, 2400]),
        # One a day: every 24 h.
        ("1 h", 1, [0, 1440]),
    ],
    ids=["4h-x4", "8h-x4", "1h-x1"],
)
def test_point_8_presses_as_early_as_the_lockout_allows(
    lockout: str, per_day: int, expected: list[int]
) -> None:
    """Issue 11 point 8: in the 48-hour curve the patient presses as early as the lockout
    allows, never more than max_per_day in any 24 hours."""
    raw = (CHECK_FIXTURES / DAY_10).read_text("utf-8")
    raw = raw.replace(
        'lockout: "4 h"\n    max_per_day: 4', f'lockout: "{lockout}"\n    max_per_day: {per_day}', 1
    )
    dose = summarise(parse_record(load_document(raw.encode(), "x.yaml"), "x.yaml"))
    assert [Fraction(t) for t in expected] == patient_bolus_minutes(dose)


@pytest.mark.parametrize(
    ("lockout", "per_day", "expected"),
    [("4 h", 4, 1), ("1 h", 4, 1), ("30 min", 4, 2), ("25 min", 4, 3), ("25 min", 2, 2)],
)
def test_point_8_presses_that_fit_in_one_hour(lockout: str, per_day: int, expected: int) -> None:
    """Issue 11 point 8: one press, then one per lockout, fit in an hour (ceil(60 / lockout)),
    at most the day's allowance."""
    raw = (CHECK_FIXTURES / DAY_10).read_text("utf-8")
    raw = raw.replace(
        'lockout: "4 h"\n    max_per_day: 4', f'lockout: "{lockout}"\n    max_per_day: {per_day}', 1
    )
    dose = summarise(parse_record(load_document(raw.encode(), "x.yaml"), "x.yaml"))
    assert dose.patient_bolus is not None
    assert expected == dose.patient_bolus.most_in_hour


def test_point_8_busiest_hour_adds_the_presses() -> None:
    """Issue 11 point 8: two 60 mcg presses fit in an hour with a 30 min lockout: 120 mcg
    beyond the mean, STOP."""
    found = the_finding(check_file(CHECK_FIXTURES / HALF_HOUR), "DELIVERY_PEAK_HOUR")
    figures = figures_of(found)
    expected = ((Decimal(120), "mcg"), (Decimal(120), "mcg"), "STOP")
    actual = (figures["extra_drug"], figures["patient_bolus_drug"], found.severity.name)
    assert expected == actual


def test_point_8_a_press_pushes_out_the_stronger_old_drug() -> None:
    """Issue 11 point 8: on 2000 -> 500 mcg/mL a 20 mcg press (0.04 mL) carries 0.04 x 2000 =
    80 mcg of the old drug."""
    found = the_finding(check_file(CHECK_FIXTURES / OLD_DRUG), "DELIVERY_PEAK_HOUR")
    assert (Decimal(80), "mcg") == figures_of(found)["patient_bolus_drug"]


@pytest.mark.parametrize(
    ("field", "written", "location"),
    [
        ("max_per_day: 4", "max_per_day: 0", "dosing.patient_bolus.max_per_day"),
        ("max_per_day: 4", "max_per_day: 97", "dosing.patient_bolus.max_per_day"),
        ('lockout: "4 h"', 'lockout: "0 h"', "dosing.patient_bolus.lockout"),
        ('dose: "50 mcg"', 'dose: "50 mcg/day"', "dosing.patient_bolus.dose"),
    ],
    ids=["zero-a-day", "97-a-day", "no-lockout", "dose-as-rate"],
)
def test_point_8_a_patient_bolus_is_validated(field: str, written: str, location: str) -> None:
    """Issue 11 point 8: activations per day are 1 to 96, the lockout above zero, the dose an
    amount: anything else is refused, naming the field."""
    raw = (CHECK_FIXTURES / DAY_10).read_text("utf-8").replace(field, written, 1)
    with pytest.raises(InvalidRecordError) as refused:
        parse_record(load_document(raw.encode(), "x.yaml"), "x.yaml")
    assert location in [problem.location for problem in refused.value.problems]


def test_point_8_more_activations_never_lower_the_verdict() -> None:
    """Issue 11 point 8: allowing the patient more activations a day (1 to 24, 20 mcg, 1 h
    lockout, none before) never gives a better verdict: CLEAR up to 6 (400 + 6 x 20 = 520, +30
    %), STOP from 7 (540, +35 %)."""
    base = (CHECK_FIXTURES / UNCHANGED).read_text("utf-8")
    base = base.split("  previous_patient_bolus:")[0] + 'next_refill: "2026-12-08"\n'
    verdicts = []
    for count in range(1, 25):
        raw = base.replace(
            'lockout: "3 h"\n    max_per_day: 8', f'lockout: "1 h"\n    max_per_day: {count}'
        )
        record = parse_record(load_document(raw.encode(), "x.yaml"), "x.yaml")
        verdicts.append(check_record(record, load_policy()).verdict)
    order = [Verdict.CLEAR, Verdict.CAUTION, Verdict.STOP]
    ranks = [order.index(verdict) for verdict in verdicts]
    assert (sorted(ranks), [0] * 6 + [2] * 18) == (ranks, ranks)
