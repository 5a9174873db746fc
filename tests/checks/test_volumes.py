"""The volume plausibility checks (issue 10 points 4 and 8): a catheter volume outside the
profile's verified range or at least the reservoir capacity is a record STOP and no bridge is
built on it; an unverified range is a CAUTION on a strength change; reservoir volumes that
contradict each other or the capacity are a record STOP; "0 mL" of catheter is refused.

Hand derivations are in each fixture's header comment.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from itbcheck.checking import check_document
from itbcheck.exceptions import InvalidRecordError
from itbcheck.findings import Hazard, Severity, Verdict
from itbcheck.policy import load_policy
from tests.checks.helpers import Case, figures_of, params, the_finding
from tests.checks.profile_variants import NoteCase
from tests.conftest import CHECK_FIXTURES, check_file, codes_of, note_codes_of

IMPLAUSIBLE = "CATHETER_VOLUME_IMPLAUSIBLE"
CONTRADICTORY = "VOLUMES_CONTRADICTORY"

CASES: list[Case] = [
    ("catheter_2_6_ml_prometra_decimal_slip.yaml", Verdict.STOP, [IMPLAUSIBLE]),
    ("catheter_0_026_ml_prometra_below_range.yaml", Verdict.STOP, [IMPLAUSIBLE]),
    ("catheter_0_26_ml_prometra_in_range.yaml", Verdict.CLEAR, []),
    (
        "catheter_300_ml_synchromed_strength_change.yaml",
        Verdict.STOP,
        ["BRIDGE_UNCHECKABLE", IMPLAUSIBLE],
    ),
    ("previous_fill_22_ml_in_20_ml_pump.yaml", Verdict.STOP, [CONTRADICTORY]),
    ("previous_fill_2_ml_below_residual.yaml", Verdict.STOP, [CONTRADICTORY]),
    ("expected_residual_25_ml_in_20_ml_pump.yaml", Verdict.STOP, ["RESIDUAL_GAP", CONTRADICTORY]),
]
NOTE_CASES: list[NoteCase] = [
    ("catheter_0_26_ml_prometra_in_range.yaml", ["RATE_RANGE_UNCHECKED", "STABILITY_UNCHECKED"]),
]


def ml(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "mL"


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each volume fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


@pytest.mark.parametrize(("name", "notes"), NOTE_CASES)
def test_notes(name: str, notes: list[str]) -> None:
    """A Prometra fixture has no stability limit or rate range: both are NOTEs, nothing more."""
    assert notes == note_codes_of(check_file(CHECK_FIXTURES / name))


@pytest.mark.parametrize(
    ("name", "figures"),
    [
        # 2.6 > 110 cm x 0.0026 = 0.286 mL.
        (
            "catheter_2_6_ml_prometra_decimal_slip.yaml",
            {
                "catheter_volume": ml("2.6"),
                "catheter_min": ml("0.052"),
                "catheter_max": ml("0.286"),
            },
        ),
        # 0.026 < 20 cm x 0.0026 = 0.052 mL.
        (
            "catheter_0_026_ml_prometra_below_range.yaml",
            {
                "catheter_volume": ml("0.026"),
                "catheter_min": ml("0.052"),
                "catheter_max": ml("0.286"),
            },
        ),
        # 300 mL >= 20 mL capacity; SynchroMed II has no verified range to show.
        ("catheter_300_ml_synchromed_strength_change.yaml", {"catheter_volume": ml("300")}),
    ],
    ids=["x10", "div10", "hundreds"],
)
def test_point_4_implausible_catheter_volume_stops(
    name: str, figures: dict[str, tuple[Decimal, str]]
) -> None:
    """Issue 10 point 4: a catheter volume outside the verified range, or at least the
    reservoir capacity, is a record STOP with the numbers it was judged by."""
    found = the_finding(check_file(CHECK_FIXTURES / name), IMPLAUSIBLE)
    expected = (Severity.STOP, Hazard.RECORD, figures)
    assert expected == (found.severity, found.hazard, figures_of(found))


def test_point_4_no_bridge_is_printed_for_an_implausible_catheter() -> None:
    """Issue 10 point 4: with a 300 mL catheter the bridge check asks for a plausible catheter
    volume and its action names no bridge volume built on it."""
    result = check_file(CHECK_FIXTURES / "catheter_300_ml_synchromed_strength_change.yaml")
    found = the_finding(result, "BRIDGE_UNCHECKABLE")
    actions = " ".join(finding.action for finding in result.findings)
    expected = (True, False, False)
    actual = (
        found.message.endswith("missing a plausible pump.catheter_volume in the record."),
        "300.14" in actions,
        "Program a bridge" in actions,
    )
    assert expected == actual


def test_point_4_zero_catheter_volume_is_refused() -> None:
    """Issue 10 point 4: catheter_volume '0 mL' is refused (exit 3), naming the field: every
    catheter holds drug, and a missing one is left out."""
    raw = (CHECK_FIXTURES / "catheter_0_26_ml_prometra_in_range.yaml").read_bytes()
    raw = raw.replace(b'catheter_volume: "0.26 mL"', b'catheter_volume: "0 mL"')
    with pytest.raises(InvalidRecordError) as error:
        check_document(raw, "zero.yaml", load_policy())
    assert ["pump.catheter_volume"] == [problem.location for problem in error.value.problems]


@pytest.mark.parametrize(
    ("name", "figures"),
    [
        # 22 > 20 capacity.
        (
            "previous_fill_22_ml_in_20_ml_pump.yaml",
            {"previous_fill_volume": ml("22"), "capacity": ml("20")},
        ),
        # 3.1 > 2 and 3 > 2.
        (
            "previous_fill_2_ml_below_residual.yaml",
            {
                "expected_residual": ml("3.1"),
                "previous_fill_volume": ml("2"),
                "aspirated_residual": ml("3"),
            },
        ),
        # 25 > 20 capacity.
        (
            "expected_residual_25_ml_in_20_ml_pump.yaml",
            {"expected_residual": ml("25"), "capacity": ml("20")},
        ),
    ],
    ids=["previous-above-capacity", "previous-below-residual", "expected-above-capacity"],
)
def test_point_8_contradictory_volumes_stop(
    name: str, figures: dict[str, tuple[Decimal, str]]
) -> None:
    """Issue 10 point 8: contradictory reservoir volumes are one record STOP with every
    volume it compared."""
    found = the_finding(check_file(CHECK_FIXTURES / name), CONTRADICTORY)
    expected = (Severity.STOP, Hazard.RECORD, figures)
    assert expected == (found.severity, found.hazard, figures_of(found))
