"""The form with the visit store: the same findings as `check` with the same history, the
visit recorded with its audit entry's number, and the lookup's pre-fill."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from itbcheck.history.store import VisitStore
from itbcheck.output import finding_document
from itbcheck.web.formdata import values_from_prefill
from itbcheck.web.state import config_from
from itbcheck.web.visit import check_form
from tests.checks.test_history import OUT_OF_BAND
from tests.conftest import CHECK_FIXTURES, TEST_KEY, audit_entries, run_cli
from tests.history.test_cli import first_visit
from tests.sheets import document_of
from tests.web.helpers import NURSES, prefill_of


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit key is set, so the visit store is on."""
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)


@pytest.mark.usefixtures("keyed")
def test_form_and_check_agree_with_the_same_history(tmp_path: Path) -> None:
    """After the same first visit, the form's second visit has check's findings, and the
    form recorded both visits with their audit entries' numbers."""
    import os

    by_form, by_check = tmp_path / "form", tmp_path / "check"
    by_form.mkdir()
    by_check.mkdir()
    config = config_from(os.environ, audit_log=by_form / "a.jsonl", operator="t")
    second = document_of(CHECK_FIXTURES / OUT_OF_BAND)
    for document in (first_visit(), second):
        outcome = check_form(values_from_prefill({**prefill_of(document), **NURSES}), config)
    assert outcome.outcome.result is not None
    form_findings = [finding_document(f) for f in outcome.outcome.result.findings]
    first = tmp_path / "v1.json"
    first.write_text(json.dumps(first_visit()), "utf-8")
    log = ("--audit-log", str(by_check / "a.jsonl"))
    run_cli("check", str(first), *log)
    checked = run_cli("check", str(CHECK_FIXTURES / OUT_OF_BAND), "--format", "json", *log)
    seqs = [entry["seq"] for entry in audit_entries(by_form / "a.jsonl")]
    stored = [visit.audit_seq for visit in VisitStore(by_form / "visits.sqlite3").all_visits()]
    assert (json.loads(checked.stdout)["findings"], seqs) == (form_findings, stored)


@pytest.mark.usefixtures("keyed")
def test_lookup_prefills_the_last_visit(tmp_path: Path) -> None:
    """The lookup gives the last visit's strength, fill, dose, its change time and profile."""
    import os

    config = config_from(os.environ, audit_log=tmp_path / "a.jsonl", operator="t")
    check_form(values_from_prefill({**prefill_of(first_visit()), **NURSES}), config)
    values, status = config.previous_values("MRN-00412345", "NGP100234H")
    expected = {
        "pump.profile": "synchromed-ii-20ml",
        "refill.previous_concentration": "1000 mcg/mL",
        "refill.previous_fill_volume": "20 mL",
        "dosing.previous_daily_dose": "480 mcg/day",
        "dosing.previous_dose_changed_at": "2026-09-01T09:00:00+00:00",
    }
    assert (expected, "previous visit of 2026-10-30T10:30:00+00:00 filled in") == (
        dict(values),
        status,
    )


def test_lookup_without_a_key_says_the_store_is_off(tmp_path: Path) -> None:
    """No audit key: nothing pre-filled, and the nurse is told why."""
    config = config_from({}, audit_log=tmp_path / "a.jsonl", operator="t")
    assert ({}, "visit store off: no audit key") == config.previous_values("MRN-1", "S-1")
