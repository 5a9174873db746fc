"""The visit store in a real browser (the real-browser suite's server and helpers): a first
visit checked, a second pre-filled from it, and a second whose residual does not match the
first visit's fill and dose caught by the cross-visit check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.checks.test_history import OUT_OF_BAND
from tests.conftest import CHECK_FIXTURES, TEST_KEY, audit_entries
from tests.history.test_cli import first_visit
from tests.web.helpers import form_values
from tests.web.test_browser import _shoot, _submit, _type_visit, browser, serving

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

__all__ = ["browser"]  # the real-browser suite's driver, shared as a fixture


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`itbcheck serve` with the audit key set, so its visit store is on."""
    yield from serving(tmp_path_factory.mktemp("serve-history"), ITBCHECK_AUDIT_KEY=TEST_KEY)


def test_first_visit_then_a_second_prefilled_and_caught(
    browser: WebDriver, keyed_server: tuple[str, Path], tmp_path: Path
) -> None:
    """Visit 1 (20 mL of 1000 mcg/mL at 480 mcg/day) is checked; looking up the patient and
    pump fills 1000 mcg/mL, 20 mL and 480 mcg/day; visit 2, 28 days on with 9.0 mL expected and
    3.9 mL aspirated (4.61 to 8.51 mL allowed), is STOP by both cross-visit residual codes."""
    from selenium.webdriver.common.by import By

    address, log = keyed_server
    first = tmp_path / "first.json"
    first.write_text(json.dumps(first_visit()), "utf-8")
    browser.get(address + "/")
    _type_visit(browser, form_values(first))
    _submit(browser)
    recorded = audit_entries(log)[-1]["event"]

    second = form_values(CHECK_FIXTURES / OUT_OF_BAND)
    browser.get(address + "/")
    _type_visit(browser, {name: second[name] for name in ("patient.id", "pump.serial")})
    status = _submit(browser, "button[formaction='/lookup']")
    _shoot(browser, "history-prefilled")
    prefilled = [
        browser.find_element(By.NAME, name).get_attribute("value")
        for name in (
            "refill.previous_concentration",
            "refill.previous_fill_volume",
            "dosing.previous_daily_dose",
        )
    ]
    assert ("record_checked", ["1000", "20", "480"]) == (recorded, prefilled)
    assert "previous visit of 2026-10-30T10:30:00+00:00 filled in" in status

    _type_visit(browser, second)
    text = _submit(browser)
    _shoot(browser, "history-caught")
    caught = ["HISTORY_RESIDUAL_PROGRAMMER", "HISTORY_RESIDUAL_ASPIRATED", "4.61 mL to 8.51 mL"]
    assert (True, [True] * 3) == (
        text.startswith("STOP") or "\nSTOP\n" in text,
        [c in text for c in caught],
    )
