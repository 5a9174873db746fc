"""`itbcheck profiles list|show|validate` and `itbcheck schema`: every shipped profile
validates, each broken profile in tests/fixtures/broken_profiles gets its own message, and
the JSON Schemas tell other systems what itbcheck accepts."""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
import yaml
from pydantic import BaseModel

from itbcheck.cli import ExitCode
from itbcheck.policy import Policy
from itbcheck.profilefiles import (
    load_profile,
    profile_names,
    validate_profile_file,
    validate_shipped_profiles,
)
from itbcheck.profiles import PumpProfile
from itbcheck.profilevalidation import validate_profile
from itbcheck.records import Record
from itbcheck.units import Measured
from tests.conftest import EXAMPLES, REPO, TESTS, audit_entries, run_cli

BROKEN = TESTS / "fixtures" / "broken_profiles"
SHIPPED = REPO / "pump_profiles"

# Each broken profile, and the one line `profiles validate` prints for its one problem.
BROKEN_CASES = [
    (
        "accuracy-band-above-50-percent",
        "accuracy_band.percent: the accuracy band must be between 0 and 50 % (got 60)",
    ),
    (
        "accuracy-band-as-text",
        "accuracy_band.percent: write the percent as a number, like 14.5 (got '14.5')",
    ),
    (
        "accuracy-band-below-0-percent",
        "accuracy_band.percent: the accuracy band must be between 0 and 50 % (got -5)",
    ),
    (
        "alarm-above-capacity",
        "low_reservoir_alarm.value: the alarm must be below the reservoir capacity (20 mL) "
        "(got '25 mL')",
    ),
    (
        "catheter-min-above-max",
        "catheter_volume_min.value: the catheter minimum is above the maximum (0.286 mL) "
        "(got '0.3 mL')",
    ),
    (
        "gap-above-capacity",
        "residual_gap_threshold.value: the gap threshold must be below the reservoir capacity "
        "(20 mL) (got '20 mL')",
    ),
    (
        "min-rate-above-max-rate",
        "min_rate.value: the minimum rate is above the maximum rate (1 mL/day) (got '2 mL/day')",
    ),
    ("missing-fact", "max_rate: missing field"),
    (
        "missing-source",
        "low_reservoir_alarm.source: missing source: every fact says where its number comes from",
    ),
    (
        "name-not-file-name",
        "name: does not match the file name: expected 'name-not-file-name' "
        "(got 'synchromed-ii-20ml')",
    ),
    (
        "negative-tubing-volume",
        "pump_tubing_volume.value: negative quantities are not accepted (got '-0.14 mL')",
    ),
    (
        "not-toml",
        "profile: not valid TOML: Expected '=' after a key in a key/value pair "
        "(at line 6, column 6)",
    ),
    (
        "short-source",
        "pump_tubing_volume.source: say where the number comes from (at least 10 characters) "
        "(got 'manual')",
    ),
    (
        "tubing-volume-without-unit",
        "pump_tubing_volume.value: missing unit: write a volume such as '18 mL' (got '0.14')",
    ),
    ("unknown-key", "reservoir_capacity.unit: unknown field (got 'mL')"),
    (
        "verified-without-value",
        "min_rate.verified: verified = true needs a value: give it, or set false",
    ),
]


def _lines(problems: Any) -> list[str]:
    return [
        f"{p.location}: {p.message}" + ("" if p.value is None else f" (got {p.value})")
        for p in problems
    ]


def test_every_broken_fixture_is_in_the_table() -> None:
    """Each file in tests/fixtures/broken_profiles has exactly one row in BROKEN_CASES."""
    assert sorted(path.stem for path in BROKEN.glob("*.toml")) == [name for name, _ in BROKEN_CASES]


@pytest.mark.parametrize(("name", "line"), BROKEN_CASES)
def test_broken_profile_gets_its_own_message(name: str, line: str) -> None:
    """A profile broken in one way gives exactly one problem, in plain words, with its place."""
    report = validate_profile_file(BROKEN / f"{name}.toml")
    assert ([line], None) == (_lines(report.problems), report.profile)


def test_validate_reports_every_broken_profile() -> None:
    """`profiles validate` on all broken profiles prints each one's line and exits 4."""
    paths = [str(BROKEN / f"{name}.toml") for name, _ in BROKEN_CASES]
    result = run_cli("profiles", "validate", *paths)
    printed = [line.removeprefix("  error    ") for line in result.stdout.splitlines()]
    assert (ExitCode.CONFIGURATION, "") == (result.exit_code, result.stderr)
    assert [] == [line for _, line in BROKEN_CASES if line not in printed]
    assert f"0 valid, {len(BROKEN_CASES)} invalid" == result.stdout.splitlines()[-1]


def test_every_problem_of_a_file_is_reported() -> None:
    """A file with many problems lists them all, not just the first."""
    text = (SHIPPED / "synchromed-ii-20ml.toml").read_text("utf-8")
    for old, new in [
        ('name = "synchromed-ii-20ml"', 'name = "other"'),
        ("percent = 14.5", "percent = 51"),
        ('value = "2 mL"', 'value = "21 mL"'),
        ('value = "0.14 mL"', 'value = "-0.14 mL"'),
        ("[max_rate]\n", '[max_rate]\nvalue = "0.1 mL/day"\nspeed = 1\n'),
        ("[min_rate]\n", '[min_rate]\nvalue = "0.5 mL/day"\n'),
    ]:
        text = text.replace(old, new)
    report = validate_profile(text, "many.toml", "many")
    expected = [
        "accuracy_band.percent",
        "pump_tubing_volume.value",
        "max_rate.speed",
        "low_reservoir_alarm.value",
        "min_rate.value",
        "name",
    ]
    assert expected == [problem.location for problem in report.problems]


@pytest.mark.parametrize("name", profile_names())
def test_every_shipped_profile_validates(name: str) -> None:
    """Each shipped profile has no problem and is the profile `check` loads."""
    report = validate_profile_file(SHIPPED / f"{name}.toml")
    assert ((), load_profile(name)) == (report.problems, report.profile)


def test_validate_without_paths_checks_the_shipped_profiles(audit_log: Path) -> None:
    """With no path, every shipped profile is validated; warnings do not fail the run, and
    nothing is written to the audit log."""
    result = run_cli("profiles", "validate")
    headers = [line for line in result.stdout.splitlines() if ": " in line[:60]]
    expected = [f"pump_profiles/{name}.toml" for name in profile_names()]
    assert (ExitCode.CLEAR, "") == (result.exit_code, result.stderr)
    assert expected == [h.split(": ")[0] for h in headers if not h.startswith(" ")]
    assert [] == [h for h in headers if ": valid, 0 problems, " not in h and h[0] != " "]
    assert f"{len(expected)} valid, 0 invalid" == result.stdout.splitlines()[-1]
    assert [] == audit_entries(audit_log)


def test_missing_and_unverified_facts_are_warnings() -> None:
    """The SynchroMed II 20 mL profile warns about its unverified stability limit, its missing
    rate range and catheter range, and about nothing else."""
    report = next(r for r in validate_shipped_profiles() if "synchromed-ii-20ml" in r.source)
    assert [
        "drug_stability_limit: not verified (180 day): not used as a limit",
        "min_rate: no value: reported as unchecked where needed",
        "max_rate: no value: reported as unchecked where needed",
        "catheter_volume_min: no value: reported as unchecked where needed",
        "catheter_volume_max: no value: reported as unchecked where needed",
    ] == _lines(report.warnings)


def test_valid_and_broken_files_together_fail() -> None:
    """One broken file among valid ones makes the run fail; the valid one is still reported."""
    result = run_cli(
        "profiles",
        "validate",
        str(SHIPPED / "prometra-ii-20ml.toml"),
        str(BROKEN / "alarm-above-capacity.toml"),
    )
    assert ExitCode.CONFIGURATION == result.exit_code
    assert f"{SHIPPED / 'prometra-ii-20ml.toml'}: valid, 0 problems, 4 warnings" in result.stdout
    assert "1 valid, 1 invalid" == result.stdout.splitlines()[-1]


def test_unreadable_profile_is_a_problem(tmp_path: Path) -> None:
    """A path that cannot be read is reported as that file's problem, not a crash."""
    missing = tmp_path / "nope.toml"
    result = run_cli("profiles", "validate", str(missing))
    assert ExitCode.CONFIGURATION == result.exit_code
    assert "  error    profile: cannot read: No such file or directory" in result.stdout


def test_list_names_every_shipped_profile() -> None:
    """`profiles list` shows each shipped profile with its version and description."""
    result = run_cli("profiles", "list")
    firsts = [line.split()[0] for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert (ExitCode.CLEAR, profile_names()) == (result.exit_code, firsts)
    assert "  Medtronic SynchroMed II, model 8637-20, 20 mL reservoir" in result.stdout


def test_show_prints_each_fact_with_status_and_source() -> None:
    """`profiles show` gives every fact's value, whether it is verified, and its source."""
    result = run_cli("profiles", "show", "synchromed-ii-20ml")
    lines = result.stdout.splitlines()
    assert (ExitCode.CLEAR, "synchromed-ii-20ml@2026.1") == (result.exit_code, lines[0])
    assert "pump_tubing_volume       0.14 mL      verified" in lines
    assert "min_rate                 (no value)   NOT VERIFIED: not used as a limit" in lines
    assert "    Medtronic SynchroMed II 8637-20 reservoir ([17] SynchroMed II labelling)." in lines


def test_show_unknown_profile_is_a_usage_error() -> None:
    """An unknown profile name is refused with a hint and the usage exit code."""
    result = run_cli("profiles", "show", "synchromed-iii")
    assert (ExitCode.USAGE, "") == (result.exit_code, result.stdout)
    assert "error: unknown pump profile 'synchromed-iii'" in result.stderr


@pytest.mark.parametrize(
    "args",
    [("profiles", "list"), ("profiles", "show", "prometra-ii-40ml"), ("profiles", "validate")],
)
def test_profile_output_fits_80_columns(args: tuple[str, ...]) -> None:
    """The engineers' profile reports fit an 80-column terminal."""
    assert [] == [line for line in run_cli(*args).stdout.splitlines() if len(line) > 80]


SCHEMA_MODELS: list[tuple[str, type[BaseModel]]] = [
    ("record", Record),
    ("profile", PumpProfile),
    ("policy", Policy),
]


def _schema(kind: str) -> dict[str, Any]:
    result = run_cli("schema", kind)
    assert (ExitCode.CLEAR, "") == (result.exit_code, result.stderr)
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _objects(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from _objects(item)


def _is_quantity(annotation: object) -> bool:
    if annotation is Measured:
        return True
    if typing.get_origin(annotation) is Annotated:
        return _is_quantity(typing.get_args(annotation)[0])
    return any(_is_quantity(argument) for argument in typing.get_args(annotation))


def _models(model: type[BaseModel]) -> Iterator[type[BaseModel]]:
    yield model
    for info in model.model_fields.values():
        stack = [info.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                yield from _models(annotation)
            stack += typing.get_args(annotation)


def _quantity_properties(kind: str, model: type[BaseModel]) -> Iterator[tuple[str, Any]]:
    """(model.field, its schema) for every quantity field of `model` and the models in it."""
    document = _schema(kind)
    for nested in set(_models(model)):
        holder = document if nested is model else document["$defs"][nested.__name__]
        for name, info in nested.model_fields.items():
            if _is_quantity(info.annotation):
                yield f"{nested.__name__}.{name}", holder["properties"][name]


def _text_branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The string branch of a quantity's schema: itself, in anyOf (optional) or in items."""
    if "items" in schema:
        return _text_branches(schema["items"])
    branches = schema.get("anyOf", [schema])
    return [branch for branch in branches if branch.get("type") != "null"]


@pytest.mark.parametrize(("kind", "model"), SCHEMA_MODELS)
def test_schema_is_the_models_json_schema(kind: str, model: type[BaseModel]) -> None:
    """`itbcheck schema KIND` prints valid JSON: the model's schema, dated 2020-12, with a
    description saying that itbcheck checks more than the schema can."""
    document = _schema(kind)
    description = document.pop("description")
    schema = model.model_json_schema()
    schema.pop("description", None)
    assert "https://json-schema.org/draft/2020-12/schema" == document.pop("$schema")
    assert (schema, True) == (document, "may still be refused" in description)


@pytest.mark.parametrize(("kind", "model"), SCHEMA_MODELS)
def test_schema_forbids_unknown_keys_everywhere(kind: str, model: type[BaseModel]) -> None:
    """Every object in each schema says additionalProperties false, as the models do."""
    objects = list(_objects(_schema(kind)))
    assert objects
    assert [] == [o.get("title") for o in objects if o.get("additionalProperties") is not False]


@pytest.mark.parametrize(("kind", "model"), SCHEMA_MODELS)
def test_quantity_fields_are_text_with_a_unit(kind: str, model: type[BaseModel]) -> None:
    """Every quantity field is a string with a description and examples written with a unit,
    even where the field's own description replaces the unit hint."""
    fields = dict(_quantity_properties(kind, model))
    wrong = [
        name
        for name, schema in fields.items()
        for branch in _text_branches(schema)
        if branch.get("type") != "string"
        or not (schema.get("description") or branch.get("description"))
        or not branch.get("examples")
        or not all(" " in example for example in branch["examples"])
    ]
    assert fields
    assert [] == wrong


def test_record_schema_requires_what_the_example_has() -> None:
    """Every field the record schema requires is present in the example record."""
    example = yaml.safe_load((EXAMPLES / "visit-clear.yaml").read_text("utf-8"))
    assert [] == [key for key in _schema("record")["required"] if key not in example]


def test_schema_profile_percent_is_a_number() -> None:
    """The accuracy band is a number from 0 to 50, as TOML writes it, not text."""
    percent = _schema("profile")["$defs"]["PercentFact"]["properties"]["percent"]["anyOf"][0]
    assert ("number", 0, 50) == (percent["type"], percent["minimum"], percent["maximum"])


def test_schema_of_an_unknown_format_is_a_usage_error() -> None:
    """Only record, profile and policy have a schema."""
    assert ExitCode.USAGE == run_cli("schema", "sheet").exit_code


def test_clock_times_are_hours_and_minutes() -> None:
    """The record schema gives clock times as HH:MM, the only form a record accepts, not JSON
    Schema's RFC 3339 time."""
    start = _schema("record")["$defs"]["FlexStep"]["properties"]["start"]
    pattern = re.compile(start["pattern"])
    accepted = [
        text for text in ("08:00", "23:59", "08:00:00Z", "8:00", "24:00") if pattern.match(text)
    ]
    assert (False, ["08:00", "23:59"]) == ("format" in start, accepted)
