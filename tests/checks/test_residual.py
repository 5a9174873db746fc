"""The residual check: the aspirated residual against the expected one (threshold 1 mL in a
20 mL pump, 2 mL in a 40 mL pump), nothing aspirated, a residual near full capacity, and the
delivered-volume ratio against the pump's accuracy band (14.5 % for SynchroMed II).

Hand derivations are in each fixture's header comment ([20] Maino 2017; [16] SynchroMed
over-infusion notices).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from itbcheck.checking import check_record
from itbcheck.checks.residual import check_residual
from itbcheck.findings import Hazard, Severity, Verdict
from itbcheck.policy import load_policy
from itbcheck.records import parse_record
from tests.checks.helpers import Case, figures_of, params, the_finding
from tests.checks.profile_variants import (
    NoteCase,
    ProfileCase,
    context_for,
    profile_params,
    unverified,
    verdict_and_codes,
)
from tests.conftest import CHECK_FIXTURES, check_file, codes_of, note_codes_of

GAP = "RESIDUAL_GAP"
NOT_ASPIRATED = "RESIDUAL_NOT_ASPIRATED"
NEAR_FULL = "RESIDUAL_NEAR_FULL"
RATIO = "DELIVERY_RATIO"

CASES: list[Case] = [
    ("residual_gap_2_5_ml_less_than_expected.yaml", Verdict.STOP, [GAP]),
    ("residual_gap_2_5_ml_more_than_expected.yaml", Verdict.STOP, [GAP]),
    ("residual_gap_1_ml_exactly.yaml", Verdict.CLEAR, []),
    ("residual_gap_1_5_ml_in_40_ml_pump.yaml", Verdict.CLEAR, []),
    ("residual_gap_2_5_ml_in_40_ml_pump.yaml", Verdict.STOP, [GAP]),
    ("residual_aspirated_0_ml.yaml", Verdict.STOP, [NOT_ASPIRATED]),
    ("residual_aspirated_not_recorded.yaml", Verdict.STOP, [NOT_ASPIRATED]),
    ("residual_expected_not_recorded.yaml", Verdict.STOP, [NOT_ASPIRATED]),
    ("residual_near_full_19_2_of_20_ml.yaml", Verdict.STOP, [NEAR_FULL]),
    ("residual_18_9_of_20_ml.yaml", Verdict.CLEAR, []),
    ("early_refill_5_days_matching_programmer.yaml", Verdict.CLEAR, []),
    ("near_full_programmer_agrees_40_days_since_fill.yaml", Verdict.STOP, [NEAR_FULL]),
    ("near_full_of_previous_fill_10_ml.yaml", Verdict.STOP, [RATIO, GAP, NEAR_FULL]),
    ("small_fill_matching_programmer_no_date.yaml", Verdict.CLEAR, []),
    (
        "residual_0_ml_pump_arrived_empty.yaml",
        Verdict.STOP,
        [NOT_ASPIRATED, "RESTART_AT_FULL_DOSE"],
    ),
    (
        "residual_5_ml_from_a_pump_that_arrived_empty.yaml",
        Verdict.STOP,
        ["RESIDUAL_FROM_EMPTY_PUMP", "RESTART_AFTER_INTERRUPTION"],
    ),
    ("delivery_ratio_1_0125_within_band.yaml", Verdict.CLEAR, []),
    ("delivery_ratio_1_145_band_edge.yaml", Verdict.CLEAR, []),
    ("delivery_ratio_1_167_over_band.yaml", Verdict.CAUTION, [RATIO]),
    ("delivery_ratio_0_833_under_band.yaml", Verdict.CAUTION, [RATIO]),
]

NOTE_CASES: list[NoteCase] = [
    ("delivery_ratio_1_0125_within_band.yaml", [RATIO, "RATE_RANGE_UNCHECKED"]),
    ("delivery_ratio_1_145_band_edge.yaml", [RATIO, "RATE_RANGE_UNCHECKED"]),
]

PROFILE_CASES: list[ProfileCase] = [
    # No verified threshold: the 2.5 mL gap cannot be judged, so a CAUTION instead of a STOP.
    ProfileCase(
        "gap-threshold-unverified",
        "residual_gap_2_5_ml_less_than_expected.yaml",
        unverified("residual_gap_threshold"),
        Verdict.CAUTION,
        [GAP],
    ),
    # No verified accuracy band: the 7 / 6 ratio is only a NOTE, and the reservoir check
    # reports the missing band.
    ProfileCase(
        "ratio-band-unverified",
        "delivery_ratio_1_167_over_band.yaml",
        unverified("accuracy_band"),
        Verdict.CAUTION,
        ["ACCURACY_BAND_UNVERIFIED"],
    ),
]


def ml(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "mL"


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each residual fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


@pytest.mark.parametrize(("name", "notes"), NOTE_CASES, ids=["ratio-1.0125", "ratio-1.145"])
def test_notes(name: str, notes: list[str]) -> None:
    """A delivery ratio within the accuracy band is reported, as a NOTE only."""
    assert notes == note_codes_of(check_file(CHECK_FIXTURES / name))


@pytest.mark.parametrize("case", profile_params(PROFILE_CASES))
def test_with_test_profile(case: ProfileCase) -> None:
    """With the profile fact unverified, every check together gives the expected result."""
    assert (case.verdict, case.codes) == verdict_and_codes(case)


@pytest.mark.parametrize(
    ("name", "hazard", "expected", "aspirated", "threshold"),
    [
        # 5 - 2.5 = 2.5 mL less than expected > 1 mL: over-infusion, leak or pocket fill.
        ("residual_gap_2_5_ml_less_than_expected.yaml", Hazard.OVERDOSE, "5", "2.5", "1"),
        # 5 - 2.5 = 2.5 mL more than expected > 1 mL: under-delivery, stall or occlusion.
        ("residual_gap_2_5_ml_more_than_expected.yaml", Hazard.WITHDRAWAL, "2.5", "5", "1"),
        # 5.5 - 3 = 2.5 mL less than expected > 2 mL, the 40 mL pump's threshold.
        ("residual_gap_2_5_ml_in_40_ml_pump.yaml", Hazard.OVERDOSE, "5.5", "3", "2"),
    ],
    ids=["less-overdose", "more-withdrawal", "40-ml-pump"],
)
def test_gap_beyond_threshold_stops(
    name: str, hazard: Hazard, expected: str, aspirated: str, threshold: str
) -> None:
    """A gap over the profile's threshold is a STOP whose hazard follows its direction."""
    found = the_finding(check_file(CHECK_FIXTURES / name), GAP)
    figures = {
        "expected_residual": ml(expected),
        "aspirated_residual": ml(aspirated),
        "gap": ml("2.5"),
        "threshold": ml(threshold),
    }
    assert (Severity.STOP, hazard, figures) == (found.severity, found.hazard, figures_of(found))


def test_gap_message_names_the_direction() -> None:
    """The message says how much less came back than expected, and against which threshold."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "residual_gap_2_5_ml_less_than_expected.yaml"), GAP
    )
    expected = "Aspirated 2.5 mL, expected 5 mL: 2.5 mL less than expected, beyond the 1 mL"
    assert expected == found.message[: len(expected)]


@pytest.mark.parametrize(
    ("name", "what", "figures"),
    [
        ("residual_aspirated_0_ml.yaml", "nothing was aspirated", {"aspirated_residual": ml("0")}),
        ("residual_aspirated_not_recorded.yaml", "no aspirated_residual recorded", {}),
        (
            "residual_expected_not_recorded.yaml",
            "no expected_residual recorded",
            {"aspirated_residual": ml("3")},
        ),
    ],
    ids=["aspirated-0", "aspirated-missing", "expected-missing"],
)
def test_residual_not_aspirated(
    name: str, what: str, figures: dict[str, tuple[Decimal, str]]
) -> None:
    """0 mL aspirated, or a residual not recorded, is an overdose STOP saying what is missing."""
    found = the_finding(check_file(CHECK_FIXTURES / name), NOT_ASPIRATED)
    expected = (
        Severity.STOP,
        Hazard.OVERDOSE,
        f"The residual cannot be reconciled: {what}.",
        figures,
    )
    assert expected == (found.severity, found.hazard, found.message, figures_of(found))


def test_residual_near_full() -> None:
    """19.2 mL aspirated from a 20 mL pump is within 1 mL of capacity and no fill date confirms
    an early refill: a withdrawal STOP asking for the date, not for re-titration."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "residual_near_full_19_2_of_20_ml.yaml"), NEAR_FULL
    )
    # 19.2 >= 20 - 1 = 19 mL; 19.2 - 19 = 0.2 mL <= 1 mL: the programmer agrees.
    expected = {
        "aspirated_residual": ml("19.2"),
        "capacity": ml("20"),
        "expected_residual": ml("19"),
        "threshold": ml("1"),
    }
    assert (Severity.STOP, Hazard.WITHDRAWAL, expected, True, False) == (
        found.severity,
        found.hazard,
        figures_of(found),
        "refill.previous_fill_date" in found.action,
        "re-titrate from a low dose" in found.action,
    )


def test_early_refill_matching_programmer_is_clear() -> None:
    """Issue 11 point 2 control: an early refill 5 days after the last, matching the programmer
    and the calendar, gives no RESIDUAL_NEAR_FULL."""
    result = check_file(CHECK_FIXTURES / "early_refill_5_days_matching_programmer.yaml")
    # 0.2 mL/day x 5 days = 1 mL due; 20 - 19.1 = 0.9 mL left; 1 - 0.9 = 0.1 <= 1 mL.
    expected = (Verdict.CLEAR, ["DELIVERY_RATIO", "RATE_RANGE_UNCHECKED"])
    assert expected == (result.verdict, note_codes_of(result))


def test_near_full_against_the_calendar() -> None:
    """Near full 40 days after the fill: 8 mL was due, at most 0.9 mL left: a STOP naming both."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "near_full_programmer_agrees_40_days_since_fill.yaml"),
        NEAR_FULL,
    )
    expected = {
        "aspirated_residual": ml("19.1"),
        "previous_fill_volume": ml("20"),
        "expected_residual": ml("19"),
        "threshold": ml("1"),
        "days_since_fill": (Decimal(40), "day"),
        "previous_flow": (Decimal("0.2"), "mL/day"),
        "due_since_fill": ml("8"),
    }
    assert (Severity.STOP, Hazard.WITHDRAWAL, expected) == (
        found.severity,
        found.hazard,
        figures_of(found),
    )


def test_near_full_of_the_previous_fill() -> None:
    """9.5 mL back from a 10 mL fill with 4 mL expected: near full of the fill, not of the
    capacity, and 5.5 mL above the expected residual: a STOP."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "near_full_of_previous_fill_10_ml.yaml"), NEAR_FULL
    )
    expected = {
        "aspirated_residual": ml("9.5"),
        "previous_fill_volume": ml("10"),
        "expected_residual": ml("4"),
        "threshold": ml("1"),
    }
    assert (Severity.STOP, expected) == (found.severity, figures_of(found))


def test_nothing_aspirated_from_an_empty_pump_is_withdrawal() -> None:
    """Issue 11 point 7: 0 mL from a pump that arrived empty is a STOP with hazard withdrawal."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "residual_0_ml_pump_arrived_empty.yaml"), NOT_ASPIRATED
    )
    expected = (
        Severity.STOP,
        Hazard.WITHDRAWAL,
        "The residual cannot be reconciled: nothing was aspirated from a pump that arrived empty.",
    )
    assert expected == (found.severity, found.hazard, found.message)


@pytest.mark.parametrize(
    ("name", "severity", "volumes", "ratio"),
    [
        # 20 - 4 = 16 mL programmed, 20 - 3.8 = 16.2 mL delivered, 16.2 / 16 = 1.0125.
        ("delivery_ratio_1_0125_within_band.yaml", Severity.NOTE, ("20", "16", "16.2"), "1.0125"),
        # 8 - 4 = 4 mL programmed, 8 - 3.42 = 4.58 mL delivered, 4.58 / 4 = 1.145: at the band.
        ("delivery_ratio_1_145_band_edge.yaml", Severity.NOTE, ("8", "4", "4.58"), "1.145"),
        # 10 - 4 = 6 mL programmed, 10 - 3 = 7 mL delivered, 7 / 6 = 1.1667 (+16.7 %).
        ("delivery_ratio_1_167_over_band.yaml", Severity.CAUTION, ("10", "6", "7"), "7/6"),
        # 9 - 3 = 6 mL programmed, 9 - 4 = 5 mL delivered, 5 / 6 = 0.8333 (-16.7 %).
        ("delivery_ratio_0_833_under_band.yaml", Severity.CAUTION, ("9", "6", "5"), "5/6"),
    ],
    ids=["1.0125-note", "1.145-note", "1.167-caution", "0.833-caution"],
)
def test_delivery_ratio(
    name: str, severity: Severity, volumes: tuple[str, str, str], ratio: str
) -> None:
    """The delivered-volume ratio (last fill, programmed and actual delivery in mL) is a NOTE
    within ±14.5 % and a CAUTION beyond it."""
    found = the_finding(check_file(CHECK_FIXTURES / name), RATIO)
    last_fill, planned, actual = volumes
    numerator, _, denominator = ratio.partition("/")
    exact = Decimal(numerator) / Decimal(denominator or "1")
    expected = {
        "previous_fill_volume": ml(last_fill),
        "expected_delivered": ml(planned),
        "actual_delivered": ml(actual),
        "delivered_ratio": (exact, "x"),
        "accuracy_band": (Decimal("14.5"), "%"),
    }
    assert (severity, Hazard.DEVICE, expected) == (found.severity, found.hazard, figures_of(found))


def test_unverified_threshold_gives_a_device_caution() -> None:
    """Without a verified gap threshold the check cannot judge the 2.5 mL gap: a device CAUTION
    naming the gap, and no STOP."""
    context = context_for(
        "residual_gap_2_5_ml_less_than_expected.yaml", unverified("residual_gap_threshold")
    )
    findings = list(check_residual(context))
    expected = (
        [(GAP, Severity.CAUTION, Hazard.DEVICE)],
        "The residual gap (2.5 mL) could not be judged: profile synchromed-ii-20ml has no "
        "verified residual-gap threshold.",
        {"expected_residual": ml("5"), "aspirated_residual": ml("2.5")},
    )
    assert expected == (
        [(f.code, f.severity, f.hazard) for f in findings],
        findings[0].message,
        figures_of(findings[0]),
    )


def test_unverified_accuracy_band_keeps_the_ratio_a_note() -> None:
    """Without a verified accuracy band the 7 / 6 ratio is a NOTE saying it could not be judged."""
    context = context_for("delivery_ratio_1_167_over_band.yaml", unverified("accuracy_band"))
    findings = list(check_residual(context))
    expected = ([(RATIO, Severity.NOTE)], True, Decimal(7) / Decimal(6))
    assert expected == (
        [(f.code, f.severity) for f in findings],
        findings[0].message.endswith("The profile has no verified accuracy band to judge it."),
        figures_of(findings[0])["delivered_ratio"][0],
    )


def test_an_empty_pump_holds_no_more_than_its_alarm_volume() -> None:
    """Empty on arrival: 5 mL expected and aspirated against the 2 mL alarm is a STOP; the same
    pump giving back 2 mL (the alarm volume itself) is not."""
    name = "residual_5_ml_from_a_pump_that_arrived_empty.yaml"
    found = the_finding(check_file(CHECK_FIXTURES / name), "RESIDUAL_FROM_EMPTY_PUMP")
    data = yaml.safe_load((CHECK_FIXTURES / name).read_text("utf-8"))
    data["refill"]["expected_residual"] = data["refill"]["aspirated_residual"] = "2 mL"
    at_alarm = check_record(parse_record(data), load_policy())
    assert ((Decimal(2), "mL"), []) == (
        figures_of(found)["alarm_volume"],
        [f.code for f in at_alarm.findings if f.code == "RESIDUAL_FROM_EMPTY_PUMP"],
    )
