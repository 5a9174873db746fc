"""What the verdict page and the printed report show, and the templates that show it. Every
number comes from the library (`CheckResult`, `output`, `reservoir`, `simulation`); this
module only arranges and formats them. Used by the web app and by `itbcheck report`."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

import jinja2

from itbcheck.assessment import Outcome
from itbcheck.checking import CheckResult
from itbcheck.checktext import figures_text, problem_texts, verdict_words
from itbcheck.findings import Finding, Severity
from itbcheck.grouping import grouped
from itbcheck.output import reservoir_dates
from itbcheck.reservoir import latest_safe_refill, refill_due_by
from itbcheck.rounding import steps_of, typed_quantity
from itbcheck.stages import STAGES, Stage
from itbcheck.units import format_number, format_quantity

PLOT_WIDTH, PLOT_HEIGHT = 640, 220
_MARGIN = 44
_PLOT_STEPS = 120  # points per line: smooth enough on paper, small enough inline


@functools.cache
def environment() -> jinja2.Environment:
    """The one template environment: package templates, everything escaped."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("itbcheck.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def static_text(name: str) -> str:
    """A shipped static file's text, to inline it in a self-contained report."""
    return (resources.files("itbcheck.web") / "static" / name).read_text("utf-8")


@dataclass(frozen=True)
class AuditRef:
    seq: int
    hash: str


def _q(value: Decimal | None, unit: str) -> str:
    return "none" if value is None else format_quantity(value, unit)


def _finding(finding: Finding, steps: dict[str, Decimal]) -> dict[str, Any]:
    return {
        "code": finding.code,
        "severity": finding.severity.name,
        "hazard": str(finding.hazard),
        "message": finding.message,
        "figures": figures_text(finding, steps),
        "action": finding.action,
        "consequences": [],
    }


def _findings(result: CheckResult, steps: dict[str, Decimal]) -> list[dict[str, Any]]:
    """The CAUTION and STOP findings to act on, each with the findings that follow from its
    error (`consequence_of`) under it: the fix is named once."""
    return [
        {
            **_finding(group.cause, steps),
            "consequences": [_finding(found, steps) for found in group.consequences],
        }
        for group in grouped(result.findings)
    ]


def verdict_context(result: CheckResult, audit: AuditRef, nurses: dict[str, str]) -> dict[str, Any]:
    """Everything the verdict page and the report show of one checked visit."""
    dose, outlook, record = result.dose, result.forecast, result.record
    margin = result.policy.reservoir.refill_margin.value / 24
    limit = refill_due_by(outlook, margin)
    latest = None if limit is None else latest_safe_refill(record.visit_time, limit)
    dates = reservoir_dates(result)
    steps = steps_of(result.profile)
    stage = STAGES[result.stage]
    return {
        "verdict": str(result.verdict),
        "verdict_words": verdict_words(result.verdict, result.stage),
        "stage": str(result.stage),
        "before_fill": result.stage is Stage.BEFORE_FILL,
        "stage_note": f"Checked {stage.label}: {stage.still_required}."
        if stage.still_required
        else "",
        "profile": result.profile.version,
        "policy": result.policy.policy_version,
        "visit_time": record.visit_time.isoformat(timespec="minutes"),
        "dose": {
            "prescribed": _q(dose.prescribed_daily_dose_mcg_per_day, "mcg/day"),
            "previous": _q(dose.previous_daily_dose_mcg_per_day, "mcg/day"),
            "programmed": _q(dose.programmed_concentration_mcg_per_ml, "mcg/mL"),
            "dispensed": _q(dose.dispensed_concentration_mcg_per_ml, "mcg/mL"),
            "flow": typed_quantity(dose.pump_daily_volume_ml_per_day, "mL/day", result.profile),
            "delivered": typed_quantity(
                dose.delivered_daily_dose_mcg_per_day, "mcg/day", result.profile
            ),
            "factor": format_number(dose.concentration_factor),
            "mismatch": dose.concentration_factor != 1,
            "fill": _q(record.refill.fill_volume.value, "mL"),
            "alarm_volume": _q(outlook.alarm_volume_ml, "mL"),
            "patient_bolus": None
            if dose.patient_bolus is None
            else {
                "count": dose.patient_bolus.max_per_day,
                "each": _q(dose.patient_bolus.programmed_mcg, "mcg"),
                "most": _q(dose.most_daily_dose_mcg_per_day, "mcg/day"),
                "flow": _q(dose.most_daily_volume_ml_per_day, "mL/day"),
            },
        },
        "dates": dates,
        "appointment_days": outlook.appointment_days,
        "margin": f"{format_number(margin)}-day",
        "latest_safe_refill": None if latest is None else latest.isoformat(),
        "forecast_undone_by": " and ".join(result.forecast_undone_by),
        "findings": _findings(result, steps),
        "notes": [_finding(f, steps) for f in result.findings if f.severity is Severity.NOTE],
        "overrides": [
            {
                "rule": o.rule,
                "limit": o.approved_limit.text,
                "approver": o.approver,
                "reason": o.reason,
            }
            for o in record.overrides
        ],
        "audit": audit,
        "nurses": nurses,
        "plot": reservoir_plot(result),
        "report": False,
    }


def rejected_context(outcome: Outcome) -> list[str]:
    """The problems of a record that was not checked, in the CLI's words."""
    return problem_texts(outcome.problems)


def reservoir_plot(result: CheckResult) -> dict[str, Any] | None:
    """The reservoir over time as SVG coordinates: nominal and both ends of the accuracy band
    from `simulation.simulate`, the alarm volume and the appointment. None when nothing flows
    (there is no date to show) or the horizon is too long to step through."""
    from itbcheck.lab.simulation import simulate
    from itbcheck.lab.variants import VariantError

    outlook = result.forecast
    if outlook.days_to_alarm_nominal is None:
        return None
    ends = [d for d in (outlook.days_to_empty_nominal, outlook.days_to_empty_worst) if d]
    horizon = max([Decimal(max(outlook.appointment_days, 1)), *ends]) * Decimal("1.1")
    step = max(horizon / _PLOT_STEPS, Decimal("0.01"))
    try:
        run = simulate(result.record, result.profile, step_days=step, until_days=horizon)
    except VariantError:
        return None
    top = max(outlook.fill_volume_ml, Decimal("0.001"))
    last_day = run.rows[-1].day or Decimal(1)
    width, height = PLOT_WIDTH - 2 * _MARGIN, PLOT_HEIGHT - 2 * _MARGIN

    def x(day: Decimal) -> str:
        return format_number(_MARGIN + day / last_day * width, 1)

    def y(volume: Decimal) -> str:
        return format_number(_MARGIN + (1 - max(volume, Decimal(0)) / top) * height, 1)

    lines = [
        {
            "rate": scenario.rate,
            "points": " ".join(f"{x(row.day)},{y(row.reservoir_ml[index])}" for row in run.rows),
        }
        for index, scenario in enumerate(run.scenarios)
    ]
    appointment = Decimal(outlook.appointment_days)
    return {
        "width": PLOT_WIDTH,
        "height": PLOT_HEIGHT,
        "left": _MARGIN,
        "right": PLOT_WIDTH - _MARGIN,
        "top": _MARGIN,
        "bottom": PLOT_HEIGHT - _MARGIN,
        "lines": lines,
        "alarm_y": y(outlook.alarm_volume_ml),
        "alarm_label": format_quantity(outlook.alarm_volume_ml, "mL") + " alarm",
        "appointment_x": x(appointment) if 0 < appointment <= last_day else None,
        "fill_label": format_quantity(top, "mL"),
        "last_day": format_number(last_day, 0),
    }
