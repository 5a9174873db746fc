"""The two moments a refill is checked: before the fill, and after programming.

Before the fill (`before-fill`), the syringe, the interrogated reservoir, the aspirated residual
and the planned programming are known; where the drug goes and what the programmer is told
after the fill are not. After programming (`after-programming`, the default) the record is
complete. Which checks run at which stage is data on each check in the registry
(`checks.Check.stages`), and what a stage asks of the nurse is data here, so no check tests
the stage itself. A before-fill verdict is never the final one: the full check after
programming is still required.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Stage(enum.StrEnum):
    BEFORE_FILL = "before-fill"
    AFTER_PROGRAMMING = "after-programming"


@dataclass(frozen=True)
class StageInfo:
    """What a stage means for the record and for the nurse."""

    stage: Stage
    label: str  # how the verdict names the stage
    still_required: str  # said after the label with every verdict; empty when nothing follows
    stop_lead: str  # put before a STOP finding's action; empty: the action says it already
    caution_lead: str  # put before a CAUTION finding's action
    not_yet_known: tuple[str, ...]  # record fields that may be left out at this stage


STAGES = {
    Stage.BEFORE_FILL: StageInfo(
        stage=Stage.BEFORE_FILL,
        label="before the fill",
        still_required="after the fill and programming, check the complete record again",
        stop_lead="Do not inject the drug.",
        caution_lead="Before injecting:",
        not_yet_known=("refill.injection_site", "refill.programmed_reservoir_volume"),
    ),
    Stage.AFTER_PROGRAMMING: StageInfo(
        stage=Stage.AFTER_PROGRAMMING,
        label="after programming",
        still_required="",
        stop_lead="",
        caution_lead="",
        not_yet_known=(),
    ),
}
EVERY_STAGE = frozenset(Stage)
AFTER_PROGRAMMING_ONLY = frozenset({Stage.AFTER_PROGRAMMING})


def staged_action(stage: Stage, severity_name: str, action: str) -> str:
    """A finding's action as the nurse at `stage` reads it: the stage's lead, then the action."""
    info = STAGES[stage]
    lead = {"STOP": info.stop_lead, "CAUTION": info.caution_lead}.get(severity_name, "")
    return f"{lead} {action}" if lead else action
