"""Shared test set-up: every test runs with a clean itbcheck environment and a private audit
log, so no test reads a developer's key or writes to their home directory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from typer.testing import CliRunner, Result

from itbcheck.checking import CheckResult, check_document
from itbcheck.cli import app
from itbcheck.findings import Severity
from itbcheck.policy import load_policy

TESTS = Path(__file__).parent
REPO = TESTS.parent
EXAMPLES = REPO / "examples"
CHECK_FIXTURES = TESTS / "checks" / "fixtures"
TEST_KEY = "test-key-0123456789abcdef"

_ITBCHECK_VARIABLES = (
    "ITBCHECK_AUDIT_KEY",
    "ITBCHECK_AUDIT_KEY_FILE",
    "ITBCHECK_SIGNING_KEY_FILE",
    "ITBCHECK_SIGNING_KEY_PASSPHRASE",
    "ITBCHECK_AUDIT_LOG",
    "ITBCHECK_VISIT_STORE",
    "ITBCHECK_OPERATOR",
    "ITBCHECK_DEBUG",
    "NO_COLOR",
    "FORCE_COLOR",
    "ITBCHECK_POLICY",
    "ITBCHECK_SITE_PROFILES",
    "ITBCHECK_CONFIG",
)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in _ITBCHECK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ITBCHECK_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv("ITBCHECK_OPERATOR", "test-operator")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no developer's config file
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.fixture
def audit_log(tmp_path: Path) -> Path:
    """The audit log every CLI call in this test appends to."""
    return tmp_path / "audit.jsonl"


def audit_entries(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def run_cli(*args: str, input: str | bytes | None = None) -> Result:
    """Run the itbcheck command in-process; stdout and stderr stay separate."""
    return CliRunner().invoke(app, list(args), input=input)


def check_file(path: Path) -> CheckResult:
    """Check a record file through the library, with the shipped default policy."""
    return check_document(path.read_bytes(), path.name, load_policy())


def codes_of(result: CheckResult) -> list[str]:
    """The codes that count toward the verdict (CAUTION and STOP), sorted."""
    return sorted(f.code for f in result.findings if f.severity is not Severity.NOTE)


def note_codes_of(result: CheckResult) -> list[str]:
    """The codes of NOTE findings: what was reported or could not be checked, sorted."""
    return sorted(f.code for f in result.findings if f.severity is Severity.NOTE)
