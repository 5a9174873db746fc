"""Records generated for the property and boundary tests of issue 7: dicts built from
examples/visit-clear.yaml, written out as JSON and checked through the functions `itbcheck
check` calls (load_document, parse_record, check_record), with the shipped policy unless a
test passes its own."""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from itbcheck.checking import CheckResult, check_record
from itbcheck.findings import Verdict
from itbcheck.policy import Policy, load_policy
from itbcheck.reading import load_document
from itbcheck.records import parse_record
from tests.conftest import EXAMPLES

CLEAR_RECORD: dict[str, Any] = load_document(
    (EXAMPLES / "visit-clear.yaml").read_bytes(), "visit-clear.yaml"
)
VISIT = dt.datetime(2026, 11, 27, 10, 30, tzinfo=dt.UTC)
# Accuracy bands of the shipped profiles, from their files (all verified).
BANDS = {
    "synchromed-ii-20ml": Decimal("14.5"),
    "synchromed-ii-40ml": Decimal("14.5"),
    "prometra-ii-20ml": Decimal(15),
    "prometra-ii-40ml": Decimal(15),
}
SEVERITY = {Verdict.CLEAR: 0, Verdict.CAUTION: 1, Verdict.STOP: 2}


def plain(value: Decimal) -> str:
    """A decimal written as itbcheck accepts it: no exponent, no trailing zeros."""
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class Visit:
    """The numbers a generated record is made of, in canonical units (mcg/day, mcg/mL, mL)."""

    profile: str = "synchromed-ii-20ml"
    origin: str = "spinal"
    age_years: int = 42
    status: str = "running"
    previous_dose: Decimal = Decimal(400)
    daily_dose: Decimal = Decimal(480)
    bolus_doses: tuple[Decimal, ...] = ()
    dispensed: Decimal = Decimal(2000)
    programmed: Decimal = Decimal(2000)
    fill: Decimal = Decimal(18)
    appointment_days: int = 49
    hours_since_change: int = 2400
    override_limit: Decimal | None = None

    @property
    def prescribed(self) -> Decimal:
        return self.daily_dose + sum(self.bolus_doses, Decimal(0))

    def record(self) -> dict[str, Any]:
        record = copy.deepcopy(CLEAR_RECORD)
        record["visit_time"] = VISIT.isoformat()
        record["patient"].update(origin=self.origin, age_years=self.age_years)
        record["pump"].update(profile=self.profile, status_at_arrival=self.status)
        record["refill"].update(
            dispensed_concentration=f"{plain(self.dispensed)} mcg/mL",
            previous_concentration=f"{plain(self.dispensed)} mcg/mL",
            programmed_concentration=f"{plain(self.programmed)} mcg/mL",
            fill_volume=f"{plain(self.fill)} mL",
            programmed_reservoir_volume=f"{plain(self.fill)} mL",
        )
        changed = VISIT - dt.timedelta(hours=self.hours_since_change)
        record["dosing"].update(
            previous_daily_dose=f"{plain(self.previous_dose)} mcg/day",
            previous_dose_changed_at=changed.isoformat(),
            change_reason="Ordered by the physician",
        )
        record["dosing"]["prescription"] = {
            "mode": "continuous",
            "daily_dose": f"{plain(self.daily_dose)} mcg/day",
            "boluses": [{"dose": f"{plain(dose)} mcg"} for dose in self.bolus_doses],
        }
        record["next_refill"] = (
            VISIT.date() + dt.timedelta(days=self.appointment_days)
        ).isoformat()
        if self.override_limit is not None:
            record["overrides"] = [
                {
                    "rule": "daily_dose_range",
                    "approved_limit": f"{plain(self.override_limit)} mcg/day",
                    "approver": "Dr Test, rehabilitation medicine",
                    "reason": "Generated for a property test",
                }
            ]
        return record


def check(record: dict[str, Any], policy: Policy | None = None) -> CheckResult:
    """The record checked as `itbcheck check` checks a JSON file."""
    raw = json.dumps(record).encode("utf-8")
    document = load_document(raw, "generated.json")
    return check_record(parse_record(document, "generated.json"), policy or load_policy())


def severity(visit: Visit) -> int:
    return SEVERITY[check(visit.record()).verdict]


def _decimals(low: str, high: str) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=1)


@st.composite
def visits(draw: st.DrawFn) -> Visit:
    """A visit anywhere in and around the policy's limits: doses from 0 to 1500 mcg/day,
    strengths matching or not, any shipped pump, origin and age, overrides or none. Half the
    time the rest of the record is unremarkable (a small change, a covering override, an early
    appointment), so that one limit at a time decides the verdict."""
    dispensed = draw(st.sampled_from([Decimal(v) for v in (500, 1000, 1500, 2000, 3000)]))
    mismatch = draw(st.booleans()) and draw(st.booleans())
    programmed = draw(st.sampled_from([Decimal(500), Decimal(2000)])) if mismatch else dispensed
    daily = draw(st.one_of(_decimals("0.1", "1500"), _decimals("800", "1100")))
    ratios = st.sampled_from([Decimal(1), Decimal("0.9"), Decimal("0.8"), Decimal("0.7")])
    previous = draw(
        st.one_of(st.just(Decimal(0)), _decimals("1", "1500"), *[ratios.map(daily.__mul__)] * 2)
    )
    cover = st.sampled_from([Decimal(0), Decimal(50)]).map(lambda extra: daily + extra)
    return Visit(
        profile=draw(st.sampled_from(sorted(BANDS))),
        origin=draw(st.sampled_from(["spinal", "cerebral"])),
        age_years=draw(st.integers(1, 90)),
        status=draw(st.sampled_from(["running"] * 8 + ["stopped", "empty"])),
        previous_dose=previous,
        daily_dose=daily,
        bolus_doses=tuple(draw(st.lists(_decimals("1", "30"), max_size=2))),
        dispensed=dispensed,
        programmed=programmed,
        fill=draw(st.one_of(st.just(Decimal(18)), _decimals("4", "40"))),
        appointment_days=draw(st.one_of(st.integers(1, 10), st.integers(1, 200))),
        hours_since_change=draw(st.one_of(st.integers(24, 5000), st.integers(1, 5000))),
        override_limit=draw(st.one_of(st.none(), cover, cover, _decimals("1", "1500"))),
    )


__all__ = ["BANDS", "CLEAR_RECORD", "Visit", "check", "plain", "replace", "severity", "visits"]
