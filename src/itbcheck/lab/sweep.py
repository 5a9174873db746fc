"""The full checker over a grid of records built from one base record, for engineers.

Each point of the grid is the base record's data with a few fields edited (see `AXES`), then
validated by `records.parse_record` and checked by the same checks as `itbcheck check`: a
point's verdict and codes are exactly what `check` gives for that record. Points are numbered
in a fixed order (concentration, then dose, fill and interval, the last changing fastest) and
come back in that order whatever the number of processes. Work is handed out in chunks of
consecutive numbers with a bounded number in flight, so memory does not grow with the grid.
"""

from __future__ import annotations

import datetime as dt
import math
import signal
from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from itbcheck.checking import check_record, check_with_profile, profile_of
from itbcheck.exceptions import InvalidRecordError
from itbcheck.findings import Severity
from itbcheck.lab.grid import AXES, AXIS_NAMES, Grid
from itbcheck.lab.variants import VariantError, with_edits
from itbcheck.policy import Policy
from itbcheck.records import parse_record

MAX_COMBINATIONS = 10_000_000


@dataclass(frozen=True)
class Plan:
    """A base record's data and the swept values per axis (None: as in the base record)."""

    base: Any
    visit_date: dt.date
    swept: tuple[tuple[Decimal, ...] | None, ...]
    base_values: tuple[Decimal, ...]

    def axis_values(self, axis: int) -> tuple[Decimal, ...]:
        values = self.swept[axis]
        return (self.base_values[axis],) if values is None else values

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(len(self.axis_values(axis)) for axis in range(len(AXES)))

    @property
    def size(self) -> int:
        return math.prod(self.sizes)

    def position(self, index: int) -> tuple[int, ...]:
        """Index of each axis's value in combination `index`; the last axis changes fastest."""
        position = []
        for size in reversed(self.sizes):
            index, place = divmod(index, size)
            position.append(place)
        return tuple(reversed(position))

    def values(self, index: int) -> tuple[Decimal, ...]:
        position = self.position(index)
        return tuple(self.axis_values(axis)[place] for axis, place in enumerate(position))

    def data(self, index: int) -> Any:
        edits = [
            edit
            for axis, value, swept in zip(AXES, self.values(index), self.swept, strict=True)
            if swept is not None
            for edit in axis.edits(value, self.visit_date)
        ]
        return with_edits(self.base, edits)


def plan_sweep(base: Any, grid: Grid, policy: Policy, source: str) -> Plan:
    """The plan for a grid over a base record, which must itself be a valid record with a
    known pump profile (else `InvalidRecordError`)."""
    result = check_record(parse_record(base, source), policy, source)
    own = (
        result.dose.dispensed_concentration_mcg_per_ml,
        result.dose.prescribed_daily_dose_mcg_per_day,
        result.record.refill.fill_volume.value,
        Decimal(result.forecast.appointment_days),
    )
    plan = Plan(base, result.record.visit_time.date(), tuple(map(grid.get, AXIS_NAMES)), own)
    if plan.size > MAX_COMBINATIONS:
        raise VariantError(f"{plan.size} combinations; at most {MAX_COMBINATIONS}")
    return plan


@dataclass(frozen=True)
class Outcome:
    """One point of the grid, checked. `finding_codes` are CAUTION and STOP codes in the order
    `check` reports them; an INVALID point lists the refused record locations instead."""

    index: int
    position: tuple[int, ...]
    values: tuple[Decimal, ...]
    verdict: str
    finding_codes: tuple[str, ...]
    note_codes: tuple[str, ...]


_Checked = tuple[str, tuple[str, ...], tuple[str, ...]]


class _Checker:
    def __init__(self, plan: Plan, policy: Policy) -> None:
        self.plan = plan
        self.policy = policy
        self.profile = profile_of(parse_record(plan.base))

    def check(self, index: int) -> _Checked:
        try:
            record = parse_record(self.plan.data(index), f"combination {index}")
        except InvalidRecordError as error:
            return "INVALID", tuple(problem.location for problem in error.problems), ()
        result = check_with_profile(record, self.profile, self.policy)
        found = [(f.code, f.severity is Severity.NOTE) for f in result.findings]
        return (
            str(result.verdict),
            tuple(code for code, note in found if not note),
            tuple(code for code, note in found if note),
        )

    def chunk(self, bounds: tuple[int, int]) -> list[_Checked]:
        return [self.check(index) for index in range(*bounds)]


_WORKER: _Checker | None = None


def _start_worker(plan: Plan, policy: Policy) -> None:
    global _WORKER  # noqa: PLW0603 - one checker per worker process, built once
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    _WORKER = _Checker(plan, policy)


def _check_chunk(bounds: tuple[int, int]) -> list[_Checked]:
    assert _WORKER is not None, "the pool initializer builds the checker"
    return _WORKER.chunk(bounds)


def _chunks(size: int, chunk: int) -> Iterator[tuple[int, int]]:
    return ((start, min(start + chunk, size)) for start in range(0, size, chunk))


def _checked(plan: Plan, policy: Policy, jobs: int, chunk: int) -> Iterator[_Checked]:
    if jobs == 1:
        checker = _Checker(plan, policy)
        for bounds in _chunks(plan.size, chunk):
            yield from checker.chunk(bounds)
        return
    import multiprocessing

    # spawn: the same on every platform, and safe whatever threads the parent has.
    context = multiprocessing.get_context("spawn")
    with context.Pool(jobs, initializer=_start_worker, initargs=(plan, policy)) as pool:
        pending: deque[Any] = deque()
        for bounds in _chunks(plan.size, chunk):
            pending.append(pool.apply_async(_check_chunk, (bounds,)))
            if len(pending) >= jobs * 4:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


def run_sweep(
    plan: Plan, policy: Policy, *, jobs: int = 1, chunk: int = 0
) -> Generator[Outcome, None, None]:
    """Every point of the plan checked, in index order, using `jobs` processes."""
    if jobs < 1:
        raise VariantError("--jobs must be at least 1 (0 means one per core)")
    chunk = chunk or max(1, min(250, plan.size // (jobs * 4)))
    for index, (verdict, codes, notes) in enumerate(_checked(plan, policy, jobs, chunk)):
        yield Outcome(index, plan.position(index), plan.values(index), verdict, codes, notes)


_RANK = {"CLEAR": 1, "CAUTION": 2, "STOP": 3, "INVALID": 4}
VERDICT_OF_RANK = {rank: verdict for verdict, rank in _RANK.items()}


class VerdictMap:
    """The worst verdict per (concentration, dose, interval), over the fills: one byte a cell,
    for the heat map. INVALID counts as worst, as a record that cannot be checked is never
    CLEAR."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.sizes = (plan.sizes[0], plan.sizes[1], plan.sizes[3])
        self.cells = bytearray(math.prod(self.sizes))

    def _cell(self, concentration: int, dose: int, interval: int) -> int:
        return (concentration * self.sizes[1] + dose) * self.sizes[2] + interval

    def add(self, outcome: Outcome) -> None:
        concentration, dose, _, interval = outcome.position
        cell = self._cell(concentration, dose, interval)
        self.cells[cell] = max(self.cells[cell], _RANK[outcome.verdict])

    def rank(self, concentration: int, dose: int, interval: int) -> int:
        """0 if unseen, then 1 CLEAR, 2 CAUTION, 3 STOP, 4 INVALID."""
        return self.cells[self._cell(concentration, dose, interval)]
