"""The report screen: who may see what, the form's checks, the KPIs, charts and links."""

import re

import pytest

from app import clock
from tests import factories as f
from tests.reports import dataset

MONTH = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: f.WORKDAY_MORNING)  # Monday 2026-11-16


def kpi(html: str, key: str) -> str:
    match = re.search(rf'data-testid="kpi-{re.escape(key)}">([^<]*)<', html)
    assert match, f"no KPI {key} on the page"
    return match.group(1)


def test_manager_sees_all_departments_with_charts_and_footnotes(client):
    data = dataset.build()
    f.login(client, data.mgr)
    page = client.get("/reports", query_string=MONTH)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert kpi(html, "calls.attempts") == "11"
    assert kpi(html, "payments.collected") in ("¥98,000", "￥98,000")
    assert kpi(html, "sms.delivery_rate") == "80.0%"
    assert kpi(html, "sms.suppressed_by_reason.opted_out") == "1"
    assert html.count("<svg") == 3 and 'class="pygal-chart"' in html
    assert "<script" not in html.split("<main>")[1]  # no chart script (CSP)
    referenced = set(re.findall(r'href="#note-(\d+)"', html))
    assert referenced and referenced == set(re.findall(r'<li id="note-(\d+)"', html))
    assert 'href="/reports/summary.pdf?from=2026-11-01&amp;to=2026-11-30"' in html
    assert 'href="/reports/summary.csv?from=2026-11-01&amp;to=2026-11-30"' in html


def test_english_screen_shows_definitions(client):
    data = dataset.build()
    f.login(client, data.mgr)
    html = client.get("/reports", query_string={**MONTH, "department": "TAX"},
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert kpi(html, "calls.attempts") == "9"
    assert kpi(html, "calls.contact_rate") == "55.6%"
    assert "Right-party contacts / call attempts." in html
    assert "the cases that get an SMS are the ones that did not answer" in html


def test_default_period_is_this_month_so_far(client):
    data = dataset.build()
    f.login(client, data.mgr)
    html = client.get("/reports").get_data(as_text=True)
    assert 'value="2026-11-01"' in html and 'value="2026-11-16"' in html
    # Nov 1-16, all departments: TAX on the 1st, 2nd, 3rd (2), 5th (2), 10th; WATER 10th (2).
    assert kpi(html, "calls.attempts") == "9"


def test_supervisor_sees_only_their_department(client):
    data = dataset.build()
    f.login(client, data.sup)
    html = client.get("/reports", query_string=MONTH).get_data(as_text=True)
    assert kpi(html, "calls.attempts") == "9"  # TAX, not all
    assert '<option value="">' not in html.split('name="department"')[1].split("</select>")[0]
    assert client.get("/reports", query_string={**MONTH, "department": "WATER"}).status_code == 404
    assert client.get("/reports", query_string={**MONTH, "department": "NOPE"}).status_code == 404
    assert client.get("/reports", query_string={**MONTH, "department": "TAX"}).status_code == 200


def test_operators_may_not_read_reports(client):
    data = dataset.build()
    f.login(client, data.op1)
    for url in ("/reports", "/reports/summary.csv", "/reports/summary.pdf", "/reports/archive"):
        assert client.get(url, query_string=MONTH).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/reports")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("args, message", [
    ({"from": "2026-13-01", "to": "2026-11-30"}, "Not a valid date"),
    ({"from": "2026-11-30", "to": "2026-11-01"}, "The end date is before the start date."),
    ({"from": "2025-01-01", "to": "2026-01-02"}, "A report covers at most 366 days."),
    ({"from": "", "to": "2026-11-30"}, "This field is required."),
    ({**MONTH, "operator": "nobody"}, "Not a valid choice"),
])
def test_bad_input_is_a_400_with_the_form_again(client, args, message):
    data = dataset.build()
    f.login(client, data.mgr)
    page = client.get("/reports", query_string=args, headers={"Accept-Language": "en"})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert message in html and 'data-testid="report-form"' in html
    assert 'data-testid="kpi-table"' not in html


def test_a_full_year_is_allowed(client):
    data = dataset.build()
    f.login(client, data.mgr)
    assert client.get("/reports", query_string={"from": "2026-01-01", "to": "2026-12-31"}).status_code == 200
    assert client.get("/reports", query_string={"from": "2024-01-01", "to": "2024-12-31"}).status_code == 200


def test_operator_filter(client):
    data = dataset.build()
    f.login(client, data.mgr)
    html = client.get("/reports", query_string={**MONTH, "department": "TAX", "operator": "op1"}
                      ).get_data(as_text=True)
    assert kpi(html, "calls.attempts") == "6"
    assert kpi(html, "promises.made") == "2"
    assert "operator=op1" in html  # the export links keep the filter
