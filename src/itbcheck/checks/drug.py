"""The drug in the syringe (issue 11 point 9): every check assumes baclofen alone, so a record
that lists anything else is never checked as if it were baclofen."""

from __future__ import annotations

from collections.abc import Iterator

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.findings import Finding, Hazard, Severity

DRUG_NOT_SUPPORTED = CodeInfo(
    code="DRUG_NOT_SUPPORTED",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Drug not supported by this checker",
    meaning="refill.drugs lists something other than baclofen alone (an admixture such as "
    "baclofen with clonidine, or another drug). The checks assume baclofen alone, so their "
    "doses, limits and arithmetic do not describe this syringe. No override lifts it.",
    why="A clinic with an admixture that records it as baclofen gets baclofen's limits for "
    "drugs that depress breathing (opioids) or cause their own withdrawal (clonidine).",
    source="Labelled drugs and strengths: [1] Lioresal label; [2] Gablofen label (not to be "
    "mixed with other drugs in the pump). Refusing to judge what the checks do not model is "
    "itbcheck's choice (fail closed).",
    example="drugs [baclofen, clonidine]: STOP.",
)


def check_drug_supported(context: CheckContext) -> Iterator[Finding]:
    drugs = context.record.refill.drugs
    if drugs is None or drugs == ("baclofen",):
        return
    yield finding(
        DRUG_NOT_SUPPORTED,
        message=f"The syringe holds {', '.join(drugs)}: not supported by this checker, whose "
        "checks assume baclofen alone. The other findings treat the syringe as baclofen and "
        "do not describe it.",
        action="Do not rely on itbcheck for this refill. Check it by hand against the "
        "prescription and the labelling of every drug in the syringe.",
    )


CHECKS = (Check("drug_supported", check_drug_supported, (DRUG_NOT_SUPPORTED,)),)
