"""The drugs in the syringe (issue 11 point 9) as a nurse writes them outside YAML: one CSV
sheet cell and one form field, names separated by ';', read into the same list a record
holds; an admixture is a STOP there too, and a misspelt name is a problem naming the item."""

from __future__ import annotations

import copy
import io
from pathlib import Path

from itbcheck.exceptions import InvalidRecordError
from itbcheck.sheet import read_sheet
from itbcheck.web.formdata import values_from_prefill
from itbcheck.web.state import WebConfig
from itbcheck.web.visit import check_form
from tests.conftest import EXAMPLES
from tests.sheets import cells_of, csv_text, document_of
from tests.web.helpers import NURSES, prefill_of

CLEAR = document_of(EXAMPLES / "visit-clear.yaml")


def _with_drugs(drugs: list[str]) -> dict[str, object]:
    document = copy.deepcopy(CLEAR)
    document["refill"]["drugs"] = drugs
    return document


def test_sheet_cell_is_the_list_of_drugs() -> None:
    """The cell 'baclofen; clonidine' is the record's drugs list, in order."""
    text = csv_text([cells_of(_with_drugs(["baclofen", "clonidine"]))])
    row = next(read_sheet(io.BytesIO(text.encode()), "day.csv", jsonl=False))
    record = row.parse(row.load(row.raw, "day.csv"), "day.csv")
    assert ("baclofen", "clonidine") == record.refill.drugs


def test_sheet_misspelt_drug_names_the_item() -> None:
    """A misspelt name in the cell is a problem at refill.drugs[1], never read as baclofen."""
    text = csv_text([cells_of(_with_drugs(["baclofen", "clonidin"]))])
    row = next(read_sheet(io.BytesIO(text.encode()), "day.csv", jsonl=False))
    try:
        row.parse(row.load(row.raw, "day.csv"), "day.csv")
    except InvalidRecordError as error:
        locations = [problem.location for problem in error.problems]
    else:
        locations = []
    assert ["refill.drugs[1]"] == locations


def test_form_admixture_is_stop(audit_log: Path) -> None:
    """The form's drugs field 'baclofen; clonidine' gives DRUG_NOT_SUPPORTED, a STOP."""
    values = values_from_prefill({**prefill_of(_with_drugs(["baclofen", "clonidine"])), **NURSES})
    outcome = check_form(values, WebConfig(audit_log=audit_log, operator="test")).outcome
    assert outcome.result is not None
    codes = [finding.code for finding in outcome.result.findings]
    assert ("STOP", True) == (str(outcome.result.verdict), "DRUG_NOT_SUPPORTED" in codes)
