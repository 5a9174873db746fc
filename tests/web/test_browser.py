"""The form in a real browser: headless Chromium (Debian's `chromium` and `chromedriver`,
driven by Selenium) against `itbcheck serve` on a free loopback port. Without Chromium these
tests skip, saying how to get it, except under CI (the `CI` variable set), where they fail.

Set ITBCHECK_SCREENSHOTS=DIR to save a screenshot of each page the tests reach."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import EXAMPLES, audit_entries
from tests.web.helpers import form_values

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or (
    "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
)
HOW_TO_GET_IT = (
    "needs Chromium and its driver: on Debian or Ubuntu, "
    "apt-get install chromium chromium-driver (CI installs them in .ci/run)"
)
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1150,1400",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    if CHROMIUM is None or CHROMEDRIVER is None:
        if os.environ.get("CI"):
            pytest.fail(f"the real-browser tests must run in CI: {HOW_TO_GET_IT}")
        pytest.skip(HOW_TO_GET_IT)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in CHROMIUM_ARGS:
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`itbcheck serve` on a free loopback port: its address and its audit log."""
    yield from serving(tmp_path_factory.mktemp("serve"))


def serving(folder: Path, **variables: str) -> Iterator[tuple[str, Path]]:
    """Run `itbcheck serve` in `folder` with extra environment `variables` until closed."""
    log = folder / "audit.jsonl"
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("ITBCHECK_")}
    env.update(ITBCHECK_AUDIT_LOG=str(log), ITBCHECK_OPERATOR="browser-test", **variables)
    errors = folder / "stderr.txt"
    with errors.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "itbcheck", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                pytest.fail(f"itbcheck serve did not start: {errors.read_text()!r}")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}", log
    process.terminate()
    process.wait(timeout=10)


def _shoot(driver: WebDriver, name: str) -> None:
    folder = os.environ.get("ITBCHECK_SCREENSHOTS")
    if folder:
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def _type_visit(driver: WebDriver, values: dict[str, str]) -> None:
    """Type every value into its field as a nurse would; pick units and choices."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    for name, value in values.items():
        element = driver.find_element(By.NAME, name)
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        else:
            element.clear()
            if value:
                element.send_keys(value)


def _submit(driver: WebDriver, css: str = "button.primary") -> str:
    """Click a submit button and wait for the next page; its text."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    # The old page is marked in its own script state rather than held as an element: chromedriver
    # answers a question about an element of a page being replaced with "does not belong to the
    # document" (an unknown error, not a stale element), on a busy machine, from the click or the
    # wait. A fresh page has no mark; it counts once it has loaded.
    driver.execute_script("window.itbcheckOldPage = true")
    try:
        driver.find_element(By.CSS_SELECTOR, css).click()
    except WebDriverException as error:
        # The new page replaced the button while chromedriver still looked at it: the click went
        # through. The wait below fails the test if it did not.
        if "does not belong to the document" not in str(error):
            raise
    WebDriverWait(driver, 20, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && !window.itbcheckOldPage"
        )
    )
    body: str = driver.find_element(By.TAG_NAME, "body").text
    return body


def test_clear_visit_typed_from_scratch(browser: WebDriver, server: tuple[str, Path]) -> None:
    """A routine refill typed into the empty form gives CLEAR and the audit entry's number."""
    address, log = server
    browser.get(address + "/")
    _shoot(browser, "form-empty")
    _type_visit(browser, form_values(EXAMPLES / "visit-clear.yaml"))
    text = _submit(browser)
    _shoot(browser, "verdict-clear")
    entry = audit_entries(log)[-1]
    assert ("CLEAR", "record_checked") == (entry["verdict"], entry["event"])
    assert "CLEAR\nproceed: no check found a problem in this record" in text
    assert f"Audit entry {entry['seq']}, hash {entry['hash']}" in text


def test_worked_stop_example(browser: WebDriver, server: tuple[str, Path]) -> None:
    """800 mcg/day prescribed, 500 mcg/mL programmed, 2000 dispensed: the pump runs 1.6 mL/day
    and delivers 3200 mcg/day, 4 times the dose; the page says STOP with those numbers."""
    from selenium.webdriver.common.by import By

    address, log = server
    browser.get(address + "/")
    _type_visit(browser, form_values(EXAMPLES / "visit-stop.yaml"))
    browser.execute_script("window.scrollTo(0, 0)")
    _shoot(browser, "form-filled")
    text = _submit(browser)
    _shoot(browser, "verdict-stop")
    expected = [
        "STOP\ndo not proceed: act on the findings below",
        "Pump flow 1.6 mL/day 800 mcg/day ÷ 500 mcg/mL programmed",
        "Delivered 3200 mcg/day 1.6 mL/day × 2000 mcg/mL: 4× what is prescribed",
        "deliver 3200 mcg/day, 4 times the 800 mcg/day prescribed",
        "A STOP cannot be accepted",
    ]
    assert [True] * len(expected) == [line in text for line in expected]
    buttons = [b.text for b in browser.find_elements(By.TAG_NAME, "button")]
    assert [] == [label for label in buttons if "accept" in label.lower()]
    assert "STOP" == audit_entries(log)[-1]["verdict"]
    _submit(browser, "form[action='/report'] button")
    _shoot(browser, "report-stop")


def test_empty_field_and_mistyped_unit(browser: WebDriver, server: tuple[str, Path]) -> None:
    """Fill volume left empty and '2 MG/mL' typed for the strength: each problem beside its
    field in the CLI's words, nothing checked, and a record_rejected audit entry."""
    from selenium.webdriver.common.by import By

    address, log = server
    browser.get(address + "/")
    values = form_values(
        EXAMPLES / "visit-stop.yaml",
        **{"refill.fill_volume": "", "refill.dispensed_concentration": "2 MG/mL"},
    )
    _type_visit(browser, values)
    text = _submit(browser)
    _shoot(browser, "form-rejected")
    beside = {
        name: browser.find_element(
            By.XPATH, f"//input[@name='{name}']/ancestor::div[contains(@class,'field')]"
        ).text
        for name in ("refill.fill_volume", "refill.dispensed_concentration")
    }
    entry = audit_entries(log)[-1]
    assert "refill.fill_volume: missing field" in beside["refill.fill_volume"]
    assert (
        "refill.dispensed_concentration: unknown unit 'MG' (units are case-sensitive: did you "
        "mean mg?)" in beside["refill.dispensed_concentration"]
    )
    assert ("record_rejected", None) == (entry["event"], entry["verdict"])
    assert f"recorded in the audit log as entry {entry['seq']}" in text
    assert "Dose arithmetic" not in text
