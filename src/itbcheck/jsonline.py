"""A checked sheet row's JSON-lines document, written as text directly (issue 14).

`itbcheck sheet --format jsonl` writes, for each checked row, `output.compact_json` of the
row's head (`line`, `visit_time`, `patient_token`) followed by `output.result_document`.
`result_line` writes the same characters in the same order without building those dicts and
lists first: each key is encoded once for the run, each string by the function the encoder
itself uses, each number as `_json_number` gives it and the encoder writes it, and a finding
met again (most rows carry the same few notes) is encoded once. tests/test_jsonline.py holds
it to the general path on every example and check fixture, at both stages.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from json.encoder import encode_basestring  # what compact_json's encoder writes strings with

from itbcheck import __version__
from itbcheck.checking import CheckResult
from itbcheck.findings import Finding
from itbcheck.output import JSON_SCHEMA_VERSION, _json_number, quantities, reservoir_dates
from itbcheck.stages import Stage

_text = encode_basestring
_VERSIONS = f',"schema_version":{JSON_SCHEMA_VERSION},"itbcheck_version":{_text(__version__)}'


@functools.cache
def _key(name: str) -> str:
    """`"name":` as the encoder writes a key; keyed on the whole name."""
    return _text(name) + ":"


def _string(value: str | None) -> str:
    return "null" if value is None else _text(value)


def _number(value: Decimal | None) -> str:
    """A number's JSON text: the int or float `_json_number` gives, as the encoder writes it
    (the int and float reprs; NaN and infinity refused, as the encoder refuses them)."""
    if value is None:
        return "null"
    if value.is_finite() and value == value.to_integral_value():
        return int.__repr__(int(value))  # `_json_number`'s own first step, one call fewer
    number = _json_number(value)
    if type(number) is int:
        return int.__repr__(number)
    if not math.isfinite(number):
        raise ValueError("Out of range float values are not JSON compliant")
    return float.__repr__(number)


# Keyed on the whole finding, a frozen dataclass compared field by field (code, severity,
# hazard, message, action, every figure, consequence_of): a hit is the same text.
@functools.lru_cache(maxsize=256)
def _finding(finding: Finding) -> str:
    """`output.finding_document(finding)`, as text."""
    figures = ",".join(
        [
            f'{{"name":{_text(figure.name)},"value":{_number(figure.value)},'
            f'"unit":{_text(figure.unit)}}}'
            for figure in finding.figures
        ]
    )
    return (
        f'{{"code":{_text(finding.code)},"consequence_of":{_string(finding.consequence_of)},'
        f'"severity":{_text(finding.severity.name)},"hazard":{_text(str(finding.hazard))},'
        f'"message":{_text(finding.message)},"action":{_text(finding.action)},'
        f'"figures":[{figures}]}}'
    )


def result_line(result: CheckResult, source: str, line: int, visit: dict[str, str | None]) -> str:
    """`compact_json({"line": line, **visit, **result_document(result, source)})`."""
    head = "".join([f",{_key(name)}{_string(value)}" for name, value in visit.items()])
    findings = ",".join([_finding(finding) for finding in result.findings])
    numbers = ",".join([_key(name) + _number(value) for name, value in quantities(result).items()])
    dates = ",".join(
        [_key(name) + _string(value) for name, value in reservoir_dates(result).items()]
    )
    final = "true" if result.stage is Stage.AFTER_PROGRAMMING else "false"
    return (
        f'{{"line":{int.__repr__(line)}{head}{_VERSIONS},"source":{_text(source)},'
        f'"verdict":{_text(str(result.verdict))},"stage":{_text(str(result.stage))},'
        f'"final":{final},"findings":[{findings}],"quantities":{{{numbers}}},'
        f'"reservoir":{{{dates}}},"profile":{_text(result.profile.version)},'
        f'"policy":{_text(result.policy.policy_version)}}}'
    )
