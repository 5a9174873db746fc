"""`jsonline.result_line` writes a checked sheet row's JSON line without building its document
first (issue 14); it must be the very text `compact_json(row_document(...))` writes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from itbcheck.assessment import Outcome
from itbcheck.checking import CheckResult, check_record
from itbcheck.cli._sheet_rows import row_document, row_line
from itbcheck.jsonline import _number, result_line
from itbcheck.output import compact_json
from itbcheck.policy import load_policy
from itbcheck.records import parse_record
from itbcheck.stages import Stage
from tests.sheets import RECORD_FILES, document_of

POLICY = load_policy()
VISITS: list[dict[str, str | None]] = [
    {"visit_time": "2026-11-27T08:30:00+00:00", "patient_token": "ab" * 32},
    {"visit_time": None, "patient_token": None},
]


def _result(path: Path, stage: Stage) -> CheckResult:
    record = parse_record(document_of(path), path.name, stage)
    return check_record(record, POLICY, path.name, None, stage)


@pytest.mark.parametrize("stage", [Stage.AFTER_PROGRAMMING, Stage.BEFORE_FILL])
@pytest.mark.parametrize("path", RECORD_FILES, ids=lambda path: path.name)
def test_result_line_is_the_documents_json(path: Path, stage: Stage) -> None:
    """Every example and fixture, checked at either stage, gives the general path's text."""
    result = _result(path, stage)
    for line, visit in enumerate(VISITS, start=2):
        outcome = Outcome("record_checked", {}, result=result)
        expected = compact_json(row_document(outcome, f"{path.name}:{line}", line, visit))
        assert expected == result_line(result, f"{path.name}:{line}", line, visit)
        assert expected == row_line(outcome, f"{path.name}:{line}", line, visit)


def test_result_line_escapes_like_the_encoder() -> None:
    """A source with quotes, a backslash, a control character and non-ASCII text is escaped
    as the encoder escapes it: quotes and backslash escaped, the control as \\u001b, é kept."""
    result = _result(RECORD_FILES[0], Stage.AFTER_PROGRAMMING)
    source = 'sheet "é"\\\x1b.csv:2'
    outcome = Outcome("record_checked", {}, result=result)
    expected = compact_json(row_document(outcome, source, 2, VISITS[0]))
    actual = result_line(result, source, 2, VISITS[0])
    assert expected == actual
    assert '"source":"sheet \\"é\\"\\\\\\u001b.csv:2"' in actual


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (Decimal(480), "480"),
        (Decimal("-0"), "0"),  # the int 0, as the general path writes it
        (Decimal("1E+3"), "1000"),
        (Decimal("0.24"), "0.24"),
        (Decimal("66.66666666666666666666666667"), "66.666667"),
        (Decimal("2.0000005"), "2"),
    ],
)
def test_number_text(value: Decimal | None, expected: str) -> None:
    """Numbers are written as the general path writes them, rounded to six places."""
    assert expected == _number(value)


def test_number_refuses_nan() -> None:
    """NaN is refused, as the encoder refuses it (allow_nan=False)."""
    with pytest.raises(ValueError, match="not JSON compliant"):
        _number(Decimal("NaN"))
    with pytest.raises(ValueError, match="not JSON compliant"):
        compact_json({"n": float(Decimal("NaN"))})
