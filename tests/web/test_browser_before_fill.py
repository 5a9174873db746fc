"""The check before the fill in a real browser (the real-browser suite's server and helpers):
the nurse checks what is known before injecting, then continues to the full check."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tests.conftest import EXAMPLES, audit_entries
from tests.web.helpers import form_values
from tests.web.test_browser import _shoot, _submit, _type_visit, browser, server

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

__all__ = ["browser", "server"]  # the real-browser suite's driver and server, as fixtures


def test_check_before_filling_then_the_full_check(
    browser: WebDriver, server: tuple[str, Path]
) -> None:
    """The routine refill without injection site and reservoir volume: 'Check before filling'
    gives a CLEAR that says it is not final; continuing, the nurse adds both and the full check
    is CLEAR; the audit log holds both stages in order."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    address, log = server
    complete = form_values(EXAMPLES / "visit-clear.yaml")
    not_yet = {"refill.injection_site": "", "refill.programmed_reservoir_volume": ""}
    browser.get(address + "/")
    _type_visit(browser, {**complete, **not_yet})
    before = _submit(browser, "button.before-fill")
    _shoot(browser, "verdict-before-fill")
    buttons = [b.text for b in browser.find_elements(By.TAG_NAME, "button")]
    _submit(browser, "nav form[action='/edit'] button")
    Select(browser.find_element(By.NAME, "refill.injection_site")).select_by_value("reservoir")
    volume = browser.find_element(By.NAME, "refill.programmed_reservoir_volume")
    volume.send_keys(complete["refill.programmed_reservoir_volume"])
    after = _submit(browser)
    _shoot(browser, "verdict-after-before-fill")
    stages = [(e["stage"], e["verdict"]) for e in audit_entries(log)[-2:]]
    assert "CLEAR\nbefore the fill only: you may fill; check again after programming" in before
    assert "Not the final check." in before
    assert (True, False) == (
        "Continue to the full check after programming" in buttons,
        "Printable report" in buttons,
    )
    assert "CLEAR\nproceed: no check found a problem in this record" in after
    assert [("before-fill", "CLEAR"), ("after-programming", "CLEAR")] == stages
