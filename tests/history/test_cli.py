"""`check`, `sheet` and `history` with the visit store: the visit recorded after its audit
entry, the next visit checked against it, the same findings from `check` and `sheet`, and no
raw identifier in anything written or shown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from itbcheck.history.carried import carried_forward
from itbcheck.history.store import VisitStore
from tests.checks.test_history import IN_BAND, OUT_OF_BAND
from tests.conftest import CHECK_FIXTURES, TEST_KEY, audit_entries, run_cli
from tests.sheets import document_of, jsonl_text

PATIENT, SERIAL = "MRN-00412345", "NGP100234H"
CROSS_VISIT = ["HISTORY_RESIDUAL_ASPIRATED", "HISTORY_RESIDUAL_PROGRAMMER"]


def first_visit() -> dict[str, Any]:
    """The last visit of tests/checks/test_history.py as a record: 2026-10-30, 1000 mcg/mL,
    480 mcg/day, 20 mL filled (0.48 mL/day; alarm at worst (20 - 2) / (0.48 x 1.145) = 32.8
    days, so the refill is booked on day 28)."""
    document = document_of(CHECK_FIXTURES / IN_BAND)
    document["visit_time"] = "2026-10-30T10:30:00+00:00"
    document["refill"].update(fill_volume="20 mL", programmed_reservoir_volume="20 mL")
    document["next_refill"] = "2026-11-27"
    return document


def write(folder: Path, name: str, document: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(document), "utf-8")
    return path


def codes(document: dict[str, Any]) -> list[str]:
    return sorted(f["code"] for f in document["findings"] if f["code"].startswith("HISTORY"))


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit key is set, so the visit store is on."""
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)


@pytest.mark.usefixtures("keyed")
def test_second_visit_is_checked_against_the_first(tmp_path: Path, audit_log: Path) -> None:
    """The first visit is recorded with its audit seq; the second, 28 days on with 9.0 mL
    expected and 3.9 mL aspirated, gets both cross-visit residual STOPs."""
    first = run_cli("check", str(write(tmp_path, "v1.json", first_visit())), "--format", "json")
    second = run_cli("check", str(CHECK_FIXTURES / OUT_OF_BAND), "--format", "json")
    store = VisitStore(tmp_path / "visits.sqlite3")
    seqs = [entry["seq"] for entry in audit_entries(audit_log)]
    expected: tuple[object, ...] = ([], CROSS_VISIT, seqs, "")
    actual = (
        codes(json.loads(first.stdout)),
        codes(json.loads(second.stdout)),
        [visit.audit_seq for visit in store.all_visits()],
        first.stderr + second.stderr,
    )
    assert expected == actual


@pytest.mark.usefixtures("keyed")
def test_a_stop_visit_is_not_the_past_of_the_next(tmp_path: Path) -> None:
    """A first visit checked STOP (its 2000 mcg/mL syringe against 1000 programmed) was not
    carried out, so the second visit is not compared with it: no cross-visit finding, and the
    form's lookup finds no previous visit. `itbcheck history` still lists both."""
    stopped = first_visit()
    stopped["refill"]["dispensed_concentration"] = "2000 mcg/mL"
    first = run_cli("check", str(write(tmp_path, "v1.json", stopped)), "--format", "json")
    second = run_cli("check", str(CHECK_FIXTURES / OUT_OF_BAND), "--format", "json")
    values, status = carried_forward(
        tmp_path / "visits.sqlite3", TEST_KEY.encode(), PATIENT, SERIAL
    )
    assert ("STOP", [], {}, "no previous visit on file for this patient and pump", 2) == (
        json.loads(first.stdout)["verdict"],
        codes(json.loads(second.stdout)),
        dict(values),
        status,
        len(VisitStore(tmp_path / "visits.sqlite3").all_visits()),
    )


@pytest.mark.usefixtures("keyed")
def test_check_and_sheet_give_the_same_findings_with_the_same_history(tmp_path: Path) -> None:
    """A sheet's second row sees its first row's visit, and gets what `check` gives."""
    second = document_of(CHECK_FIXTURES / OUT_OF_BAND)
    by_check = tmp_path / "check"
    by_sheet = tmp_path / "sheet"
    by_check.mkdir()
    by_sheet.mkdir()
    log = ("--audit-log", str(by_check / "a.jsonl"))
    run_cli("check", str(write(tmp_path, "v1.json", first_visit())), *log)
    checked = json.loads(
        run_cli("check", str(write(tmp_path, "v2.json", second)), "--format", "json", *log).stdout
    )
    sheet = tmp_path / "day.jsonl"
    sheet.write_text(jsonl_text([first_visit(), second]), "utf-8")
    rows = run_cli(
        "sheet", str(sheet), "--format", "jsonl", "--audit-log", str(by_sheet / "a.jsonl")
    ).stdout.splitlines()
    row = json.loads(rows[1])
    assert (checked["verdict"], checked["findings"]) == (row["verdict"], row["findings"])
    assert CROSS_VISIT == codes(row)


@pytest.mark.usefixtures("keyed")
def test_no_history_checks_alone_and_records_nothing(tmp_path: Path) -> None:
    """--no-history: no store is created and no cross-visit code is reported."""
    result = run_cli("check", str(CHECK_FIXTURES / OUT_OF_BAND), "--no-history")
    assert (False, "HISTORY" in result.stdout) == ((tmp_path / "visits.sqlite3").exists(), False)


def test_without_a_key_a_requested_store_is_off_and_says_so(tmp_path: Path) -> None:
    """No audit key and --visit-store: one stderr note, no file; identifiers never stored."""
    store = tmp_path / "v.sqlite3"
    result = run_cli("check", str(CHECK_FIXTURES / IN_BAND), "--visit-store", str(store))
    assert (False, True) == (store.exists(), "history off: no audit key" in result.stderr)


def test_without_a_key_an_existing_store_is_a_caution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store on file but no key to read it: HISTORY_UNAVAILABLE, CAUTION, exit 10."""
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)
    run_cli("check", str(write(tmp_path, "v1.json", first_visit())))
    monkeypatch.delenv("ITBCHECK_AUDIT_KEY")
    result = run_cli("check", str(CHECK_FIXTURES / IN_BAND), "--format", "json")
    document = json.loads(result.stdout)
    assert (10, ["HISTORY_UNAVAILABLE"]) == (result.exit_code, codes(document))


@pytest.mark.usefixtures("keyed")
def test_history_lists_and_exports_without_identifiers(tmp_path: Path) -> None:
    """`history` lists both visits by the tokens of what is typed; the export holds tokens;
    neither shows the patient id or pump serial."""
    run_cli("check", str(write(tmp_path, "v1.json", first_visit())))
    run_cli("check", str(CHECK_FIXTURES / OUT_OF_BAND))
    listed = run_cli("history", PATIENT, SERIAL)
    export = tmp_path / "visits.csv"
    exported = run_cli("history", "--export", str(export))
    text = listed.stdout + listed.stderr + export.read_text("utf-8") + exported.stderr
    lines = listed.stdout.splitlines()
    expected = (0, 3, "1000 mcg/mL", "20 mL", "STOP", 3, False)
    actual = (
        listed.exit_code,
        len(lines),
        lines[1].split()[1] + " mcg/mL",
        lines[1].split()[5] + " mL",
        lines[2].split()[-1],
        len(export.read_text("utf-8").splitlines()),
        PATIENT in text or SERIAL in text,
    )
    assert expected == actual


@pytest.mark.usefixtures("keyed")
def test_report_uses_the_same_history(tmp_path: Path) -> None:
    """`report` of the second visit carries the cross-visit STOPs that `check` gives."""
    run_cli("check", str(write(tmp_path, "v1.json", first_visit())))
    page = tmp_path / "report.html"
    result = run_cli("report", str(CHECK_FIXTURES / OUT_OF_BAND), "--html", str(page))
    text = page.read_text("utf-8")
    assert (20, [True, True]) == (result.exit_code, [code in text for code in CROSS_VISIT])


@pytest.mark.usefixtures("keyed")
def test_point_8_patient_boluses_are_carried_forward(tmp_path: Path) -> None:
    """Issue 11 point 8: the last visit's patient bolus prefills both the previous and the
    continuing patient bolus, so a nurse who types nothing keeps it counted."""
    visit = first_visit()
    bolus = {"dose": "20 mcg", "lockout": "3 h", "max_per_day": 8}
    visit["dosing"].update(patient_bolus=bolus, previous_patient_bolus=bolus)
    visit["next_refill"] = "2026-11-20"  # 640 mcg/day at most: due by day 21.6, not 28
    run_cli("check", str(write(tmp_path, "v1.json", visit)))
    values, _ = carried_forward(tmp_path / "visits.sqlite3", TEST_KEY.encode(), PATIENT, SERIAL)
    expected = {
        f"dosing.{which}.{name}": text
        for which in ("previous_patient_bolus", "patient_bolus")
        for name, text in (("dose", "20 mcg"), ("lockout", "3 h"), ("max_per_day", "8"))
    }
    assert expected == {k: v for k, v in values.items() if "patient_bolus" in k}
