"""Issue 11 point 11, the check before the fill: which checks run at which stage (data on each
check), what a before-fill record may leave out (nothing else), and how the verdict, the JSON,
the audit entry and the visit store say it is not the final check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from itbcheck.checking import check_document
from itbcheck.checks import CHECKS
from itbcheck.cli import ExitCode
from itbcheck.exceptions import InvalidRecordError
from itbcheck.policy import load_policy
from itbcheck.stages import STAGES, Stage
from tests.conftest import CHECK_FIXTURES, TESTS, audit_entries, run_cli

STAGE_FIXTURES = TESTS / "fixtures" / "stages"
ROUTINE = STAGE_FIXTURES / "before_fill_routine_refill.yaml"
MISMATCH = STAGE_FIXTURES / "before_fill_mismatch_4x.yaml"


def test_point_11_only_fill_dependent_checks_wait_for_the_fill() -> None:
    """Exactly the injection-site and reservoir-entry checks are marked after programming only;
    every other check also runs before the fill."""
    waiting = sorted(c.name for c in CHECKS if Stage.BEFORE_FILL not in c.stages)
    assert ["injection_site", "reservoir_entry"] == waiting


def test_point_11_not_yet_known_fields_are_those_the_waiting_checks_read() -> None:
    """A before-fill record may leave out the injection site and the programmed reservoir
    volume, and nothing else."""
    expected = ("refill.injection_site", "refill.programmed_reservoir_volume")
    assert expected == STAGES[Stage.BEFORE_FILL].not_yet_known


def test_point_11_planned_routine_refill_is_clear_before_the_fill() -> None:
    """The routine refill without what the fill tells: CLEAR at before-fill, stage recorded."""
    result = check_document(ROUTINE.read_bytes(), ROUTINE.name, load_policy(), Stage.BEFORE_FILL)
    serious = [f.code for f in result.findings if f.severity.name != "NOTE"]
    assert ("CLEAR", Stage.BEFORE_FILL, []) == (str(result.verdict), result.stage, serious)


def test_point_11_the_same_record_is_refused_after_programming() -> None:
    """After programming both fields are required again, each named (fail closed)."""
    with pytest.raises(InvalidRecordError) as raised:
        check_document(ROUTINE.read_bytes(), ROUTINE.name, load_policy())
    expected = [
        ("refill.injection_site", "missing field"),
        ("refill.programmed_reservoir_volume", "missing field"),
    ]
    assert expected == [(p.location, p.message) for p in raised.value.problems]


def test_point_11_a_field_a_before_fill_check_needs_is_still_required() -> None:
    """Before the fill, a planned fill volume left out is still an error naming it."""
    text = ROUTINE.read_text("utf-8").replace('  fill_volume: "18 mL"\n', "")
    with pytest.raises(InvalidRecordError) as raised:
        check_document(text.encode(), "no-fill.yaml", load_policy(), Stage.BEFORE_FILL)
    assert [("refill.fill_volume", "missing field")] == [
        (p.location, p.message) for p in raised.value.problems
    ]


def test_point_11_access_port_is_judged_only_after_the_fill() -> None:
    """The access-port fixture: its injection site is not judged before the fill (CLEAR, not
    final), and is a STOP after programming."""
    path = CHECK_FIXTURES / "injection_into_catheter_access_port.yaml"
    before = check_document(path.read_bytes(), path.name, load_policy(), Stage.BEFORE_FILL)
    after = check_document(path.read_bytes(), path.name, load_policy())
    assert ("CLEAR", "STOP") == (str(before.verdict), str(after.verdict))


def test_point_11_stop_before_the_fill_says_do_not_inject() -> None:
    """The 4x mismatch before the fill: STOP, every STOP action starts 'Do not inject the
    drug.', and the alarm finding is the mismatch's consequence."""
    result = check_document(MISMATCH.read_bytes(), MISMATCH.name, load_policy(), Stage.BEFORE_FILL)
    stops = [f for f in result.findings if f.severity.name == "STOP"]
    expected = [
        ("CONCENTRATION_MISMATCH", None, True),
        ("REFILL_AFTER_ALARM", "CONCENTRATION_MISMATCH", True),
    ]
    assert expected == [
        (f.code, f.consequence_of, f.action.startswith("Do not inject the drug. ")) for f in stops
    ]


def test_point_11_cli_before_fill_clear_never_reads_as_final(audit_log: Path) -> None:
    """`check --stage before-fill`: exit 0, the first line says before the fill only, a stage
    line says it is not the final check, and the audit entry carries the stage."""
    result = run_cli("check", "--stage", "before-fill", str(ROUTINE))
    lines = result.stdout.splitlines()
    entry = audit_entries(audit_log)[-1]
    assert (ExitCode.CLEAR, "before-fill", "CLEAR") == (
        result.exit_code,
        entry["stage"],
        entry["verdict"],
    )
    assert "CLEAR    before the fill only: you may fill; check again after programming" == lines[0]
    assert "stage    before the fill, not the final check:" in result.stdout


def test_point_11_cli_json_carries_stage_and_final(audit_log: Path) -> None:
    """The JSON document says stage before-fill and final false; after programming, true."""
    before = json.loads(
        run_cli("check", "--stage", "before-fill", "--format", "json", str(ROUTINE)).stdout
    )
    after = json.loads(
        run_cli(
            "check", "--format", "json", str(CHECK_FIXTURES / "fill_20_ml_into_20_ml_pump.yaml")
        ).stdout
    )
    assert [("before-fill", False), ("after-programming", True)] == [
        (before["stage"], before["final"]),
        (after["stage"], after["final"]),
    ]


def test_point_11_default_stage_is_unchanged(audit_log: Path) -> None:
    """Without --stage, the same record file gives the same verdict as with after-programming."""
    path = CHECK_FIXTURES / "fill_22_ml_into_20_ml_pump.yaml"
    default = run_cli("check", str(path))
    explicit = run_cli("check", "--stage", "after-programming", str(path))
    assert (default.exit_code, default.stdout) == (explicit.exit_code, explicit.stdout)


def test_point_11_before_fill_is_not_recorded_as_a_visit(
    monkeypatch: pytest.MonkeyPatch, audit_log: Path, tmp_path: Path
) -> None:
    """With the visit store on, a check before the fill leaves no visit; the full check does."""
    import sqlite3

    from tests.conftest import TEST_KEY

    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)
    store = tmp_path / "visits.sqlite3"
    run_cli("check", "--stage", "before-fill", "--visit-store", str(store), str(ROUTINE))
    counted = []
    for _ in range(2):
        with sqlite3.connect(store) as connection:
            counted.append(connection.execute("SELECT count(*) FROM visits").fetchone()[0])
        run_cli(
            "check",
            "--visit-store",
            str(store),
            str(CHECK_FIXTURES / "fill_20_ml_into_20_ml_pump.yaml"),
        )
    assert [0, 1] == counted


def test_point_11_actions_fit_the_stage() -> None:
    """A screening-strength syringe: before the fill, return it (after 'Do not inject the
    drug.'); after programming the pump holds it, so do not start the pump."""
    path = CHECK_FIXTURES / "screening_strength_50.yaml"
    before = check_document(path.read_bytes(), path.name, load_policy(), Stage.BEFORE_FILL)
    after = check_document(path.read_bytes(), path.name, load_policy())
    actions = [
        next(f.action for f in result.findings if f.code == "CONCENTRATION_SCREENING")
        for result in (before, after)
    ]
    assert [
        "Do not inject the drug. Return the syringe to pharmacy and obtain the prescribed refill "
        "strength.",
        "Do not start the pump: it now holds a screening strength. Call the physician, who "
        "decides how to empty and refill it with the prescribed refill strength.",
    ] == actions


def test_point_11_planned_overfill_before_the_fill() -> None:
    """22 mL planned for a 20 mL reservoir: STOP before the fill, with the planning action."""
    path = CHECK_FIXTURES / "fill_22_ml_into_20_ml_pump.yaml"
    result = check_document(path.read_bytes(), path.name, load_policy(), Stage.BEFORE_FILL)
    found = next(f for f in result.findings if f.code == "FILL_ABOVE_CAPACITY")
    expected = (
        "Do not inject the drug. Plan a fill no larger than the reservoir's capacity, then "
        "check again."
    )
    assert ("STOP", expected) == (str(result.verdict), found.action)
