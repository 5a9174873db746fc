"""The mutations of issue 10 for the delivery curve: a bolus split into several given at once,
and the day's dose moved into one hour of a flex schedule.
"""

from __future__ import annotations

import random
from decimal import Decimal, InvalidOperation
from typing import Any

from mutation_base import ANY, NOT_CLEAR, Kind, Mutant, Seed, mutant, replaced


def _number(text: object, unit: str) -> Decimal | None:
    if not isinstance(text, str) or not text.endswith(f" {unit}"):
        return None
    try:
        return Decimal(text.removesuffix(f" {unit}"))
    except InvalidOperation:
        return None


def _prescription(seed: Seed) -> dict[str, Any]:
    dosing = seed.data.get("dosing", {})
    found = dosing.get("prescription") if isinstance(dosing, dict) else None
    return found if isinstance(found, dict) else {}


def split_bolus(rng: random.Random, seed: Seed) -> Mutant:
    """A bolus of d mcg written as k boluses of d / k at the same time (or, where the seed has
    no bolus, k boluses of 12.5 mcg at 08:00 added). The patient gets the same sum at once, so
    a sum of 25 mcg or more is never CLEAR, however small each part."""
    prescription = _prescription(seed)
    boluses = prescription.get("boluses")
    boluses = list(boluses) if isinstance(boluses, list) else []
    parts = rng.randint(2, 5)
    doses: list[tuple[int, Decimal]] = []
    for i, bolus in enumerate(boluses):
        dose = _number(bolus.get("dose"), "mcg") if isinstance(bolus, dict) else None
        if dose is not None and dose > 0:
            doses.append((i, dose))
    if doses:
        index, whole = rng.choice(doses)
        time = boluses[index].get("time", "08:00")
    else:
        index, time, whole = len(boluses), "08:00", Decimal("12.5") * parts
    piece = {"time": time, "dose": f"{format((whole / parts).normalize(), 'f')} mcg"}
    split = [*boluses[:index], *[piece] * parts, *boluses[index + 1 :]]
    data = replaced(seed.data, ("dosing", "prescription", "boluses"), split)
    return mutant(rng, seed, "split_bolus", data, NOT_CLEAR if whole >= 25 else ANY)


def day_dose_in_one_step(rng: random.Random, seed: Seed) -> Mutant:
    """The seed's daily dose (480 mcg/day where it is not written as one continuous dose) given
    as a flex schedule of nothing for 23 hours and the whole dose in one clock hour. A step at
    24 times the mean rate is never CLEAR."""
    prescription = _prescription(seed)
    daily = _number(prescription.get("daily_dose"), "mcg/day")
    daily = Decimal(480) if daily is None else daily
    hour = rng.randint(0, 23)
    steps = [{"start": "00:00", "rate": "0 mcg/h"}]
    if hour:
        steps.append({"start": f"{hour:02d}:00", "rate": f"{format(daily.normalize(), 'f')} mcg/h"})
        if hour < 23:
            steps.append({"start": f"{hour + 1:02d}:00", "rate": "0 mcg/h"})
    else:
        steps = [
            {"start": "00:00", "rate": f"{format(daily.normalize(), 'f')} mcg/h"},
            {"start": "01:00", "rate": "0 mcg/h"},
        ]
    flex = {"mode": "flex", "steps": steps}
    if "boluses" in prescription:
        flex["boluses"] = prescription["boluses"]
    data = replaced(seed.data, ("dosing", "prescription"), flex)
    return mutant(rng, seed, "day_dose_in_one_step", data, NOT_CLEAR if daily > 0 else ANY)


DELIVERY_KINDS: list[Kind] = [split_bolus, day_dose_in_one_step]
