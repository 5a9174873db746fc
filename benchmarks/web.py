"""How fast the bedside form answers, in the two figures of issue 12, on one machine.

Run from the repository root with itbcheck and its test extra installed (Chromium and
chromedriver for the first figure):
    python benchmarks/web.py [--runs 50] [--requests 400] [--clients 4]

1. Submit to verdict: in headless Chromium, the wall time from clicking "Check this refill"
   on the filled-in STOP example to the verdict page being loaded (document ready), median of
   --runs runs against `itbcheck serve` with one worker. This includes the audit entry's
   fsync, rendering, and the browser's parsing and layout of the page.
2. Check requests per second: --requests POSTs of the STOP example's form to /check from
   --clients concurrent clients on loopback, against `itbcheck serve --workers 1` and then
   `--workers 2`; every request is a full check with its durable audit entry.

Each server gets its own temporary audit log and a key, as in real use. Only 127.0.0.1 is
used; the loop is bounded by --requests. No figure here is asserted by a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.web.helpers import form_values  # noqa: E402  (the tests' own record-to-form helper)

STOP = REPO / "examples" / "visit-stop.yaml"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(workers: int, *, key: bool = True) -> Iterator[str]:
    """`itbcheck serve` on a free loopback port with `workers` processes; its address. Without
    `key` there is no audit key, so no visit store either (identifiers are withheld)."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ITBCHECK_")}
        env.update(
            ITBCHECK_AUDIT_LOG=str(Path(folder) / "audit.jsonl"),
            ITBCHECK_OPERATOR="benchmark",
            XDG_CONFIG_HOME=folder,  # no config file of the machine's user
        )
        if key:
            env["ITBCHECK_AUDIT_KEY"] = "benchmark-key-0123456789"
        command = [
            sys.executable,
            "-m",
            "itbcheck",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        try:
            address = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(address + "/", timeout=1).raise_for_status()
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            yield address
        finally:
            process.terminate()
            process.wait(timeout=15)


def submit_to_verdict(runs: int) -> list[float]:
    """Seconds from the click to the loaded verdict page, per run."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
    from tests.web.test_browser import CHROMEDRIVER, CHROMIUM, CHROMIUM_ARGS

    if CHROMIUM is None or CHROMEDRIVER is None:
        raise SystemExit(
            "needs chromium and chromedriver (apt-get install chromium chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in CHROMIUM_ARGS:
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    values = form_values(STOP)
    times: list[float] = []
    try:
        with serving(1) as address:
            for _ in range(runs + 1):  # the first warms the server and the browser
                driver.get(address + "/")
                driver.execute_script(  # fill the form fast; typing is not what is measured
                    "for (const [name, value] of Object.entries(arguments[0])) {"
                    "  document.getElementsByName(name)[0].value = value; }",
                    values,
                )
                page = driver.find_element(By.TAG_NAME, "html")
                started = time.perf_counter()
                driver.find_element(By.CSS_SELECTOR, "button.primary").click()
                WebDriverWait(driver, 30).until(expected_conditions.staleness_of(page))
                WebDriverWait(driver, 30).until(
                    lambda d: d.execute_script("return document.readyState") == "complete"
                )
                times.append(time.perf_counter() - started)
                if "3200 mcg/day" not in driver.page_source:
                    raise SystemExit("the verdict page did not show the STOP example's numbers")
    finally:
        driver.quit()
    return times[1:]


def latencies(requests: int, *, key: bool) -> list[float]:
    """Seconds per check, for `requests` form posts one after another from one client to a
    one-worker server, with the visit store (`key`) or without."""
    times: list[float] = []
    with serving(1, key=key) as address, httpx.Client(base_url=address) as session:
        token = re.search(r'name="csrf_token" value="([^"]+)"', session.get("/").text)
        if token is None:
            raise SystemExit("the form has no CSRF token")
        data = {**form_values(STOP), "csrf_token": token.group(1)}
        for _ in range(requests + 1):  # the first warms the server
            started = time.perf_counter()
            response = session.post("/check", data=data)
            times.append(time.perf_counter() - started)
            if response.status_code != 200 or "3200 mcg/day" not in response.text:
                raise SystemExit(f"a check failed: HTTP {response.status_code}")
    return times[1:]


def requests_per_second(workers: int, requests: int, clients: int) -> float:
    """Full checks per second: --requests form posts shared by `clients` threads."""
    with serving(workers) as address:
        remaining = [requests]
        lock = threading.Lock()
        failures: list[str] = []

        def client() -> None:
            with httpx.Client(base_url=address) as session:
                token = re.search(r'name="csrf_token" value="([^"]+)"', session.get("/").text)
                assert token is not None
                data = {**form_values(STOP), "csrf_token": token.group(1)}
                while True:
                    with lock:
                        if remaining[0] <= 0:
                            return
                        remaining[0] -= 1
                    response = session.post("/check", data=data)
                    if response.status_code != 200 or "3200 mcg/day" not in response.text:
                        failures.append(str(response.status_code))

        threads = [threading.Thread(target=client) for _ in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} requests failed: {failures[:5]}")
    return requests / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    if not args.skip_browser:
        times = submit_to_verdict(args.runs)
        print(
            f"submit to verdict page: median {statistics.median(times) * 1000:.0f} ms "
            f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, {len(times)} runs)"
        )
    for workers in (1, 2):
        rate = requests_per_second(workers, args.requests, args.clients)
        print(f"/check with {workers} worker(s), {args.clients} clients: {rate:.0f} requests/s")


if __name__ == "__main__":
    main()
