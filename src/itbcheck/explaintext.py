"""The human text of `itbcheck explain`: one finding code's documentation (what it means, why
it matters, its source, an example, what it follows from, the stages it is checked at), and the
catalogue of every code, one line each."""

from __future__ import annotations

from collections.abc import Iterable

from itbcheck.checks import CodeInfo
from itbcheck.stages import STAGES, Stage
from itbcheck.textlines import wrap as _wrap


def render_explain(info: CodeInfo, stages: Iterable[Stage] = ()) -> str:
    """A code's documentation; `stages`: the stages its check runs at (issue 11)."""
    lines = [f"{info.code}  {info.severity.name}  [{info.hazard}]", info.title, ""]
    sections = [
        ("What it means", info.meaning),
        ("Why it matters", info.why),
        ("Source", info.source),
        ("Example", info.example),
    ]
    if info.follows_from:
        sections.append(
            (
                "Consequence of",
                f"{', '.join(info.follows_from)}: when one of them is a STOP in the same record, "
                "this finding is listed under it (consequence_of), fixed by its action; it still "
                "counts in the verdict.",
            )
        )
    labels = [STAGES[stage].label for stage in Stage if stage in set(stages)]
    if labels:
        sections.append(("Checked", " and ".join(labels) + "."))
    for label, text in sections:
        lines.append(f"{label}:")
        lines += _wrap(text, "  ")
    return "\n".join(lines) + "\n"


def render_catalogue(infos: Iterable[CodeInfo]) -> str:
    return "".join(f"{info.code:<28} {info.severity.name:<8} {info.title}\n" for info in infos)
