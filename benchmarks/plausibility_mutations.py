"""The mutations of issue 10 for the plausibility checks: the catheter volume scaled by 10 or
by 0, and a text field blanked with Unicode whitespace.
"""

from __future__ import annotations

import random
from decimal import Decimal

from mutation_base import ANY, NOT_CLEAR, REJECT, Kind, Mutant, Seed, leaves, mutant, replaced

# Whitespace a keyboard or a copy from a web page puts in a cell: space, no-break, thin and
# ideographic spaces. Tabs and line breaks are control characters, a kind of their own.
_SPACES = [" ", "\u00a0", "\u2009", "\u202f", "\u3000"]
_TEXT_FIELDS = {"id", "serial", "approver", "reason", "change_reason"}


def scale_catheter(rng: random.Random, seed: Seed) -> Mutant:
    """The catheter volume (0.26 mL when the seed has none) times 10 or times 0. Times 0 is
    refused; times 10 is never CLEAR where the catheter matters (a strength change) or where
    the profile's verified range catches it (Prometra II, above 0.286 mL)."""
    pump = seed.data.get("pump", {})
    refill = seed.data.get("refill", {})
    written = pump.get("catheter_volume") if isinstance(pump, dict) else None
    number = "0.26"
    if isinstance(written, str) and written.endswith(" mL"):
        number = written.removesuffix(" mL")
    factor = rng.choice([Decimal(10), Decimal(0)])
    scaled = format((Decimal(number) * factor).normalize(), "f")
    data = replaced(seed.data, ("pump", "catheter_volume"), f"{scaled} mL")
    if factor == 0:
        return mutant(rng, seed, "scale_catheter", data, REJECT)
    changes = isinstance(refill, dict) and refill.get("previous_concentration") != refill.get(
        "dispensed_concentration"
    )
    prometra = isinstance(pump, dict) and str(pump.get("profile", "")).startswith("prometra")
    # Prometra II's verified range ends at 110 cm x 0.0026 = 0.286 mL; ten times a slip below
    # the range (0.026 mL) is the right value again, and rightly CLEAR.
    caught = prometra and Decimal(scaled) > Decimal("0.286")
    return mutant(rng, seed, "scale_catheter", data, NOT_CLEAR if changes or caught else ANY)


def blank_text(rng: random.Random, seed: Seed) -> Mutant:
    """A text field holding only whitespace: missing, so the record is refused."""
    places = [w for w, v in leaves(seed.data) if isinstance(v, str) and w[-1] in _TEXT_FIELDS]
    where = rng.choice(places)
    blank = "".join(rng.choice(_SPACES) for _ in range(rng.randint(1, 4)))
    return mutant(rng, seed, "blank_text", replaced(seed.data, where, blank), REJECT)


PLAUSIBILITY_KINDS: list[Kind] = [scale_catheter, blank_text]
