"""`scenarios run --junit FILE` writes JUnit XML that a CI system can read: it parses, and it
counts the passed, failed and invalid scenarios as the summary line does."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.conftest import REPO, run_cli

SCENARIOS = REPO / "scenarios"
GOOD = SCENARIOS / "access_port_injection.yaml"


def _folder(tmp_path: Path) -> Path:
    """Three scenarios: one that passes, one that expects a code it does not get, one not
    YAML."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(GOOD, folder / "a_passes.yaml")
    text = GOOD.read_text("utf-8")
    (folder / "b_fails.yaml").write_text(
        text.replace("[ACCESS_PORT_INJECTION]", "[ACCESS_PORT_INJECTION, DOSE_ABOVE_RANGE]"),
        "utf-8",
    )
    (folder / "c_invalid.yaml").write_text("scenario_version: [\n", "utf-8")
    return folder


def test_junit_counts_failures_and_errors(tmp_path: Path) -> None:
    """One test case per scenario; the missing code is a failure, the unreadable file an
    error, and the exit code is still 1."""
    report = tmp_path / "junit.xml"
    result = run_cli("scenarios", "run", str(_folder(tmp_path)), "--junit", str(report))
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    cases = {case.get("name", "").rsplit("/", 1)[-1]: case for case in suite.iter("testcase")}
    failure, error = cases["b_fails.yaml"].find("failure"), cases["c_invalid.yaml"].find("error")
    assert (1, "1 passed, 1 failed, 1 invalid") == (
        result.exit_code,
        result.stdout.splitlines()[-1],
    )
    assert ("3", "1", "1") == (suite.get("tests"), suite.get("failures"), suite.get("errors"))
    assert ([], True, True) == (
        list(cases["a_passes.yaml"]),
        failure is not None,
        error is not None,
    )
    assert failure is not None
    assert "- DOSE_ABOVE_RANGE  expected, not reported" in (failure.text or "")


def test_junit_of_the_shipped_scenarios_has_no_failures(tmp_path: Path) -> None:
    """Every shipped scenario is one passing test case."""
    report = tmp_path / "junit.xml"
    result = run_cli("scenarios", "run", str(SCENARIOS), "--junit", str(report))
    root = ET.parse(report).getroot()
    shipped = len(list(SCENARIOS.glob("*.yaml")))
    assert (0, str(shipped), "0", "0") == (
        result.exit_code,
        root.get("tests"),
        root.get("failures"),
        root.get("errors"),
    )


def test_an_unwritable_junit_file_is_an_output_failure(tmp_path: Path) -> None:
    """A report that cannot be written ends with OUTPUT_FAILED (74), naming the file."""
    report = tmp_path / "missing-folder" / "junit.xml"
    result = run_cli("scenarios", "run", str(GOOD), "--junit", str(report))
    assert (74, True) == (result.exit_code, str(report) in result.stderr)
