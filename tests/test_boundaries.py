"""Each limit at L - ε, L and L + ε, in every unit spelling that writes all three exactly, gives
the documented verdict (docs/findings.md; docs/references.md).

The dose limits use a test policy whose numbers are whole in mcg/min too (72 and 720 mcg/day
typical, a 1648.8 mcg/day ceiling, so that a SynchroMed II's +14.5 % band reaches it from
exactly 1440 mcg/day = 1 mcg/min). ε is 1.44 mcg/day (0.001 mcg/min) for doses, 0.001 mL for
volumes and 0.001 mcg for a bolus.
"""

from __future__ import annotations

from decimal import Decimal
from importlib import resources

import pytest

from itbcheck.findings import Verdict
from itbcheck.policy import Policy, parse_policy
from tests.generated import Visit, check, plain

CLEAR, CAUTION, STOP = Verdict.CLEAR, Verdict.CAUTION, Verdict.STOP
DEFAULT = (resources.files("itbcheck") / "data" / "policy.toml").read_text("utf-8")
POLICY: Policy = parse_policy(
    DEFAULT.replace('typical_min = "50 mcg/day"', 'typical_min = "72 mcg/day"')
    .replace('typical_max = "800 mcg/day"', 'typical_max = "720 mcg/day"')
    .replace('hard_ceiling = "1000 mcg/day"', 'hard_ceiling = "1648.8 mcg/day"')
    # The ceiling at the top of the band is a STOP only when the clinic chooses it (the
    # default, false, gives a CAUTION: tests/checks/test_dose_policy.py).
    .replace("ceiling_includes_accuracy_band = false", "ceiling_includes_accuracy_band = true"),
    "boundary test policy",
)
MASS = [("mcg", 1), ("µg", 1), ("μg", 1), ("ug", 1), ("mg", 1000)]
PER_TIME = [("day", 1), ("d", 1), ("h", 24), ("hr", 24), ("min", 1440)]
DOSE_SPELLINGS = [(f"{m}/{t}", mf * tf) for m, mf in MASS for t, tf in PER_TIME]
EPSILON = Decimal("1.44")


def written(value: Decimal, spelling: str, factor: int) -> str | None:
    """`value` (canonical) in `spelling`, or None when that spelling cannot write it exactly."""
    text = plain(value / factor)
    whole, _, fraction = text.partition(".")
    if len(whole) > 12 or len(fraction) > 12 or Decimal(text) * factor != value:
        return None
    return f"{text} {spelling}"


# (name, limit L in mcg/day, the visit around it, verdicts at L - ε, L, L + ε)
DOSE_LIMITS = [
    (
        "typical_min",
        Decimal(72),
        Visit(previous_dose=Decimal(72), appointment_days=10),
        (STOP, CLEAR, CLEAR),
    ),
    (
        "typical_max",
        Decimal(720),
        Visit(previous_dose=Decimal(720), appointment_days=10),
        (CLEAR, CLEAR, STOP),
    ),
    (
        "ceiling_at_top_of_band",
        Decimal(1440),
        Visit(previous_dose=Decimal(1440), override_limit=Decimal(1500), appointment_days=10),
        (CAUTION, CAUTION, STOP),
    ),
    (
        "increase_spinal_30_percent",
        Decimal(468),  # 360 mcg/day + 30 %; 0.325 mcg/min
        # A titration step: the dose changed 72 h ago, under the 28 days of a periodic refill.
        Visit(previous_dose=Decimal(360), appointment_days=10, hours_since_change=72),
        (CLEAR, CLEAR, STOP),
    ),
    (
        "increase_refill_spinal_40_percent",
        Decimal(504),  # 360 mcg/day + 40 %; 0.35 mcg/min
        # A periodic refill (issue 11 point 1): running, filled, dose unchanged for 100 days;
        # above the 30 % titration step a CAUTION up to the 40 % refill limit, STOP above it.
        Visit(previous_dose=Decimal(360), appointment_days=10),
        (CAUTION, CAUTION, STOP),
    ),
    (
        "decrease_20_percent",
        Decimal(576),
        Visit(previous_dose=Decimal(720), appointment_days=10),
        (CAUTION, CLEAR, CLEAR),
    ),
]
DOSE_CASES = [
    pytest.param(limit, visit, verdicts, spelling, factor, id=f"{name}-{spelling}")
    for name, limit, visit, verdicts in DOSE_LIMITS
    for spelling, factor in DOSE_SPELLINGS
    if all(written(limit + d, spelling, factor) for d in (-EPSILON, Decimal(0), EPSILON))
]


@pytest.mark.parametrize(("limit", "visit", "verdicts", "spelling", "factor"), DOSE_CASES)
def test_dose_limit_at_its_boundary(
    limit: Decimal,
    visit: Visit,
    verdicts: tuple[Verdict, Verdict, Verdict],
    spelling: str,
    factor: int,
) -> None:
    """The daily dose at L - ε, L and L + ε, in this spelling, gives the documented verdicts."""
    actual = []
    for delta in (-EPSILON, Decimal(0), EPSILON):
        record = visit.record()
        record["dosing"]["prescription"]["daily_dose"] = written(limit + delta, spelling, factor)
        actual.append(check(record, POLICY).verdict)
    assert list(verdicts) == actual


def test_every_dose_limit_is_tested_in_several_spellings() -> None:
    """Each dose limit is exact in at least five spellings, mcg/min or mg/min among them."""
    names = [str(param.id).split("-")[0] for param in DOSE_CASES]
    per_limit = {name: names.count(name) for name, *_ in DOSE_LIMITS}
    assert [] == [name for name, count in per_limit.items() if count < 5]


VOLUME_EPSILON = Decimal("0.001")
# (name, field, L in mL, verdicts at L - ε, L, L + ε); other fields as in visit-clear.yaml.
VOLUME_LIMITS = [
    ("fill_capacity_20_ml", ("fill_volume", "programmed_reservoir_volume"), Decimal(20),
     (CLEAR, CLEAR, STOP)),
    ("residual_gap_1_ml", ("aspirated_residual",), Decimal("2.1"), (STOP, CLEAR, CLEAR)),
]  # fmt: skip


@pytest.mark.parametrize("spelling", ["mL", "ml"])
@pytest.mark.parametrize(("fields", "limit", "verdicts"), [case[1:] for case in VOLUME_LIMITS])
def test_volume_limit_at_its_boundary(
    fields: tuple[str, ...], limit: Decimal, verdicts: tuple[Verdict, ...], spelling: str
) -> None:
    """A fill at the 20 mL capacity, and an aspirated residual 1 mL from the expected 3.1 mL,
    at L - ε, L and L + ε, give the documented verdicts in mL and in ml."""
    actual = []
    for delta in (-VOLUME_EPSILON, Decimal(0), VOLUME_EPSILON):
        record = Visit(appointment_days=30).record()
        for field in fields:
            record["refill"][field] = f"{plain(limit + delta)} {spelling}"
        actual.append(check(record).verdict)
    assert list(verdicts) == actual


@pytest.mark.parametrize(("spelling", "factor"), MASS)
def test_bolus_limit_at_its_boundary(spelling: str, factor: int) -> None:
    """A bolus of 25 mcg - ε is CLEAR; at 25 mcg and above it is a CAUTION, in every mass
    spelling."""
    actual = []
    for delta in (Decimal("-0.001"), Decimal(0), Decimal("0.001")):
        record = Visit(previous_dose=Decimal(480), daily_dose=Decimal(460)).record()
        dose = written(Decimal(25) + delta, spelling, factor)
        record["dosing"]["prescription"]["boluses"] = [{"dose": dose}]
        actual.append(check(record).verdict)
    assert [CLEAR, CAUTION, CAUTION] == actual
