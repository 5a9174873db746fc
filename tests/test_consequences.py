"""Issue 11 point 13: a finding computed from another finding's error is shown as its
consequence (`consequence_of`), the fix named once, and the verdict unchanged."""

from __future__ import annotations

import json
from decimal import Decimal

from itbcheck.checks import catalogue, link_consequences
from itbcheck.findings import Finding, Hazard, Severity, verdict_of
from itbcheck.grouping import grouped
from tests.conftest import CHECK_FIXTURES, EXAMPLES, check_file, run_cli

STOP = EXAMPLES / "visit-stop.yaml"


def _finding(code: str, severity: Severity) -> Finding:
    return Finding(code, severity, Hazard.WITHDRAWAL, "message", "action")


def test_point_13_every_cause_is_a_known_code() -> None:
    """Every code a code says it follows from is itself a code of the registry."""
    causes = {cause for info in catalogue().values() for cause in info.follows_from}
    assert causes == causes & set(catalogue())


def test_point_13_alarm_finding_follows_the_concentration_mismatch() -> None:
    """visit-stop (500 programmed, 2000 dispensed): REFILL_AFTER_ALARM, dated from the
    1.6 mL/day the wrong strength makes, is the mismatch's consequence and stays a STOP."""
    result = check_file(STOP)
    linked = [(f.code, f.severity.name, f.consequence_of) for f in result.findings]
    assert [
        ("CONCENTRATION_MISMATCH", "STOP", None),
        ("REFILL_AFTER_ALARM", "STOP", "CONCENTRATION_MISMATCH"),
        ("RATE_RANGE_UNCHECKED", "NOTE", None),
    ] == linked


def test_point_13_no_stop_cause_no_consequence() -> None:
    """A late refill with the right strength (no mismatch) is its own problem to fix."""
    result = check_file(CHECK_FIXTURES / "fill_22_ml_into_20_ml_pump.yaml")
    assert [None] * len(result.findings) == [f.consequence_of for f in result.findings]


def test_point_13_a_caution_cause_links_nothing() -> None:
    """Only a STOP makes its followers consequences: a CAUTION of the cause code does not."""
    findings = [
        _finding("CONCENTRATION_MISMATCH", Severity.CAUTION),
        _finding("REFILL_AFTER_ALARM", Severity.STOP),
    ]
    causes: dict[str, tuple[str, ...]] = {"REFILL_AFTER_ALARM": ("CONCENTRATION_MISMATCH",)}
    assert [None, None] == [f.consequence_of for f in link_consequences(findings, causes)]


def test_point_13_consequence_never_lowers_the_verdict() -> None:
    """A consequence keeps its STOP (the verdict counts it) and is listed under its cause, not
    as a separate group."""
    findings = link_consequences(
        [
            _finding("CONCENTRATION_MISMATCH", Severity.STOP),
            _finding("REFILL_AFTER_ALARM", Severity.STOP),
        ],
        {"REFILL_AFTER_ALARM": ("CONCENTRATION_MISMATCH",)},
    )
    groups = grouped(findings)
    assert ("STOP", 1, ["REFILL_AFTER_ALARM"]) == (
        str(verdict_of(findings)),
        len(groups),
        [f.code for f in groups[0].consequences],
    )


def test_point_13_human_output_names_the_fix_once() -> None:
    """`check` lists the alarm finding under the mismatch, without its own action: one
    numbered finding, one 'Action:' line."""
    text = run_cli("check", str(STOP)).stdout
    assert (1, 1, True, False) == (
        text.count("Action:"),
        text.count(" 1. "),
        "Consequences of this error" in text,
        " 2. " in text,
    )


def test_point_13_json_carries_consequence_of() -> None:
    """The JSON finding of REFILL_AFTER_ALARM names CONCENTRATION_MISMATCH; its action stays."""
    document = json.loads(run_cli("check", "--format", "json", str(STOP)).stdout)
    by_code = {f["code"]: f for f in document["findings"]}
    assert ("CONCENTRATION_MISMATCH", None, "STOP") == (
        by_code["REFILL_AFTER_ALARM"]["consequence_of"],
        by_code["CONCENTRATION_MISMATCH"]["consequence_of"],
        document["verdict"],
    )
    figures = {f["name"]: f["value"] for f in by_code["REFILL_AFTER_ALARM"]["figures"]}
    # Exact in JSON: (18 - 2) / (1.6 x 1.145) = 8.733624 days, not the 8.7 shown to people.
    assert Decimal("8.733624") == Decimal(str(figures["days_to_alarm_worst"]))
