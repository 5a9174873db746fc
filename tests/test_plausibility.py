"""Issue 10 ("No false CLEAR"), points 4 to 10: a regression test for each point's example,
and a property or boundary test over each class, so that fixing the example cannot hide a
neighbour of it. The per-check fixtures and their hand derivations are in tests/checks/."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itbcheck.exceptions import InvalidRecordError
from itbcheck.findings import Severity, Verdict
from tests.generated import CLEAR_RECORD, Visit, check, plain

STATUSES = ["stopped", "stalled", "empty"]
# Unicode whitespace that is not a control character (tabs and line breaks are refused as
# control characters already): space, no-break, ogham, the U+2000 block, line and paragraph
# separators, narrow no-break, medium mathematical and ideographic space.
SPACES = [" ", "\u00a0", "\u1680", *map(chr, range(0x2000, 0x200B)), "\u2028", "\u2029"]
SPACES += ["\u202f", "\u205f", "\u3000"]
TEXT_FIELDS = [
    ("patient", "id"),
    ("pump", "serial"),
    ("dosing", "change_reason"),
    ("overrides", 0, "approver"),
    ("overrides", 0, "reason"),
]
OVERRIDE = {
    "rule": "daily_dose_range",
    "approved_limit": "900 mcg/day",
    "approver": "Dr A. Okafor, rehabilitation medicine",
    "reason": "Spasticity uncontrolled at 800 mcg/day",
}


def property_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


def _record(**changes: Any) -> dict[str, Any]:
    """visit-clear.yaml with `section.field` changes, e.g. refill__fill_volume="18 mL"."""
    record = copy.deepcopy(CLEAR_RECORD)
    for key, value in changes.items():
        section, field = key.split("__")
        record[section][field] = value
    return record


def _refused_at(record: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidRecordError) as error:
        check(record)
    return [problem.location for problem in error.value.problems]


def _set(record: dict[str, Any], where: tuple[str | int, ...], value: str) -> None:
    target: Any = record
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value


# Point 4: catheter volume.


def _strength_change(profile: str, catheter: Decimal) -> dict[str, Any]:
    """500 -> 2000 mcg/mL at 400 mcg/day with the bridge of bridge_0_4_ml_over_12_h."""
    record = _record(
        pump__profile=profile,
        pump__catheter_volume=f"{plain(catheter)} mL",
        refill__previous_concentration="500 mcg/mL",
        refill__low_reservoir_alarm="3 mL",
    )
    record["dosing"]["previous_daily_dose"] = "400 mcg/day"
    record["dosing"]["prescription"]["daily_dose"] = "400 mcg/day"
    record["dosing"]["bridge_bolus"] = {"volume": "0.4 mL", "duration": "12 h"}
    return record


@pytest.mark.parametrize("profile", ["synchromed-ii-20ml", "prometra-ii-20ml"])
def test_point_4_decimal_slip_with_matching_bridge_is_not_clear(profile: str) -> None:
    """Issue 10 point 4: 2.6 mL written for 0.26 mL, with the bridge built for it, is not CLEAR
    on a strength change, and no action tells the nurse to program a 2.74 mL bridge."""
    record = _strength_change(profile, Decimal("2.6"))
    record["dosing"]["bridge_bolus"] = {"volume": "2.74 mL", "duration": "82.2 h"}
    result = check(record)
    actions = " ".join(finding.action for finding in result.findings)
    assert (True, False) == (result.verdict is not Verdict.CLEAR, "2.74 mL at" in actions)


@given(
    base=st.decimals(min_value=Decimal("0.052"), max_value=Decimal("0.286"), places=3),
    profile=st.sampled_from(
        ["synchromed-ii-20ml", "synchromed-ii-40ml", "prometra-ii-20ml", "prometra-ii-40ml"]
    ),
)
@property_settings(60)
def test_catheter_volume_scaled_by_10_or_0_is_never_clear_on_a_strength_change(
    base: Decimal, profile: str
) -> None:
    """Any plausible catheter volume scaled by 10 is never CLEAR on a strength change, in any
    shipped pump, and scaled by 0 the record is refused."""
    scaled = check(_strength_change(profile, base * 10))
    zero = _refused_at(_strength_change(profile, Decimal(0)))
    assert (True, ["pump.catheter_volume"]) == (scaled.verdict is not Verdict.CLEAR, zero)


@given(catheter=st.decimals(min_value=Decimal("0.001"), max_value=Decimal(500), places=3))
@property_settings(80)
def test_prometra_catheter_outside_its_range_is_stop(catheter: Decimal) -> None:
    """In a Prometra II, a catheter volume outside 0.052 to 0.286 mL is a STOP even with no
    strength change; inside it the catheter adds no finding."""
    record = _record(
        pump__profile="prometra-ii-20ml",
        pump__catheter_volume=f"{plain(catheter)} mL",
        refill__low_reservoir_alarm="3 mL",
    )
    codes = [finding.code for finding in check(record).findings]
    outside = not Decimal("0.052") <= catheter <= Decimal("0.286")
    assert outside == ("CATHETER_VOLUME_IMPLAUSIBLE" in codes)


# Point 5: the alarm setting.


@given(alarm=st.decimals(min_value=Decimal(0), max_value=Decimal("2.999"), places=3))
@property_settings(60)
def test_alarm_below_the_profiles_is_never_clear(alarm: Decimal) -> None:
    """Issue 10 point 5: any alarm set below the Prometra II's 3 mL is at least CAUTION, and
    below 1.5 mL a STOP."""
    record = _record(
        pump__profile="prometra-ii-20ml", refill__low_reservoir_alarm=f"{plain(alarm)} mL"
    )
    verdict = check(record).verdict
    expected = Verdict.STOP if alarm < Decimal("1.5") else Verdict.CAUTION
    assert expected == verdict


def test_point_5_alarm_of_0_ml_is_not_clear() -> None:
    """Issue 10 point 5: low_reservoir_alarm '0 mL' in the CLEAR example is a STOP now."""
    assert Verdict.STOP == check(_record(refill__low_reservoir_alarm="0 mL")).verdict


# Point 6: an unknown stability limit.


@pytest.mark.parametrize(("days", "verdict"), [(180, Verdict.CLEAR), (181, Verdict.CAUTION)])
def test_prometra_refill_interval_at_the_policy_default(days: int, verdict: Verdict) -> None:
    """A Prometra II 40 mL refill 180 days ahead is CLEAR and 181 days a CAUTION: the policy's
    180-day default stands in for the missing stability limit (0.05 mL/day lasts 640 days)."""
    visit = Visit(
        profile="prometra-ii-40ml",
        previous_dose=Decimal(100),
        daily_dose=Decimal(100),
        fill=Decimal(40),
        appointment_days=days,
    )
    record = visit.record()
    record["refill"]["low_reservoir_alarm"] = "3 mL"
    assert verdict == check(record).verdict


# Point 7: a residual below the alarm.


@given(residual=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1.999"), places=3))
@property_settings(60)
def test_residual_below_the_alarm_is_never_clear(residual: Decimal) -> None:
    """Issue 10 point 7: any residual above 0 but below the 2 mL alarm (as expected, so no
    residual gap) is a withdrawal finding; below the 0.14 mL pump tubing a STOP."""
    written = f"{plain(residual)} mL"
    record = _record(refill__expected_residual=written, refill__aspirated_residual=written)
    found = [f for f in check(record).findings if f.code == "RESIDUAL_BELOW_ALARM"]
    expected = Severity.STOP if residual < Decimal("0.14") else Severity.CAUTION
    assert [expected] == [finding.severity for finding in found]


# Point 8: contradictory volumes.


@given(
    previous=st.decimals(min_value=Decimal("0.1"), max_value=Decimal(30), places=1),
    residual=st.decimals(min_value=Decimal("0.1"), max_value=Decimal(19), places=1),
)
@property_settings(60)
def test_contradictory_previous_fill_is_stop(previous: Decimal, residual: Decimal) -> None:
    """Issue 10 point 8: a previous fill above the 20 mL capacity or below the residual is a
    STOP; otherwise it adds no contradiction."""
    written = f"{plain(residual)} mL"
    record = _record(
        refill__previous_fill_volume=f"{plain(previous)} mL",
        refill__expected_residual=written,
        refill__aspirated_residual=written,
    )
    codes = [finding.code for finding in check(record).findings]
    contradictory = previous > 20 or residual > previous
    assert contradictory == ("VOLUMES_CONTRADICTORY" in codes)


def test_point_8_catheter_volume_of_hundreds_of_ml_is_stop() -> None:
    """Issue 10 point 8: a 300 mL catheter volume is a STOP in a pump with no verified
    catheter range too, because it is more than the reservoir holds."""
    result = check(_record(pump__catheter_volume="300 mL"))
    codes = [finding.code for finding in result.findings]
    assert (Verdict.STOP, True) == (result.verdict, "CATHETER_VOLUME_IMPLAUSIBLE" in codes)


# Point 9: blank text.


@pytest.mark.parametrize("blank", [" ", "\u00a0", "\u3000"], ids=["space", "nbsp", "ideographic"])
def test_point_9_blank_change_reason_is_no_reason(blank: str) -> None:
    """Issue 10 point 9: stopping the pump with change_reason ' ' (or a no-break or ideographic
    space) no longer passes as a stop with a reason: the record is refused at that field."""
    record = _record(dosing__change_reason=blank)
    record["dosing"]["prescription"]["daily_dose"] = "0 mcg/day"
    assert ["dosing.change_reason"] == _refused_at(record)


def test_point_9_blank_approver_does_not_lift_the_dose_range() -> None:
    """Issue 10 point 9: an override whose approver and reason are only spaces does not turn
    the above-range STOP into a CAUTION: the record is refused."""
    record = _record()
    record["dosing"]["previous_daily_dose"] = "800 mcg/day"
    record["dosing"]["prescription"]["daily_dose"] = "850 mcg/day"
    record["overrides"] = [{**OVERRIDE, "approver": "\u00a0 ", "reason": "\u3000"}]
    expected = ["overrides[0].approver", "overrides[0].reason"]
    assert expected == _refused_at(record)


@given(
    where=st.sampled_from(TEXT_FIELDS),
    blank=st.lists(st.sampled_from(SPACES), min_size=1, max_size=8).map("".join),
)
@property_settings(80)
def test_any_whitespace_only_text_is_missing(where: tuple[str | int, ...], blank: str) -> None:
    """Any text field holding only Unicode whitespace is refused, naming that field, whatever
    the mix of spaces."""
    record = _record()
    record["overrides"] = [dict(OVERRIDE)]
    _set(record, where, blank)
    location = ".".join(str(part) for part in where).replace(".0.", "[0].")
    assert [location] == _refused_at(record)


def test_text_with_spaces_around_words_is_still_text() -> None:
    """Text with words and spaces, even leading or trailing no-break spaces, is accepted."""
    record = _record(dosing__change_reason="\u00a0Ordered by Dr Okafor ")
    assert Verdict.CLEAR == check(record).verdict


# Point 10: restart margin.


@given(
    previous=st.decimals(min_value=Decimal(50), max_value=Decimal(800), places=1),
    share=st.decimals(min_value=Decimal("0.801"), max_value=Decimal("1.3"), places=3),
    status=st.sampled_from(STATUSES),
)
@property_settings(80)
def test_restart_above_the_margin_without_override_is_stop(
    previous: Decimal, share: Decimal, status: str
) -> None:
    """Issue 10 point 10: after a stop, stall or empty pump, a restart at any dose above
    (1 - 20 %) x the previous dose, with no override, is a restart STOP."""
    dose = (previous * share).quantize(Decimal("0.1"))
    if dose <= previous * Decimal("0.8"):
        dose += Decimal("0.1")
    visit = Visit(status=status, previous_dose=previous, daily_dose=dose, appointment_days=10)
    found = [
        finding.severity
        for finding in check(visit.record()).findings
        if finding.code in {"RESTART_AT_FULL_DOSE", "RESTART_NOT_REDUCED"}
    ]
    assert [Severity.STOP] == found


@given(
    previous=st.decimals(min_value=Decimal(50), max_value=Decimal(800), places=1),
    share=st.decimals(min_value=Decimal("0.1"), max_value=Decimal("0.8"), places=3),
)
@property_settings(40)
def test_restart_reduced_by_the_margin_is_a_caution(previous: Decimal, share: Decimal) -> None:
    """A restart at or below 80 % of the previous dose gives the restart CAUTION, never a
    restart STOP."""
    dose = (previous * share).quantize(Decimal("0.1"), rounding="ROUND_FLOOR")
    if dose == 0:
        dose = Decimal("0.1")
    visit = Visit(status="stalled", previous_dose=previous, daily_dose=dose, appointment_days=10)
    found = [f.code for f in check(visit.record()).findings if f.code.startswith("RESTART_")]
    assert ["RESTART_AFTER_INTERRUPTION"] == found
