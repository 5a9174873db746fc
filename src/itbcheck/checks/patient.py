"""What the record says about the patient that changes how the drug behaves, and no limit
judges yet: reported so that a collected field is never a silent promise."""

from __future__ import annotations

from collections.abc import Iterator

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.findings import Finding, Hazard, Severity

RENAL_IMPAIRMENT = CodeInfo(
    code="RENAL_IMPAIRMENT",
    severity=Severity.NOTE,
    hazard=Hazard.OVERDOSE,
    title="Renal impairment recorded",
    meaning="patient.renal_impairment is true. itbcheck has no renal dose limit: the finding "
    "is a NOTE, so it never changes the verdict, and it says that no check was adjusted for it.",
    why="Baclofen is excreted mainly unchanged by the kidneys, and the labels advise giving it "
    "with caution when renal function is impaired: the drug can accumulate, with drowsiness, "
    "confusion or respiratory depression, at doses that were tolerated before.",
    source="[1] Lioresal label; [2] Gablofen label (precautions: impaired renal function). "
    "Not confirmed: the exact wording in the intrathecal labels (drug-information summaries "
    "quote: primarily excreted unchanged by the kidneys, give with caution, a lower dose may be "
    "needed). A NOTE rather than a limit is itbcheck's choice: the labels set no number.",
    example="renal_impairment: true on a clear visit: CLEAR, with the NOTE RENAL_IMPAIRMENT.",
)


def check_renal_impairment(context: CheckContext) -> Iterator[Finding]:
    if context.record.patient.renal_impairment:
        yield finding(
            RENAL_IMPAIRMENT,
            message="Renal impairment is recorded. Baclofen is excreted mainly unchanged by the "
            "kidneys; no check was adjusted for it.",
            action="Have the prescriber confirm the dose with the renal impairment in mind; "
            "watch for drowsiness, confusion or slowed breathing after any increase.",
        )


CHECKS = (Check("renal_impairment", check_renal_impairment, (RENAL_IMPAIRMENT,)),)
