"""Issue 11 ("Clinically right both ways"), points 2, 6, 7 and 12: a test named after each
point, properties over the class each point fixes (so that the fixture example cannot hide a
neighbour of it), and the record refusals the new optional dates bring. The per-check fixtures
and their hand derivations are in tests/checks/ (test_residual.py, test_reservoir.py,
test_patient.py)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itbcheck.checking import CheckResult, check_record
from itbcheck.checks import catalogue
from itbcheck.exceptions import InvalidRecordError
from itbcheck.findings import Hazard, Severity, Verdict
from itbcheck.history import History, PastVisit
from itbcheck.policy import load_policy
from itbcheck.reading import load_document
from itbcheck.records import parse_record
from tests.conftest import CHECK_FIXTURES, run_cli
from tests.generated import CLEAR_RECORD, VISIT, check, plain

NEAR_FULL = "RESIDUAL_NEAR_FULL"
# The clear visit: 400 mcg/day before at 2000 mcg/mL, 0.2 mL/day; a 20 mL SynchroMed II
# with a 1 mL residual-gap threshold.
FLOW = Decimal("0.2")
TENTH = Decimal("0.1")


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


def _refill(*, filled: Decimal, days: int, expected: Decimal, aspirated: Decimal) -> dict[str, Any]:
    """The clear visit with a previous fill `days` before it and the two residuals."""
    record = copy.deepcopy(CLEAR_RECORD)
    record["refill"] |= {
        "previous_fill_volume": f"{plain(filled)} mL",
        "previous_fill_date": (VISIT.date() - dt.timedelta(days=days)).isoformat(),
        "expected_residual": f"{plain(expected)} mL",
        "aspirated_residual": f"{plain(aspirated)} mL",
    }
    return record


# Point 2: an early refill is not a pump that delivered nothing.


@_settings(150)
@given(days=st.integers(1, 20), offset=st.integers(-5, 5))
def test_point_2_refill_the_programmer_and_calendar_expect_is_never_no_delivery(
    days: int, offset: int
) -> None:
    """A 20 mL fill `days` ago, the programmer expecting 20 - 0.2 x days mL and up to 0.5 mL
    more or less aspirated: never RESIDUAL_NEAR_FULL and never STOP, however full."""
    expected = Decimal(20) - FLOW * days
    aspirated = min(expected + offset * TENTH, Decimal(20))
    result = check(_refill(filled=Decimal(20), days=days, expected=expected, aspirated=aspirated))
    assert (False, True) == (
        NEAR_FULL in [f.code for f in result.findings],
        result.verdict is not Verdict.STOP,
    )


@_settings(150)
@given(days=st.integers(11, 200), aspirated=st.integers(190, 200), lag=st.integers(-5, 5))
def test_point_2_near_full_long_after_the_fill_is_always_stop(
    days: int, aspirated: int, lag: int
) -> None:
    """19 to 20 mL back from a 20 mL fill at least 11 days (2.2 mL due) ago is RESIDUAL_NEAR_FULL
    STOP whatever the programmer expects: at most 1 mL left, more than 1 mL beyond it was due."""
    back = aspirated * TENTH
    expected = min(back + lag * TENTH, Decimal(20))
    result = check(_refill(filled=Decimal(20), days=days, expected=expected, aspirated=back))
    found = [f for f in result.findings if f.code == NEAR_FULL]
    assert [(Severity.STOP, Hazard.WITHDRAWAL)] == [(f.severity, f.hazard) for f in found]


def test_point_2_previous_fill_after_the_visit_is_refused() -> None:
    """A previous fill dated after the visit contradicts the record: refused, naming the field."""
    record = _refill(filled=Decimal(20), days=-1, expected=Decimal(19), aspirated=Decimal(19))
    with pytest.raises(InvalidRecordError) as error:
        check(record)
    assert ["refill.previous_fill_date"] == [p.location for p in error.value.problems]


# Point 6: end of service apart from the elective replacement indicator.


def test_point_6_eri_after_end_of_service_is_refused() -> None:
    """An ERI date after the end of service it warns of is refused, naming the ERI field."""
    record = copy.deepcopy(CLEAR_RECORD)
    record["pump"] |= {"elective_replacement": "2027-06-01", "end_of_service": "2027-05-01"}
    with pytest.raises(InvalidRecordError) as error:
        check(record)
    assert ["pump.elective_replacement"] == [p.location for p in error.value.problems]


@pytest.mark.parametrize(
    ("end_of_service", "elective_replacement", "expected"),
    [
        ("2027-01-15", None, (Verdict.STOP, ["PUMP_END_OF_SERVICE"])),  # on the refill day
        ("2027-01-16", None, (Verdict.CLEAR, [])),  # the day after
        (None, "2027-01-15", (Verdict.CAUTION, ["PUMP_ELECTIVE_REPLACEMENT"])),
        (None, "2026-10-17", (Verdict.STOP, ["PUMP_END_OF_SERVICE"])),  # + 90 = 2027-01-15
        (None, "2026-10-18", (Verdict.CAUTION, ["PUMP_ELECTIVE_REPLACEMENT"])),  # 2027-01-16
        ("2027-03-01", "2026-10-01", (Verdict.CAUTION, ["PUMP_ELECTIVE_REPLACEMENT"])),
    ],
    ids=["eos-on-day", "eos-day-after", "eri-on-day", "eri-90-on-day", "eri-90-after", "both"],
)
def test_point_6_end_of_service_boundaries(
    end_of_service: str | None,
    elective_replacement: str | None,
    expected: tuple[Verdict, list[str]],
) -> None:
    """Next refill 2027-01-15: end of service on or before it is STOP, the day after is not;
    an ERI on or before it is CAUTION unless, with no end of service recorded, ERI + 90 days
    falls on or before it; a recorded end of service wins over the estimate."""
    record = copy.deepcopy(CLEAR_RECORD)
    dates = {"end_of_service": end_of_service, "elective_replacement": elective_replacement}
    record["pump"] |= {key: value for key, value in dates.items() if value is not None}
    result = check(record)
    codes = [f.code for f in result.findings if f.severity is not Severity.NOTE]
    assert expected == (result.verdict, codes)


# Point 7: hazards that say what the code means.

REVIEWED = {
    "CONCENTRATION_NONSTANDARD": Hazard.EITHER,
    "CONCENTRATION_MISMATCH": Hazard.EITHER,
    "RESIDUAL_GAP": Hazard.EITHER,
    "BRIDGE_MISSING": Hazard.EITHER,
    "BRIDGE_INCORRECT": Hazard.EITHER,
    "HISTORY_RESIDUAL_ASPIRATED": Hazard.EITHER,
    "RESIDUAL_NOT_ASPIRATED": Hazard.OVERDOSE,
    "REFILL_INTERVAL_BEYOND_STABILITY": Hazard.WITHDRAWAL,
    "PUMP_END_OF_SERVICE": Hazard.WITHDRAWAL,
    "PUMP_ELECTIVE_REPLACEMENT": Hazard.DEVICE,
    "RENAL_IMPAIRMENT": Hazard.OVERDOSE,
}


def test_point_7_reviewed_hazards() -> None:
    """The codes of the hazard review in docs/findings.md carry the hazard the review gives."""
    assert REVIEWED == {code: catalogue()[code].hazard for code in REVIEWED}


def test_point_7_nonstandard_strength_is_either_direction_in_json() -> None:
    """A compounded 1500 mcg/mL strength is reported with hazard 'either' in the JSON output."""
    result = run_cli("check", str(CHECK_FIXTURES / "nonstandard_1500.yaml"), "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    hazards = [f["hazard"] for f in findings if f["code"] == "CONCENTRATION_NONSTANDARD"]
    assert ["either"] == hazards


@pytest.mark.parametrize("status", ["running", "stopped", "stalled"])
def test_point_7_nothing_aspirated_is_overdose_unless_the_pump_arrived_empty(status: str) -> None:
    """0 mL aspirated is an overdose STOP (a pocket fill may follow) from a pump that did not
    arrive empty; from an empty pump it is withdrawal (residual_0_ml_pump_arrived_empty.yaml)."""
    record = copy.deepcopy(CLEAR_RECORD)
    record["pump"]["status_at_arrival"] = status
    record["refill"]["aspirated_residual"] = "0 mL"
    if status != "running":
        record["dosing"]["prescription"]["daily_dose"] = "200 mcg/day"  # a reduced restart
    found = [f for f in check(record).findings if f.code == "RESIDUAL_NOT_ASPIRATED"]
    assert [(Severity.STOP, Hazard.OVERDOSE)] == [(f.severity, f.hazard) for f in found]


# Point 12: renal impairment is not a silent promise.


@_settings(60)
@given(renal=st.booleans(), daily=st.integers(300, 520))
def test_point_12_renal_impairment_never_changes_the_verdict(renal: bool, daily: int) -> None:
    """Renal impairment adds the NOTE RENAL_IMPAIRMENT exactly when it is recorded, and the
    verdict is the one the same visit gets without it."""
    record = copy.deepcopy(CLEAR_RECORD)
    record["dosing"]["prescription"]["daily_dose"] = f"{daily} mcg/day"
    without = check(record).verdict
    record["patient"]["renal_impairment"] = renal
    result = check(record)
    notes = [f.code for f in result.findings if f.code == "RENAL_IMPAIRMENT"]
    assert (without, ["RENAL_IMPAIRMENT"] if renal else []) == (result.verdict, notes)


def _early_refill_without_date(history: History | None) -> CheckResult:
    """early_refill_5_days_matching_programmer.yaml without its previous_fill_date."""
    name = "early_refill_5_days_matching_programmer.yaml"
    document = load_document((CHECK_FIXTURES / name).read_bytes(), name)
    del document["refill"]["previous_fill_date"]
    return check_record(parse_record(document, name), load_policy(), name, history)


def _filled(days_before: int) -> PastVisit:
    """The last visit on file: the same pump filled to 20 mL at 0.2 mL/day `days_before`."""
    return PastVisit(
        visit_time=VISIT - dt.timedelta(days=days_before),
        pump_token="pump-token",
        profile="synchromed-ii-20ml",
        dispensed_mcg_per_ml=Decimal(2000),
        prescribed_mcg_per_day=Decimal(400),
        previous_mcg_per_day=Decimal(400),
        pump_ml_per_day=FLOW,
        fill_ml=Decimal(20),
        verdict="CLEAR",
        audit_seq=1,
    )


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        (None, (Verdict.STOP, ["RESIDUAL_NEAR_FULL"])),
        # 0.2 mL/day x 5 = 1 mL due, 0.9 mL left: the store confirms the early refill. The
        # history band: 20 - 1 x 1.145 = 18.855 to 20 - 1 x 0.855 = 19.145 mL holds both
        # residuals (19 and 19.1 mL).
        (History(pump_token="pump-token", visits=(_filled(5),)), (Verdict.CLEAR, [])),
    ],
    ids=["no-store", "store-5-days"],
)
def test_point_2_the_visit_store_dates_the_last_fill(
    history: History | None, expected: tuple[Verdict, list[str]]
) -> None:
    """Without previous_fill_date, the last visit on file with the same pump dates the last
    fill: an early refill it confirms is CLEAR; with no store it stays the asking STOP."""
    result = _early_refill_without_date(history)
    codes = sorted(f.code for f in result.findings if f.severity is not Severity.NOTE)
    assert expected == (result.verdict, codes)


def test_point_2_the_visit_store_catches_no_delivery() -> None:
    """The same residuals with the last fill on file 40 days ago (8 mL due, at most 0.9 mL
    left): RESIDUAL_NEAR_FULL STOP, dated from the store."""
    result = _early_refill_without_date(History(pump_token="pump-token", visits=(_filled(40),)))
    found = [f for f in result.findings if f.code == NEAR_FULL]
    days = [g.value for f in found for g in f.figures if g.name == "days_since_fill"]
    assert ([Severity.STOP], [Decimal(40)]) == ([f.severity for f in found], days)
