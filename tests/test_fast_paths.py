"""Issue 14, the per-row cost of a sheet: each fast path gives exactly what the general path
gives, on values worked out by hand, edge cases included."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

import itbcheck.checks as registry
from itbcheck.checking import check_document
from itbcheck.checks import Check, CheckContext, run_checks
from itbcheck.dosing import summarise
from itbcheck.exceptions import ConfigurationError, InvalidRecordError
from itbcheck.fields import Text
from itbcheck.findings import Finding, Hazard, Severity
from itbcheck.policy import is_one_of, load_policy
from itbcheck.profilefiles import load_profile
from itbcheck.reading import load_document
from itbcheck.records import parse_record
from itbcheck.reservoir import forecast
from itbcheck.sheetcolumns import _typed, column_plan, row_document
from itbcheck.sheetlines import open_quote_problem
from itbcheck.stages import Stage, staged_action
from itbcheck.units import Kind, Measured, parse_quantity, quantity_parser
from tests.conftest import CHECK_FIXTURES, EXAMPLES

TEXT = TypeAdapter(Text)


def _refused(text: str) -> bool:
    try:
        TEXT.validate_python(text)
    except ValidationError as error:
        return [item["type"] for item in error.errors()] == ["control_character"]
    return False


def test_ascii_text_is_refused_exactly_for_the_control_characters() -> None:
    """Of the 128 ASCII characters, written inside a name, exactly 0-31 and 127 (category Cc;
    ASCII has no Cf) are refused: what the per-character lookup refuses."""
    refused = {code for code in range(128) if _refused(f"a{chr(code)}b")}
    by_category = {code for code in range(128) if unicodedata.category(chr(code)) in {"Cc", "Cf"}}
    assert (set(range(32)) | {127}, by_category) == (refused, refused)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("Zoë Müller", False),  # letters beyond ASCII
        ("MRN\u00a01", False),  # a no-break space is a separator, not a control
        ("MRN\u202e1", True),  # right-to-left override, Cf
        ("MRN\u00851", True),  # next line (NEL), a control outside ASCII
        ("é\u200b", True),  # zero-width space, Cf
    ],
)
def test_text_beyond_ascii_is_asked_character_by_character(text: str, refused: bool) -> None:
    """Text with any character beyond ASCII takes the per-character path: format and control
    characters are refused, letters and separators are not."""
    assert refused == _refused(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("\t", "control_character"), (" \u00a0", "blank"), ("a\u202e ", "control_character")],
)
def test_a_control_character_is_named_before_blankness(text: str, reason: str) -> None:
    """A tab is a control character before it is white space; a no-break space alone is
    blank; a right-to-left override is refused for itself."""
    with pytest.raises(ValidationError) as error:
        TEXT.validate_python(text)
    assert [reason] == [item["type"] for item in error.value.errors()]


def _outcome(parse: Callable[..., Measured], *args: object, **kwargs: object) -> Measured | str:
    try:
        return parse(*args, **kwargs)
    except ValueError as error:
        return f"{type(error).__name__}: {error}"


@pytest.mark.parametrize(
    ("value", "kind", "allow_zero", "expected"),
    [
        (
            "2 mg/mL",
            Kind.CONCENTRATION,
            False,
            Measured("2 mg/mL", Decimal(2000), Kind.CONCENTRATION),
        ),
        ("20 mcg/h", Kind.DOSE_RATE, True, Measured("20 mcg/h", Decimal(480), Kind.DOSE_RATE)),
        ("0 mL", Kind.VOLUME, True, Measured("0 mL", Decimal(0), Kind.VOLUME)),
        ("0 mL", Kind.VOLUME, False, "UnitError: must be greater than zero"),
        (
            "5 Mg",
            Kind.MASS,
            False,
            "UnitError: unknown unit 'Mg' (units are case-sensitive: did you mean mg?); "
            "accepted: d, day, h, hr, mL, mcg, mg, min, ml, ug, µg, μg",
        ),
        (18, Kind.VOLUME, True, "UnitError: missing unit: write a volume such as '18 mL'"),
        (None, Kind.VOLUME, True, "UnitError: expected text with a unit, a volume such as '18 mL'"),
    ],
)
def test_a_field_parser_is_parse_quantity(
    value: object, kind: Kind, allow_zero: bool, expected: Measured | str
) -> None:
    """A record field's own parser gives what `parse_quantity` gives, values and refusals,
    the first time and again from its cache (2 mg/mL is 2000 mcg/mL, 20 mcg/h 480 mcg/day)."""
    parse = quantity_parser(kind, allow_zero=allow_zero)
    general = _outcome(parse_quantity, value, kind, allow_zero=allow_zero)
    assert (expected, expected, expected) == (
        general,
        _outcome(parse, value),
        _outcome(parse, value),
    )


PLAN = column_plan(
    [
        ("patient", "id"),
        ("refill", "fill_volume"),
        ("refill", "aspirated_residual"),
        ("patient", "age_years"),
    ],
    [None, None, "mL", None],
)


def test_text_and_unitless_quantity_cells_are_taken_as_written() -> None:
    """A text cell and a quantity under a header without a unit go in as written; a bare
    number under 'mL' becomes '3 mL' and an integer column 42, as before."""
    document, problems = row_document(PLAN, ["MRN-1", "18 mL", "3", "42"])
    expected = {
        "patient": {"id": "MRN-1", "age_years": 42},
        "refill": {"fill_volume": "18 mL", "aspirated_residual": "3 mL"},
    }
    assert (expected, []) == (document, problems)


@pytest.mark.parametrize("cell", ["MRN-1", "18 mL", "18", " 18 mL ", "Zoë", "=1+1"])
def test_the_fast_path_is_what_typed_gives_those_cells(cell: str) -> None:
    """For a text column and a quantity column without a header unit, `_typed` returns the
    cell unchanged: the fast path that skips it changes nothing."""
    assert (cell, cell) == (_typed("text", cell, None), _typed("quantity", cell, None))


@pytest.mark.parametrize("blank", ["", " ", "\u00a0", "\u3000", " \t ", "\x1c\x1f"])
def test_white_space_cells_are_fields_not_given(blank: str) -> None:
    """Empty and white-space-only cells (no-break and ideographic spaces too) are left out."""
    assert ({}, []) == row_document(PLAN, [blank, blank, blank, blank])


@pytest.mark.parametrize("raw", [b"a,b", b"a,b\n", b"a,b\r\n", b"a,b\r"])
def test_a_row_of_one_line_has_no_open_quote(raw: bytes) -> None:
    """A row of one physical line, whatever its line end, spans nothing, bad or not."""
    assert (None, None) == (
        open_quote_problem(2, raw, 4, bad=True),
        open_quote_problem(2, raw, 4, bad=False),
    )


def test_a_bad_row_of_two_lines_names_them() -> None:
    """A bad row read from lines 2-3 may hide 1 visit on line 3."""
    problem = open_quote_problem(2, b'a,"b\nc,d\n', 4, bad=True)
    assert problem is not None
    assert ("open_quote", "the row spans lines 2-3") == (
        problem.kind,
        problem.message.split(":")[0],
    )


def _context(stage: Stage = Stage.AFTER_PROGRAMMING) -> CheckContext:
    raw = (EXAMPLES / "visit-stop.yaml").read_bytes()
    record = parse_record(load_document(raw, "visit-stop.yaml"), "visit-stop.yaml", stage)
    profile = load_profile(record.pump.profile)
    dose = summarise(record)
    return CheckContext(
        record=record,
        dose=dose,
        forecast=forecast(record, dose, profile),
        profile=profile,
        policy=load_policy(),
        stage=stage,
    )


ONLY = Finding("ONLY_CHECK", Severity.STOP, Hazard.RECORD, "message", "Call the physician.")


def _only(context: CheckContext) -> Iterator[Finding]:
    yield ONLY


def test_the_checks_of_a_stage_follow_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the registry swapped for one check that runs before the fill only, that check is
    all that runs before the fill, and nothing runs after programming."""
    context = _context()
    check = Check("only", _only, (), frozenset({Stage.BEFORE_FILL}))
    monkeypatch.setattr(registry, "CHECKS", (check,))
    before = run_checks(dataclasses.replace(context, stage=Stage.BEFORE_FILL))
    after = run_checks(context)
    expected = [dataclasses.replace(ONLY, action="Do not inject the drug. Call the physician.")]
    assert (expected, []) == (before, after)


def test_a_finding_whose_action_stays_is_not_copied(monkeypatch: pytest.MonkeyPatch) -> None:
    """After programming a STOP's action is its own words, so the finding comes out as it was
    made; a STOP that follows no cause keeps consequence_of None."""
    check = Check("only", _only, ())
    monkeypatch.setattr(registry, "CHECKS", (check,))
    [found] = run_checks(_context())
    assert (True, None) == (found is ONLY, found.consequence_of)


def test_a_date_cell_is_named_by_its_whole_path_only_when_refused() -> None:
    """An ISO date goes in as written; '15/01/2027' under since_last_visit.mri.date is refused
    (its day and month order would be a guess) and named by the column's whole path."""
    plan = column_plan([("since_last_visit", "mri", "date")])
    document, _ = row_document(plan, ["2027-01-15"])
    _, problems = row_document(plan, ["15/01/2027"])
    expected = (
        {"since_last_visit": {"mri": {"date": "2027-01-15"}}},
        [("since_last_visit.mri.date", "date_format", "'15/01/2027'")],
    )
    assert expected == (document, [(p.location, p.kind, p.value) for p in problems])


@pytest.mark.parametrize(
    ("example", "verdict"),
    [("visit-clear.yaml", "CLEAR"), ("visit-caution.yaml", "CAUTION"), ("visit-stop.yaml", "STOP")],
)
def test_a_result_works_out_its_verdict_once_and_right(example: str, verdict: str) -> None:
    """The verdict read twice is the worst finding's, each time; a result made anew from it
    without findings is CLEAR, not the verdict kept by the first."""
    result = check_document((EXAMPLES / example).read_bytes(), example, load_policy())
    again = dataclasses.replace(result, findings=())
    assert (verdict, verdict, "CLEAR") == (result.verdict, result.verdict, again.verdict)


@pytest.mark.parametrize(
    ("written", "expected"),
    [("2 mg/mL", True), ("2000.0 mcg/mL", True), ("500 mcg/mL", True), ("1999.9 mcg/mL", False)],
)
def test_a_strength_is_one_of_the_options_by_value(written: str, expected: bool) -> None:
    """2 mg/mL and 2000.0 mcg/mL are the 2000 mcg/mL option (equal values, other spellings);
    1999.9 mcg/mL is none of 500 and 2000 mcg/mL, and nothing is one of no options."""
    options = tuple(
        parse_quantity(text, Kind.CONCENTRATION) for text in ("500 mcg/mL", "2000 mcg/mL")
    )
    value = parse_quantity(written, Kind.CONCENTRATION)
    assert (expected, False) == (is_one_of(value, options), is_one_of(value, ()))


def _as_before(context: CheckContext) -> list[Finding]:
    """run_checks as it was written before its fast paths: every check asked its stages, and
    every finding copied with its staged action."""
    findings = [
        found
        for check in registry.CHECKS
        if context.stage in check.stages
        for found in check.run(context)
    ]
    staged = [
        dataclasses.replace(
            found,
            action=staged_action(
                context.stage, found.severity.name, registry._action(found, context)
            ),
        )
        for found in registry.link_consequences(findings, registry._CAUSES)
    ]
    return sorted(staged, key=lambda found: -found.severity)


FIXTURES = sorted(path.name for path in CHECK_FIXTURES.glob("*.yaml"))


@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("name", FIXTURES)
def test_the_registry_gives_what_it_gave_before(name: str, stage: Stage) -> None:
    """Every check fixture, at both stages where it parses: the same findings, actions,
    consequences and order as the registry without its fast paths."""
    raw = (CHECK_FIXTURES / name).read_bytes()
    try:
        record = parse_record(load_document(raw, name), name, stage)
        profile = load_profile(record.pump.profile)
    except (InvalidRecordError, ConfigurationError):
        pytest.skip("not a record of a shipped profile at this stage")
    dose = summarise(record)
    outlook = forecast(record, dose, profile)
    context = CheckContext(record, dose, outlook, profile, load_policy(), stage=stage)
    assert _as_before(context) == run_checks(context)
