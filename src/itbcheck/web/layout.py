"""The form's fields, in the order a nurse refills a pump. Data only: each field is named by
the record's dotted path, exactly the CSV sheet's column name (docs/sheet.md), so the form
and a sheet row become a record the same way (`formdata`). Choices come from the record model
and unit pickers from the units allowlist, never from a list kept here. What one input is lives
in `inputs`; the flex steps' and boluses' repeated rows in `rows`."""

from __future__ import annotations

from itbcheck.choices import choices_of
from itbcheck.units import Kind
from itbcheck.web.inputs import Field, Section
from itbcheck.web.inputs import choice_field as _c
from itbcheck.web.inputs import quantity_field as _q
from itbcheck.web.rows import BOLUSES, STEPS

CHECKING_NURSE = "nurse.checking"
SECOND_NURSE = "nurse.second"


def _patient_bolus_fields(path: str, when: str) -> tuple[Field, ...]:
    """A personal therapy manager's or patient therapy controller's bolus: all three or none."""
    return (
        _q(
            f"{path}.dose",
            f"Patient bolus dose ({when})",
            Kind.MASS,
            "personal therapy manager or patient controller only",
            required=False,
        ),
        _q(f"{path}.lockout", f"Patient bolus lockout ({when})", Kind.DURATION, required=False),
        Field(f"{path}.max_per_day", f"Patient boluses a day ({when})", "integer", required=False),
    )


_YES_NO = ("", "false", "true")

# Asked at interrogation: events since the last refill that change what may be assumed.
SINCE_LAST_VISIT = (
    Field(
        "since_last_visit.mri.date",
        "MRI since the last refill",
        "date",
        "like 2026-11-20, only if there was one",
        required=False,
    ),
    _c(
        "since_last_visit.mri.pump_emptied_before",
        "Pump emptied before the MRI",
        "Prometra: its labelling requires it",
        choices=_YES_NO,
        required=False,
    ),
    _c(
        "since_last_visit.mri.interrogated_after",
        "Interrogated after the MRI, and running",
        choices=_YES_NO,
        required=False,
    ),
    Field(
        "since_last_visit.catheter_revision.date",
        "Catheter revised since the last refill",
        "date",
        "like 2026-11-10",
        required=False,
    ),
    _q(
        "since_last_visit.catheter_revision.new_catheter_volume",
        "New catheter volume",
        Kind.VOLUME,
        "from the operation note; enter it as the catheter volume too",
        required=False,
    ),
    Field(
        "since_last_visit.pump_replacement.date",
        "Pump replaced since the last refill",
        "date",
        "like 2026-11-02",
        required=False,
    ),
    _q(
        "since_last_visit.pump_replacement.implant_concentration",
        "Strength the new pump was filled with",
        Kind.CONCENTRATION,
        required=False,
    ),
)

SECTIONS: tuple[Section, ...] = (
    Section(
        "find",
        "1. Find the patient and pump",
        "Hospital number and pump serial as on the chart and the programmer.",
        (
            Field("patient.id", "Hospital number"),
            Field("pump.serial", "Pump serial"),
            _c("pump.profile", "Pump"),
            _c("patient.origin", "Origin of the spasticity"),
            Field("patient.age_years", "Age (years)", "integer"),
            _c("patient.renal_impairment", "Renal impairment", choices=("false", "true")),
            Field("visit_time", "Visit time", "timestamp", "like 2026-11-27T10:30:00+00:00"),
            _q(
                "pump.catheter_volume",
                "Catheter volume",
                Kind.VOLUME,
                "from the implant record",
                required=False,
            ),
            Field(
                "pump.end_of_service",
                "End of service (EOS) date",
                "date",
                "like 2031-05-01, if the programmer shows it: the pump stops",
                required=False,
            ),
            Field(
                "pump.elective_replacement",
                "Elective replacement (ERI) date",
                "date",
                "like 2031-02-01, if the programmer shows it",
                required=False,
            ),
        ),
    ),
    Section(
        "interrogate",
        "2. Interrogate the pump",
        "What the programmer shows before the refill.",
        (
            _c("pump.status_at_arrival", "Pump status on arrival"),
            _q("refill.previous_concentration", "Strength in the pump", Kind.CONCENTRATION),
            _q("refill.previous_fill_volume", "Previous fill volume", Kind.VOLUME, required=False),
            Field(
                "refill.previous_fill_date",
                "Previous fill date",
                "date",
                "like 2026-09-28, from the pump log",
                required=False,
            ),
            _q("dosing.previous_daily_dose", "Daily dose until now", Kind.DOSE_RATE),
            Field(
                "dosing.previous_dose_changed_at",
                "Dose last changed",
                "timestamp",
                "like 2026-08-20T09:00:00+00:00",
            ),
            _q(
                "dosing.dose_before_interruption",
                "Dose before the interruption",
                Kind.DOSE_RATE,
                "only when restarting from 0 mcg/day",
                required=False,
            ),
            _q(
                "dosing.pump_off_for",
                "Pump gave nothing for",
                Kind.DURATION,
                "only on a restart: from the log or the procedure record",
                required=False,
            ),
            *_patient_bolus_fields("dosing.previous_patient_bolus", "until now"),
            *SINCE_LAST_VISIT,
        ),
    ),
    Section(
        "aspirate",
        "3. Aspirate the residual",
        "Write 0 if nothing came back; leave empty only if it was not measured.",
        (
            _q(
                "refill.expected_residual",
                "Residual the programmer expects",
                Kind.VOLUME,
                required=False,
            ),
            _q("refill.aspirated_residual", "Residual aspirated", Kind.VOLUME, required=False),
        ),
    ),
    Section(
        "dispense",
        "4. Dispense and fill",
        "Read the strength from the syringe label.",
        (
            _c("refill.drug", "Drug"),
            Field(
                "refill.drugs",
                "Drugs in the syringe",
                "only for an admixture: names separated by ';', like 'baclofen; clonidine'",
                required=False,
            ),
            _c(
                "refill.product_source",
                "Product",
                "labelled product or compounded by a pharmacy",
                choices=("", *choices_of("refill.product_source")),
                required=False,
            ),
            _q("refill.dispensed_concentration", "Syringe label strength", Kind.CONCENTRATION),
            _q("refill.fill_volume", "Volume filled", Kind.VOLUME),
            _c("refill.injection_site", "Injected into"),
        ),
    ),
    Section(
        "program",
        "5. Program the pump",
        "As entered in the programmer. Continuous: the daily dose. Flex: one row per step, the "
        "first at 00:00; empty rows are ignored.",
        (
            _q("refill.programmed_concentration", "Strength programmed", Kind.CONCENTRATION),
            _q("refill.programmed_reservoir_volume", "Reservoir volume programmed", Kind.VOLUME),
            _q("refill.low_reservoir_alarm", "Low-reservoir alarm", Kind.VOLUME),
            _c("dosing.prescription.mode", "Prescription"),
            _q(
                "dosing.prescription.daily_dose",
                "Daily dose (continuous)",
                Kind.DOSE_RATE,
                required=False,
            ),
            Field(STEPS, "Flex steps", "steps", required=False),
            Field(BOLUSES, "Boluses", "boluses", required=False),
            _q(
                "dosing.bridge_bolus.volume",
                "Bridge bolus volume",
                Kind.VOLUME,
                "on a strength change",
                required=False,
            ),
            _q(
                "dosing.bridge_bolus.duration",
                "Bridge bolus duration",
                Kind.DURATION,
                required=False,
            ),
            Field("dosing.change_reason", "Reason for lowering or stopping", required=False),
            *_patient_bolus_fields("dosing.patient_bolus", "from today"),
        ),
    ),
    Section(
        "book",
        "6. Book the next visit",
        "",
        (Field("next_refill", "Next refill", "date", "like 2027-01-15"),),
    ),
    Section(
        "nurses",
        "7. Double check",
        "The nurse who checks and the second nurse who checks independently.",
        (
            Field(CHECKING_NURSE, "Checking nurse"),
            Field(SECOND_NURSE, "Second nurse"),
        ),
    ),
    Section(
        "override",
        "8. Override (only where a finding asks for one)",
        "A soft limit lifted by a prescriber. A STOP cannot be overridden: change the record.",
        (
            _c(
                "overrides[0].rule",
                "Limit lifted",
                choices=("", *choices_of("overrides.rule")),
                required=False,
            ),
            _q("overrides[0].approved_limit", "Approved limit", Kind.DOSE_RATE, required=False),
            Field("overrides[0].approver", "Approved by", required=False),
            Field("overrides[0].reason", "Reason", required=False),
        ),
    ),
)

FIELDS = {f.name: f for section in SECTIONS for f in section.fields}
NURSE_FIELDS = (CHECKING_NURSE, SECOND_NURSE)
