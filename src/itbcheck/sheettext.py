"""The human text of `itbcheck sheet`: the summary (the worst row's result first, then the
number of rows by result) and the table of rows that are not CLEAR, each with its line, its
result and its top finding or every problem that kept it from being checked (docs/sheet.md)."""

from __future__ import annotations

from itbcheck.textlines import printable
from itbcheck.textlines import wrap as _wrap

# A sheet's rows by result, worst first: the order of the headline and of the exit code.
SHEET_HEADLINES = {
    "FAILED": "FAILED   itbcheck failed on a row (a bug); it was not checked",
    "STOP": "STOP     do not proceed with a STOP row: act on its findings",
    "INVALID": "INVALID  a row could not be understood, so it was not checked",
    "CAUTION": "CAUTION  proceed with a CAUTION row only after reading its findings",
    "CLEAR": "CLEAR    proceed: no check found a problem in any row",
}
_SHEET_COUNTS = ("CLEAR", "CAUTION", "STOP", "INVALID", "FAILED")


def render_sheet_head(source: str, counts: dict[str, int]) -> str:
    """The summary of a sheet: the worst result first, then the number of rows by result."""
    worst = next(name for name in SHEET_HEADLINES if counts.get(name) or name == "CLEAR")
    lines = [SHEET_HEADLINES[worst], "", f"  sheet    {printable(source)}"]
    lines.append(f"  rows     {sum(counts.values())}")
    lines += [f"  {name:<8} {counts.get(name, 0)}" for name in _SHEET_COUNTS]
    return "\n".join(lines) + "\n"


def sheet_row_lines(line: int, result: str, texts: list[str]) -> list[str]:
    """A non-CLEAR row of the sheet table: its line and result, then its top finding, or every
    problem that kept it from being checked, one under the other."""
    indent = " " * 17
    lines = [wrapped for text in texts for wrapped in _wrap(printable(text), indent)]
    return [f"{line:>6}  {result:<9}{lines[0][len(indent) :]}", *lines[1:]]


SHEET_TABLE_HEADING = "\n  line  result   top finding, or every problem of a row not checked\n"
