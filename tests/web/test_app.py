"""The web application in-process: every route, the CSRF check, the security headers, the size
limit, the error page and the loopback rule, with the audit entries each visit leaves."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from itbcheck.web.security import CONTENT_SECURITY_POLICY, CSRF_COOKIE, MAX_BODY_BYTES
from tests.conftest import CHECK_FIXTURES, EXAMPLES, audit_entries
from tests.web.helpers import client, csrf_of, form_values, post_form, text_of

STOP = EXAMPLES / "visit-stop.yaml"
CLEAR = EXAMPLES / "visit-clear.yaml"


def test_form_page_has_every_step_in_refill_order(audit_log: Path) -> None:
    """The empty form shows the nurse's steps in order, and sets the CSRF cookie."""
    response = client(audit_log).get("/")
    text = text_of(response.text)
    steps = [
        "1. Find",
        "2. Interrogate",
        "3. Aspirate",
        "4. Dispense",
        "5. Program",
        "6. Book",
        "7. Double check",
        "8. Override",
    ]
    assert 200 == response.status_code
    assert sorted(text.index(step) for step in steps) == [text.index(step) for step in steps]
    assert CSRF_COOKIE in response.cookies


def test_clear_visit_shows_verdict_and_audit_entry(audit_log: Path) -> None:
    """A CLEAR visit gives the verdict page with the audit entry's number and hash."""
    response = post_form(client(audit_log), "/check", form_values(CLEAR))
    entry = audit_entries(audit_log)[-1]
    text = text_of(response.text)
    assert (200, "record_checked", "CLEAR") == (
        response.status_code,
        entry["event"],
        entry["verdict"],
    )
    assert f"Audit entry {entry['seq']}, hash {entry['hash']}" in text
    assert "CLEAR proceed: no check found a problem in this record" in text


def test_stop_visit_shows_the_dose_arithmetic(audit_log: Path) -> None:
    """The worked STOP example: 1.6 mL/day at 500 programmed, 3200 mcg/day delivered, 4x."""
    text = text_of(post_form(client(audit_log), "/check", form_values(STOP)).text)
    expected = [
        "STOP do not proceed: act on the findings below",
        "Pump flow 1.6 mL/day 800 mcg/day ÷ 500 mcg/mL programmed",
        "Delivered 3200 mcg/day 1.6 mL/day × 2000 mcg/mL: 4× what is prescribed",
        "Latest safe refill 2026-12-02",
        "CONCENTRATION_MISMATCH",
        "A STOP cannot be accepted",
    ]
    assert [True] * len(expected) == [line in text for line in expected]


def test_dates_from_a_wrong_flow_say_so(tmp_path: Path) -> None:
    """The worked STOP example's dates come from the 1.6 mL/day that CONCENTRATION_MISMATCH says
    is wrong: the reservoir section says they change once it is corrected; a CLEAR page does
    not."""
    caveat = "These dates use the flow and fill as entered, which CONCENTRATION_MISMATCH says is "
    pages = [
        text_of(post_form(client(log), "/check", form_values(name)).text)
        for log, name in ((tmp_path / "stop.jsonl", STOP), (tmp_path / "clear.jsonl", CLEAR))
    ]
    assert (True, False) == tuple(caveat in page for page in pages)


def test_verdict_page_has_no_accept_button_for_stop(audit_log: Path) -> None:
    """A STOP page offers to change the record, never to accept or proceed."""
    text = text_of(post_form(client(audit_log), "/check", form_values(STOP)).text).lower()
    assert (True, False, False) == (
        "change the record" in text,
        "accept " in text.replace("cannot be accepted", ""),
        "override this" in text,
    )


def test_audit_entry_records_both_nurses(audit_log: Path) -> None:
    """The checking nurse is the entry's operator and the second nurse is kept beside it."""
    post_form(client(audit_log), "/check", form_values(CLEAR))
    entry = audit_entries(audit_log)[-1]
    assert ("R. Okafor RN", "J. Lindqvist RN", "serve") == (
        entry["operator"],
        entry["second_nurse"],
        entry["command"],
    )


def test_rejected_visit_shows_problems_beside_fields_and_is_audited(audit_log: Path) -> None:
    """An empty fill volume and a wrong unit: the form comes back with each problem beside its
    field, in the CLI's words, nothing checked, and a record_rejected entry."""
    values = form_values(
        STOP, **{"refill.fill_volume": "", "refill.dispensed_concentration.unit": "MG/mL"}
    )
    response = post_form(client(audit_log), "/check", values)
    entry = audit_entries(audit_log)[-1]
    expected_problems = [
        {"kind": "quantity", "location": "refill.dispensed_concentration"},
        {"kind": "missing", "location": "refill.fill_volume"},
    ]
    assert (422, "record_rejected", None) == (
        response.status_code,
        entry["event"],
        entry["verdict"],
    )
    assert expected_problems == sorted(entry["problems"], key=lambda p: p["location"])
    assert "refill.fill_volume: missing field" in text_of(response.text)
    assert "unknown unit 'MG'" in text_of(response.text)
    assert "Dose arithmetic" not in response.text


def test_problem_sits_in_its_field(audit_log: Path) -> None:
    """The problem's text is inside the field's own block, after its input."""
    values = form_values(STOP, **{"refill.fill_volume": "1,5"})
    html = post_form(client(audit_log), "/check", values).text
    block = html.split('id="refill.fill_volume"', 1)[1].split('class="field', 1)[0]
    assert "refill.fill_volume: decimal comma or digit grouping" in text_of(block)


def test_missing_nurse_is_a_problem(audit_log: Path) -> None:
    """Without the second nurse the visit is not checked: the double check is part of it."""
    values = form_values(CLEAR, **{"nurse.second": ""})
    response = post_form(client(audit_log), "/check", values)
    assert (422, "nurse.second: missing field") == (
        response.status_code,
        "nurse.second: missing field"
        if "nurse.second: missing field" in text_of(response.text)
        else "",
    )


def test_unknown_form_field_is_refused(audit_log: Path) -> None:
    """A field the form does not have (a misspelt path) refuses the visit, never is ignored."""
    values = form_values(CLEAR, **{"refill.fil_volume": "18"})
    response = post_form(client(audit_log), "/check", values)
    assert (422, "record_rejected") == (response.status_code, audit_entries(audit_log)[-1]["event"])


def test_duplicate_field_is_refused(audit_log: Path) -> None:
    """A field sent twice is refused before anything is checked or audited."""
    web = client(audit_log)
    token = csrf_of(web.get("/").text)
    body = f"csrf_token={token}&refill.fill_volume=18&refill.fill_volume=20"
    response = web.post(
        "/check", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert (400, []) == (response.status_code, audit_entries(audit_log))


def test_post_without_csrf_cookie_is_refused(audit_log: Path) -> None:
    """A post that did not come from the form (no cookie) checks nothing and writes nothing."""
    web = client(audit_log)
    response = web.post("/check", data={**form_values(CLEAR), "csrf_token": "x" * 43})
    assert (403, []) == (response.status_code, audit_entries(audit_log))
    assert "Nothing was checked" in response.text


def test_post_with_wrong_csrf_token_is_refused(audit_log: Path) -> None:
    """A token that differs from the cookie's is refused."""
    web = client(audit_log)
    web.get("/")
    response = web.post("/check", data={**form_values(CLEAR), "csrf_token": "forged"})
    assert 403 == response.status_code


@pytest.mark.parametrize("path", ["/", "/static/itbcheck.css", "/no-such-page"])
def test_every_response_has_security_headers(audit_log: Path, path: str) -> None:
    """Strict CSP (self only, no inline script, no framing), nosniff, and no caching."""
    headers = client(audit_log).get(path).headers
    expected = (CONTENT_SECURITY_POLICY, "nosniff", "DENY", "no-store")
    actual = (
        headers["content-security-policy"],
        headers["x-content-type-options"],
        headers["x-frame-options"],
        headers["cache-control"],
    )
    assert expected == actual
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


def test_pages_have_no_inline_script_or_style(audit_log: Path) -> None:
    """The CSP allows no inline script or style; the pages need none."""
    html = post_form(client(audit_log), "/check", form_values(STOP)).text
    assert (False, False, False) == ("<script>" in html, "style=" in html, "<style" in html)


def test_request_over_size_limit_is_refused(audit_log: Path) -> None:
    """A post larger than a record file may be is refused before it is read."""
    web = client(audit_log)
    token = csrf_of(web.get("/").text)
    response = web.post("/check", data={"csrf_token": token, "patient.id": "x" * MAX_BODY_BYTES})
    assert (413, []) == (response.status_code, audit_entries(audit_log))


def test_post_without_length_is_refused(audit_log: Path) -> None:
    """A chunked post that does not say its length is refused."""

    def chunks() -> object:
        yield b"csrf_token=x"

    response = client(audit_log).post("/check", content=chunks())  # type: ignore[arg-type]
    assert 411 == response.status_code


def test_internal_error_page_says_nothing_was_checked(
    audit_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug gives a plain page: nothing was checked, no verdict, no typed value."""

    def broken(values: Mapping[str, str], config: object, command: str = "serve") -> None:
        raise ZeroDivisionError

    monkeypatch.setattr("itbcheck.web.form.check_form", broken)
    web = client(audit_log, raise_server_exceptions=False)
    response = post_form(web, "/check", form_values(STOP))
    text = text_of(response.text)
    assert (500, True) == (response.status_code, "Nothing was checked" in text)
    shown = ('class="verdict', "STOP", "MRN-00399102", "NGP117730H")
    assert [False] * 4 == [word in response.text for word in shown]


def test_unknown_page_is_the_plain_error_page(audit_log: Path) -> None:
    """An unknown address gives the error page, without echoing the address."""
    response = client(audit_log).get("/MRN-00399102")
    assert (404, False) == (response.status_code, "MRN-00399102" in response.text)


def test_non_loopback_server_without_secret_is_refused(audit_log: Path) -> None:
    """Reached on a network address with no access secret, the app refuses every request."""
    response = client(audit_log, base_url="http://192.168.1.20").get("/")
    assert (403, True) == (response.status_code, "ITBCHECK_WEB_SECRET" in response.text)


def test_foreign_host_name_is_refused(audit_log: Path) -> None:
    """A loopback socket reached under another host name (DNS rebinding) is refused."""
    response = client(audit_log).get("/", headers={"host": "attacker.example"})
    assert 403 == response.status_code


def test_secret_is_required_when_set(audit_log: Path) -> None:
    """With an access secret, a request without it gets 401, with it the form."""
    secret = "clinic-secret-0123456789"
    web = client(audit_log, secret=secret, base_url="http://192.168.1.20")
    good = base64.b64encode(f"nurse:{secret}".encode()).decode()
    bad = base64.b64encode(b"nurse:wrong").decode()
    statuses = [
        web.get("/").status_code,
        web.get("/", headers={"authorization": f"Basic {bad}"}).status_code,
        web.get("/", headers={"authorization": f"Basic {good}"}).status_code,
    ]
    assert [401, 401, 200] == statuses


def test_lookup_prefills_from_previous_visit(audit_log: Path) -> None:
    """The lookup fills the empty fields from the previous visit, splitting number and unit,
    and shows the lookup's status; typed values stay."""
    seen: list[tuple[str, str]] = []

    def previous(patient: str, pump: str) -> tuple[Mapping[str, str], str | None]:
        seen.append((patient, pump))
        return {
            "refill.previous_concentration": "2000 mcg/mL",
            "patient.age_years": "40",
        }, "visit of 2026-10-01"

    web = client(audit_log, previous_values=previous)
    values = {"patient.id": "MRN-1", "pump.serial": "SER-2", "patient.age_years": "41"}
    html = post_form(web, "/lookup", values).text
    assert [("MRN-1", "SER-2")] == seen
    assert 'name="refill.previous_concentration" value="2000"' in html
    assert '<option value="mcg/mL" selected>mcg/mL</option>' in html
    assert 'name="patient.age_years" value="41"' in html
    assert "visit of 2026-10-01" in text_of(html)
    assert [] == audit_entries(audit_log)


def test_default_lookup_says_no_store(audit_log: Path) -> None:
    """Without a visit store wired in, the lookup says so and fills nothing."""
    values = {"patient.id": "MRN-1", "pump.serial": "SER-2"}
    assert "visit store not available" in text_of(
        post_form(client(audit_log), "/lookup", values).text
    )


def test_edit_returns_the_form_as_checked(audit_log: Path) -> None:
    """'Change the record' brings the form back with every value as it was checked."""
    values = form_values(STOP)
    html = post_form(client(audit_log), "/edit", values).text
    assert 'name="refill.programmed_concentration" value="500"' in html


def test_report_route_gives_the_one_page_report(audit_log: Path) -> None:
    """The printable report holds the verdict, the nurses and its own audit entry."""
    response = post_form(client(audit_log), "/report", form_values(STOP))
    entry = audit_entries(audit_log)[-1]
    text = text_of(response.text)
    assert ("report", True, True) == (
        entry["command"],
        "double-check report" in text,
        f"{entry['seq']}, hash {entry['hash']}" in text,
    )


def test_typed_text_is_escaped(audit_log: Path) -> None:
    """What a nurse types is shown as text, never as markup."""
    values = form_values(CLEAR, **{"nurse.checking": "<b>Nurse</b>"})
    html = post_form(client(audit_log), "/check", values).text
    assert ("&lt;b&gt;Nurse&lt;/b&gt;" in html, "<b>Nurse</b>" in html) == (True, False)


def test_log_holds_no_identifier(audit_log: Path) -> None:
    """The request log names the route and status, never a value or a query string."""
    web = client(audit_log)
    with capture_logs() as logs:
        post_form(web, "/check", form_values(STOP))
        web.get("/?patient=MRN-00399102")
    assert "MRN-00399102" not in repr(logs)
    assert {"/", "/check"} == {log["route"] for log in logs}


def test_audit_export_carries_the_second_nurse(
    audit_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pharmacy's CSV export has a second_nurse column with the name typed in the form."""
    import csv

    from tests.conftest import TEST_KEY, run_cli

    post_form(client(audit_log), "/check", form_values(CLEAR))
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)
    target = tmp_path / "export.csv"
    exported = run_cli("audit", "export", str(audit_log), "-o", str(target), "--no-checkpoint")
    assert 0 == exported.exit_code
    rows = list(csv.DictReader(target.read_text("utf-8-sig").splitlines()))
    assert [("serve", "J. Lindqvist RN")] == [(r["command"], r["second_nurse"]) for r in rows]


def test_concurrent_visits_keep_the_audit_chain(audit_log: Path) -> None:
    """Visits checked at once on the server's worker threads each get one entry, and the
    chain still verifies: 8 threads of 5 visits, 40 entries."""
    from concurrent.futures import ThreadPoolExecutor

    from itbcheck.web.state import WebConfig
    from itbcheck.web.visit import check_form
    from tests.conftest import run_cli

    config = WebConfig(audit_log=audit_log, operator="test")
    values = form_values(STOP)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: check_form(values, config), range(40)))
    verified = run_cli("audit", "verify", str(audit_log))
    assert (40, 0) == (len(audit_entries(audit_log)), verified.exit_code)


def test_point_8_and_10_fields_reach_the_verdict(audit_log: Path) -> None:
    """Issue 11 points 8 and 10: the patient bolus (a whole number of activations) and an MRI
    (a true/false choice) typed in the form give the fixture's verdict and codes."""
    fixture = CHECK_FIXTURES / "patient_bolus_new_8_x_20_on_400.yaml"
    values = form_values(
        fixture,
        **{
            "since_last_visit.mri.date": "2026-11-20",
            "since_last_visit.mri.interrogated_after": "false",
        },
    )
    response = post_form(client(audit_log), "/check", values)
    entry = audit_entries(audit_log)[-1]
    expected = ("STOP", ["MRI_NOT_INTERROGATED", "PATIENT_BOLUS_INCREASE_ABOVE_LIMIT"])
    codes = sorted(code for code in entry["finding_codes"] if "MRI" in code or "BOLUS_INC" in code)
    assert (200, *expected) == (response.status_code, entry["verdict"], codes)
