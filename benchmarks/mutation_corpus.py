"""Mutation corpus (issue 7): every example and fixture record broken in every way listed in
mutations.py, run through what `itbcheck check` runs, and counted.

Run from the repository root with itbcheck installed:

    python benchmarks/mutation_corpus.py                  # 100,000 inputs, about 50 minutes
    python benchmarks/mutation_corpus.py --shard 1/2      # every other input: two processes
    python benchmarks/mutation_corpus.py --count 2000 --json

Each input is read, parsed and checked with the library functions the CLI calls, then
rendered as the human report and the JSON document (or as the error lines and the JSON error
document); one input in `--cli-every` also goes through the command itself, in-process, to
prove its exit code. Prints the inputs tried, the unhandled exceptions, the CLEAR verdicts on
input that must be rejected, the other broken expectations, and the worst time and memory for
one input: the time untraced, the memory as tracemalloc's peak over one input in ten and over
every input larger than 32 KiB. Exits 1 unless every bad count is 0.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mutation_base import NOT_CLEAR, REJECT, SAME, Mutant, seeds
from mutations import generate
from typer.testing import CliRunner

from itbcheck.audit import Identifiers, identifiers_in
from itbcheck.checking import check_record
from itbcheck.checktext import problem_lines, render_human
from itbcheck.cli import app
from itbcheck.exceptions import InvalidRecordError
from itbcheck.output import error_document, result_document, to_json
from itbcheck.policy import Policy, load_policy
from itbcheck.reading import load_document
from itbcheck.records import is_schema_location, parse_record

_KEY = b"mutation-corpus-key-0123456789"
_EXIT_CODES = {"CLEAR": 0, "CAUTION": 10, "STOP": 20, "REJECTED": 3}


def outcome_of(raw: bytes, name: str, policy: Policy) -> tuple[str, tuple[Any, ...]]:
    """'CLEAR', 'CAUTION', 'STOP' or 'REJECTED', with the findings; what the CLI would show and
    log is rendered too, so a crash there counts. Raises anything unexpected."""
    try:
        document = load_document(raw, name)
        identifiers_in(document).tokens(_KEY)
        result = check_record(parse_record(document, name), policy, name)
    except InvalidRecordError as error:
        problem_lines(name, error.problems)
        to_json(error_document("invalid_record", name, error.problems))
        [is_schema_location(problem.location) for problem in error.problems]
        return "REJECTED", ()
    record = result.record
    entry = Identifiers(record.patient.id, record.pump.serial).tokens(_KEY)
    entry["overrides"] = [[o.approver, o.reason, o.approved_limit.text] for o in record.overrides]
    json.dumps(entry, ensure_ascii=False).encode("utf-8")  # as the audit log writes it
    render_human(result, name, colour=True)
    to_json(result_document(result, name))
    return result.verdict.value, result.findings


@dataclass
class Tally:
    inputs: int = 0
    exceptions: int = 0
    false_clears: int = 0
    accepted_but_must_reject: int = 0
    clear_on_dose_error: int = 0
    changed_by_respelling: int = 0
    cli_runs: int = 0
    cli_mismatches: int = 0
    worst_seconds: float = 0.0
    worst_seconds_kind: str = ""
    worst_bytes: int = 0
    worst_bytes_kind: str = ""
    outcomes: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def bad(self) -> int:
        return (
            self.exceptions
            + self.false_clears
            + self.accepted_but_must_reject
            + self.clear_on_dose_error
            + self.changed_by_respelling
            + self.cli_mismatches
        )

    def note(self, what: str, mutant: Mutant) -> None:
        if len(self.examples) < 20:
            self.examples.append(f"{what}: {mutant.kind} of {mutant.seed} ({mutant.name})")


def _judge(tally: Tally, mutant: Mutant, verdict: str, same: bool) -> None:
    if mutant.expect == REJECT and verdict != "REJECTED":
        if verdict == "CLEAR":
            tally.false_clears += 1
            tally.note("CLEAR on input that must be rejected", mutant)
        else:
            tally.accepted_but_must_reject += 1
            tally.note(f"{verdict} on input that must be rejected", mutant)
    elif mutant.expect == NOT_CLEAR and verdict == "CLEAR":
        tally.clear_on_dose_error += 1
        tally.note("CLEAR on a 1000-fold or 24-fold dose error", mutant)
    elif mutant.expect == SAME and not same:
        tally.changed_by_respelling += 1
        tally.note(f"{verdict} differs from the seed's verdict or findings", mutant)


def _through_cli(raw: bytes, name: str, folder: Path) -> tuple[int, str]:
    path = folder / name
    path.write_bytes(raw)
    env = {"ITBCHECK_AUDIT_LOG": str(folder / "audit.jsonl"), "ITBCHECK_OPERATOR": "corpus"}
    result = CliRunner().invoke(app, ["check", str(path)], env=env)
    return result.exit_code, result.stdout + result.stderr


def _peak_bytes(mutant: Mutant, policy: Policy) -> int:
    """The input run again under tracemalloc (which slows it several-fold): its peak."""
    tracemalloc.start()
    with contextlib.suppress(Exception):  # counted on the timed run
        outcome_of(mutant.raw, mutant.name, policy)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def run(
    count: int,
    seed: int = 7,
    cli_every: int = 50,
    memory_every: int = 10,
    shard: tuple[int, int] = (0, 1),
) -> Tally:
    """Each input is timed untraced; one in `memory_every`, and every input over 32 KiB, is run
    again under tracemalloc for its memory peak (0: never). With `shard` (k, n), only the inputs
    whose index is k modulo n, so n processes share one corpus."""
    policy = load_policy()
    expected = {
        record.name: outcome_of(json.dumps(record.data).encode(), "seed.json", policy)
        for record in seeds()
    }
    tally = Tally()
    with tempfile.TemporaryDirectory() as folder:
        for index, mutant in enumerate(generate(count, seed)):
            if index % shard[1] != shard[0]:
                continue
            tally.inputs += 1
            started = time.perf_counter()
            try:
                verdict, findings = outcome_of(mutant.raw, mutant.name, policy)
            except Exception as error:
                tally.exceptions += 1
                tally.note(f"unhandled {type(error).__name__}", mutant)
                continue
            finally:
                elapsed = time.perf_counter() - started
                if elapsed > tally.worst_seconds:
                    tally.worst_seconds, tally.worst_seconds_kind = elapsed, mutant.kind
            if memory_every and (index % memory_every == 0 or len(mutant.raw) > 32 * 1024):
                peak = _peak_bytes(mutant, policy)
                if peak > tally.worst_bytes:
                    tally.worst_bytes, tally.worst_bytes_kind = peak, mutant.kind
            tally.outcomes[verdict] += 1
            _judge(tally, mutant, verdict, (verdict, findings) == expected[mutant.seed])
            if cli_every and index % cli_every == 0:
                tally.cli_runs += 1
                code, output = _through_cli(mutant.raw, mutant.name, Path(folder))
                if code != _EXIT_CODES[verdict] or "Traceback" in output:
                    tally.cli_mismatches += 1
                    tally.note(f"exit code {code}, expected {_EXIT_CODES[verdict]}", mutant)
    return tally


def summary(tally: Tally, seconds: float) -> dict[str, Any]:
    return {
        "inputs": tally.inputs,
        "unhandled_exceptions": tally.exceptions,
        "clear_on_rejected_input": tally.false_clears,
        "accepted_but_must_reject": tally.accepted_but_must_reject,
        "clear_on_dose_error": tally.clear_on_dose_error,
        "changed_by_respelling": tally.changed_by_respelling,
        "cli_runs": tally.cli_runs,
        "cli_mismatches": tally.cli_mismatches,
        "worst_seconds": round(tally.worst_seconds, 4),
        "worst_seconds_kind": tally.worst_seconds_kind,
        "worst_peak_bytes": tally.worst_bytes,
        "worst_peak_bytes_kind": tally.worst_bytes_kind,
        "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "outcomes": dict(sorted(tally.outcomes.items())),
        "total_seconds": round(seconds, 1),
        "examples": tally.examples,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cli-every", type=int, default=50, help="0: never through the CLI")
    parser.add_argument(
        "--memory-every", type=int, default=10, help="tracemalloc one input in N; 0: never"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--shard", default="0/1", help="K/N: only inputs K modulo N (parallel runs)"
    )
    options = parser.parse_args()
    os.environ.pop("ITBCHECK_AUDIT_KEY", None)  # the audit key never reaches these runs
    started = time.perf_counter()
    k, n = (int(part) for part in options.shard.split("/"))
    tally = run(options.count, options.seed, options.cli_every, options.memory_every, (k, n))
    document = summary(tally, time.perf_counter() - started)
    if options.json:
        print(json.dumps(document))
    else:
        print(f"inputs tried                  {tally.inputs}")
        print(f"unhandled exceptions          {tally.exceptions}")
        print(f"CLEAR on rejected input       {tally.false_clears}")
        print(f"accepted, should be rejected  {tally.accepted_but_must_reject}")
        print(f"CLEAR on a dose/unit error    {tally.clear_on_dose_error}")
        print(f"changed by a re-spelling      {tally.changed_by_respelling}")
        print(f"through the CLI               {tally.cli_runs} ({tally.cli_mismatches} wrong)")
        worst_ms, worst_mib = tally.worst_seconds * 1000, tally.worst_bytes / 2**20
        print(f"worst time, one input         {worst_ms:.1f} ms ({tally.worst_seconds_kind})")
        print(f"worst memory, one input       {worst_mib:.2f} MiB ({tally.worst_bytes_kind})")
        print(f"process max RSS               {document['max_rss_kib'] // 1024} MiB")
        print(f"outcomes                      {document['outcomes']}")
        print(f"total time                    {document['total_seconds']} s")
        for example in tally.examples:
            print(f"  {example}")
    return 1 if tally.bad() else 0


if __name__ == "__main__":
    sys.exit(main())
