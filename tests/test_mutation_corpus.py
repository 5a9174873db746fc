"""The mutation corpus of issue 7 (benchmarks/mutation_corpus.py), on a sample: 2,000 inputs
made from every example and fixture record, none of which may crash, be CLEAR when it must be
refused, or change its verdict when only its spelling changed. The full run is 100,000 inputs;
its figures are in docs/safety-case.md."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

SCRIPT = REPO / "benchmarks" / "mutation_corpus.py"
ARGUMENTS = ["--count", "2000", "--cli-every", "25", "--memory-every", "0", "--json"]


def test_a_sample_of_the_mutation_corpus_is_handled_cleanly() -> None:
    """2,000 mutated records: 0 unhandled exceptions, 0 CLEAR on input that must be refused,
    and none of the other broken expectations, through the library and (1 in 25) the CLI."""
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), *ARGUMENTS],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    figures = json.loads(completed.stdout)
    bad = [
        "unhandled_exceptions",
        "clear_on_rejected_input",
        "accepted_but_must_reject",
        "clear_on_dose_error",
        "changed_by_respelling",
        "cli_mismatches",
    ]
    assert (2000, [0] * len(bad), []) == (
        figures["inputs"],
        [figures[name] for name in bad],
        figures["examples"],
    ), completed.stderr
    assert 0 == completed.returncode
