"""The code stays ruff- and mypy --strict-clean: the suite fails if either complains."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(
            [sys.executable, "-m", "ruff", "check", "src", "tests", "benchmarks"], id="ruff"
        ),
        pytest.param(
            [sys.executable, "-m", "ruff", "format", "--check", "src", "tests", "benchmarks"],
            id="format",
        ),
        pytest.param([sys.executable, "-m", "mypy"], id="mypy"),
    ],
)
def test_static_checks_pass(command: list[str]) -> None:
    """ruff (lint and format) and mypy --strict report nothing over src, tests and benchmarks."""
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
