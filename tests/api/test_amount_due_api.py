"""GET /api/v1/cases/<id>/amount-due: the shape, the default day, bad dates, scoping, a missing rate."""

import pytest

from app import clock
from app.auth.services import create_token
from app.extensions import db
from tests import factories as f
from tests.late_fees.helpers import EXPECTED, two_charge_case

NOW = f.WORKDAY_MORNING  # 2026-11-16 in Tokyo


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    tax, water = f.department("TAX"), f.department("WATER")
    mine, theirs = two_charge_case(tax), f.case(water)
    users = {"op": f.user("op1", "operator", tax), "mgr": f.user("mgr", "manager")}
    headers = {name: {"Authorization": f"Bearer {create_token(u, NOW)}"} for name, u in users.items()}
    db.session.commit()
    return {"mine": mine.id, "theirs": theirs.id, "h": headers}


def test_the_amounts_on_a_day(client, world):
    response = client.get(f"/api/v1/cases/{world['mine']}/amount-due?on=2025-09-30", headers=world["h"]["op"])
    assert response.status_code == 200
    assert response.get_json() == EXPECTED  # figures by hand in tests/late_fees/helpers.py


def test_today_by_default(client, world):
    # Today 2026-11-16; the payment's 150,000 went to 固定資産税 (paid in full 7/31: 1,600 as in
    # helpers) and 50,000 to 住民税, 150,000 left from 2025-08-01:
    # 住民税: low 7/1-7/31/2025 on 200,000: 407; high 8/1-12/31/2025 = 153 days on 150,000:
    #   13,050 x 153 / 365 = 1,996,650 / 365 = 5,470.27 -> 5,470; high 2026 1/1-11/16 = 320 days x 9.1 %:
    #   13,650 x 320 / 365 = 4,368,000 / 365 = 11,967.12 -> 11,967; 407 + 5,470 + 11,967 = 17,844 -> 17,800
    # total 150,000 + 1,600 + 17,800 = 169,400
    body = client.get(f"/api/v1/cases/{world['mine']}/amount-due", headers=world["h"]["op"]).get_json()
    assert (body["on"], body["principal"], body["late_fee"], body["total"]) == ("2026-11-16", 150_000, 19_400,
                                                                                169_400)
    assert [c["days_high"] for c in body["charges"]] == [61, 153 + 320]  # 8/1-12/31/2025, 1/1-11/16/2026


@pytest.mark.parametrize("on", ["", " ", "2025-13-01", "yesterday", "2025-9-30", "1899-12-31", "2200-01-01",
                                "2025-09-30T00:00"])
def test_a_bad_date_is_a_400(client, world, on):
    response = client.get(f"/api/v1/cases/{world['mine']}/amount-due", query_string={"on": on},
                          headers=world["h"]["op"])
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] and set(body["fields"]) == {"on"}


def test_another_department_is_404_and_a_manager_sees_it(client, world):
    response = client.get(f"/api/v1/cases/{world['theirs']}/amount-due", headers=world["h"]["op"])
    assert response.status_code == 404 and response.get_json()["error"] == "case not found"
    assert client.get("/api/v1/cases/999999/amount-due", headers=world["h"]["op"]).status_code == 404
    manager = client.get(f"/api/v1/cases/{world['theirs']}/amount-due", headers=world["h"]["mgr"])
    assert manager.status_code == 200
    assert client.get(f"/api/v1/cases/{world['mine']}/amount-due").status_code == 401


def test_a_year_without_a_rate_is_a_422_until_late_fee_rates_gives_it(app, client, world):
    url = f"/api/v1/cases/{world['mine']}/amount-due?on=2027-02-01"
    response = client.get(url, headers=world["h"]["op"])
    assert response.status_code == 422
    assert "2027" in response.get_json()["error"] and "LATE_FEE_RATES" in response.get_json()["fields"]["on"]
    app.config["LATE_FEE_RATES"] = "2027=3.0/9.3"
    assert client.get(url, headers=world["h"]["op"]).status_code == 200
