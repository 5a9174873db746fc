"""The schedule checks: each flow against the pump's programmable range (no shipped profile
has a verified range, so that part runs with a test profile), and single boluses of 25 mcg
or more, counted at the concentration in the reservoir.

Hand derivations are in each fixture's header comment ([1] Lioresal label; [13] ISMP flex schedule).
The test rate range, 0.05 to 1 mL/day, is made up; it is not a device fact.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from itbcheck.checks.schedule import check_rate_range
from itbcheck.findings import Hazard, Severity, Verdict
from itbcheck.profilefiles import load_profile
from itbcheck.profiles import VolumeRateFact
from tests.checks.helpers import Case, figures_of, params, the_finding
from tests.checks.profile_variants import (
    NoteCase,
    ProfileCase,
    context_for,
    profile_params,
    variant_profile,
    verdict_and_codes,
    verified_rate_range,
)
from tests.conftest import CHECK_FIXTURES, check_file, codes_of, note_codes_of

OUT_OF_RANGE = "STEP_RATE_OUT_OF_RANGE"
UNCHECKED = "RATE_RANGE_UNCHECKED"
BOLUS = "BOLUS_LARGE"
CEILING = "DOSE_ABOVE_CEILING"
INCREASE = "INCREASE_ABOVE_LIMIT"

HOURLY = "flex_step_480_mcg_per_h_instead_of_per_day.yaml"
NIGHT = "flex_night_step_1_mcg_per_h.yaml"
TEST_RANGE = verified_rate_range("0.05 mL/day", "1 mL/day")

CASES: list[Case] = [
    ("bolus_0_025_ml_of_2000_mcg_per_ml.yaml", Verdict.CAUTION, [BOLUS]),
    ("bolus_24_mcg.yaml", Verdict.CLEAR, []),
    ("bolus_25_mcg_exactly.yaml", Verdict.CAUTION, [BOLUS]),
    (HOURLY, Verdict.STOP, ["DELIVERY_PEAK_HOUR", CEILING, INCREASE]),
    (NIGHT, Verdict.CLEAR, []),
]

NOTE_CASES: list[NoteCase] = [
    (NIGHT, [UNCHECKED]),
    ("bolus_24_mcg.yaml", [UNCHECKED]),
]

PROFILE_CASES: list[ProfileCase] = [
    # Step 2 needs 480 mcg/h x 24 = 11520 mcg/day / 2000 mcg/mL = 5.76 mL/day > 1 mL/day.
    ProfileCase(
        "rate-range-hourly-step",
        HOURLY,
        TEST_RANGE,
        Verdict.STOP,
        ["DELIVERY_PEAK_HOUR", CEILING, INCREASE, OUT_OF_RANGE],
    ),
    # Step 1 needs 1 mcg/h x 24 = 24 mcg/day / 2000 mcg/mL = 0.012 mL/day < 0.05 mL/day.
    ProfileCase("rate-range-night-step", NIGHT, TEST_RANGE, Verdict.STOP, [OUT_OF_RANGE]),
    # Continuous 456 mcg/day / 2000 mcg/mL = 0.228 mL/day, within 0.05 to 1 mL/day.
    ProfileCase("rate-range-within", "bolus_24_mcg.yaml", TEST_RANGE, Verdict.CLEAR, []),
]


def mcg(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "mcg"


def ml_day(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "mL/day"


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each schedule fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


@pytest.mark.parametrize(("name", "notes"), NOTE_CASES, ids=["flex", "continuous"])
def test_notes(name: str, notes: list[str]) -> None:
    """No shipped profile has a verified rate range: RATE_RANGE_UNCHECKED is a NOTE."""
    assert notes == note_codes_of(check_file(CHECK_FIXTURES / name))


@pytest.mark.parametrize("case", profile_params(PROFILE_CASES))
def test_with_test_profile(case: ProfileCase) -> None:
    """With a verified test rate range, every check together gives the expected result."""
    assert (case.verdict, case.codes) == verdict_and_codes(case)


@pytest.mark.parametrize(
    ("name", "volume", "dose"),
    [
        # 0.025 mL x 2000 mcg/mL = 50 mcg >= 25 mcg.
        ("bolus_0_025_ml_of_2000_mcg_per_ml.yaml", "0.025", "50"),
        # 25 mcg / 2000 mcg/mL = 0.0125 mL; 25 mcg >= 25 mcg.
        ("bolus_25_mcg_exactly.yaml", "0.0125", "25"),
    ],
    ids=["0.025-ml-50-mcg", "25-mcg"],
)
def test_large_bolus(name: str, volume: str, dose: str) -> None:
    """A bolus of 25 mcg or more is an overdose CAUTION with its volume and dose."""
    found = the_finding(check_file(CHECK_FIXTURES / name), BOLUS)
    expected = {
        "bolus_volume": (Decimal(volume), "mL"),
        "dispensed_concentration": (Decimal(2000), "mcg/mL"),
        "bolus_dose": mcg(dose),
        "caution_at": mcg("25"),
    }
    assert (Severity.CAUTION, Hazard.OVERDOSE, expected) == (
        found.severity,
        found.hazard,
        figures_of(found),
    )


def test_large_bolus_message_shows_its_arithmetic() -> None:
    """The 25 mcg bolus's message multiplies out: 0.0125 mL x 2000 mcg/mL = 25 mcg."""
    found = the_finding(check_file(CHECK_FIXTURES / "bolus_25_mcg_exactly.yaml"), BOLUS)
    assert "Bolus 1 at 08:00 gives 0.0125 mL x 2000 mcg/mL = 25 mcg" in found.message


def test_24_mcg_bolus_counts_in_the_daily_dose_only() -> None:
    """The 24 mcg bolus gives no finding but is part of the 456 + 24 = 480 mcg/day total."""
    result = check_file(CHECK_FIXTURES / "bolus_24_mcg.yaml")
    expected: tuple[list[str], Decimal, Decimal] = ([], Decimal(24), Decimal(480))
    actual = (
        [f.code for f in result.findings if f.code == BOLUS],
        result.dose.boluses[0].delivered_mcg,
        result.dose.prescribed_daily_dose_mcg_per_day,
    )
    assert expected == actual


@pytest.mark.parametrize("code", [CEILING, INCREASE], ids=["ceiling", "increase"])
def test_hourly_step_is_named(code: str) -> None:
    """480 mcg/h entered for 480 mcg/day: the dose findings name step 2 from 08:00."""
    found = the_finding(check_file(CHECK_FIXTURES / HOURLY), code)
    # 480 mcg/h x 24 = 11520 mcg/day for 12 h = 5760 mcg of the 5952 mcg day.
    note = (
        "Highest flex step: step 2 from 08:00, 11520 mcg/day for 12 h, giving 5760 mcg of the "
        "day's total."
    )
    assert (Severity.STOP, True) == (found.severity, found.message.endswith(note))


def test_hourly_step_total() -> None:
    """The hourly error's day is 128 + 5760 + 64 = 5952 mcg."""
    dose = check_file(CHECK_FIXTURES / HOURLY).dose
    expected = ([Decimal(128), Decimal(5760), Decimal(64)], Decimal(5952))
    actual = ([share.dose_mcg for share in dose.steps], dose.prescribed_daily_dose_mcg_per_day)
    assert expected == actual


@pytest.mark.parametrize(
    ("name", "step", "flow"),
    [
        # 480 mcg/h x 24 / 2000 mcg/mL = 5.76 mL/day > 1 mL/day.
        (HOURLY, "Step 2 from 08:00", "5.76"),
        # 1 mcg/h x 24 / 2000 mcg/mL = 0.012 mL/day < 0.05 mL/day.
        (NIGHT, "Step 1 from 00:00", "0.012"),
    ],
    ids=["above-max", "below-min"],
)
def test_step_rate_out_of_range(name: str, step: str, flow: str) -> None:
    """With a verified 0.05-1 mL/day range, only the step outside it is a STOP, named by its
    number and start."""
    findings = list(check_rate_range(context_for(name, TEST_RANGE)))
    expected = (
        [(OUT_OF_RANGE, Severity.STOP, Hazard.DEVICE)],
        f"{step} needs {flow} mL/day, outside the pump's 0.05 mL/day to 1 mL/day.",
        {"flow": ml_day(flow), "min_rate": ml_day("0.05"), "max_rate": ml_day("1")},
    )
    assert expected == (
        [(f.code, f.severity, f.hazard) for f in findings],
        findings[0].message,
        figures_of(findings[0]),
    )


def test_continuous_flow_out_of_range() -> None:
    """A continuous 0.228 mL/day against a test maximum of 0.2 mL/day is named as the
    continuous flow."""
    findings = list(
        check_rate_range(
            context_for("bolus_24_mcg.yaml", verified_rate_range("0.05 mL/day", "0.2 mL/day"))
        )
    )
    # 456 mcg/day / 2000 mcg/mL = 0.228 mL/day > 0.2 mL/day (the bolus is not a flow).
    expected = (
        [OUT_OF_RANGE],
        "Continuous flow needs 0.228 mL/day, outside the pump's 0.05 mL/day to 0.2 mL/day.",
    )
    assert expected == ([f.code for f in findings], findings[0].message)


def test_rate_range_unchecked_with_shipped_profile() -> None:
    """A shipped profile has no verified rate range: one NOTE, no per-step finding."""
    findings = list(check_rate_range(context_for(HOURLY, ())))
    assert [(UNCHECKED, Severity.NOTE)] == [(f.code, f.severity) for f in findings]


def written(fact: VolumeRateFact) -> tuple[str | None, bool, Decimal | None]:
    """A fact as (text written, verified, canonical value)."""
    value = fact.value
    return (
        None if value is None else value.text,
        fact.verified,
        None if value is None else value.value,
    )


def test_variant_profile_sets_the_rate_range() -> None:
    """The test profile is the shipped one with only min_rate and max_rate made verified."""
    shipped = load_profile("synchromed-ii-40ml")
    variant = variant_profile("synchromed-ii-40ml", TEST_RANGE)
    expected = (
        ("0.05 mL/day", True, Decimal("0.05")),
        ("1 mL/day", True, Decimal(1)),
        shipped.model_dump(),
    )
    # Compared as data: the variant's own text has its own digest (source_sha256).
    actual = (
        written(variant.min_rate),
        written(variant.max_rate),
        variant.model_copy(
            update={"min_rate": shipped.min_rate, "max_rate": shipped.max_rate}
        ).model_dump(),
    )
    assert expected == actual
