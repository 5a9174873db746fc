"""One sheet in progress for `itbcheck sheet`: the loop that checks its rows one by one, and
the run that queues their audit entries and shows their results.

Every row goes through the flow `itbcheck check` uses (`assessment.assess`); a bad row is
reported with its line number and reasons and never stops the others. Audit entries are queued
and appended in batches of up to BATCH_ROWS rows or BATCH_SECONDS, one lock and one fsync per
batch, still one entry per row; no row's result is shown before its entry is durable. The exit
code is the worst row's (docs/exit-codes.md).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import IO, TYPE_CHECKING, Any

import typer

from itbcheck.cli._handling import ExitCode, showing
from itbcheck.cli._sheet_rows import result_of, row_document, table_lines, visit_of

if TYPE_CHECKING:
    from itbcheck.assessment import Outcome
    from itbcheck.audit import AuditBatch
    from itbcheck.cli._history import Use
    from itbcheck.sheetcells import SheetDialect

BATCH_ROWS = 1000
BATCH_SECONDS = 1.0
YOUNG_GC_THRESHOLD = 20_000  # objects; Python's default is 700
# Worst first: the sheet's exit code is the first of these that any row has.
PRECEDENCE = (
    ExitCode.INTERNAL,
    ExitCode.CONFIGURATION,
    ExitCode.STOP,
    ExitCode.INVALID_RECORD,
    ExitCode.CAUTION,
    ExitCode.CLEAR,
)


def _ignore(_: int) -> None:
    return None


class Run:
    """One sheet in progress: rows checked but not yet durable, and what was reported."""

    def __init__(
        self, batch: AuditBatch, output: Callable[[str], object], human: bool, history: Use
    ) -> None:
        self.batch = batch
        self.history = history
        self.visits: list[int] = []  # the batch places of the entries of checked visits
        self.output = output
        self.human = human
        self.pending: list[str] = []
        self.counts: dict[str, int] = {}
        self.codes: set[ExitCode] = set()
        self.since = time.monotonic()
        self.read = 0  # bytes of the rows queued since the last flush
        self.progress: Callable[[int], object] = _ignore
        self.recorded = 0  # `seq` of the last durable entry
        self.read_all = False  # every row of the sheet was read and checked

    def recorded_text(self) -> str:
        """What the audit log holds, for a message when the output cannot be written."""
        rows = sum(self.counts.values())
        rest = "" if self.read_all else " (the rest of the sheet was not checked)"
        return (
            f"the results of the {rows} row(s) checked{rest} are recorded in the audit log "
            f"{self.batch.path} up to entry {self.recorded}"
        )

    def add(
        self, outcome: Outcome, source: str, line: int, size: int, document: object = None
    ) -> None:
        if outcome.result is not None and self.history.session is not None:
            self.visits.append(len(self.batch))
            self.history.record(outcome, None)  # seen by later rows; recorded at the flush
        self.batch.add(outcome.event, outcome.entry)
        self.read += size
        result, code = result_of(outcome)
        self.counts[result] = self.counts.get(result, 0) + 1
        self.codes.add(code)
        # A CLEAR row has no line in the human table, so nothing to name it by either.
        if not self.human:
            from itbcheck.output import compact_json

            visit = visit_of(outcome, document)
            self.pending.append(compact_json(row_document(outcome, source, line, visit)) + "\n")
        elif result != "CLEAR":
            visit = visit_of(outcome, document)
            self.pending.append("\n".join(table_lines(outcome, line, visit)) + "\n")
        if len(self.batch) >= BATCH_ROWS or time.monotonic() - self.since >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Make the queued entries durable, then report their rows."""
        appended_entries = self.batch.flush()
        self.history.flush([int(appended_entries[i].entry["seq"]) for i in self.visits])
        self.visits = []
        for appended in appended_entries:
            self.recorded = appended.entry["seq"]
            if appended.quarantined_bytes:
                typer.echo(
                    f"warning: the audit log ended in a torn line ({appended.quarantined_bytes} "
                    f"bytes) left by an interrupted write; it is kept and quarantined by entry "
                    f"{appended.entry['seq'] - 1}",
                    err=True,
                )
        with showing(self.recorded_text):
            if self.pending:  # one write for the batch: a write per row was most of jsonl's cost
                self.output("".join(self.pending))
        self.progress(self.read)
        self.pending, self.read, self.since = [], 0, time.monotonic()

    def exit_code(self) -> ExitCode:
        return next(code for code in PRECEDENCE if code in self.codes)


def _progress(stream: IO[bytes], human: bool) -> Any:
    """A progress bar on stderr when it is a terminal and the sheet a file of known size."""
    size = os.fstat(stream.fileno()).st_size if stream is not sys.stdin.buffer else 0
    hidden = not (human and size and sys.stderr.isatty())
    return typer.progressbar(length=size or 1, label="Checking", file=sys.stderr, hidden=hidden)


def _first_bytes(stream: IO[bytes]) -> bytes:
    """The first bytes of the sheet, left in place for the reader."""
    peek = getattr(stream, "peek", None)
    if peek is not None:
        return bytes(peek(64)[:64])
    if stream.seekable():
        start = stream.tell()
        first = stream.read(64)
        stream.seek(start)
        return first
    return b""


def check_rows(
    stream: IO[bytes],
    name: str,
    run: Run,
    fields: Mapping[str, Any],
    setup: tuple[Any, Any, SheetDialect],
) -> None:
    from itbcheck.assessment import assess, profile_cached_check
    from itbcheck.sheet import read_any_sheet

    key, policy, dialect = setup
    rows = read_any_sheet(stream, name, _first_bytes(stream), dialect)
    check = profile_cached_check()
    # Everything loaded so far lives until the end; freezing it spares the garbage collector
    # from walking all of it again and again while the rows make their short-lived objects.
    gc.freeze()
    # Each row makes thousands of short-lived objects and keeps a batch's entries alive until
    # the flush: collecting the youngest generation 30 times less often saves a tenth of a
    # row's time; cycles are still collected, and memory stays flat.
    threshold = gc.get_threshold()
    gc.set_threshold(YOUNG_GC_THRESHOLD, *threshold[1:])
    with _progress(stream, run.human) as bar:
        run.progress = bar.update
        try:
            for row in rows:
                source = f"{name}:{row.line}"
                now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
                outcome = assess(
                    row.read,
                    source,
                    fields={**fields, "timestamp": now, "line": row.line},
                    key=lambda: key,
                    policy=lambda: policy,
                    load=row.load,
                    parse=row.parse,
                    check=check,
                    history=run.history.lookup,
                )
                run.add(outcome, source, row.line, len(row.raw), row.document)
            run.read_all = True
            run.flush()
        finally:
            run.progress = _ignore
            gc.set_threshold(*threshold)
            gc.unfreeze()
