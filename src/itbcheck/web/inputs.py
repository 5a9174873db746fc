"""One input of the bedside form: a `Field` (text, integer, choice, quantity, timestamp, date
or clock) with its label and hint, the `Section` it sits in, a quantity's unit picker (named
after its number field plus UNIT, showing its kind's canonical unit first), and the two
builders the layout writes its quantity and choice fields with."""

from __future__ import annotations

from dataclasses import dataclass, field

from itbcheck.choices import choices_of
from itbcheck.units import Kind, unit_spellings

UNIT = ".unit"  # a quantity's unit picker is named after its number field plus this

# The unit a picker shows first: the canonical unit of its kind.
DEFAULT_UNITS = {kind: kind.canonical for kind in Kind}


@dataclass(frozen=True)
class Field:
    """One input. `kind` is text, integer, choice, quantity, timestamp, date or clock."""

    name: str
    label: str
    kind: str = "text"
    hint: str = ""
    quantity: Kind | None = None
    choices: tuple[str, ...] = ()
    required: bool = True

    @property
    def units(self) -> list[str]:
        return [] if self.quantity is None else unit_spellings(self.quantity)

    @property
    def default_unit(self) -> str:
        return "" if self.quantity is None else DEFAULT_UNITS[self.quantity]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    hint: str
    fields: tuple[Field, ...] = field(default=())


def quantity_field(
    name: str, label: str, kind: Kind, hint: str = "", *, required: bool = True
) -> Field:
    """A number with its unit picker, of one kind of quantity."""
    return Field(name, label, "quantity", hint, quantity=kind, required=required)


def choice_field(
    name: str, label: str, hint: str = "", *, choices: tuple[str, ...] = (), required: bool = True
) -> Field:
    """A choice among the words the record model accepts for `name`, unless `choices` says."""
    return Field(
        name, label, "choice", hint, choices=choices or choices_of(name), required=required
    )
