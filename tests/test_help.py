"""Every `--help` screen, as a person reads it in an 80-column terminal.

A line break the formatter did not need (the next word would have fitted) is a docstring's own
newline kept mid-sentence; a command summary cut with "..." hides what the command does; a type
such as `<bool>` after a flag, or `<str>` after an option, tells the reader nothing they can
type.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from itbcheck.cli import app

WIDTH = 80
# click leaves two columns free at the right edge.
TEXT_WIDTH = WIDTH - 2
STRAY_HINTS = re.compile(r"<bool>|list\[|%[A-Za-z]")
OPTION_TYPE_HINT = re.compile(r"^\s+-.*?<(str|int|float)>")


def command_paths(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            paths += command_paths(command, (*prefix, name))
        else:
            paths.append((*prefix, name))
    return paths


ROOT = typer.main.get_command(app)
PATHS = command_paths(ROOT)


def help_text(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=WIDTH, color=False)
    assert 0 == result.exit_code, result.output
    return result.output


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())


def continues(line: str, following: str) -> bool:
    """Whether `following` carries on `line`'s text rather than starting a new entry: a deeper
    indent (a description wrapped under its option), or the same indent in prose (a row of
    options and commands has two spaces between its name and its text)."""
    if indent_of(following) != indent_of(line):
        return indent_of(following) > indent_of(line) > 0
    return indent_of(line) > 0 and "  " not in line.strip()


def needless_breaks(text: str) -> list[str]:
    """Lines that end although the next line's first word would have fitted after them."""
    lines = text.splitlines()
    found = []
    for line, following in itertools.pairwise(lines):
        if not line.strip() or not following.strip() or not continues(line, following):
            continue
        next_word = following.split()[0]
        if len(line.rstrip()) + 1 + len(next_word) <= TEXT_WIDTH:
            found.append(f"{line.rstrip()!r} / {next_word!r}")
    return found


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "itbcheck")
def test_help_reads_cleanly_at_80_columns(path: tuple[str, ...]) -> None:
    """No line wider than 80 columns, no break mid-sentence, no summary cut short, no stray
    type hint."""
    text = help_text(path)
    problems = [f"too wide: {line!r}" for line in text.splitlines() if len(line) > WIDTH]
    problems += [f"broken: {where}" for where in needless_breaks(text)]
    problems += [
        f"cut: {line!r}"
        for line in text.splitlines()
        if line.endswith("...") and not line.startswith("Usage:")
    ]
    problems += [f"hint: {line!r}" for line in text.splitlines() if STRAY_HINTS.search(line)]
    problems += [f"hint: {line!r}" for line in text.splitlines() if OPTION_TYPE_HINT.search(line)]
    assert [] == problems


def test_the_checker_finds_a_docstring_break() -> None:
    """A paragraph broken after a short line is reported; one wrapped at the edge is not."""
    broken = "  Step through time after a refill: reservoir,\n  drug delivered and more.\n"
    wrapped = "  " + "word " * 15 + "wordy\n  next line\n"
    assert (1, []) == (len(needless_breaks(broken)), needless_breaks(wrapped))


def test_version_prints_the_version_and_help_lists_it_as_a_flag() -> None:
    """`--version` takes no value: its help line shows none, and it prints the version."""
    from itbcheck import __version__

    version_line = next(line for line in help_text(()).splitlines() if "--version" in line)
    result = CliRunner().invoke(app, ["--version"])
    assert (["--version", "Show", "the", "version."], f"itbcheck {__version__}\n") == (
        version_line.split(),
        result.output,
    )
