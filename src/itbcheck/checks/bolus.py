"""Boluses added up: each alone, those at the same time together, and the day's, against the
policy's bolus levels. Ten small boluses given at once cannot pass because each alone is small.
The busiest-hour check (`checks.delivery`) judges its extra drug by the same levels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, covering_override, finding
from itbcheck.dosing import BolusShare
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.units import format_quantity

BOLUS_SOURCE = (
    "[1] Lioresal label; [2] Gablofen label: a sensitive adult reacted to 25 mcg, screening "
    "boluses are 50-100 mcg given under observation. [13] ISMP flex schedule: a once-daily step "
    "repeated every hour. The 25 and 100 mcg levels are itbcheck's choice (policy [bolus])."
)

BOLUS_ABOVE_STOP_LEVEL = CodeInfo(
    code="BOLUS_ABOVE_STOP_LEVEL",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Bolus drug at or above the STOP level",
    meaning="One bolus, the boluses given at the same time (or with no time) added together, or "
    "all boluses of a day added together deliver at least the policy's STOP level (100 mcg by "
    "default), counted at the concentration in the reservoir. An override with rule "
    "bolus_limit, approver and reason that approves the amount makes it a CAUTION.",
    why="Screening boluses of 50-100 mcg are given once, under observation; a programmed bolus "
    "that large repeats every day without anyone watching, and there is no antidote.",
    source=BOLUS_SOURCE,
    example="0.2 mL of 2000 mcg/mL = 400 mcg in one bolus: STOP. Ten 24 mcg boluses at 08:00: "
    "240 mcg at once: STOP.",
)
BOLUS_SUM_LARGE = CodeInfo(
    code="BOLUS_SUM_LARGE",
    severity=Severity.CAUTION,
    hazard=Hazard.OVERDOSE,
    title="Boluses that add up to a large dose",
    meaning="Several boluses given at the same time (or with no time), or all boluses of a day, "
    "add up to at least the CAUTION level (25 mcg by default) though each is below it.",
    why="The patient receives the sum: splitting a bolus does not make it smaller.",
    source=BOLUS_SOURCE,
    example="Two 20 mcg boluses at 08:00: 40 mcg at once: CAUTION.",
)


@dataclass(frozen=True)
class _Sum:
    """Boluses added up: `count` of them deliver `drug_mcg`. `kind` says which ("one": bolus
    `index`; "same": those at `time`, None for no time; "all": the day's); the words are
    only written for a finding."""

    kind: str
    count: int
    drug_mcg: Decimal
    index: int = 0
    time: dt.time | None = None

    @property
    def what(self) -> str:
        if self.kind == "one":
            return f"bolus {self.index + 1}"
        if self.kind == "same":
            when = "with no time" if self.time is None else f"at {self.time.strftime('%H:%M')}"
            return f"{self.count} boluses {when}"
        return f"all {self.count} boluses of the day"


def bolus_sums(context: CheckContext) -> list[_Sum]:
    """Every bolus alone, those at the same time (or with no time) together, and the day's."""
    boluses = context.dose.boluses
    sums = [_Sum("one", 1, b.delivered_mcg, index=b.index) for b in boluses]
    for time in {b.time for b in boluses}:
        same = [b for b in boluses if b.time == time]
        if len(same) > 1:
            sums.append(_Sum("same", len(same), _drug(same), time=time))
    if len(boluses) > 1:
        sums.append(_Sum("all", len(boluses), _drug(boluses)))
    return sums


def _drug(boluses: Sequence[BolusShare]) -> Decimal:
    return sum((b.delivered_mcg for b in boluses), Decimal(0))


def _approved(context: CheckContext, amount: Decimal) -> str | None:
    override = covering_override(context, "bolus_limit", amount)
    if override is None:
        return None
    limit = format_quantity(override.approved_limit.value, "mcg")
    return f"approved to {limit} by {override.approver}"


def judge(context: CheckContext, amount: Decimal) -> tuple[Severity, str | None]:
    """The bolus level `amount` of drug reaches, and the override that lifts a STOP, if any."""
    bolus = context.policy.bolus
    if amount >= bolus.stop_at.value:
        approved = _approved(context, amount)
        return (Severity.CAUTION if approved else Severity.STOP), approved
    return (Severity.CAUTION if amount >= bolus.caution_at.value else Severity.NOTE), None


def check_bolus_sums(context: CheckContext) -> Iterator[Finding]:
    sums = bolus_sums(context)
    if not sums:
        return
    stop_at = context.policy.bolus.stop_at.value
    top = max(sums, key=lambda s: (s.drug_mcg, -s.count))
    if top.drug_mcg >= stop_at:
        severity, approved = judge(context, top.drug_mcg)
        yield finding(
            BOLUS_ABOVE_STOP_LEVEL,
            message=f"{top.what.capitalize()} deliver{'s' if top.count == 1 else ''} "
            f"{format_quantity(top.drug_mcg, 'mcg')}, at or above the STOP level of "
            f"{format_quantity(stop_at, 'mcg')}" + (f"; {approved}." if approved else "."),
            action="Proceed only as approved; watch breathing and consciousness for several hours."
            if approved
            else "Do not program it: confirm the bolus with the prescriber, or record an approved "
            "bolus_limit override with approver and reason.",
            figures=[Figure("bolus_drug", top.drug_mcg, "mcg"), Figure("stop_at", stop_at, "mcg")],
            severity=severity,
        )
        return
    caution_at = context.policy.bolus.caution_at.value
    several = [s for s in sums if s.count > 1 and s.drug_mcg >= caution_at]
    if several:
        top = max(several, key=lambda s: s.drug_mcg)
        yield finding(
            BOLUS_SUM_LARGE,
            message=f"{top.what.capitalize()} add up to {format_quantity(top.drug_mcg, 'mcg')}, "
            f"at or above {format_quantity(caution_at, 'mcg')}.",
            action="Confirm the boluses with the prescriber; watch breathing and consciousness "
            "after them.",
            figures=[
                Figure("bolus_drug", top.drug_mcg, "mcg"),
                Figure("caution_at", caution_at, "mcg"),
            ],
        )


CHECKS = (Check("bolus_sums", check_bolus_sums, (BOLUS_ABOVE_STOP_LEVEL, BOLUS_SUM_LARGE)),)
