"""The cross-visit checks: the residual carried forward from the last visit's fill and flow
across the accuracy band, previous strength and dose against the last visit, the increase over
the policy's window, a changed pump, the visit order, and history that could not be read.

Hand derivations are in the fixtures' header comments and below.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from itbcheck.checking import CheckResult, check_record
from itbcheck.findings import Hazard, Severity, Verdict
from itbcheck.history import History, PastVisit
from itbcheck.policy import load_policy
from itbcheck.reading import load_document
from itbcheck.records import parse_record
from tests.checks.helpers import Case, figures_of, the_finding
from tests.conftest import CHECK_FIXTURES

OUT_OF_BAND = "history_expected_9_ml_aspirated_3_9_ml.yaml"
IN_BAND = "history_expected_6_56_ml_aspirated_6_2_ml.yaml"
BETWEEN = "history_titrated_between_refills_480_to_600.yaml"
REPLACED = "pump_replaced_residual_19_2_ml.yaml"
# The fixtures checked alone, as every fixture is (tests/checks/test_fixtures.py).
CASES: list[Case] = [
    (OUT_OF_BAND, Verdict.STOP, ["RESIDUAL_GAP"]),
    (IN_BAND, Verdict.CLEAR, []),
]
# Every cross-visit code, and the test below that derives it by hand.
HISTORY_CODES = {
    "HISTORY_UNAVAILABLE": "test_unreadable_history_is_a_caution",
    "HISTORY_VISIT_ORDER": "test_visit_not_after_the_last_is_a_record_error",
    "HISTORY_PUMP_CHANGED": "test_another_pump_is_said_and_nothing_is_carried_over",
    "HISTORY_RESIDUAL_PROGRAMMER": "test_programmer_expecting_9_ml_is_outside_4_61_to_8_51_ml",
    "HISTORY_RESIDUAL_ASPIRATED": "test_aspirated_3_9_ml_below_the_band_is_overdose",
    "HISTORY_PREVIOUS_MISMATCH": "test_previous_strength_and_dose_against_the_last_visit",
    "HISTORY_DOSE_CHANGED_SINCE": "test_titration_between_refills_is_a_note_not_a_mismatch",
    "HISTORY_CHANGE_TIME": "test_dose_change_time_before_the_last_changing_visit",
    "HISTORY_WINDOW_INCREASE": "test_three_30_percent_steps_in_seven_days",
}
PUMP = "pump-token"
LAST = PastVisit(
    visit_time=dt.datetime(2026, 10, 30, 10, 30, tzinfo=dt.UTC),
    pump_token=PUMP,
    profile="synchromed-ii-20ml",
    dispensed_mcg_per_ml=Decimal(1000),
    prescribed_mcg_per_day=Decimal(480),
    previous_mcg_per_day=Decimal(480),
    pump_ml_per_day=Decimal("0.48"),
    fill_ml=Decimal(20),
    verdict="CLEAR",
    audit_seq=1,
)


def checked(name: str, *visits: PastVisit, pump: str = PUMP) -> CheckResult:
    """The fixture checked with `visits` on file."""
    path = CHECK_FIXTURES / name
    record = parse_record(load_document(path.read_bytes(), name), name)
    return check_record(record, load_policy(), name, History(pump_token=pump, visits=visits))


def history_codes(result: CheckResult) -> list[str]:
    """The cross-visit codes found, sorted."""
    return sorted(f.code for f in result.findings if f.code.startswith("HISTORY_"))


def test_programmer_expecting_9_ml_is_outside_4_61_to_8_51_ml() -> None:
    """20 mL at 0.48 mL/day for 28 days: 6.56 mL, 4.61 to 8.51 mL; 9.0 mL expected is STOP."""
    found = the_finding(checked(OUT_OF_BAND, LAST), "HISTORY_RESIDUAL_PROGRAMMER")
    figures = figures_of(found)
    expected = (Severity.STOP, Hazard.RECORD, (Decimal("6.56"), "mL"))
    assert expected == (found.severity, found.hazard, figures["carried_forward_nominal"])
    low_high = ((Decimal("4.61"), "mL"), (Decimal("8.51"), "mL"))
    assert low_high == (figures["carried_forward_low"], figures["carried_forward_high"])
    assert (Decimal("28.00"), "day") == figures["days_elapsed"]


def test_aspirated_3_9_ml_below_the_band_is_overdose() -> None:
    """3.9 mL aspirated is below 4.61 mL: the pump gave more than programmed, STOP overdose."""
    found = the_finding(checked(OUT_OF_BAND, LAST), "HISTORY_RESIDUAL_ASPIRATED")
    assert (Severity.STOP, Hazard.OVERDOSE) == (found.severity, found.hazard)


def test_aspirated_above_the_band_is_withdrawal() -> None:
    """A 16 mL last fill gives 16 - 15.3888 = 0.61 to 16 - 11.4912 = 4.51 mL: 6.2 mL aspirated
    is above it, STOP withdrawal."""
    found = the_finding(
        checked(IN_BAND, dataclasses.replace(LAST, fill_ml=Decimal(16))),
        "HISTORY_RESIDUAL_ASPIRATED",
    )
    assert (Severity.STOP, Hazard.WITHDRAWAL) == (found.severity, found.hazard)


def test_within_the_band_says_nothing() -> None:
    """6.56 mL expected and 6.2 mL aspirated are inside 4.61 to 8.51 mL: no cross-visit code."""
    result = checked(IN_BAND, LAST)
    assert ([], Verdict.CLEAR) == (history_codes(result), result.verdict)


def test_no_history_and_first_visit_say_nothing() -> None:
    """Without history (None) or with none on file, the cross-visit checks report nothing."""
    path = CHECK_FIXTURES / OUT_OF_BAND
    record = parse_record(load_document(path.read_bytes(), OUT_OF_BAND), OUT_OF_BAND)
    alone = check_record(record, load_policy(), OUT_OF_BAND)
    assert ([], []) == (history_codes(alone), history_codes(checked(OUT_OF_BAND)))


def test_unreadable_history_is_a_caution() -> None:
    """History expected but unreadable: HISTORY_UNAVAILABLE, CAUTION, never CLEAR."""
    path = CHECK_FIXTURES / IN_BAND
    record = parse_record(load_document(path.read_bytes(), IN_BAND), IN_BAND)
    result = check_record(record, load_policy(), IN_BAND, History(unavailable="locked"))
    assert (["HISTORY_UNAVAILABLE"], Verdict.CAUTION) == (history_codes(result), result.verdict)


def test_previous_strength_and_dose_against_the_last_visit() -> None:
    """Last visit dispensed 2000 mcg/mL and prescribed 400 mcg/day; the record says 1000 and
    480: two HISTORY_PREVIOUS_MISMATCH, STOP (the band is not compared: other flow)."""
    last = dataclasses.replace(
        LAST, dispensed_mcg_per_ml=Decimal(2000), prescribed_mcg_per_day=Decimal(400)
    )
    result = checked(IN_BAND, last)
    codes = [f.code for f in result.findings if f.code == "HISTORY_PREVIOUS_MISMATCH"]
    assert (2, Verdict.STOP) == (len(codes), result.verdict)


def test_dose_change_time_before_the_last_changing_visit() -> None:
    """The last visit changed 400 -> 480 on 2026-10-30; the record says 2026-09-01: CAUTION."""
    result = checked(IN_BAND, dataclasses.replace(LAST, previous_mcg_per_day=Decimal(400)))
    assert ["HISTORY_CHANGE_TIME"] == history_codes(result)


def test_visit_not_after_the_last_is_a_record_error() -> None:
    """A visit on file at 2026-12-01, after this one (2026-11-27): STOP, record error."""
    later = dataclasses.replace(LAST, visit_time=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert ["HISTORY_VISIT_ORDER"] == history_codes(checked(IN_BAND, later))


def test_another_pump_is_said_and_nothing_is_carried_over() -> None:
    """Another pump token: HISTORY_PUMP_CHANGED, and no residual carried forward."""
    assert ["HISTORY_PUMP_CHANGED"] == history_codes(checked(OUT_OF_BAND, LAST, pump="other"))


def test_recorded_replacement_explains_the_new_serial() -> None:
    """A new pump implanted on 2026-11-02, after the last visit (2026-10-30), with a new
    serial: PUMP_REPLACED alone, no HISTORY_PUMP_CHANGED and nothing carried over."""
    result = checked(REPLACED, LAST, pump="new-pump")
    assert ([], ["PUMP_REPLACED"]) == (
        history_codes(result),
        sorted(f.code for f in result.findings if f.severity > Severity.NOTE),
    )


def test_replacement_with_the_old_serial_is_said() -> None:
    """The same replacement but the last visit's serial: one of the two is wrong, CAUTION; the
    old pump's residual and previous values are not carried over (2000 mcg/mL and 400 mcg/day
    against the 1000 and 480 of then would otherwise be two HISTORY_PREVIOUS_MISMATCH)."""
    result = checked(REPLACED, LAST)
    found = the_finding(result, "HISTORY_PUMP_CHANGED")
    assert (Severity.CAUTION, ["HISTORY_PUMP_CHANGED"]) == (found.severity, history_codes(result))
    assert "its serial and profile (synchromed-ii-20ml) are the last visit's" in found.message


def test_replacement_before_the_last_visit_explains_nothing() -> None:
    """A replacement dated 2026-11-02 does not explain a new serial after a visit on file of
    2026-11-05: HISTORY_PUMP_CHANGED stays, and the patient's dose is still compared (400
    mcg/day in the record against the 480 prescribed then: HISTORY_PREVIOUS_MISMATCH)."""
    last = dataclasses.replace(LAST, visit_time=dt.datetime(2026, 11, 5, 10, 30, tzinfo=dt.UTC))
    assert ["HISTORY_PREVIOUS_MISMATCH", "HISTORY_PUMP_CHANGED"] == history_codes(
        checked(REPLACED, last, pump="new-pump")
    )


def test_titration_between_refills_is_a_note_not_a_mismatch() -> None:
    """480 mcg/day at the last visit, 600 since 2026-11-13 (after it): +25 % within the 30 %
    spinal step, a NOTE, and no HISTORY_PREVIOUS_MISMATCH; the visit stays CLEAR."""
    result = checked(BETWEEN, LAST)
    found = the_finding(result, "HISTORY_DOSE_CHANGED_SINCE")
    figures = figures_of(found)
    assert (["HISTORY_DOSE_CHANGED_SINCE"], Verdict.CLEAR, Severity.NOTE) == (
        history_codes(result),
        result.verdict,
        found.severity,
    )
    assert ((Decimal("25.0"), "%"), (Decimal(30), "%")) == (figures["change"], figures["limit"])


def test_titration_between_refills_beyond_a_step_is_a_caution() -> None:
    """400 mcg/day at the last visit (0.4 mL/day), 600 since: +50 % > 30 %, CAUTION overdose.
    Used 0.4 x 14 + 0.6 x 14 = 14 mL: 3.97 to 8.03 mL holds 4.0 mL, no residual finding."""
    last = dataclasses.replace(
        LAST,
        prescribed_mcg_per_day=Decimal(400),
        previous_mcg_per_day=Decimal(400),
        pump_ml_per_day=Decimal("0.4"),
    )
    result = checked(BETWEEN, last)
    found = the_finding(result, "HISTORY_DOSE_CHANGED_SINCE")
    assert (Severity.CAUTION, Hazard.OVERDOSE, (Decimal("50.0"), "%"), Verdict.CAUTION) == (
        found.severity,
        found.hazard,
        figures_of(found)["change"],
        result.verdict,
    )


def test_decrease_between_refills_beyond_the_caution_level() -> None:
    """800 mcg/day at the last visit, 600 since: -25 %, beyond the 20 % decrease caution:
    CAUTION withdrawal."""
    last = dataclasses.replace(
        LAST,
        prescribed_mcg_per_day=Decimal(800),
        previous_mcg_per_day=Decimal(800),
        pump_ml_per_day=Decimal("0.8"),
    )
    found = the_finding(checked(BETWEEN, last), "HISTORY_DOSE_CHANGED_SINCE")
    assert (Severity.CAUTION, Hazard.WITHDRAWAL, (Decimal("-25.0"), "%")) == (
        found.severity,
        found.hazard,
        figures_of(found)["change"],
    )


def test_three_30_percent_steps_in_seven_days() -> None:
    """Changes on 11-21 (100 -> 130), 11-24 (130 -> 169) and 11-26 (169 -> 480), none now:
    from 100 mcg/day, (480 - 100) / 100 = 380 % in 7 days > 30 %, CAUTION, 3 changes."""
    steps = [(21, 100, 130), (24, 130, 169), (26, 169, 480)]
    visits = [
        dataclasses.replace(
            LAST,
            visit_time=dt.datetime(2026, 11, day, 10, 30, tzinfo=dt.UTC),
            previous_mcg_per_day=Decimal(before),
            prescribed_mcg_per_day=Decimal(after),
            fill_ml=Decimal(20),
        )
        for day, before, after in steps
    ]
    found = the_finding(checked(IN_BAND, *visits), "HISTORY_WINDOW_INCREASE")
    figures = figures_of(found)
    expected = ((Decimal("380.0"), "%"), (Decimal(3), "changes"), Severity.CAUTION)
    assert expected == (figures["total_increase"], figures["changes_in_window"], found.severity)


def test_every_cross_visit_code_has_its_test() -> None:
    """HISTORY_CODES names every code of the cross-visit checks, each with a test here."""
    from itbcheck.checks import history, history_dose, history_residual, history_window

    checks = (
        *history.CHECKS,
        *history_residual.CHECKS,
        *history_dose.CHECKS,
        *history_window.CHECKS,
    )
    codes = {info.code for check in checks for info in check.codes}
    assert (sorted(codes), True) == (
        sorted(HISTORY_CODES),
        all(name in globals() for name in HISTORY_CODES.values()),
    )


def test_previous_patient_boluses_against_the_last_visit() -> None:
    """The record states 4 x 50 = 200 mcg/day of previous patient boluses; the last visit on
    file allowed none: HISTORY_PREVIOUS_MISMATCH, STOP. Allowing the same 200 says nothing."""
    name = "patient_bolus_400_plus_4_x_50_refill_day_10.yaml"
    last = dataclasses.replace(
        LAST,
        dispensed_mcg_per_ml=Decimal(500),
        prescribed_mcg_per_day=Decimal(400),
        previous_mcg_per_day=Decimal(400),
        pump_ml_per_day=Decimal("0.8"),
    )
    path = CHECK_FIXTURES / name
    record = parse_record(load_document(path.read_bytes(), name), name)

    def mismatches(allowed: Decimal) -> list[tuple[Decimal, str]]:
        history = History(pump_token=PUMP, visits=(last,), last_patient_bolus_mcg_per_day=allowed)
        result = check_record(record, load_policy(), name, history)
        return [
            figures_of(f)["last_patient_bolus_daily_max"]
            for f in result.findings
            if f.code == "HISTORY_PREVIOUS_MISMATCH"
        ]

    assert ([(Decimal(0), "mcg/day")], []) == (mismatches(Decimal(0)), mismatches(Decimal(200)))


def test_a_change_programmed_minutes_before_the_visit_time_is_that_visit() -> None:
    """The last visit (2026-10-30 10:30) changed 400 -> 480; the record dates the change
    10:20 the same day, programmed during that visit: no HISTORY_CHANGE_TIME. A day earlier
    (2026-10-29) still is one."""
    path = CHECK_FIXTURES / IN_BAND
    data = load_document(path.read_bytes(), IN_BAND)
    last = dataclasses.replace(LAST, previous_mcg_per_day=Decimal(400))
    codes = []
    for when in ("2026-10-30T10:20:00+00:00", "2026-10-29T10:20:00+00:00"):
        data["dosing"]["previous_dose_changed_at"] = when
        record = parse_record(data, IN_BAND)
        result = check_record(
            record, load_policy(), IN_BAND, History(pump_token=PUMP, visits=(last,))
        )
        codes.append(history_codes(result))
    assert [[], ["HISTORY_CHANGE_TIME"]] == codes
