"""The reference documentation in docs/ and README.md says what the code does: every finding
code, exit code, record field, unit spelling, audit key and command is documented, and finding
codes and exit codes that no longer exist are not."""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
import typer
from pydantic import BaseModel

from itbcheck import audit
from itbcheck.audit.sign import SIGNING_KEY_ENV
from itbcheck.checks import catalogue
from itbcheck.cli import ExitCode, app
from itbcheck.records import Record
from itbcheck.units import ALL_SPELLINGS
from tests.conftest import EXAMPLES, REPO, TEST_KEY, audit_entries, run_cli

DOCS = REPO / "docs"
ANNOTATED = EXAMPLES / "annotated.yaml"


def _read(name: str) -> str:
    return (DOCS / name).read_text("utf-8")


def _code_sections() -> dict[str, str]:
    """Each `### CODE` heading of docs/findings.md with the text under it."""
    parts = re.split(r"^### ([A-Z][A-Z0-9_]*)\s*$", _read("findings.md"), flags=re.MULTILINE)
    return {
        code: text.split("\n## ")[0] for code, text in zip(parts[1::2], parts[2::2], strict=True)
    }


def _exit_code_rows() -> dict[str, int]:
    """Name and number of each row of the table in docs/exit-codes.md."""
    rows = re.findall(r"^\|\s*`?([A-Z_]+)`?\s*\|\s*(\d+)\s*\|", _read("exit-codes.md"), re.M)
    return {name: int(number) for name, number in rows}


def _models_in(annotation: object) -> Iterator[type[BaseModel]]:
    if typing.get_origin(annotation) is None and isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            yield annotation
        return
    for argument in typing.get_args(annotation):
        yield from _models_in(argument)


def _field_paths(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Dotted path of every field of `model` and of every model nested in it, both
    prescription modes included."""
    for name, info in model.model_fields.items():
        yield prefix + name
        for nested in _models_in(info.annotation):
            yield from _field_paths(nested, f"{prefix}{name}.")


def _choices_in(annotation: object) -> Iterator[str]:
    if typing.get_origin(annotation) is Literal:
        yield from (value for value in typing.get_args(annotation) if isinstance(value, str))
        return
    for argument in typing.get_args(annotation):
        yield from _choices_in(argument)
    for nested in _models_in(annotation):
        for info in nested.model_fields.values():
            yield from _choices_in(info.annotation)


RECORD_FIELDS = sorted(set(_field_paths(Record)))
RECORD_CHOICES = sorted(
    {choice for info in Record.model_fields.values() for choice in _choices_in(info.annotation)}
)


def _command_paths(command: object, prefix: str = "itbcheck") -> Iterator[str]:
    """`itbcheck NAME` for every command the CLI registers, and `itbcheck GROUP NAME` for each
    command inside a group."""
    # Typer builds a command group; only a group has `commands`.
    subcommands: dict[str, object] = getattr(command, "commands", {})
    for name, subcommand in subcommands.items():
        yield f"{prefix} {name}"
        yield from _command_paths(subcommand, f"{prefix} {name}")


COMMANDS = sorted(_command_paths(typer.main.get_command(app)))


def _fenced(text: str, language: str, after: str) -> str:
    """The first fenced block in `language` after the line `after`."""
    start = text.index(after)
    match = re.search(rf"^```{language}\n(.*?)^```$", text[start:], re.M | re.S)
    assert match is not None, f"no {language} block after {after!r}"
    return match.group(1)


def test_findings_document_every_code() -> None:
    """Every code in the catalogue has a heading in docs/findings.md, and every heading is a
    code in the catalogue."""
    assert sorted(catalogue()) == sorted(_code_sections())


@pytest.mark.parametrize("code", sorted(catalogue()))
def test_findings_state_severity_and_hazard(code: str) -> None:
    """Each code's section in docs/findings.md gives the catalogue's severity and hazard."""
    info = catalogue()[code]
    section = _code_sections().get(code, "")
    expected = (f"- Severity: {info.severity.name}", f"- Hazard: {info.hazard}")
    assert (True, True) == tuple(line in section for line in expected)


def test_exit_codes_table_matches_enum() -> None:
    """docs/exit-codes.md has one row per ExitCode member with its number, and no other rows."""
    assert {member.name: member.value for member in ExitCode} == _exit_code_rows()


@pytest.mark.parametrize("path", RECORD_FIELDS)
def test_record_field_is_documented(path: str) -> None:
    """Every field of the record model, nested ones included, is named in
    docs/record-format.md."""
    name = path.rsplit(".", 1)[-1]
    assert f"`{name}`" in _read("record-format.md")


@pytest.mark.parametrize("choice", RECORD_CHOICES)
def test_record_choice_is_documented(choice: str) -> None:
    """Every word a fixed-choice field accepts is named in docs/record-format.md."""
    assert f"`{choice}`" in _read("record-format.md")


def test_unit_spellings_table_is_the_allowlist() -> None:
    """The accepted-spellings table in docs/record-format.md lists exactly the spellings that
    units.py accepts."""
    text = _read("record-format.md")
    table = text[text.index("### Accepted spellings") :].split("\n\n")[2]
    listed = {
        spelling
        for row in table.splitlines()[2:]
        for spelling in re.findall(r"`([^`]+)`", row.split("|")[2])
    }
    assert sorted(ALL_SPELLINGS) == sorted(listed)


@pytest.mark.parametrize("page", sorted(path.name for path in DOCS.glob("*.md")))
def test_micro_sign_only_in_spelling_list(page: str) -> None:
    """The docs write mcg, never the micro sign, except in the list of accepted spellings."""
    lines = [line for line in _read(page).splitlines() if "µ" in line or "μ" in line]
    assert [] == [line for line in lines if not line.startswith("| mass |")]


def test_annotated_example_checks_clear() -> None:
    """`itbcheck check examples/annotated.yaml` accepts the record and gives CLEAR."""
    result = run_cli("check", str(ANNOTATED))
    assert (ExitCode.CLEAR, "CLEAR") == (result.exit_code, result.stdout.split()[0])


def test_annotated_example_is_the_one_in_the_docs() -> None:
    """The annotated example in docs/record-format.md is examples/annotated.yaml, verbatim."""
    shown = _fenced(_read("record-format.md"), "yaml", "## Example")
    assert ANNOTATED.read_text("utf-8") == shown


def test_json_example_is_real_output() -> None:
    """The result example in docs/json-output.md is what the CLI prints for
    examples/visit-stop.yaml, apart from the version and the path given."""
    shown = json.loads(_fenced(_read("json-output.md"), "json", "### Example: examples/"))
    result = run_cli("check", "--format", "json", str(EXAMPLES / "visit-stop.yaml"))
    actual: dict[str, Any] = json.loads(result.stdout)
    for document in (shown, actual):
        document.pop("itbcheck_version")
        document.pop("source")
    assert actual == shown


def test_audit_doc_names_every_entry_key(monkeypatch: pytest.MonkeyPatch, audit_log: Path) -> None:
    """Every key of a checked and of a rejected audit entry is named in docs/audit-log.md."""
    monkeypatch.setenv(audit.KEY_ENV, TEST_KEY)
    run_cli("check", str(EXAMPLES / "visit-caution.yaml"))
    run_cli("check", "-", input="record_version: 1\n")
    keys: set[str] = set()
    for entry in audit_entries(audit_log):
        keys |= set(entry)
        for item in [*entry.get("overrides", []), *entry.get("problems", [])]:
            keys |= set(item)
    text = _read("audit-log.md")
    assert {"overrides", "problems"} <= keys
    assert [] == sorted(key for key in keys if f"`{key}`" not in text)


@pytest.mark.parametrize(
    "variable",
    [audit.LOG_ENV, audit.KEY_ENV, audit.KEY_FILE_ENV, "ITBCHECK_OPERATOR", SIGNING_KEY_ENV],
)
def test_audit_doc_names_environment_variable(variable: str) -> None:
    """Every environment variable the audit entry depends on is described in
    docs/audit-log.md."""
    assert f"`{variable}`" in _read("audit-log.md")


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_mentions_every_command(command: str) -> None:
    """Every command registered on the CLI, sub-commands included, is shown in README.md."""
    assert command in (REPO / "README.md").read_text("utf-8")


def test_findings_doc_carries_the_catalogue_text() -> None:
    """Each code's meaning, reason, source and example in docs/findings.md are the catalogue's
    own words, so `itbcheck explain` and the document never disagree."""
    text = _read("findings.md")
    missing = [
        (info.code, part)
        for info in catalogue().values()
        for part in (info.title, info.meaning, info.why, info.source, info.example)
        if part not in text
    ]
    assert [] == missing


def test_scenarios_doc_counts_every_shipped_scenario() -> None:
    """The sample run in docs/scenarios.md passes as many scenarios as scenarios/ ships."""
    root = Path(__file__).resolve().parent.parent
    shipped = len([p for p in (root / "scenarios").iterdir() if p.suffix in {".yaml", ".json"}])
    doc = (root / "docs" / "scenarios.md").read_text("utf-8")
    assert f"{shipped} passed, 0 failed, 0 invalid" in doc
