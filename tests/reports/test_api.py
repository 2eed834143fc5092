"""GET /api/v1/reports/summary: the same numbers as JSON, with a token or a session."""

import pytest

from app import clock
from app.reports.kpis import summary
from tests import factories as f
from tests.reports import dataset
from tests.reports.dataset import END, START
from tests.reports.helpers import bearer

URL = "/api/v1/reports/summary"
MONTH = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: f.WORKDAY_MORNING)


def test_manager_gets_the_same_numbers_as_the_report(client):
    data = dataset.build()
    headers = bearer(data.mgr)
    everything = client.get(URL, query_string=MONTH, headers=headers)
    assert everything.status_code == 200
    assert everything.get_json() == summary(START, END, None, None)
    assert everything.get_json()["calls"]["attempts"] == 11

    tax = client.get(URL, query_string={**MONTH, "department": "TAX"}, headers=headers).get_json()
    assert tax == summary(START, END, data.tax.id, None)
    assert tax["department"]["code"] == "TAX" and tax["payments"]["collected"] == 86000

    op1 = client.get(URL, query_string={**MONTH, "department": "TAX", "operator": "op1"},
                     headers=headers).get_json()
    assert op1["calls"]["attempts"] == 6 and op1["operator"]["login"] == "op1"


def test_supervisor_reads_only_their_department(client):
    data = dataset.build()
    headers = bearer(data.sup)
    own = client.get(URL, query_string=MONTH, headers=headers)
    assert own.status_code == 200 and own.get_json()["department"]["code"] == "TAX"
    other = client.get(URL, query_string={**MONTH, "department": "WATER"}, headers=headers)
    assert other.status_code == 404 and other.get_json() == {"error": "department not found", "fields": {}}
    unknown = client.get(URL, query_string={**MONTH, "department": "NOPE"}, headers=bearer(data.mgr))
    assert unknown.status_code == 404


def test_operator_is_forbidden_and_anonymous_unauthenticated(client):
    data = dataset.build()
    response = client.get(URL, query_string=MONTH, headers=bearer(data.op1))
    assert response.status_code == 403 and "error" in response.get_json()
    assert client.get(URL, query_string=MONTH).status_code == 401
    bad = client.get(URL, query_string=MONTH, headers={"Authorization": "Bearer cc_not-a-token"})
    assert bad.status_code == 401


@pytest.mark.parametrize("args, field", [
    ({}, "from"),
    ({"from": "2026-11-01"}, "to"),
    ({"from": "2026-02-30", "to": "2026-03-01"}, "from"),
    ({"from": "2026-11-30", "to": "2026-11-01"}, "to"),
    ({"from": "2024-01-01", "to": "2025-01-01"}, "to"),  # 367 days
    ({**MONTH, "operator": "op3"}, "operator"),  # not of TAX
])
def test_bad_parameters_are_400_with_the_field(client, args, field):
    data = dataset.build()
    args = {"department": "TAX", **args}
    response = client.get(URL, query_string=args, headers={**bearer(data.mgr), "Accept-Language": "en"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid report parameters" and field in body["fields"]


def test_a_logged_in_session_works_too(client):
    data = dataset.build()
    f.login(client, data.mgr)
    response = client.get(URL, query_string={**MONTH, "department": "WATER"})
    assert response.status_code == 200 and response.get_json()["calls"]["attempts"] == 2
