"""The fill check: the fill volume against the reservoir's verified capacity, the reservoir
volume entered in the programmer against the volume filled, and an injection into the
catheter access port.

Hand derivations are in each fixture's header comment ([12] ISMP 2004 access port;
[15] TGA 2016 SynchroMed alert).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from itbcheck.checks.fill import check_capacity
from itbcheck.findings import Hazard, Severity, Verdict
from itbcheck.profilefiles import load_profile
from tests.checks.helpers import Case, figures_of, params, the_finding
from tests.checks.profile_variants import (
    ProfileCase,
    context_for,
    profile_params,
    unverified,
    variant_profile,
    verdict_and_codes,
)
from tests.conftest import CHECK_FIXTURES, check_file, codes_of

ABOVE = "FILL_ABOVE_CAPACITY"
UNVERIFIED = "CAPACITY_UNVERIFIED"
ENTRY = "RESERVOIR_ENTRY_MISMATCH"
PORT = "ACCESS_PORT_INJECTION"

CASES: list[Case] = [
    ("fill_22_ml_into_20_ml_pump.yaml", Verdict.STOP, [ABOVE]),
    ("fill_20_ml_into_20_ml_pump.yaml", Verdict.CLEAR, []),
    ("reservoir_entry_20_ml_for_18_ml_filled.yaml", Verdict.STOP, [ENTRY]),
    ("reservoir_entry_16_ml_for_18_ml_filled.yaml", Verdict.STOP, [ENTRY]),
    ("injection_into_catheter_access_port.yaml", Verdict.STOP, [PORT]),
]

PROFILE_CASES: list[ProfileCase] = [
    # Capacity unverified: 22 mL cannot be judged against it, so a CAUTION, not a STOP.
    ProfileCase(
        "capacity-unverified-22-ml",
        "fill_22_ml_into_20_ml_pump.yaml",
        unverified("reservoir_capacity"),
        Verdict.CAUTION,
        [UNVERIFIED],
    ),
    # Even a fill within the real capacity is reported as unchecked.
    ProfileCase(
        "capacity-unverified-20-ml",
        "fill_20_ml_into_20_ml_pump.yaml",
        unverified("reservoir_capacity"),
        Verdict.CAUTION,
        [UNVERIFIED],
    ),
]


def ml(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "mL"


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each fill fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


@pytest.mark.parametrize("case", profile_params(PROFILE_CASES))
def test_with_test_profile(case: ProfileCase) -> None:
    """With the capacity unverified, every check together gives the expected result."""
    assert (case.verdict, case.codes) == verdict_and_codes(case)


def test_fill_above_capacity() -> None:
    """22 mL filled into a 20 mL reservoir is an overdose STOP naming both volumes."""
    found = the_finding(check_file(CHECK_FIXTURES / "fill_22_ml_into_20_ml_pump.yaml"), ABOVE)
    # 22 > 20 mL verified capacity.
    expected = {"fill_volume": ml("22"), "capacity": ml("20")}
    assert (Severity.STOP, Hazard.OVERDOSE, expected) == (
        found.severity,
        found.hazard,
        figures_of(found),
    )


@pytest.mark.parametrize(
    ("name", "entered", "hazard"),
    [
        # 20 mL entered > 18 mL filled: the pump runs dry before it alarms.
        ("reservoir_entry_20_ml_for_18_ml_filled.yaml", "20", Hazard.WITHDRAWAL),
        # 16 mL entered < 18 mL filled: the pump alarms early.
        ("reservoir_entry_16_ml_for_18_ml_filled.yaml", "16", Hazard.DEVICE),
    ],
    ids=["entered-more", "entered-less"],
)
def test_reservoir_entry_mismatch(name: str, entered: str, hazard: Hazard) -> None:
    """A reservoir entry unlike the volume filled is a STOP; too high an entry is withdrawal."""
    found = the_finding(check_file(CHECK_FIXTURES / name), ENTRY)
    expected = {"programmed_reservoir_volume": ml(entered), "fill_volume": ml("18")}
    assert (Severity.STOP, hazard, expected) == (found.severity, found.hazard, figures_of(found))


def test_access_port_injection() -> None:
    """A refill recorded as injected into the catheter access port is an overdose STOP."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "injection_into_catheter_access_port.yaml"), PORT
    )
    expected = {"fill_volume": ml("18")}
    assert (Severity.STOP, Hazard.OVERDOSE, expected) == (
        found.severity,
        found.hazard,
        figures_of(found),
    )


def test_unverified_capacity_is_reported_not_used() -> None:
    """With the capacity unverified, the 22 mL fill gives CAPACITY_UNVERIFIED and no STOP."""
    context = context_for("fill_22_ml_into_20_ml_pump.yaml", unverified("reservoir_capacity"))
    findings = list(check_capacity(context))
    expected = ([(UNVERIFIED, Severity.CAUTION, Hazard.DEVICE)], {"fill_volume": ml("22")})
    assert expected == (
        [(f.code, f.severity, f.hazard) for f in findings],
        figures_of(findings[0]),
    )


def test_variant_profile_changes_only_the_named_fact() -> None:
    """The test profile is the shipped one with only the capacity's verified flag turned off."""
    shipped = load_profile("synchromed-ii-20ml")
    variant = variant_profile("synchromed-ii-20ml", unverified("reservoir_capacity"))
    expected = (
        shipped.reservoir_capacity.model_copy(update={"verified": False}),
        shipped.model_dump(),
    )
    # Compared as data: the variant's own text has its own digest (source_sha256).
    actual = (
        variant.reservoir_capacity,
        variant.model_copy(update={"reservoir_capacity": shipped.reservoir_capacity}).model_dump(),
    )
    assert expected == actual
