"""Shared set-up of the web tests: a record file as the form's values, an in-process client on
a loopback address, and the CSRF token of a page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from itbcheck.web.app import create_app
from itbcheck.web.formdata import values_from_prefill
from itbcheck.web.layout import CHECKING_NURSE, SECOND_NURSE
from itbcheck.web.rows import bolus_names, step_names
from itbcheck.web.state import PreviousValues, WebConfig, no_visit_store

BASE_URL = "http://127.0.0.1"
NURSES = {CHECKING_NURSE: "R. Okafor RN", SECOND_NURSE: "J. Lindqvist RN"}


def prefill_of(document: dict[str, Any]) -> dict[str, str]:
    """A record document as the prefill a previous visit would give: dotted record paths,
    quantities in full, steps and boluses by form row."""
    flat: dict[str, str] = {}

    def walk(value: object, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif path == "dosing.prescription.steps" and isinstance(value, list):
            for index, step in enumerate(value):
                start, rate = step_names(index)
                flat[start], flat[rate] = step["start"], step["rate"]
        elif path == "dosing.prescription.boluses" and isinstance(value, list):
            for index, bolus in enumerate(value):
                time, amount = bolus_names(index)
                flat[time] = bolus.get("time", "")
                flat[amount] = bolus.get("dose") or bolus["volume"]
        elif path == "overrides" and isinstance(value, list):
            for index, override in enumerate(value):
                for key, inner in override.items():
                    flat[f"overrides[{index}].{key}"] = str(inner)
        elif path == "refill.drugs" and isinstance(value, list):
            flat[path] = "; ".join(value)
        elif isinstance(value, bool):
            flat[path] = "true" if value else "false"
        else:
            flat[path] = str(value)

    walk(document, "")
    flat.pop("record_version", None)
    return flat


def form_values(record: Path, **changes: str) -> dict[str, str]:
    """The form's values for a record file, as a nurse would type them, nurses included."""
    document = yaml.safe_load(record.read_text("utf-8"))
    values = values_from_prefill({**prefill_of(document), **NURSES})
    values.update(changes)
    return values


def client(
    audit_log: Path,
    *,
    secret: str | None = None,
    previous_values: PreviousValues = no_visit_store,
    environ: dict[str, str] | None = None,
    base_url: str = BASE_URL,
    raise_server_exceptions: bool = True,
) -> TestClient:
    """An in-process client of an app writing to `audit_log`, as if on 127.0.0.1."""
    config = WebConfig(
        audit_log=audit_log,
        operator="server-operator",
        secret=secret,
        environ=environ or {},
        previous_values=previous_values,
    )
    return TestClient(
        create_app(config), base_url=base_url, raise_server_exceptions=raise_server_exceptions
    )


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms repeat."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None, "no CSRF token on the page"
    return match.group(1)


def post_form(web: TestClient, path: str, values: dict[str, str]) -> Any:
    """Open the form (for its cookie and token), then post `values` to `path`."""
    token = csrf_of(web.get("/").text)
    return web.post(path, data={**values, "csrf_token": token})


def text_of(html: str) -> str:
    """A page's text with tags removed and spaces collapsed, for asserting what a nurse reads."""
    import html as html_module

    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", html)).split())
