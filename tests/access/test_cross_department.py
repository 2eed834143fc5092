"""Department B's objects smuggled into requests about department A's (a URL of A's case
with B's phone, A's rule with B's template, a report on B's operator...): refused like a
foreign URL, and nothing changed."""

import pytest

from tests.access.requests import send
from tests.access.table import RULE
from tests.access.world import fingerprint

CALLS, API_CALLS = ("POST", "/cases/<int:case_id>/calls"), ("POST", "/api/v1/cases/<int:case_id>/calls")
RULE_EDIT, RULE_NEW = ("POST", "/escalation/rules/<int:rule_id>"), ("POST", "/escalation/rules/new")


@pytest.fixture
def unchanged():
    """Fails the test if the database changed while it ran."""
    before = fingerprint()
    yield
    assert fingerprint() == before, "the refused request changed the database"


@pytest.mark.parametrize("column", ["operator", "supervisor"])
def test_b_phone_on_a_case_logs_no_call(access_app, world, unchanged, column):
    phone = world.places["B"]["phone"]
    page = send(access_app, world, CALLS, column, data={"phone_id": str(phone), "outcome": "answered",
                                                        "submission_key": "smuggled"})
    assert page.status_code == 302  # back to the case screen with the error flashed
    api = send(access_app, world, API_CALLS, column, json={"phone_id": phone, "outcome": "answered"})
    assert api.status_code == 422 and "phone_id" in api.get_json()["fields"]


def test_b_phone_under_a_case_url_records_no_opt_out(access_app, world, unchanged):
    url = f"/cases/{world.places['A']['case']}/phones/{world.places['B']['phone']}/opt-out"
    for column in ("operator", "admin"):  # even for an admin, the phone is not the case's
        key = ("POST", "/cases/<int:case_id>/phones/<int:phone_id>/opt-out")
        assert send(access_app, world, key, column, url=url).status_code == 404


@pytest.mark.parametrize("key", [RULE_EDIT, RULE_NEW])
def test_a_rule_of_a_cannot_send_a_template_of_b(access_app, world, unchanged, key):
    data = {**RULE, "template_id": str(world.places["B"]["template"])}
    page = send(access_app, world, key, "supervisor", data=data)
    assert page.status_code == 200  # the editor again, not saved, with the reason
    assert "この課のSMSテンプレートを選んでください。" in page.get_data(as_text=True)


def test_the_live_count_of_a_does_not_take_a_rule_of_b(access_app, world, unchanged):
    key = ("POST", "/escalation/rules/check")
    data = {**RULE, "department": "{dept}", "rule_id": str(world.places["B"]["rule"])}
    assert send(access_app, world, key, "supervisor", data=data).status_code == 404


@pytest.mark.parametrize("key", [("GET", "/reports/summary.csv"), ("GET", "/api/v1/reports/summary"),
                                 ("GET", "/reports/summary.pdf")])
def test_a_supervisor_cannot_report_on_an_operator_of_b(access_app, world, unchanged, key):
    query = {"from": "2026-11-01", "to": "2026-11-16", "operator": world.places["B"]["operator"]}
    assert send(access_app, world, key, "supervisor", query=query).status_code == 400


def test_the_all_departments_archive_is_for_managers_and_admins(access_app, world):
    key = ("GET", "/reports/archive/<int:report_id>.pdf")
    url = f"/reports/archive/{world.all_departments_report}.pdf"
    before = fingerprint()
    assert send(access_app, world, key, "supervisor", url=url).status_code == 404
    assert fingerprint() == before  # no audit row for a refused download
    for column in ("manager", "admin"):
        response = send(access_app, world, key, column, url=url)
        assert response.status_code == 200 and response.data.startswith(b"%PDF")


@pytest.mark.parametrize("what", ["case_ref", "number"])
def test_searching_for_b_case_finds_nothing_for_a(access_app, world, what):
    key, query = ("GET", "/api/v1/cases"), {"q": world.places["B"][what]}
    for column in ("operator", "supervisor"):
        assert send(access_app, world, key, column, query=query).get_json() == []
    found = send(access_app, world, key, "manager", query=query).get_json()
    assert [c["case_ref"] for c in found] == [world.places["B"]["case_ref"]]
