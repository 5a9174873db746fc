"""Findings as a person reads them: each problem to fix once, with the findings that follow from
it (`Finding.consequence_of`) listed under it instead of as separate problems. The verdict is
not touched: a consequence keeps its severity and still counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from itbcheck.findings import Finding, Severity


@dataclass(frozen=True)
class Group:
    """One finding to act on, and the findings computed from its error."""

    cause: Finding
    consequences: tuple[Finding, ...] = ()


def grouped(findings: Iterable[Finding]) -> list[Group]:
    """The CAUTION and STOP findings, worst first as given, each consequence under its cause.
    A consequence whose cause is not among them (never, as the registry links them) stands
    alone, so nothing is ever hidden."""
    serious = [found for found in findings if found.severity > Severity.NOTE]
    causes = {found.code for found in serious if found.consequence_of is None}
    under: dict[str, list[Finding]] = {}
    for found in serious:
        if found.consequence_of is not None and found.consequence_of in causes:
            under.setdefault(found.consequence_of, []).append(found)
    return [
        Group(found, tuple(under.pop(found.code, ())))
        for found in serious
        if found.consequence_of is None or found.consequence_of not in causes
    ]
