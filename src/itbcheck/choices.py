"""The words a record field accepts, read from the record model itself.

The bedside form's drop-downs and the Excel template's data validation both offer these, so a
value added to the model (an override rule, a pump status) reaches both without a list kept by
hand beside it. A path is dotted as in a sheet column (`overrides.rule`, `pump.status_at_arrival`).
"""

from __future__ import annotations

import typing

from pydantic import BaseModel

from itbcheck.profilefiles import profile_names
from itbcheck.records import Record


def _models(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for argument in typing.get_args(annotation) for model in _models(argument)]


def _annotations(path: str) -> list[object]:
    """The record model's annotations of a dotted path, one per union branch it runs through."""
    models: list[type[BaseModel]] = [Record]
    found: list[object] = []
    for part in path.split("."):
        found = [m.model_fields[part].annotation for m in models if part in m.model_fields]
        models = [model for annotation in found for model in _models(annotation)]
    return found


def choices_of(path: str) -> tuple[str, ...]:
    """The values the record model accepts for a choice field, in the model's order; for
    `pump.profile`, the profiles in force."""
    if path == "pump.profile":
        return tuple(profile_names())
    found: list[str] = []

    def walk(annotation: object) -> None:
        if typing.get_origin(annotation) is typing.Literal:
            found.extend(str(value) for value in typing.get_args(annotation))
        for argument in typing.get_args(annotation):
            walk(argument)

    for annotation in _annotations(path):
        walk(annotation)
    return tuple(dict.fromkeys(found))
