"""The JSON document of `itbcheck check --format json` is a contract: its shape is pinned here.
Changing it means bumping schema_version and updating docs/json-output.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from itbcheck.cli import ExitCode
from tests.conftest import EXAMPLES, run_cli

RESULT_KEYS = {
    "schema_version",
    "itbcheck_version",
    "source",
    "verdict",
    "stage",
    "final",
    "findings",
    "quantities",
    "reservoir",
    "profile",
    "policy",
}
FINDING_KEYS = {"code", "consequence_of", "severity", "hazard", "message", "action", "figures"}
FIGURE_KEYS = {"name", "value", "unit"}
QUANTITY_KEYS = {
    "prescribed_daily_dose_mcg_per_day",
    "basal_daily_dose_mcg_per_day",
    "bolus_daily_dose_mcg_per_day",
    "previous_daily_dose_mcg_per_day",
    "dispensed_concentration_mcg_per_ml",
    "programmed_concentration_mcg_per_ml",
    "pump_daily_volume_ml_per_day",
    "delivered_daily_dose_mcg_per_day",
    "most_daily_dose_mcg_per_day",
    "most_daily_volume_ml_per_day",
    "fill_volume_ml",
    "hours_since_last_change",
    "appointment_days",
    "days_to_alarm_nominal",
    "days_to_alarm_worst",
    "days_to_empty_nominal",
    "days_to_empty_worst",
}
RESERVOIR_KEYS = {
    "alarm_date_nominal",
    "alarm_date_worst",
    "empty_date_nominal",
    "empty_date_worst",
    "next_refill",
}


def _document(*args: str) -> dict[str, Any]:
    result = run_cli("check", "--format", "json", *args)
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_result_document_shape() -> None:
    """A checked record gives exactly the pinned keys, with the verdict at the top level."""
    document = _document(str(EXAMPLES / "visit-stop.yaml"))
    assert set(document) == RESULT_KEYS
    assert (document["schema_version"], document["verdict"]) == (1, "STOP")
    assert set(document["quantities"]) == QUANTITY_KEYS
    assert all(set(finding) == FINDING_KEYS for finding in document["findings"])
    finding = document["findings"][0]
    assert (
        finding["code"],
        finding["severity"],
        finding["hazard"],
    ) == ("CONCENTRATION_MISMATCH", "STOP", "overdose")
    assert all(set(figure) == FIGURE_KEYS for figure in finding["figures"])


def test_result_document_numbers() -> None:
    """Quantities are JSON numbers in the units their names carry (800 / 500 x 2000 = 3200)."""
    quantities = _document(str(EXAMPLES / "visit-stop.yaml"))["quantities"]
    assert (
        quantities["prescribed_daily_dose_mcg_per_day"],
        quantities["pump_daily_volume_ml_per_day"],
        quantities["delivered_daily_dose_mcg_per_day"],
    ) == (800, 1.6, 3200)


def test_clear_document_has_only_notes() -> None:
    """A CLEAR result lists its NOTE findings (what could not be checked) and nothing worse."""
    document = _document(str(EXAMPLES / "visit-clear.yaml"))
    severities = {finding["severity"] for finding in document["findings"]}
    assert ("CLEAR", {"NOTE"}) == (document["verdict"], severities)


def test_error_document_shape(tmp_path: Path) -> None:
    """A rejected record gives a null verdict and one problem per location, exit 3."""
    path = tmp_path / "record.json"
    path.write_text('{"record_version": 1}', "utf-8")
    result = run_cli("check", "--format", "json", str(path))
    document = json.loads(result.stdout)
    assert result.exit_code == ExitCode.INVALID_RECORD
    assert {"schema_version", "itbcheck_version", "source", "verdict", "error"} == set(document)
    assert (document["verdict"], document["error"]["kind"]) == (None, "invalid_record")
    assert all({"location", "message"} == set(p) for p in document["error"]["problems"])
    assert "visit_time" in [p["location"] for p in document["error"]["problems"]]
