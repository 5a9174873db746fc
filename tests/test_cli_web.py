"""`itbcheck report` and `itbcheck serve` from the command line, and the promise that `check`
and `sheet` never load the web stack."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CHECK_FIXTURES, EXAMPLES, audit_entries, run_cli

WEB_MODULES = ("fastapi", "starlette", "jinja2", "uvicorn", "multipart")


def test_report_html_is_self_contained(tmp_path: Path, audit_log: Path) -> None:
    """The HTML report holds its styles, links to nothing, and carries its audit entry."""
    target = tmp_path / "report.html"
    result = run_cli(
        "report",
        str(EXAMPLES / "visit-stop.yaml"),
        "--html",
        str(target),
        "--second-nurse",
        "J. Lindqvist RN",
    )
    html = target.read_text("utf-8")
    entry = audit_entries(audit_log)[-1]
    assert (20, "report", "J. Lindqvist RN") == (
        result.exit_code,
        entry["command"],
        entry["second_nurse"],
    )
    assert (True, False, False) == ("<style>" in html, "href=" in html, "<script" in html)
    assert f"{entry['seq']}, hash" in html
    assert "3200 mcg/day" in html


def test_report_of_invalid_record_writes_nothing(tmp_path: Path, audit_log: Path) -> None:
    """A record that cannot be understood gets no report, exit code 3, and a rejected entry."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("record_version: 1\n", "utf-8")
    target = tmp_path / "report.html"
    result = run_cli("report", str(bad), "--html", str(target))
    assert (3, False, "record_rejected") == (
        result.exit_code,
        target.exists(),
        audit_entries(audit_log)[-1]["event"],
    )


@pytest.mark.parametrize("options", [[], ["--html", "a.html", "--pdf", "a.pdf"]])
def test_report_needs_exactly_one_output(options: list[str], audit_log: Path) -> None:
    """Neither or both of --html and --pdf is a usage error, and nothing is checked."""
    result = run_cli("report", str(EXAMPLES / "visit-clear.yaml"), *options)
    assert (2, []) == (result.exit_code, audit_entries(audit_log))


def test_report_pdf_without_chromium_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, audit_log: Path
) -> None:
    """--pdf with no chromium on PATH: exit code 4, saying how to get it or to use --html."""
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run_cli("report", str(EXAMPLES / "visit-clear.yaml"), "--pdf", str(tmp_path / "r.pdf"))
    assert (4, []) == (result.exit_code, audit_entries(audit_log))
    assert "apt-get install chromium" in result.stderr
    assert "--html" in result.stderr


@pytest.mark.parametrize(
    "record",
    [
        EXAMPLES / "visit-stop.yaml",
        # four findings that count and a note, the most of any test record
        CHECK_FIXTURES / "same_visit_in_mg_per_ml_and_mcg_per_h.yaml",
    ],
)
def test_report_pdf_is_one_page(record: Path, tmp_path: Path) -> None:
    """With chromium, a STOP report prints to a one-page PDF, even with four findings."""
    if shutil.which("chromium") is None or shutil.which("pdfinfo") is None:
        if os.environ.get("CI"):
            pytest.fail("chromium and pdfinfo must be installed in CI (.ci/run installs them)")
        pytest.skip("needs chromium and pdfinfo (apt-get install chromium poppler-utils)")
    target = tmp_path / "report.pdf"
    result = run_cli("report", str(record), "--pdf", str(target))
    info = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True, check=True)
    pages = [line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:")]
    assert (20, ["1"]) == (result.exit_code, pages)


def test_serve_refuses_a_network_address_without_secret() -> None:
    """`serve --host 0.0.0.0` with no access secret stops before listening, exit code 4."""
    result = run_cli("serve", "--host", "0.0.0.0")
    assert 4 == result.exit_code
    assert "ITBCHECK_WEB_SECRET" in result.stderr


def test_serve_refuses_a_short_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """An access secret shorter than 16 bytes is a configuration error."""
    monkeypatch.setenv("ITBCHECK_WEB_SECRET", "short")
    assert 4 == run_cli("serve", "--host", "0.0.0.0").exit_code


def test_check_and_sheet_do_not_import_the_web_stack(tmp_path: Path) -> None:
    """Running check and sheet in a fresh interpreter loads none of the web packages."""
    program = (
        "import sys\n"
        "from itbcheck.cli import app\n"
        "for args in (['check', sys.argv[1]], ['sheet', sys.argv[2]]):\n"
        "    try:\n"
        "        app(args, prog_name='itbcheck')\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {WEB_MODULES!r}))\n"
    )
    env = {**os.environ, "ITBCHECK_AUDIT_LOG": str(tmp_path / "audit.jsonl")}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            program,
            str(EXAMPLES / "visit-stop.yaml"),
            str(EXAMPLES / "refill-day.csv"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "[]" == done.stdout.strip().splitlines()[-1]
