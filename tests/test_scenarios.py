"""Scenario files and `itbcheck scenarios run`: the shipped scenarios in scenarios/ pass through
the library and the CLI, a failing one shows what differs, a malformed one is reported as
invalid with every problem, and a run never writes to the audit log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from itbcheck.checking import check_document
from itbcheck.cli import ExitCode
from itbcheck.lab.scenarios import Outcome, Status, run_file, run_scenario
from itbcheck.policy import load_policy
from itbcheck.stages import Stage
from tests.conftest import REPO, audit_entries, codes_of, note_codes_of, run_cli

SCENARIOS = REPO / "scenarios"
SHIPPED = sorted(path.name for path in SCENARIOS.glob("*.yaml"))
GOOD = SCENARIOS / "access_port_injection.yaml"


def _run(text: str, name: str = "scenario.yaml") -> Outcome:
    return run_scenario(text.encode("utf-8"), name, load_policy())


def _lines(outcome: Outcome) -> list[str]:
    return [
        f"{p.location}: {p.message}" + ("" if p.value is None else f" (got {p.value})")
        for p in outcome.problems
    ]


def _good_text() -> str:
    return GOOD.read_text("utf-8")


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def test_at_least_twenty_scenarios_ship() -> None:
    """scenarios/ holds at least 20 scenario files, with CLEAR, CAUTION and STOP among them."""
    verdicts = {
        yaml.safe_load((SCENARIOS / n).read_text("utf-8"))["expect"]["verdict"] for n in SHIPPED
    }
    assert (True, {"CLEAR", "CAUTION", "STOP"}) == (len(SHIPPED) >= 20, verdicts)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_passes(name: str) -> None:
    """Each shipped scenario gives the verdict and codes it expects, through the library."""
    outcome = run_file(SCENARIOS / name, load_policy())
    assert (Status.PASSED, [], {}) == (outcome.status, _lines(outcome), outcome.differences())


@pytest.mark.parametrize("name", SHIPPED)
def test_scenario_result_is_what_check_gives(name: str) -> None:
    """A scenario's actual result is exactly what `check` gives its record on its own, at the
    scenario's stage."""
    scenario = yaml.safe_load((SCENARIOS / name).read_text("utf-8"))
    stage = Stage(scenario.get("stage", "after-programming"))
    checked = check_document(
        yaml.safe_dump(scenario["record"]).encode(), name, load_policy(), stage
    )
    actual = run_file(SCENARIOS / name, load_policy()).actual
    assert actual is not None
    assert (checked.verdict, codes_of(checked), note_codes_of(checked)) == (
        actual.verdict,
        list(actual.codes),
        list(actual.notes),
    )


@pytest.mark.parametrize("name", SHIPPED)
def test_scenario_names_its_incident_and_source(name: str) -> None:
    """Each scenario file starts with a comment naming the incident (or a CLEAR or CAUTION
    control) and its source in docs/references.md."""
    lines = (SCENARIOS / name).read_text("utf-8").splitlines()
    header = " ".join(line.removeprefix("#").strip() for line in lines if line.startswith("#"))
    assert (True, True) == (
        lines[0].startswith(("# Incident: ", "# Control (CLEAR): ", "# Control (CAUTION): ")),
        bool(re.search(r"Source: \[\d+\] \w", header)),
    )


def test_shipped_scenarios_pass_through_the_cli(audit_log: Path) -> None:
    """`scenarios run scenarios` passes every scenario, exits 0 and writes no audit entry."""
    result = run_cli("scenarios", "run", str(SCENARIOS))
    lines = result.stdout.splitlines()
    assert (ExitCode.CLEAR, "") == (result.exit_code, result.stderr)
    assert [f"PASSED   {SCENARIOS / name}" for name in SHIPPED] == lines[:-1]
    assert f"{len(SHIPPED)} passed, 0 failed, 0 invalid" == lines[-1]
    assert [] == audit_entries(audit_log)


def test_one_scenario_file_can_be_run(tmp_path: Path) -> None:
    """A single file is run as a suite of one."""
    result = run_cli("scenarios", "run", str(GOOD))
    assert (ExitCode.CLEAR, "1 passed, 0 failed, 0 invalid") == (
        result.exit_code,
        result.stdout.splitlines()[-1],
    )


def test_failing_scenario_shows_the_difference(tmp_path: Path) -> None:
    """A scenario whose expectation is wrong fails: the verdict and the codes expected and
    reported are shown, each difference marked, and the run exits 1."""
    text = _good_text().replace(
        "verdict: STOP\n  codes: [ACCESS_PORT_INJECTION]",
        "verdict: CAUTION\n  codes: [BOLUS_LARGE]",
    )
    _write(tmp_path / "suite", "wrong.yaml", text)
    result = run_cli("scenarios", "run", str(tmp_path / "suite"))
    assert (ExitCode.SCENARIOS_FAILED, "") == (result.exit_code, result.stderr)
    assert [
        f"FAILED   {tmp_path / 'suite' / 'wrong.yaml'}",
        "         Refill injected into the catheter access port",
        "         verdict  expected CAUTION, got STOP",
        "         codes    expected [BOLUS_LARGE]",
        "                  actual   [ACCESS_PORT_INJECTION]",
        "                  - BOLUS_LARGE  expected, not reported",
        "                  + ACCESS_PORT_INJECTION  reported, not expected",
        "0 passed, 1 failed, 0 invalid",
    ] == result.stdout.splitlines()


def test_codes_are_compared_as_a_sorted_list() -> None:
    """Order does not matter, but a code expected twice and reported once is a difference."""
    reordered = _run(
        (SCENARIOS / "concentration_mismatch_4x_overdose.yaml")
        .read_text("utf-8")
        .replace(
            "[CONCENTRATION_MISMATCH, REFILL_AFTER_ALARM]",
            "[REFILL_AFTER_ALARM, CONCENTRATION_MISMATCH]",
        )
    )
    doubled = _run(
        _good_text().replace(
            "[ACCESS_PORT_INJECTION]", "[ACCESS_PORT_INJECTION, ACCESS_PORT_INJECTION]"
        )
    )
    missing = doubled.differences()["codes"].missing
    assert (Status.PASSED, Status.FAILED, ["ACCESS_PORT_INJECTION"]) == (
        reordered.status,
        doubled.status,
        missing,
    )


def test_notes_are_compared_only_when_given() -> None:
    """Without `notes` the NOTE findings are ignored; with them, a wrong list fails."""
    without = _good_text()
    wrong = without.replace(
        "  codes: [ACCESS_PORT_INJECTION]\n", "  codes: [ACCESS_PORT_INJECTION]\n  notes: []\n"
    )
    failed = _run(wrong)
    assert (Status.PASSED, Status.FAILED) == (_run(without).status, failed.status)
    assert ["RATE_RANGE_UNCHECKED"] == failed.differences()["notes"].extra


MALFORMED = [
    pytest.param(
        ("scenario_version: 1\n", "scenario_version: 1\nauthor: me\n"),
        ["author: unknown field (got 'me')"],
        id="unknown-key",
    ),
    pytest.param(
        ("scenario_version: 1\n", "scenario_version: 1.0\n"),
        ["scenario_version: write the scenario version as the integer 1 (got '1.0')"],
        id="version-not-integer",
    ),
    pytest.param(
        ("verdict: STOP", "verdict: stop"),
        ["expect.verdict: Input should be 'CLEAR', 'CAUTION' or 'STOP' (got 'stop')"],
        id="verdict-lowercase",
    ),
    pytest.param(
        ("[ACCESS_PORT_INJECTION]", "[ACCESS_PORT_INJECTON]"),
        ["expect.codes[0]: unknown finding code (got 'ACCESS_PORT_INJECTON')"],
        id="unknown-code",
    ),
    pytest.param(
        ("verdict: STOP\n  codes: [ACCESS_PORT_INJECTION]", "verdict: STOP\n  codes: []"),
        ["expect.codes: list the CAUTION or STOP codes that give this verdict"],
        id="stop-without-codes",
    ),
    pytest.param(
        ("verdict: STOP", "verdict: CLEAR"),
        ["expect.codes: a CLEAR scenario lists no CAUTION or STOP codes"],
        id="clear-with-codes",
    ),
    pytest.param(
        ('    fill_volume: "18 mL"\n', '    fill_volume: "1,5 mL"\n'),
        [
            "record.refill.fill_volume: decimal comma or digit grouping: write the number like "
            "1.5 or 1000 (got '1,5 mL')"
        ],
        id="record-bad-unit",
    ),
    pytest.param(
        ("    profile: synchromed-ii-20ml\n", "    profile: synchromed-iii\n"),
        [
            "record.pump.profile: unknown pump profile; known: prometra-ii-20ml, "
            "prometra-ii-40ml, synchromed-ii-20ml, synchromed-ii-40ml (got synchromed-iii)"
        ],
        id="record-unknown-profile",
    ),
    pytest.param(
        ('description: "Refill injected into the catheter access port"\n', ""),
        ["description: missing field"],
        id="no-description",
    ),
    pytest.param(
        ("expect:\n", "expect:\n  verdict: STOP\n"),
        ["expect.verdict: duplicate key"],
        id="duplicate-key",
    ),
]


@pytest.mark.parametrize(("change", "lines"), MALFORMED)
def test_malformed_scenario_is_invalid(change: tuple[str, str], lines: list[str]) -> None:
    """A scenario that breaks a rule of the format is INVALID, with the problem located from
    the top of the file, and never run."""
    old, new = change
    assert old in _good_text()
    outcome = _run(_good_text().replace(old, new, 1))
    assert (Status.INVALID, lines, None) == (outcome.status, _lines(outcome), outcome.actual)


def test_every_problem_of_a_scenario_is_reported() -> None:
    """Problems in the scenario's own keys and in its record are all listed together."""
    text = (
        _good_text()
        .replace("verdict: STOP", "verdict: MAYBE")
        .replace("record_version: 1", "record_version: 2")
        .replace('serial: "NGP100234H"', 'serial: "NGP100234H"\n    colour: grey')
    )
    locations = [problem.location for problem in _run(text).problems]
    assert ["expect.verdict", "record.record_version", "record.pump.colour"] == locations


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("expect: [1, 2\n", "scenario: not valid YAML: "),
        ("- just\n- a list\n", "scenario: a scenario is a mapping of scenario_version, "),
        ("", "scenario: the document is empty"),
    ],
    ids=["not-yaml", "a-list", "empty"],
)
def test_unreadable_scenario_is_invalid(text: str, line: str) -> None:
    """A file that is not a YAML mapping is INVALID with one line naming the scenario."""
    outcome = _run(text)
    assert (Status.INVALID, True) == (outcome.status, _lines(outcome)[0].startswith(line))


def test_malformed_scenario_does_not_stop_the_run(tmp_path: Path) -> None:
    """An invalid scenario is reported among the others, which still run; the run exits 1."""
    folder = tmp_path / "suite"
    _write(folder, "a_good.yaml", _good_text())
    _write(folder, "b_bad.yaml", _good_text().replace("scenario_version: 1", "scenario_version: 2"))
    result = run_cli("scenarios", "run", str(folder))
    assert (ExitCode.SCENARIOS_FAILED, "") == (result.exit_code, result.stderr)
    assert [
        f"PASSED   {folder / 'a_good.yaml'}",
        f"INVALID  {folder / 'b_bad.yaml'}",
        "         scenario_version: Input should be 1 (got 2)",
        "1 passed, 0 failed, 1 invalid",
    ] == result.stdout.splitlines()


def test_empty_folder_is_a_usage_error(tmp_path: Path) -> None:
    """A folder without scenario files is refused: a run that checks nothing must not pass."""
    _write(tmp_path / "empty", "notes.txt", "not a scenario")
    result = run_cli("scenarios", "run", str(tmp_path / "empty"))
    assert (ExitCode.USAGE, "") == (result.exit_code, result.stdout)
    assert f"error: no scenario files (*.yaml, *.yml, *.json) in {tmp_path / 'empty'}\n" == (
        result.stderr
    )


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    """A folder that does not exist is a usage error."""
    assert ExitCode.USAGE == run_cli("scenarios", "run", str(tmp_path / "nope")).exit_code


def test_clinic_policy_changes_the_result(tmp_path: Path) -> None:
    """`--policy` runs the scenarios under a clinic's limits: with the ceiling raised to
    1300 mcg/day, the 1100 mcg/day scenario (1259.5 mcg/day at the top of a SynchroMed II's
    accuracy band) no longer gives DOSE_ABOVE_CEILING."""
    from importlib import resources

    text = (resources.files("itbcheck") / "data" / "policy.toml").read_text("utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(text.replace('"1000 mcg/day"', '"1300 mcg/day"'), "utf-8")
    scenario = SCENARIOS / "dose_above_ceiling.yaml"
    result = run_cli("scenarios", "run", str(scenario), "--policy", str(policy))
    assert ExitCode.SCENARIOS_FAILED == result.exit_code
    assert "                  - DOSE_ABOVE_CEILING  expected, not reported" in result.stdout


def test_invalid_policy_is_a_configuration_error(tmp_path: Path) -> None:
    """A policy file that cannot be used stops the run before any scenario, exit 4."""
    policy = _write(tmp_path, "policy.toml", "policy_version = 1\n")
    result = run_cli("scenarios", "run", str(SCENARIOS), "--policy", str(policy))
    assert (ExitCode.CONFIGURATION, "") == (result.exit_code, result.stdout)


def test_docs_example_is_a_shipped_scenario() -> None:
    """The example in docs/scenarios.md is scenarios/access_port_injection.yaml, verbatim."""
    text = (REPO / "docs" / "scenarios.md").read_text("utf-8")
    match = re.search(r"^```yaml\n(.*?)^```$", text, re.M | re.S)
    assert match is not None
    assert _good_text() == match.group(1)
