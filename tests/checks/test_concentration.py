"""The concentration checks: the programmer against the syringe, and whether the dispensed
strength is a refill strength; and the same visit written in other units.

Hand derivations are in each fixture's header comment ([28] ISMP smart-pump concentration
principle):
pump flow = prescribed dose / programmed concentration; delivered dose = flow x dispensed
concentration.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from itbcheck.findings import Hazard, Severity, Verdict
from tests.checks.helpers import Case, figures_of, params, the_finding
from tests.conftest import CHECK_FIXTURES, check_file, codes_of

MISMATCH = "CONCENTRATION_MISMATCH"

CASES: list[Case] = [
    ("concentration_mismatch_500_vs_2000.yaml", Verdict.STOP, [MISMATCH]),
    ("concentration_mismatch_2000_vs_500.yaml", Verdict.STOP, [MISMATCH]),
    ("concentration_2_mg_per_ml_vs_2000_mcg_per_ml.yaml", Verdict.CLEAR, []),
    ("standard_500.yaml", Verdict.CLEAR, []),
    ("standard_1000.yaml", Verdict.CLEAR, []),
    ("screening_strength_50.yaml", Verdict.STOP, ["CONCENTRATION_SCREENING", "REFILL_AFTER_ALARM"]),
    ("nonstandard_1500.yaml", Verdict.CAUTION, ["CONCENTRATION_NONSTANDARD"]),
    (
        "same_visit_in_mcg_per_ml_and_mcg_per_day.yaml",
        Verdict.STOP,
        [MISMATCH, "DOSE_ABOVE_RANGE", "DOSE_WORST_CASE_ABOVE_CEILING", "INCREASE_ABOVE_LIMIT"],
    ),
    (
        "same_visit_in_mg_per_ml_and_mcg_per_h.yaml",
        Verdict.STOP,
        [MISMATCH, "DOSE_ABOVE_RANGE", "DOSE_WORST_CASE_ABOVE_CEILING", "INCREASE_ABOVE_LIMIT"],
    ),
]


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each concentration fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


@pytest.mark.parametrize(
    ("name", "hazard", "figures"),
    [
        # 800 mcg/day / 500 mcg/mL = 1.6 mL/day; 1.6 x 2000 = 3200 mcg/day; 2000 / 500 = 4.
        (
            "concentration_mismatch_500_vs_2000.yaml",
            Hazard.OVERDOSE,
            ("2000", "500", "800", "1.6", "3200", "4"),
        ),
        # 480 mcg/day / 2000 mcg/mL = 0.24 mL/day; 0.24 x 500 = 120 mcg/day; 500 / 2000 = 0.25.
        (
            "concentration_mismatch_2000_vs_500.yaml",
            Hazard.WITHDRAWAL,
            ("500", "2000", "480", "0.24", "120", "0.25"),
        ),
    ],
    ids=["syringe-stronger-overdose", "syringe-weaker-withdrawal"],
)
def test_mismatch_reports_the_delivered_dose(
    name: str, hazard: Hazard, figures: tuple[str, str, str, str, str, str]
) -> None:
    """A programmer concentration unlike the syringe's is a STOP with the pump's flow, the dose
    it really delivers and the factor, and the hazard follows the direction."""
    found = the_finding(check_file(CHECK_FIXTURES / name), MISMATCH)
    dispensed, programmed, prescribed, flow, delivered, factor = map(Decimal, figures)
    expected = {
        "dispensed_concentration": (dispensed, "mcg/mL"),
        "programmed_concentration": (programmed, "mcg/mL"),
        "prescribed_daily_dose": (prescribed, "mcg/day"),
        "pump_daily_volume": (flow, "mL/day"),
        "delivered_daily_dose": (delivered, "mcg/day"),
        "delivered_factor": (factor, "x"),
    }
    assert (Severity.STOP, hazard, expected) == (found.severity, found.hazard, figures_of(found))


@pytest.mark.parametrize(
    ("name", "code", "severity", "hazard", "strength"),
    [
        (
            "screening_strength_50.yaml",
            "CONCENTRATION_SCREENING",
            Severity.STOP,
            Hazard.WITHDRAWAL,
            "50",
        ),
        (
            "nonstandard_1500.yaml",
            "CONCENTRATION_NONSTANDARD",
            Severity.CAUTION,
            Hazard.EITHER,  # issue 11 point 7: off strength either way
            "1500",
        ),
    ],
    ids=["screening-50", "nonstandard-1500"],
)
def test_strength_findings_report_the_dispensed_concentration(
    name: str, code: str, severity: Severity, hazard: Hazard, strength: str
) -> None:
    """A screening strength is a STOP and a non-standard strength a CAUTION, each naming the
    dispensed concentration."""
    found = the_finding(check_file(CHECK_FIXTURES / name), code)
    expected = {"dispensed_concentration": (Decimal(strength), "mcg/mL")}
    assert (severity, hazard, expected) == (found.severity, found.hazard, figures_of(found))


def test_same_visit_in_other_units_gives_the_same_findings() -> None:
    """The visit written in mg/mL and mcg/h gives exactly the findings and dose arithmetic of
    the same visit written in mcg/mL and mcg/day."""
    expected = check_file(CHECK_FIXTURES / "same_visit_in_mcg_per_ml_and_mcg_per_day.yaml")
    actual = check_file(CHECK_FIXTURES / "same_visit_in_mg_per_ml_and_mcg_per_h.yaml")
    assert (expected.findings, expected.dose) == (actual.findings, actual.dose)


def test_same_visit_figures() -> None:
    """The visit in mg/mL and mcg/h reports the figures derived by hand in mcg/mL and mcg/day."""
    result = check_file(CHECK_FIXTURES / "same_visit_in_mg_per_ml_and_mcg_per_h.yaml")
    mismatch = figures_of(the_finding(result, MISMATCH))
    above = figures_of(the_finding(result, "DOSE_ABOVE_RANGE"))
    increase = figures_of(the_finding(result, "INCREASE_ABOVE_LIMIT"))
    # 40 mcg/h x 24 = 960 mcg/day; 30 mcg/h x 24 = 720; 0.5 mg/mL = 500 mcg/mL; 2 mg/mL = 2000.
    # Flow 960 / 500 = 1.92 mL/day, delivered 1.92 x 2000 = 3840 mcg/day.
    # Increase (960 - 720) / 720 = 33.3 %; override 40 mcg/h = 960 mcg/day.
    expected = (
        (Decimal("1.92"), "mL/day"),
        (Decimal("3840"), "mcg/day"),
        (Decimal("960"), "mcg/day"),
        (Decimal("720"), "mcg/day"),
        Decimal("33.3"),
    )
    actual = (
        mismatch["pump_daily_volume"],
        mismatch["delivered_daily_dose"],
        above["approved_limit"],
        increase["previous_daily_dose"],
        increase["change"][0].quantize(Decimal("0.1")),
    )
    assert expected == actual
