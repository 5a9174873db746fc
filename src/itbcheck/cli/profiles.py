"""The engineers' commands: `itbcheck profiles list|show|validate` for pump profiles,
`itbcheck schema` for the JSON Schema of each input format, and `itbcheck scenarios run` for
scenario files (docs/profiles.md, docs/scenarios.md). None of them writes to the audit log:
they check itbcheck's own set-up, never a patient's record."""

from __future__ import annotations

import enum
import json
import textwrap
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from itbcheck.cli._handling import ExitCode, PolicyOption, fail, guarded, policy_in_force
from itbcheck.exceptions import Problem

if TYPE_CHECKING:
    from itbcheck.lab.scenarios import Outcome
    from itbcheck.profilevalidation import ProfileReport

profiles_app = typer.Typer(help="List, show and validate pump profiles.", no_args_is_help=True)
scenarios_app = typer.Typer(
    help="Run scenario files: records with the result they must give.", no_args_is_help=True
)


class SchemaKind(enum.StrEnum):
    RECORD = "record"
    PROFILE = "profile"
    POLICY = "policy"


_SCHEMA_NOTES = {
    SchemaKind.RECORD: "An itbcheck refill and programming record (docs/record-format.md).",
    SchemaKind.PROFILE: "An itbcheck pump profile, written as TOML (pump_profiles/README.md).",
    SchemaKind.POLICY: "An itbcheck clinic policy, in TOML (src/itbcheck/data/policy.toml).",
}
_CHECKS_MORE = (
    " Quantities are text with a unit; itbcheck accepts only the unit spellings listed in "
    "docs/record-format.md and checks rules a schema cannot express, so a file that "
    "matches this schema may still be refused."
)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _problem_text(problem: Problem) -> str:
    from itbcheck.output import printable

    shown = "" if problem.value is None else f" (got {printable(problem.value)})"
    return printable(f"{problem.location}: {problem.message}") + shown


@profiles_app.command("list", short_help="List the shipped pump profiles.")
@guarded
def list_profiles() -> None:
    """List the shipped and site pump profiles and how many of their facts are not verified."""
    from itbcheck.profilefiles import (
        shipped_profile_names,
        validate_profile_file,
        validate_shipped_profiles,
    )
    from itbcheck.profiles import facts_of
    from itbcheck.site import site_profiles

    site = site_profiles()
    names = [*shipped_profile_names(), *(f"{name} (site)" for name in site)]
    reports = [*validate_shipped_profiles(), *map(validate_profile_file, site.values())]
    for name, report in zip(names, reports, strict=True):
        if report.profile is None:
            typer.echo(f"{name:<24} INVALID: run 'itbcheck profiles validate' for the problems")
            continue
        facts = facts_of(report.profile)
        typer.echo(
            f"{name:<24} {report.profile.profile_version:<10} "
            f"{len(report.warnings)} of {len(facts)} facts missing or not verified"
        )
        typer.echo(f"  {report.profile.description}")


@profiles_app.command(short_help="Show every fact of a profile, with its source.")
@guarded
def show(
    name: Annotated[str, typer.Argument(help="A profile name, e.g. synchromed-ii-20ml.")],
) -> None:
    """Show every fact of a shipped or site profile: its value, whether it is verified, its
    source."""
    from itbcheck.profilefiles import load_profile, profile_names
    from itbcheck.profiles import facts_of, labelling_of, written

    if name not in profile_names():
        raise fail(
            [
                f"error: unknown pump profile {name!r}; known: {', '.join(profile_names())} "
                "(itbcheck profiles list)"
            ],
            ExitCode.USAGE,
        )
    profile = load_profile(name)
    typer.echo(f"{profile.version}\n{profile.description}\n")
    labelling = labelling_of(profile)
    for fact_name, fact in (facts_of(profile) | labelling).items():
        if fact_name in labelling and fact_name == next(iter(labelling)):
            typer.echo("\nLabelling for baclofen (optional; unstated or unverified: unchecked)")
        status = "verified" if fact.verified else "NOT VERIFIED: not used as a limit"
        typer.echo(f"{fact_name:<24} {written(fact) or '(no value)':<12} {status}")
        source = textwrap.wrap(fact.source, 76, break_on_hyphens=False)
        typer.echo("\n".join(f"    {line}" for line in source))


def _report_lines(report: ProfileReport) -> list[str]:
    from itbcheck.output import printable

    status = "valid" if report.valid else "INVALID"
    lines = [
        f"{printable(report.source)}: {status}, {_plural(len(report.problems), 'problem')}, "
        f"{_plural(len(report.warnings), 'warning')}"
    ]
    lines += [f"  error    {_problem_text(problem)}" for problem in report.problems]
    lines += [f"  warning  {_problem_text(warning)}" for warning in report.warnings]
    return lines


@profiles_app.command(short_help="Report every problem and unverified fact of profiles.")
@guarded
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="FILE",
            hidden=True,  # typer would show its type as `<list[Path]>`; the docstring says it
        ),
    ] = None,
) -> None:
    """Report every problem and every missing or unverified fact of pump profile files.

    FILE... are profile files (TOML); without them, every shipped and site profile is validated.
    Exit 0 when all are valid (warnings allowed), 4 otherwise."""
    from itbcheck.profilefiles import validate_profile_file, validate_shipped_profiles
    from itbcheck.site import site_profiles

    if not paths:
        paths = list(site_profiles().values())
        reports = validate_shipped_profiles()
    else:
        reports = []
    reports += [validate_profile_file(p) for p in paths]
    for report in reports:
        typer.echo("\n".join(_report_lines(report)))
    invalid = sum(not report.valid for report in reports)
    typer.echo(f"{len(reports) - invalid} valid, {invalid} invalid")
    if invalid:
        raise typer.Exit(int(ExitCode.CONFIGURATION))


@guarded
def schema(
    kind: Annotated[SchemaKind, typer.Argument(help="record, profile or policy.")],
) -> None:
    """Print the JSON Schema of a record, pump profile or policy file, for other systems."""
    from pydantic import BaseModel

    from itbcheck.policy import Policy
    from itbcheck.profiles import PumpProfile
    from itbcheck.records import Record

    models: dict[SchemaKind, type[BaseModel]] = {
        SchemaKind.RECORD: Record,
        SchemaKind.PROFILE: PumpProfile,
        SchemaKind.POLICY: Policy,
    }
    model = models[kind]
    document: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **model.model_json_schema(),
        "description": _SCHEMA_NOTES[kind] + _CHECKS_MORE,
    }
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


def _outcome_lines(outcome: Outcome) -> list[str]:
    from itbcheck.lab.scenarios import Status
    from itbcheck.output import printable

    indent = " " * 9
    lines = [f"{outcome.status.name:<8} {printable(outcome.source)}"]
    if outcome.status is Status.PASSED:
        return lines
    if outcome.description:
        lines.append(indent + printable(outcome.description))
    lines += [indent + _problem_text(problem) for problem in outcome.problems]
    expected, actual = outcome.expected, outcome.actual
    if expected is not None and actual is not None and expected.verdict is not actual.verdict:
        lines.append(f"{indent}verdict  expected {expected.verdict}, got {actual.verdict}")
    pad = indent + " " * 9
    for name, difference in outcome.differences().items():
        lines.append(f"{indent}{name:<8} expected [{', '.join(difference.expected)}]")
        lines.append(f"{pad}actual   [{', '.join(difference.actual)}]")
        lines += [f"{pad}- {code}  expected, not reported" for code in difference.missing]
        lines += [f"{pad}+ {code}  reported, not expected" for code in difference.extra]
    return lines


@scenarios_app.command("run", short_help="Check every scenario against its expected result.")
@guarded
def run_scenarios(
    folder: Annotated[
        Path, typer.Argument(help="Folder of scenario files, or one scenario file.", exists=True)
    ],
    policy: PolicyOption = None,
    junit: Annotated[
        Path | None,
        typer.Option(
            "--junit", metavar="FILE", help="Also write the results to FILE as JUnit XML, for CI."
        ),
    ] = None,
) -> None:
    """Check every scenario's record and compare the verdict and codes with the expected ones.
    Writes no audit entry. Exit 0 when all pass, 1 when any fails or is invalid."""
    from itbcheck.lab.scenarios import Status, run_file, scenario_files
    from itbcheck.policy import load_policy
    from itbcheck.profilefiles import profiles_folder

    loaded = load_policy(policy_in_force(policy))
    profiles_folder()  # no profiles at all is itbcheck's set-up (exit 4), not a failed scenario
    paths = scenario_files(folder) if folder.is_dir() else [folder]
    if not paths:
        raise fail(
            [f"error: no scenario files (*.yaml, *.yml, *.json) in {folder}"], ExitCode.USAGE
        )
    outcomes = [run_file(path, loaded) for path in paths]
    for outcome in outcomes:
        typer.echo("\n".join(_outcome_lines(outcome)))
    if junit is not None:
        _write_junit(junit, outcomes)
    counts = Counter(outcome.status for outcome in outcomes)
    typer.echo(
        f"{counts[Status.PASSED]} passed, {counts[Status.FAILED]} failed, "
        f"{counts[Status.INVALID]} invalid"
    )
    if counts[Status.PASSED] != len(outcomes):
        raise typer.Exit(int(ExitCode.SCENARIOS_FAILED))


def _write_junit(path: Path, outcomes: list[Outcome]) -> None:
    from itbcheck.cli._junit import junit_xml

    try:
        path.write_bytes(junit_xml(outcomes, _outcome_lines))
    except OSError as error:
        raise fail(
            [f"error: cannot write {path} ({error.strerror or type(error).__name__})"],
            ExitCode.OUTPUT_FAILED,
        ) from None


def register(app: typer.Typer) -> None:
    """Add this module's commands to the itbcheck app."""
    app.add_typer(profiles_app, name="profiles")
    app.command(short_help="Print the JSON Schema of a record, profile or policy.")(schema)
    app.add_typer(scenarios_app, name="scenarios")
