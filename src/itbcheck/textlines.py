"""The text blocks of the human output: input made safe for a terminal, wrapped to 80 columns,
and a finding (with the findings that follow from it) as `itbcheck check` lists it."""

from __future__ import annotations

import textwrap
from decimal import Decimal

from itbcheck.findings import Finding
from itbcheck.grouping import Group
from itbcheck.rounding import typed_figure

WIDTH = 80


def printable(text: str) -> str:
    """Input text made safe for a terminal: control characters become '?'."""
    if text.isprintable():  # the common case, without a loop over the characters
        return text
    return "".join(ch if ch.isprintable() else "?" for ch in text)


KEEP_TOGETHER = "\x00"  # stands in for a space the wrapper must not break at


def wrap(text: str, indent: str) -> list[str]:
    """`text` wrapped to WIDTH with `indent`, never broken at a KEEP_TOGETHER space."""
    lines = textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent,
        break_on_hyphens=False,
    )
    return [line.replace(KEEP_TOGETHER, " ") for line in lines]


def figures(finding: Finding, steps: dict[str, Decimal] | None = None) -> str:
    """The figures, each rounded to the programmer's step for its unit (`steps`; exact to four
    places without one)."""

    def shown(unit: str) -> str:
        return unit if unit in {"%", "x"} else KEEP_TOGETHER + unit

    return " · ".join(
        f"{figure.name} {typed_figure(figure, steps or {})}{shown(figure.unit)}"
        for figure in finding.figures
    )


def finding_lines(finding: Finding, number: int, steps: dict[str, Decimal]) -> list[str]:
    """A numbered finding: head, message, figures rounded to `steps`, action."""
    lines = ["", f"{number:>2}. {finding.severity.name:<7} {finding.code}  [{finding.hazard}]"]
    lines += wrap(printable(finding.message), "    ")
    if finding.figures:
        lines += wrap(f"Figures: {figures(finding, steps)}", "    ")
    lines += wrap(printable(f"Action: {finding.action}"), "    ")
    return lines


def consequence_lines(group: Group, steps: dict[str, Decimal]) -> list[str]:
    """The findings that follow from `group.cause`, under it and without their own action:
    the fix is named once."""
    if not group.consequences:
        return []
    lines = wrap(
        "Consequences of this error (the action above fixes them; they still count in the "
        "verdict):",
        "    ",
    )
    for found in group.consequences:
        lines += wrap(f"- {found.severity.name} {found.code}  [{found.hazard}]", "      ")
        lines += wrap(printable(found.message), "        ")
        if found.figures:
            lines += wrap(f"Figures: {figures(found, steps)}", "        ")
    return lines
