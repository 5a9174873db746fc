"""The reservoir against the calendar: does the next refill come before the pump runs low, is
the interval within the drug's stability, and does the pump outlast it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.findings import Figure, Finding, Hazard, Rounding, Severity
from itbcheck.reservoir import date_after, latest_safe_refill, refill_due_by
from itbcheck.units import format_number

REFILL_AFTER_ALARM = CodeInfo(
    code="REFILL_AFTER_ALARM",
    severity=Severity.STOP,
    hazard=Hazard.WITHDRAWAL,
    title="Next refill too late: the reservoir runs low first",
    meaning="The next refill appointment is later than the worst-case low-reservoir alarm date "
    "minus the safety margin (3 days by default). Worst case: the programmed daily volume "
    "increased by the pump's accuracy band. With patient-activated boluses the daily volume "
    "counts every allowed bolus as given, in both pumps ([34] Prometra PTC guide).",
    why="Withdrawal starts within hours to days of an empty reservoir and can kill; symptoms were "
    "seen 1-7 days before the alarm, and an over-infusing pump can run dry without alarming.",
    source="[8] Withdrawal before the alarm 2004; [15] TGA 2016 SynchroMed alert; refill 7-10 "
    "days before the alarm date ([9] Gillette refill guidance); band: [16] SynchroMed "
    "over-infusion notices.",
    example="40 mL filled, 0.6 mL/day, 2 mL alarm, +14.5 % band: alarm on day 55.3 at worst; "
    "appointment on day 52 CLEAR, on day 53 STOP.",
    # The alarm dates and the booking advice are computed from the flow (a wrong programmed
    # strength makes it wrong) and the fill (a fill above capacity is not what the pump holds):
    # when either is a STOP, this finding is shown as its consequence, and the fix is its fix.
    follows_from=("CONCENTRATION_MISMATCH", "FILL_ABOVE_CAPACITY"),
)
NEXT_REFILL_NOT_AFTER_VISIT = CodeInfo(
    code="NEXT_REFILL_NOT_AFTER_VISIT",
    severity=Severity.STOP,
    hazard=Hazard.RECORD,
    title="Next refill date is not after the visit",
    meaning="The next refill appointment is on or before the day of this visit.",
    why="A record that cannot say when the pump will next be refilled cannot be checked for "
    "running out.",
    source="itbcheck safety principle 1 (fail closed); the refill must come before the alarm "
    "date ([9] Gillette refill guidance).",
    example="visit on 2026-11-27, next_refill 2026-11-20: STOP.",
)
ACCURACY_BAND_UNVERIFIED = CodeInfo(
    code="ACCURACY_BAND_UNVERIFIED",
    severity=Severity.CAUTION,
    hazard=Hazard.WITHDRAWAL,
    title="Worst-case alarm date could not be computed",
    meaning="The pump profile has no verified accuracy band, so only the nominal alarm date is "
    "known.",
    why="An over-infusing pump reaches its alarm early; without the band the margin is unknown.",
    source="itbcheck safety principle 3; bands: [16] SynchroMed over-infusion notices; [18] "
    "Prometra II labelling.",
    example="A profile with accuracy_band verified = false: CAUTION.",
)
REFILL_INTERVAL_BEYOND_STABILITY = CodeInfo(
    code="REFILL_INTERVAL_BEYOND_STABILITY",
    severity=Severity.CAUTION,
    hazard=Hazard.WITHDRAWAL,
    title="Refill interval beyond the drug-stability limit",
    meaning="The days to the next refill exceed the profile's drug-stability limit (the longest "
    "time the drug may stay in the reservoir); where the profile has no verified limit, the "
    "policy's default maximum refill interval (180 days by default), or the profile's "
    "unverified figure if that is shorter.",
    why="Drug kept past its stability limit may lose strength: under-dosing and withdrawal.",
    source="Profile drug_stability_limit (180 days quoted for SynchroMed II, unverified: [17] "
    "SynchroMed II labelling); policy refill.default_max_interval ([50] Baclofen pump "
    "stability 2023: pumps are recommended to be refilled within at most 180 days).",
    example="Next refill 200 days away with a 180-day limit: CAUTION. A Prometra II refill "
    "booked 552 days ahead (no profile limit, 180-day policy default): CAUTION.",
)
STABILITY_UNCHECKED = CodeInfo(
    code="STABILITY_UNCHECKED",
    severity=Severity.NOTE,
    hazard=Hazard.DEVICE,
    title="Drug-stability limit unknown for this pump",
    meaning="The pump profile gives no drug-stability limit, so the refill interval was checked "
    "against the policy's default maximum interval instead (beyond it: "
    "REFILL_INTERVAL_BEYOND_STABILITY, CAUTION).",
    why="itbcheck says what it could not check rather than assume a number.",
    source="itbcheck safety principle 3; no limit confirmed in [18] Prometra II labelling.",
    example="Prometra II profiles ship without a stability limit: NOTE.",
)
_SERVICE_SOURCE = (
    "[17] SynchroMed II labelling; [37] Medtronic drug pump replacement page (after the ERI "
    "alarm the SynchroMed II stops within 90 days; schedule the replacement about 6 months "
    "before); [38] HSA 2017 SynchroMed II battery notice (ERI non-critical, end of service "
    "critical alarm). Prometra II: no elective-replacement or end-of-service rule was found in "
    "[18] Prometra II labelling; the dates are taken as the programmer shows them."
)
PUMP_END_OF_SERVICE = CodeInfo(
    code="PUMP_END_OF_SERVICE",
    severity=Severity.STOP,
    hazard=Hazard.WITHDRAWAL,
    title="Pump reaches end of service before the next refill",
    meaning="The end-of-service (EOS) date shown by the pump falls on or before the next refill "
    "appointment, or, with no end-of-service date recorded, the elective replacement (ERI) "
    "date plus the policy's eri_to_end_of_service (90 days by default) does: the pump stops "
    "delivering before the patient is seen again. (Until issue 11 "
    "this field also held elective-replacement dates and the finding was a CAUTION; the ERI "
    "date now has its own field, pump.elective_replacement, and code "
    "PUMP_ELECTIVE_REPLACEMENT.)",
    why="A pump at end of service stops: abrupt withdrawal, which can kill, unless the pump is "
    "replaced first.",
    source=_SERVICE_SOURCE,
    example="end_of_service 2027-01-01, next refill 2027-01-15: STOP. elective_replacement "
    "2026-10-01 and no end_of_service, next refill 2027-01-15: 2026-10-01 + 90 days = "
    "2026-12-30: STOP.",
)
PUMP_ELECTIVE_REPLACEMENT = CodeInfo(
    code="PUMP_ELECTIVE_REPLACEMENT",
    severity=Severity.CAUTION,
    hazard=Hazard.DEVICE,
    title="Pump reaches its elective replacement indicator before the next refill",
    meaning="The elective replacement indicator (ERI) date shown by the pump falls on or before "
    "the next refill appointment, and the pump's end of service does not: neither a recorded "
    "end-of-service date nor, without one, the ERI plus the policy's eri_to_end_of_service "
    "(90 days by default) falls on or before the next refill (that would be "
    "PUMP_END_OF_SERVICE, STOP).",
    why="After ERI the pump still runs, but stops at end of service (a SynchroMed II within 90 "
    "days): the replacement must be booked now.",
    source=_SERVICE_SOURCE + " The 90 days as the default for every pump: policy "
    "service.eri_to_end_of_service, itbcheck's choice.",
    example="elective_replacement 2027-01-01, next refill 2027-01-15: CAUTION.",
)


def _days(name: str, value: Decimal, rounding: Rounding = "nearest") -> Figure:
    """Days as a figure; days until the alarm are shown rounded down (`rounding`)."""
    return Figure(name, value, "day", rounding)


def check_refill_date(context: CheckContext) -> Iterator[Finding]:
    outlook = context.forecast
    record = context.record
    appointment = outlook.appointment_days
    if appointment <= 0:
        yield finding(
            NEXT_REFILL_NOT_AFTER_VISIT,
            message=f"next_refill {record.next_refill.isoformat()} is not after the visit on "
            f"{record.visit_time.date().isoformat()}.",
            action="Enter the next refill appointment, then check again.",
            figures=[_days("appointment_days", Decimal(appointment))],
        )
        return
    nominal, worst = outlook.days_to_alarm_nominal, outlook.days_to_alarm_worst
    margin = context.policy.reservoir.refill_margin.value / 24
    limit = refill_due_by(outlook, margin)
    if nominal is None or limit is None:
        return  # nothing flows, nothing runs out; stopping the pump is its own finding
    if worst is not None and appointment <= limit:
        return  # most rows: a verified band and a refill in time, so no figures to build
    figures = [
        Figure("fill_volume", outlook.fill_volume_ml, "mL"),
        Figure("alarm_volume", outlook.alarm_volume_ml, "mL"),
        Figure("daily_volume", outlook.daily_volume_ml_per_day, "mL/day"),
        _days("days_to_alarm_nominal", nominal, "down"),
        *([_days("days_to_alarm_worst", worst, "down")] if worst is not None else []),
        _days("margin", margin),
        _days("appointment_days", Decimal(appointment)),
    ]
    if worst is None:
        yield finding(
            ACCURACY_BAND_UNVERIFIED,
            message=f"Low-reservoir alarm nominally on day {format_number(nominal, 1)}; profile "
            f"{context.profile.name} has no verified accuracy band for the worst case.",
            action="Book the refill with a wider margin, and have biomedical engineering verify "
            "the profile's accuracy band.",
            figures=figures,
        )
    if appointment > limit:
        earliest_alarm = worst if worst is not None else nominal
        alarm_date = date_after(record.visit_time, earliest_alarm)
        # Appointments are whole days after the visit, so the last acceptable one is the
        # whole day at or before the limit; before the appointment, so a real date.
        latest = latest_safe_refill(record.visit_time, limit)
        action = (
            "This fill does not last beyond the safety margin: review the dose, "
            "concentration and fill volume with the prescriber before starting the pump."
        )
        if latest is not None:
            action = (
                f"Book the next refill on or before {latest.isoformat()}; if another finding "
                "changes the programming, check again first."
            )
        yield finding(
            REFILL_AFTER_ALARM,
            message=f"Next refill on day {appointment} ({record.next_refill.isoformat()}), but "
            f"the low-reservoir alarm may sound on day {format_number(earliest_alarm, 1)} "
            f"({alarm_date.isoformat()}); with a {format_number(margin)}-day margin the refill "
            f"is due by day {format_number(limit, 1)}."
            + (
                " Every allowed patient bolus is counted as given."
                if context.dose.patient_bolus is not None
                else ""
            ),
            action=action,
            figures=figures,
        )


def check_stability(context: CheckContext) -> Iterator[Finding]:
    """Against the profile's verified drug-stability limit; without one, against the policy's
    default maximum interval (or the profile's unverified figure, if shorter): an unknown
    limit is not "no limit"."""
    fact = context.profile.drug_stability_limit
    appointment = context.forecast.appointment_days
    default_days = context.policy.refill.default_max_interval.value / 24
    if fact.verified and fact.value is not None:
        limit_days, basis = fact.value.value / 24, ""
    elif fact.value is not None and fact.value.value / 24 <= default_days:
        limit_days, basis = fact.value.value / 24, " (an unverified profile value)"
    else:
        limit_days = default_days
        basis = " (the policy's default: the profile has no verified limit)"
    if fact.value is None:
        yield finding(
            STABILITY_UNCHECKED,
            message=f"Profile {context.profile.name} gives no drug-stability limit; the "
            f"{appointment}-day refill interval was checked against the policy's "
            f"{format_number(default_days)}-day default instead.",
            action="Confirm the interval against the drug label.",
        )
    if appointment > limit_days:
        yield finding(
            REFILL_INTERVAL_BEYOND_STABILITY,
            message=f"The next refill is {appointment} days away, beyond the "
            f"{format_number(limit_days)}-day drug-stability limit{basis}.",
            action="Book an earlier refill, or confirm with pharmacy that the drug is stable "
            "that long.",
            figures=[_days("appointment_days", Decimal(appointment)), _days("limit", limit_days)],
        )


def check_end_of_service(context: CheckContext) -> Iterator[Finding]:
    """End of service before the next refill is a STOP; an ERI before it a CAUTION. Without a
    recorded end of service, the earliest one is the ERI plus the policy's
    eri_to_end_of_service (whole days, rounded down: an earlier stop is the worse case)."""
    record = context.record
    end, eri = record.pump.end_of_service, record.pump.elective_replacement
    if end is None and eri is None:
        return  # most pumps show neither date: nothing to compare or work out
    visit, refill = record.visit_time.date(), record.next_refill
    lag = int(context.policy.service.eri_to_end_of_service.value // 24)
    estimated = end is None and eri is not None
    if end is None and eri is not None:
        end = eri + dt.timedelta(days=lag)
    if end is not None and end <= refill:
        shown = (
            f"shows elective replacement on {eri.isoformat()} and may stop {lag} days later, "
            f"on {end.isoformat()} (no end-of-service date recorded)"
            if estimated and eri is not None
            else f"shows end of service on {end.isoformat()}"
        )
        yield finding(
            PUMP_END_OF_SERVICE,
            message=f"The pump {shown}, on or before the next refill on {refill.isoformat()}: "
            f"it {'may stop' if estimated else 'stops'} delivering before the patient is seen "
            "again.",
            action="Do not send the patient home on this pump without a plan: call the "
            "implanting team now to replace it before its end of service, and book the refill "
            "or replacement before that date.",
            figures=[
                _days("days_to_end_of_service", Decimal((end - visit).days)),
                *([_days("eri_to_end_of_service", Decimal(lag))] if estimated else []),
            ],
        )
    elif eri is not None and eri <= refill:
        when = "" if end is None else f" ({'as early as ' if estimated else ''}{end.isoformat()})"
        yield finding(
            PUMP_ELECTIVE_REPLACEMENT,
            message=f"The pump shows elective replacement on {eri.isoformat()}, on or before "
            f"the next refill on {refill.isoformat()}; it stops at its end of service{when}.",
            action="Tell the implanting team now so the replacement is booked before the pump "
            "reaches its end of service.",
            figures=[_days("days_to_elective_replacement", Decimal((eri - visit).days))],
        )


CHECKS = (
    Check(
        "refill_date",
        check_refill_date,
        (REFILL_AFTER_ALARM, NEXT_REFILL_NOT_AFTER_VISIT, ACCURACY_BAND_UNVERIFIED),
    ),
    Check("stability", check_stability, (REFILL_INTERVAL_BEYOND_STABILITY, STABILITY_UNCHECKED)),
    Check("end_of_service", check_end_of_service, (PUMP_END_OF_SERVICE, PUMP_ELECTIVE_REPLACEMENT)),
)
