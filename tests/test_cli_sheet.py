"""`itbcheck sheet` end to end: the same results as `check` for every record, bad rows reported
and the rest checked, the exit code of the worst row, and one audit entry per row."""

from __future__ import annotations

import copy
import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

import itbcheck.audit.entry
import itbcheck.checking
from itbcheck import dosing
from itbcheck.assessment import Outcome, assess, profile_cached_check
from itbcheck.audit import chain as auditchain
from itbcheck.audit.verification import verify
from itbcheck.cli import ExitCode
from itbcheck.cli import _sheet_run as sheet_run
from itbcheck.policy import load_policy
from itbcheck.sheet import read_any_sheet
from tests.conftest import EXAMPLES, REPO, TEST_KEY, audit_entries, run_cli
from tests.sheets import RECORD_FILES, cells_of, csv_text, document_of, jsonl_text, xlsx_bytes

CLEAR = document_of(EXAMPLES / "visit-clear.yaml")
CAUTION = document_of(EXAMPLES / "visit-caution.yaml")
STOP = document_of(EXAMPLES / "visit-stop.yaml")


def _with(document: dict[str, Any], section: str, field: str, value: object) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed[section][field] = value
    return changed


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def _rows(result_stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result_stdout.splitlines()]


@pytest.fixture(scope="module")
def sheet_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Outcome]]:
    """Every example and fixture record, checked as rows of a CSV, a JSON-lines and an Excel
    sheet (typed cells, units in the header) by the sheet's own flow."""
    folder = tmp_path_factory.mktemp("sheets")
    documents = [document_of(path) for path in RECORD_FILES]
    sheets = {
        "csv": _write(folder, "all.csv", csv_text([cells_of(d) for d in documents])),
        "jsonl": _write(folder, "all.jsonl", jsonl_text(documents)),
        "xlsx": folder / "all.xlsx",
    }
    sheets["xlsx"].write_bytes(xlsx_bytes([cells_of(d) for d in documents]))
    policy, check = load_policy(), profile_cached_check()
    outcomes: dict[str, list[Outcome]] = {}
    for kind, path in sheets.items():
        with path.open("rb") as stream:
            outcomes[kind] = [
                assess(
                    row.read,
                    f"{path.name}:{row.line}",
                    fields={},
                    key=lambda: None,
                    policy=lambda: policy,
                    load=row.load,
                    parse=row.parse,
                    check=check,
                )
                for row in read_any_sheet(stream, path.name, b"")
            ]
    return outcomes


def _compared(outcome: Outcome) -> tuple[object, ...]:
    result = outcome.result
    assert result is not None, outcome.problems
    return (result.verdict, result.findings, result.dose, result.forecast, result.record)


@pytest.mark.parametrize("kind", ["csv", "jsonl", "xlsx"])
@pytest.mark.parametrize("path", RECORD_FILES, ids=lambda path: path.name)
def test_sheet_row_and_check_give_identical_results(
    path: Path, kind: str, sheet_outcomes: dict[str, list[Outcome]]
) -> None:
    """Each example and fixture record, as a sheet row, gives the record, dose arithmetic,
    forecast, verdict and every finding (exact numbers included) that `check` gives."""
    single = assess(path.read_bytes, path.name, fields={}, key=lambda: None, policy=load_policy)
    row = sheet_outcomes[kind][RECORD_FILES.index(path)]
    assert _compared(single) == _compared(row)
    assert single.entry["finding_codes"] == row.entry["finding_codes"]


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_sheet_jsonl_output_is_checks_json_output(kind: str, tmp_path: Path) -> None:
    """`sheet --format jsonl` writes, for every example and fixture record, the document
    `check --format json` writes, bar `line`, `source` and what names the row (`visit_time`,
    `patient_token`)."""
    documents = [document_of(path) for path in RECORD_FILES]
    text = csv_text([cells_of(d) for d in documents]) if kind == "csv" else jsonl_text(documents)
    sheet = _write(tmp_path, f"all.{kind}", text)
    actual = _rows(run_cli("sheet", "--format", "jsonl", str(sheet)).stdout)
    expected = [
        json.loads(run_cli("check", "--format", "json", str(p)).stdout) for p in RECORD_FILES
    ]
    for document in [*actual, *expected]:
        document.pop("source")
        for name in ("line", "visit_time", "patient_token"):
            document.pop(name, None)
    assert expected == actual


def test_bad_rows_are_reported_and_the_rest_checked(tmp_path: Path) -> None:
    """A missing unit, a value in an unknown column, a wrong type, an empty line and a row with
    too many cells are each reported with their line and reason; the good rows are checked."""
    rows = [
        cells_of(CLEAR),
        cells_of(_with(CLEAR, "refill", "fill_volume", "18")),
        {**cells_of(CLEAR), "notes": "call the GP"},
        cells_of(_with(CLEAR, "patient", "age_years", "forty")),
    ]
    header = [*cells_of(CLEAR), "notes"]
    lines = csv_text(rows, header).splitlines()
    text = "\n".join([*lines, "", lines[1] + ",extra", lines[1]]) + "\n"
    result = run_cli("sheet", "--format", "jsonl", str(_write(tmp_path, "day.csv", text)))
    found = [
        (
            row["line"],
            row["verdict"] or [(p["location"], p["message"]) for p in row["error"]["problems"]],
        )
        for row in _rows(result.stdout)
    ]
    assert [
        (2, "CLEAR"),
        (3, [("refill.fill_volume", "missing unit: write a volume such as '18 mL'")]),
        (4, [("notes", "unknown field")]),
        (5, [("patient.age_years", "Input should be a valid integer")]),
        (6, [("record", "empty line")]),
        (7, [("record", f"too many cells: {len(header) + 1}, the header has {len(header)}")]),
        (8, "CLEAR"),
    ] == found
    assert (ExitCode.INVALID_RECORD, "") == (result.exit_code, result.stderr)


def test_bad_json_lines_are_reported_and_the_rest_checked(tmp_path: Path) -> None:
    """In JSON lines, an unknown key, a wrong type, an empty line, text that is not JSON and a
    duplicate key are each reported with their line; the good rows are checked."""
    good = json.dumps(CLEAR)
    lines = [
        good,
        json.dumps({**CLEAR, "colour": "blue"}),
        json.dumps(_with(CLEAR, "patient", "renal_impairment", "no")),
        "",
        "{not json",
        good[:-1] + ', "record_version": 1}',
        good,
    ]
    sheet = _write(tmp_path, "day.jsonl", "\n".join(lines) + "\n")
    rows = _rows(run_cli("sheet", "--format", "jsonl", str(sheet)).stdout)
    found = [
        (row["line"], row["verdict"] or row["error"]["problems"][0]["message"]) for row in rows
    ]
    assert [
        (1, "CLEAR"),
        (2, "unknown field"),
        (3, "Input should be a valid boolean"),
        (4, "empty line"),
        (5, "not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
        (6, "duplicate key"),
        (7, "CLEAR"),
    ] == found


def test_human_output_example_is_real(audit_log: Path) -> None:
    """The summary shown in docs/sheet.md is what `itbcheck sheet examples/refill-day.csv`
    prints, with its exit code; stderr stays empty."""
    text = (REPO / "docs" / "sheet.md").read_text("utf-8")
    block = text.split("$ itbcheck sheet examples/refill-day.csv\n", 1)[1]
    shown, rest = block.split("$ echo $?\n", 1)
    result = run_cli("sheet", str(EXAMPLES / "refill-day.csv"))
    actual = result.stdout.replace(str(EXAMPLES / "refill-day.csv"), "examples/refill-day.csv")
    assert (shown, int(rest.split()[0]), "") == (actual, result.exit_code, result.stderr)


def test_point_15_human_output_fits_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every line of the summary of both example sheets fits an 80-column terminal, for sheets
    named by short relative paths, so the checkout's folder does not matter (point 15)."""
    monkeypatch.chdir(EXAMPLES)
    for name in ("refill-day.csv", "refill-day.jsonl"):
        out = run_cli("sheet", name).stdout
        assert [] == [line for line in out.splitlines() if len(line) > 80]


def test_example_sheets_and_the_filled_template_give_the_same_verdicts(tmp_path: Path) -> None:
    """The two shipped example sheets, and the Excel template filled with the CSV's rows, hold
    the same visits: the same verdicts row by row (the broken rows are broken in each), and
    the template's rows give every finding code the CSV's give."""
    from itbcheck.profiles import profile_names
    from itbcheck.sheettemplate import workbook

    lines = (EXAMPLES / "refill-day.csv").read_text("utf-8").splitlines()
    filled = tmp_path / "refill-day.xlsx"
    workbook(list(csv.reader(lines[1:])), profile_names()).save(filled)
    results = {
        name: _rows(run_cli("sheet", "--format", "jsonl", str(path)).stdout)
        for name, path in (
            ("csv", EXAMPLES / "refill-day.csv"),
            ("jsonl", EXAMPLES / "refill-day.jsonl"),
            ("xlsx", filled),
        )
    }
    verdicts = {name: [row["verdict"] for row in rows] for name, rows in results.items()}
    assert verdicts["csv"] == verdicts["jsonl"] == verdicts["xlsx"]
    assert {"CLEAR", "CAUTION", "STOP", None} == set(verdicts["csv"])
    codes = {
        name: [[finding["code"] for finding in row.get("findings") or []] for row in rows]
        for name, rows in results.items()
    }
    assert codes["csv"] == codes["xlsx"]


def _explode_on_patient(monkeypatch: pytest.MonkeyPatch, patient_id: str) -> None:
    def summarise(record: Any) -> Any:
        if record.patient.id == patient_id:
            raise KeyError(patient_id)
        return dosing.summarise(record)

    monkeypatch.setattr(itbcheck.checking, "summarise", summarise)


BROKEN = _with(CLEAR, "refill", "fill_volume", "18")
EXPLODING = _with(CLEAR, "patient", "id", "MRN-EXPLODE")


@pytest.mark.parametrize(
    ("documents", "code"),
    [
        pytest.param([CLEAR, CLEAR], ExitCode.CLEAR, id="all-clear"),
        pytest.param([CLEAR, CAUTION], ExitCode.CAUTION, id="caution"),
        pytest.param([CAUTION, BROKEN, CLEAR], ExitCode.INVALID_RECORD, id="invalid-over-caution"),
        pytest.param([BROKEN, STOP, CAUTION], ExitCode.STOP, id="stop-over-invalid"),
        pytest.param([STOP, EXPLODING, BROKEN], ExitCode.INTERNAL, id="internal-over-all"),
    ],
)
def test_exit_code_is_the_worst_row(
    documents: list[dict[str, Any]], code: ExitCode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """STOP outranks an invalid row, which outranks CAUTION; a row itbcheck failed on outranks
    everything, and every row is still reported."""
    _explode_on_patient(monkeypatch, "MRN-EXPLODE")
    sheet = _write(tmp_path, "day.jsonl", jsonl_text(documents))
    result = run_cli("sheet", "--format", "jsonl", str(sheet))
    assert (code, len(documents)) == (result.exit_code, len(_rows(result.stdout)))


def test_a_failed_row_is_reported_without_its_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row itbcheck fails on is FAILED in the table, names only the error type, and the
    rows after it are still checked."""
    _explode_on_patient(monkeypatch, "MRN-EXPLODE")
    sheet = _write(tmp_path, "day.jsonl", jsonl_text([EXPLODING, CLEAR]))
    result = run_cli("sheet", str(sheet))
    assert "     1  FAILED   internal error: KeyError" in result.stdout
    assert re.search(r"^  CLEAR    1$", result.stdout, re.M)
    assert "MRN-EXPLODE" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("", "empty: no header row", id="empty-file"),
        pytest.param("record_version,visit_time\n", "no rows to check", id="header-only"),
        pytest.param("a,b,a\n1,2,3\n", "column 'a' appears twice", id="duplicate-column"),
        pytest.param("refill,refill.drug\n1,2\n", "is inside column 'refill'", id="nested-column"),
        pytest.param(
            "\nrecord_version\n1\n", "the first line must name the columns", id="no-header"
        ),
    ],
)
def test_a_sheet_that_cannot_be_read_is_refused_and_audited(
    text: str, reason: str, tmp_path: Path, audit_log: Path
) -> None:
    """An empty sheet, or one whose header is unusable, is refused as a whole: exit 3, the
    reason on stderr, nothing on stdout, one audit entry for the sheet."""
    result = run_cli("sheet", str(_write(tmp_path, "day.csv", text)))
    assert (ExitCode.INVALID_RECORD, "") == (result.exit_code, result.stdout)
    assert reason in result.stderr
    [entry] = audit_entries(audit_log)
    assert ("record_rejected", "sheet", None) == (entry["event"], entry["command"], entry["line"])


def test_a_broken_policy_stops_the_sheet_before_any_row(tmp_path: Path, audit_log: Path) -> None:
    """A policy that cannot be loaded stops the sheet with exit 4 and one check_failed entry."""
    policy = _write(tmp_path, "clinic.toml", 'policy_version = "x"\nsurprise = 1\n')
    result = run_cli("sheet", "--policy", str(policy), str(EXAMPLES / "refill-day.csv"))
    assert (ExitCode.CONFIGURATION, "") == (result.exit_code, result.stdout)
    assert ["check_failed"] == [entry["event"] for entry in audit_entries(audit_log)]


def test_every_row_gets_one_audit_entry_without_raw_values(
    monkeypatch: pytest.MonkeyPatch, audit_log: Path
) -> None:
    """Each row of the example sheet has one entry naming its line and the sheet run, with
    keyed tokens; no identifier or bad value from the sheet reaches the log, which verifies."""
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)
    sheet = EXAMPLES / "refill-day.csv"
    rows = _rows(run_cli("sheet", "--format", "jsonl", str(sheet)).stdout)
    entries = audit_entries(audit_log)
    assert [row["line"] for row in rows] == [entry["line"] for entry in entries]
    assert {"sheet"} == {entry["command"] for entry in entries}
    assert 1 == len({entry["sheet_run"] for entry in entries})
    assert [row["verdict"] for row in rows] == [entry["verdict"] for entry in entries]
    log = audit_log.read_text("utf-8")
    secrets = set(re.findall(r"MRN-\d+|NGP\d+H", sheet.read_text("utf-8"))) | {"see notes"}
    assert [] == sorted(secret for secret in secrets if secret in log)
    assert verify(audit_log.read_bytes()).ok


def test_entries_are_appended_in_batches_before_rows_are_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With batches of 3 rows, 7 rows take 3 appends of 3, 3 and 1 entries; when the second
    append fails, only the first batch's rows were shown and the exit code is 5."""
    sizes: list[int] = []

    def append_many(path: Path, batch: list[Any]) -> Any:
        sizes.append(len(batch))
        if len(sizes) == 2 and "fail" in path.name:
            raise OSError(28, "No space left on device")
        return auditchain.append_many(path, batch)

    monkeypatch.setattr(sheet_run, "BATCH_ROWS", 3)
    monkeypatch.setattr(sheet_run, "BATCH_SECONDS", 3600.0)
    monkeypatch.setattr(itbcheck.audit.entry, "append_many", append_many)
    sheet = _write(tmp_path, "day.jsonl", jsonl_text([CLEAR] * 7))
    run_cli("sheet", str(sheet))
    assert [3, 3, 1] == sizes
    sizes.clear()
    failing = run_cli(
        "sheet", "--audit-log", str(tmp_path / "fail.jsonl"), "--format", "jsonl", str(sheet)
    )
    assert (ExitCode.AUDIT_FAILED, [1, 2, 3]) == (
        failing.exit_code,
        [r["line"] for r in _rows(failing.stdout)],
    )
    assert "not recorded" in failing.stderr


def test_reads_a_sheet_from_stdin(audit_log: Path) -> None:
    """'-' reads the sheet from standard input, CSV or JSON lines by its first character."""
    for name in ("refill-day.csv", "refill-day.jsonl"):
        result = run_cli("sheet", "-", input=(EXAMPLES / name).read_bytes())
        assert (ExitCode.STOP, "CAUTION  3") == (
            result.exit_code,
            result.stdout.splitlines()[5].strip(),
        )


def test_benchmark_sheet_has_the_stated_mix(tmp_path: Path) -> None:
    """The sheet benchmarks/speed.py generates gives, per 100 rows, 85 CLEAR, 8 CAUTION, 5 STOP
    and 2 rows that are not valid records (timings are never asserted)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("speed", REPO / "benchmarks" / "speed.py")
    assert spec is not None
    assert spec.loader is not None
    speed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(speed)
    sheet = tmp_path / "generated.csv"
    speed.generate_sheet(sheet, 200)
    rows = _rows(run_cli("sheet", "--format", "jsonl", str(sheet)).stdout)
    counts = {v: [r["verdict"] for r in rows].count(v) for v in ("CLEAR", "CAUTION", "STOP", None)}
    assert {"CLEAR": 170, "CAUTION": 16, "STOP": 10, None: 4} == counts
