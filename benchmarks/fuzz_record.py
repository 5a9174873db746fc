"""Coverage-guided fuzzing of the record reader, the record model and the checks (issue 7),
with atheris (libFuzzer for Python). Optional: `pip install '.[fuzz]'`. How to run it and what
it found: docs/fuzzing.md.

    python benchmarks/fuzz_record.py -max_total_time=300

The first byte of an input picks how it is read (JSON, YAML, or by its first character, as for
standard input); the rest is the document. Each input goes through what `itbcheck check` runs
(mutation_corpus.outcome_of): read, parse, check, and render the report, the JSON document and
the audit fields. A refused record is the expected outcome of most inputs; any other exception
is a finding, and libFuzzer stops and saves the input as crash-*. The seeds are every example
and fixture record and 2,000 inputs of the mutation corpus, written to --corpus (default: a
folder in the system's temporary directory) on the first run.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path
from typing import Any

NAMES = ("record.json", "record.yaml", "<stdin>")
DEFAULT_CORPUS = Path(tempfile.gettempdir()) / "itbcheck-fuzz-corpus"


def write_seeds(folder: Path, count: int = 2000) -> int:
    """The example and fixture records and `count` mutants, each with its reader byte."""
    from mutation_base import as_json, as_yaml, seeds
    from mutations import generate

    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for seed in seeds():
        for index, raw in enumerate((as_json(seed.data), as_yaml(seed.data))):
            (folder / f"seed-{written:05}").write_bytes(bytes([index]) + raw)
            written += 1
    for mutant in generate(count, seed=11):
        selector = 0 if mutant.name.endswith(".json") else 1
        (folder / f"seed-{written:05}").write_bytes(bytes([selector]) + mutant.raw)
        written += 1
    return written


def main() -> None:
    atheris: Any = importlib.import_module("atheris")  # optional: the `fuzz` extra
    with atheris.instrument_imports(include=["itbcheck", "yaml", "mutation_corpus"]):
        from mutation_corpus import outcome_of

        from itbcheck.policy import load_policy

    policy = load_policy()

    def one_input(data: bytes) -> None:
        if not data:
            return
        outcome_of(data[1:], NAMES[data[0] % len(NAMES)], policy)

    arguments = [argument for argument in sys.argv if not argument.startswith("--corpus=")]
    corpus = next(
        (Path(a.split("=", 1)[1]) for a in sys.argv if a.startswith("--corpus=")), DEFAULT_CORPUS
    )
    if not corpus.exists() or not any(corpus.iterdir()):
        print(f"writing {write_seeds(corpus)} seeds to {corpus}", flush=True)
    if not any(not argument.startswith("-") for argument in arguments[1:]):
        arguments.append(str(corpus))
    atheris.Setup(arguments, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
