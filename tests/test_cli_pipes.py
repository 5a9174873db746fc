"""Output that cannot be written: a pipe closed early ends quietly (141), as other Unix tools do;
a full disk or an unwritable report after the audit entry ends with 74, naming the entry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from itbcheck.cli import ExitCode
from tests.conftest import EXAMPLES, REPO, audit_entries, run_cli


def test_a_closed_pipe_is_not_an_internal_error() -> None:
    """`itbcheck explain | head` with the reader gone exits 141 without 'internal error'."""
    process = subprocess.Popen(
        [sys.executable, "-m", "itbcheck", "explain"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.close()  # the reader leaves before itbcheck has written anything
    _, stderr = process.communicate(timeout=60)
    assert (ExitCode.BROKEN_PIPE, b"") == (process.returncode, stderr)


FULL = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full (Linux)")


def _into_full_disk(tmp_path: Path, *args: str) -> tuple[int, str, list[dict[str, Any]]]:
    """Run itbcheck with stdout on /dev/full: exit code, stderr, and the audit entries."""
    log = tmp_path / "audit.jsonl"
    with FULL.open("wb") as full:
        process = subprocess.run(
            [sys.executable, "-m", "itbcheck", *args, "--audit-log", str(log)],
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
    return process.returncode, process.stderr.decode(), audit_entries(log)


@needs_dev_full
@pytest.mark.parametrize("output_format", ["human", "json"])
def test_point_12_check_into_a_full_disk_says_the_verdict_is_recorded(
    tmp_path: Path, output_format: str
) -> None:
    """`check` whose output cannot be written exits 74, not 70, with one line naming the
    verdict and its audit entry, which holds that verdict."""
    record = str(EXAMPLES / "visit-stop.yaml")
    code, stderr, entries = _into_full_disk(tmp_path, "check", record, "--format", output_format)
    expected = (
        "error: cannot write the output (No space left on device): the verdict (STOP) is "
        f"recorded in the audit log {tmp_path / 'audit.jsonl'} as entry 1, but could not be "
        "shown\n"
    )
    assert (ExitCode.OUTPUT_FAILED, expected) == (code, stderr)
    assert [(1, "STOP")] == [(entry["seq"], entry["verdict"]) for entry in entries]


@needs_dev_full
def test_point_12_a_rejected_record_into_a_full_disk_is_not_an_internal_error(
    tmp_path: Path,
) -> None:
    """A rejected record's JSON document that cannot be written also exits 74, naming entry 1."""
    code, stderr, entries = _into_full_disk(
        tmp_path, "check", str(REPO / "README.md"), "--format", "json"
    )
    assert (ExitCode.OUTPUT_FAILED, ["record_rejected"]) == (code, [e["event"] for e in entries])
    assert "the outcome (no verdict) is recorded" in stderr
    assert "as entry 1, but could not be shown" in stderr


@needs_dev_full
@pytest.mark.parametrize("output_format", ["human", "jsonl"])
def test_point_12_sheet_into_a_full_disk_says_the_rows_are_recorded(
    tmp_path: Path, output_format: str
) -> None:
    """`sheet` whose output cannot be written exits 74 with one line: all ten rows of the
    example sheet are recorded, up to entry 10."""
    sheet = str(EXAMPLES / "refill-day.csv")
    code, stderr, entries = _into_full_disk(tmp_path, "sheet", sheet, "--format", output_format)
    expected = (
        "error: cannot write the output (No space left on device): the results of the 10 "
        f"row(s) checked are recorded in the audit log {tmp_path / 'audit.jsonl'} up to "
        "entry 10, but could not be shown\n"
    )
    assert (ExitCode.OUTPUT_FAILED, expected, 10) == (code, stderr, len(entries))


def test_point_12_a_report_file_that_cannot_be_written_is_not_an_internal_error(
    tmp_path: Path,
) -> None:
    """`report --html` into a missing folder exits 74, naming the file and the verdict's entry."""
    target = tmp_path / "missing" / "report.html"
    log = tmp_path / "audit.jsonl"
    result = run_cli(
        "report", str(EXAMPLES / "visit-stop.yaml"), "--html", str(target), "--audit-log", str(log)
    )
    expected = (
        f"error: cannot write {target} (No such file or directory): the verdict (STOP) is "
        f"recorded in the audit log {log} as entry 1, but could not be shown\n"
    )
    assert (ExitCode.OUTPUT_FAILED, expected) == (result.exit_code, result.stderr)
