"""Output into a pipe that closes early ends quietly, as other Unix tools do."""

from __future__ import annotations

import subprocess
import sys

from itbcheck.cli import ExitCode


def test_a_closed_pipe_is_not_an_internal_error() -> None:
    """`itbcheck explain | head` with the reader gone exits 141 without 'internal error'."""
    process = subprocess.Popen(
        [sys.executable, "-m", "itbcheck", "explain"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.close()  # the reader leaves before itbcheck has written anything
    _, stderr = process.communicate(timeout=60)
    assert (ExitCode.BROKEN_PIPE, b"") == (process.returncode, stderr)
