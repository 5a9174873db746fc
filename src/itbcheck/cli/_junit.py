"""`scenarios run --junit FILE`: the scenario results as JUnit XML, the report format CI
systems (GitLab, Jenkins, GitHub Actions' test reporters) read. One test case per scenario
file; a scenario that gave another verdict or other codes is a failure, one that could not be
run is an error, and each carries the lines `scenarios run` prints for it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from itbcheck.lab.scenarios import Outcome, Status

SUITE = "itbcheck scenarios"


def junit_xml(outcomes: Sequence[Outcome], lines_of: Callable[[Outcome], list[str]]) -> bytes:
    """The JUnit XML document for the outcomes; `lines_of` gives an outcome's printed lines."""
    failures = sum(outcome.status is Status.FAILED for outcome in outcomes)
    errors = sum(outcome.status is Status.INVALID for outcome in outcomes)
    counts = {"tests": str(len(outcomes)), "failures": str(failures), "errors": str(errors)}
    root = ET.Element("testsuites", {"name": SUITE, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE, "skipped": "0", **counts})
    for outcome in outcomes:
        case = ET.SubElement(suite, "testcase", {"classname": "scenarios", "name": outcome.source})
        if outcome.status is Status.PASSED:
            continue
        detail = [line.strip() for line in lines_of(outcome)[1:]]
        tag = "failure" if outcome.status is Status.FAILED else "error"
        message = outcome.description or outcome.status.value
        element = ET.SubElement(case, tag, {"message": message, "type": outcome.status.name})
        element.text = "\n".join(detail)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
