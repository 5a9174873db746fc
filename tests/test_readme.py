"""The README tells the truth: its set-up commands are what CI runs, and its example output
is what itbcheck prints today."""

from __future__ import annotations

import re

import pytest

from tests.conftest import EXAMPLES, REPO, TEST_KEY, run_cli

README = (REPO / "README.md").read_text("utf-8")


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_second() -> None:
    """The set-up section holds two shell commands; .ci/run runs the second verbatim."""
    setup = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.+?)\n```", setup, flags=re.DOTALL)
    ci_lines = (REPO / ".ci" / "run").read_text("utf-8").strip().splitlines()
    assert 2 == len(commands)
    assert "itbcheck check examples/" in commands[0]
    assert commands[1] == ci_lines[-1]


def test_readme_stop_example_is_real_output() -> None:
    """The STOP example in the tour is exactly what `itbcheck check` prints for it."""
    block = README.split("$ itbcheck check examples/visit-stop.yaml\n", 1)[1]
    shown = block.split("$ echo $?", 1)[0]
    actual = run_cli("check", str(EXAMPLES / "visit-stop.yaml")).stdout
    assert shown == actual.replace(str(EXAMPLES / "visit-stop.yaml"), "examples/visit-stop.yaml")


def test_readme_refused_example_is_real_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tour's refused record ships as examples/broken.yaml and `itbcheck check` prints
    exactly the README's lines for it, with exit code 3 (the audit key set, as at a clinic)."""
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)
    block = README.split("$ itbcheck check examples/broken.yaml\n", 1)[1]
    shown = block.split("```", 1)[0]
    result = run_cli("check", str(EXAMPLES / "broken.yaml"))
    actual = result.stderr.replace(str(EXAMPLES / "broken.yaml"), "examples/broken.yaml")
    assert (3, "", shown) == (result.exit_code, result.stdout, actual)
