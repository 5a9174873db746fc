"""The form, `itbcheck check` and `itbcheck sheet` give the same verdict and the same findings,
numbers and actions included, on the same visit: every shipped example and check fixture
that fits the form (up to 13 flex steps, 6 boluses and one override)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from itbcheck.output import finding_document
from itbcheck.web.formdata import values_from_prefill
from itbcheck.web.rows import BOLUS_ROWS, STEP_ROWS
from itbcheck.web.state import WebConfig
from itbcheck.web.visit import check_form
from tests.conftest import EXAMPLES, run_cli
from tests.sheets import RECORD_FILES, cells_of, csv_text, document_of
from tests.web.helpers import NURSES, client, post_form, prefill_of, text_of


def _fits(document: dict[str, Any]) -> bool:
    prescription = document["dosing"]["prescription"]
    return (
        len(prescription.get("steps", [])) <= STEP_ROWS
        and len(prescription.get("boluses", [])) <= BOLUS_ROWS
        and len(document.get("overrides", [])) <= 1
    )


FORM_RECORDS = [path for path in RECORD_FILES if _fits(document_of(path))]


def _outcome(verdict: object, findings: list[dict[str, Any]] | None) -> tuple[Any, Any]:
    return verdict, findings


def _check(path: Path) -> tuple[Any, Any]:
    document = json.loads(run_cli("check", "--format", "json", str(path)).stdout)
    return _outcome(document["verdict"], document.get("findings"))


def _form(path: Path, audit_log: Path) -> tuple[Any, Any]:
    values = values_from_prefill({**prefill_of(document_of(path)), **NURSES})
    outcome = check_form(values, WebConfig(audit_log=audit_log, operator="test")).outcome
    if outcome.result is None:
        return _outcome(None, None)
    findings = [finding_document(finding) for finding in outcome.result.findings]
    return _outcome(str(outcome.result.verdict), findings)


def test_nearly_every_record_fits_the_form() -> None:
    """The form's fixed rows hold all but a few of the test records."""
    assert len(RECORD_FILES) - len(FORM_RECORDS) <= 3


def test_form_check_and_sheet_agree_on_every_record(tmp_path: Path, audit_log: Path) -> None:
    """For every record, the form's outcome equals check's and the sheet row's."""
    sheet = tmp_path / "visits.csv"
    sheet.write_text(csv_text([cells_of(document_of(path)) for path in FORM_RECORDS]), "utf-8")
    rows = [
        json.loads(line)
        for line in run_cli("sheet", "--format", "jsonl", str(sheet)).stdout.splitlines()
    ]
    by_sheet = [_outcome(row["verdict"], row.get("findings")) for row in rows]
    by_check = [_check(path) for path in FORM_RECORDS]
    by_form = [_form(path, audit_log) for path in FORM_RECORDS]
    assert by_check == by_sheet
    assert by_check == by_form


@pytest.mark.parametrize("name", ["visit-clear.yaml", "visit-caution.yaml", "visit-stop.yaml"])
def test_the_served_page_shows_checks_findings(name: str, audit_log: Path) -> None:
    """Through HTTP too: the verdict page shows check's verdict, every finding's message, and
    the action of each that counts toward the verdict (a note, as in check, has none shown; nor
    has a consequence of another finding's error, whose fix is its cause's action)."""
    path = EXAMPLES / name
    verdict, findings = _check(path)
    values = values_from_prefill({**prefill_of(document_of(path)), **NURSES})
    text = text_of(post_form(client(audit_log), "/check", values).text)
    shown = [
        f["message"] in text
        and (f["severity"] == "NOTE" or f["consequence_of"] is not None or f["action"] in text)
        for f in findings or []
    ]
    assert (True, [True] * len(shown)) == (f"{verdict} " in text, shown)
