"""The bridge check: on a concentration change, the old drug in the dead volume (pump tubing
0.14 mL for SynchroMed II + catheter) must be cleared by a bridge bolus at the old drug's
rate, dose / C_old, within 5 %.

Hand derivations are in each fixture's header comment ([6] Saulino 2016): without
a bridge the patient gets dose x C_old / C_new for dead volume / new flow days.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from itbcheck.findings import Hazard, Severity, Verdict
from tests.checks.helpers import Case, figures_of, params, the_finding
from tests.checks.profile_variants import NoteCase
from tests.conftest import CHECK_FIXTURES, check_file, codes_of, note_codes_of

MISSING = "BRIDGE_MISSING"
INCORRECT = "BRIDGE_INCORRECT"
UNCHECKABLE = "BRIDGE_UNCHECKABLE"

UP = "bridge_missing_500_to_2000.yaml"
DOWN = "bridge_missing_2000_to_500.yaml"

# The SynchroMed II profiles have no verified catheter range, so every strength change with a
# catheter volume also gives CATHETER_VOLUME_UNCHECKED (CAUTION, issue 10 point 4).
CATHETER = "CATHETER_VOLUME_UNCHECKED"

CASES: list[Case] = [
    (UP, Verdict.STOP, [MISSING, CATHETER]),
    (DOWN, Verdict.STOP, [MISSING, CATHETER]),
    ("bridge_0_4_ml_over_12_h.yaml", Verdict.CAUTION, [CATHETER]),
    (
        "bridge_0_42_ml_over_12_h_5_percent_fast.yaml",
        Verdict.CAUTION,
        [CATHETER, "DELIVERY_PEAK_HOUR"],
    ),
    (
        "bridge_0_43_ml_over_12_h_7_5_percent_fast.yaml",
        Verdict.STOP,
        [INCORRECT, CATHETER, "DELIVERY_PEAK_HOUR"],
    ),
    ("bridge_0_4_ml_over_24_h_half_rate.yaml", Verdict.STOP, [INCORRECT, CATHETER]),
    ("bridge_0_3_ml_too_small.yaml", Verdict.STOP, [INCORRECT, CATHETER]),
    ("bridge_2000_to_500_0_4_ml_over_48_h.yaml", Verdict.CAUTION, [CATHETER]),
    ("bridge_2000_to_500_0_3_ml_too_small.yaml", Verdict.STOP, [INCORRECT, CATHETER]),
    ("bridge_without_catheter_volume.yaml", Verdict.STOP, [UNCHECKABLE]),
    ("bridge_prometra_tubing_unverified.yaml", Verdict.STOP, [UNCHECKABLE]),
]

NOTE_CASES: list[NoteCase] = [
    ("bridge_prometra_tubing_unverified.yaml", ["RATE_RANGE_UNCHECKED", "STABILITY_UNCHECKED"]),
]


def ml(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "mL"


def ml_day(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "mL/day"


def mcg_day(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "mcg/day"


def mcg_ml(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "mcg/mL"


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each bridge fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


@pytest.mark.parametrize(("name", "notes"), NOTE_CASES, ids=["prometra"])
def test_notes(name: str, notes: list[str]) -> None:
    """The Prometra bridge fixture reports only the profile's usual NOTEs besides its STOP."""
    assert notes == note_codes_of(check_file(CHECK_FIXTURES / name))


@pytest.mark.parametrize(
    ("name", "hazard", "old_new", "clearing"),
    [
        # Flow 400 / 2000 = 0.2 mL/day; 0.2 x 500 = 100 mcg/day for 0.4 / 0.2 = 2 days.
        (UP, Hazard.WITHDRAWAL, ("500", "2000"), ("100", "2")),
        # Flow 400 / 500 = 0.8 mL/day; 0.8 x 2000 = 1600 mcg/day for 0.4 / 0.8 = 0.5 days.
        (DOWN, Hazard.OVERDOSE, ("2000", "500"), ("1600", "0.5")),
    ],
    ids=["500-to-2000-quarter", "2000-to-500-four-times"],
)
def test_missing_bridge(
    name: str, hazard: Hazard, old_new: tuple[str, str], clearing: tuple[str, str]
) -> None:
    """No bridge on a concentration change is a STOP with the dose while the 0.14 + 0.26 =
    0.4 mL dead volume clears, and for how long; the hazard follows the direction."""
    found = the_finding(check_file(CHECK_FIXTURES / name), MISSING)
    (old, new), (while_clearing, days) = old_new, clearing
    expected = {
        "old_concentration": mcg_ml(old),
        "new_concentration": mcg_ml(new),
        "dead_volume": ml("0.4"),
        "prescribed_daily_dose": mcg_day("400"),
        "dose_while_clearing": mcg_day(while_clearing),
        "clearing_time": (Decimal(days), "day"),
    }
    assert (Severity.STOP, hazard, expected) == (found.severity, found.hazard, figures_of(found))


@pytest.mark.parametrize(
    ("name", "factor"),
    [(UP, "0.25"), (DOWN, "4")],
    ids=["quarter", "four-times"],
)
def test_missing_bridge_factor(name: str, factor: str) -> None:
    """While the dead volume clears the patient gets C_old / C_new of the dose: 500 / 2000 =
    0.25 and 2000 / 500 = 4."""
    figures = figures_of(the_finding(check_file(CHECK_FIXTURES / name), MISSING))
    ratio = figures["dose_while_clearing"][0] / figures["prescribed_daily_dose"][0]
    assert Decimal(factor) == ratio


def test_missing_bridge_action_gives_the_bridge() -> None:
    """The action gives the bridge to program: 0.4 mL at 400 / 500 = 0.8 mL/day."""
    found = the_finding(check_file(CHECK_FIXTURES / UP), MISSING)
    expected = (
        "Program a bridge bolus of 0.4 mL at 0.8 mL/day (the old concentration's rate), then "
        "check again."
    )
    assert expected == found.action


@pytest.mark.parametrize(
    ("name", "hazard", "volume", "runs", "needed"),
    [
        # 0.43 x 24 / 12 = 0.86 mL/day vs 400 / 500 = 0.8: +7.5 % > 5 %, old drug too fast.
        ("bridge_0_43_ml_over_12_h_7_5_percent_fast.yaml", Hazard.OVERDOSE, "0.43", "0.86", "0.8"),
        # 0.4 x 24 / 24 = 0.4 mL/day vs 0.8: -50 %, old (weaker) drug too slow.
        ("bridge_0_4_ml_over_24_h_half_rate.yaml", Hazard.WITHDRAWAL, "0.4", "0.4", "0.8"),
        # 0.3 x 24 / 9 = 0.8 mL/day, the right rate; 0.3 < 0.4 mL leaves 0.1 mL of 500 mcg/mL
        # to run at the new 0.2 mL/day: 100 mcg/day for half a day, too little.
        ("bridge_0_3_ml_too_small.yaml", Hazard.WITHDRAWAL, "0.3", "0.8", "0.8"),
        # 0.3 x 24 / 36 = 0.2 mL/day = 400 / 2000, the right rate; 0.3 < 0.4 mL leaves 0.1 mL of
        # 2000 mcg/mL to run at the new 0.8 mL/day: 1600 mcg/day (4 x) for 0.125 days.
        ("bridge_2000_to_500_0_3_ml_too_small.yaml", Hazard.OVERDOSE, "0.3", "0.2", "0.2"),
    ],
    ids=["7.5-percent-fast", "half-rate", "too-small-500-to-2000", "too-small-2000-to-500"],
)
def test_incorrect_bridge(name: str, hazard: Hazard, volume: str, runs: str, needed: str) -> None:
    """A bridge too small, or off the old drug's rate by more than 5 %, is a STOP whose hazard
    is what the patient then gets from the old drug."""
    found = the_finding(check_file(CHECK_FIXTURES / name), INCORRECT)
    figures = figures_of(found)
    expected = (
        Severity.STOP,
        hazard,
        (ml(volume), ml_day(runs), ml_day(needed), ml("0.4")),
    )
    actual = (
        found.severity,
        found.hazard,
        (
            figures["bridge_volume"],
            figures["bridge_flow"],
            figures["needed_flow"],
            figures["dead_volume"],
        ),
    )
    assert expected == actual


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("bridge_without_catheter_volume.yaml", "a plausible pump.catheter_volume in the record"),
        (
            "bridge_prometra_tubing_unverified.yaml",
            "a verified pump_tubing_volume in profile prometra-ii-20ml",
        ),
    ],
    ids=["no-catheter-volume", "prometra-tubing-unverified"],
)
def test_unknown_dead_volume(name: str, missing: str) -> None:
    """An unknown dead volume is a record STOP that names what is missing."""
    found = the_finding(check_file(CHECK_FIXTURES / name), UNCHECKABLE)
    expected = (
        Severity.STOP,
        Hazard.RECORD,
        {"old_concentration": mcg_ml("500"), "new_concentration": mcg_ml("2000")},
        True,
    )
    actual = (
        found.severity,
        found.hazard,
        figures_of(found),
        found.message.endswith(f"the dead volume is unknown: missing {missing}."),
    )
    assert expected == actual


def test_point_3_prometra_strength_change_action_is_honest() -> None:
    """Issue 11 point 3: a strength change in a Prometra, whose profile has no verified pump
    fluid-pathway volume, stays STOP, and its action says what the clinic can do (keep the
    strength, or enter the manufacturer's figure in a verified copy of the profile) instead of
    asking for a catheter volume the record already has."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "bridge_prometra_tubing_unverified.yaml"), UNCHECKABLE
    )
    expected = (Severity.STOP, True, True, False)
    actual = (
        found.severity,
        found.action.startswith("Do not program the strength change at this refill"),
        "verified copy of the profile" in found.action,
        "Enter the catheter volume" in found.action,
    )
    assert expected == actual
