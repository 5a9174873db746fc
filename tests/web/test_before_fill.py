"""The form's check before the fill (issue 11 point 11), in-process: the route, what the verdict
page says, the audit entry, and the way on to the full check."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import EXAMPLES, audit_entries
from tests.web.helpers import client, form_values, post_form, text_of

CLEAR = EXAMPLES / "visit-clear.yaml"
STOP = EXAMPLES / "visit-stop.yaml"
NOT_YET = {"refill.injection_site": "", "refill.programmed_reservoir_volume": ""}


def test_form_offers_the_check_before_filling(audit_log: Path) -> None:
    """The form has a 'Check before filling' button posting to /check-before-fill."""
    html = client(audit_log).get("/").text
    assert 'formaction="/check-before-fill"' in html


def test_before_fill_clear_is_not_a_final_clear(audit_log: Path) -> None:
    """Without the injection site and programmed reservoir volume, the check before the fill
    is CLEAR, says it is not the final check, offers no report, and is audited with its stage."""
    response = post_form(client(audit_log), "/check-before-fill", form_values(CLEAR, **NOT_YET))
    text = text_of(response.text)
    entry = audit_entries(audit_log)[-1]
    expected = (200, "CLEAR", "before-fill", True, True, False)
    assert expected == (
        response.status_code,
        entry["verdict"],
        entry["stage"],
        "CLEAR before the fill only: you may fill; check again after programming" in text,
        "Continue to the full check after programming" in text,
        "Printable report" in text,
    )


def test_full_check_still_needs_what_the_fill_tells(audit_log: Path) -> None:
    """The same form posted to /check (after programming) names both missing fields."""
    response = post_form(client(audit_log), "/check", form_values(CLEAR, **NOT_YET))
    text = text_of(response.text)
    assert (422, True, True) == (
        response.status_code,
        "refill.injection_site: missing field" in text,
        "refill.programmed_reservoir_volume: missing field" in text,
    )


def test_before_fill_stop_says_do_not_inject(audit_log: Path) -> None:
    """The 4x concentration mismatch before the fill: STOP, and its action says not to inject;
    the alarm date finding is listed under it as its consequence."""
    response = post_form(client(audit_log), "/check-before-fill", form_values(STOP, **NOT_YET))
    text = text_of(response.text)
    assert (True, True, True) == (
        "STOP before the fill: do not inject the drug" in text,
        "Action: Do not inject the drug. Do not start the pump." in text,
        "Consequences of this error" in text,
    )
