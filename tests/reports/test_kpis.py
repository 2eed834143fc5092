"""Every KPI of the report on the hand-built month of tests/reports/dataset.py, on PostgreSQL.

The right answers below were worked out by hand from the rows (see the comments there)."""

from datetime import date

from app.reports.kpis import summary
from tests.reports import dataset
from tests.reports.dataset import END, START

# The TAX department's November, worked out by hand (see dataset.py).
TAX_NOVEMBER = {
    "calls": {
        "attempts": 9, "inbound": 1, "contacts": 5, "contact_rate": 0.5556,
        "right_party_contacts": 4, "right_party_contact_rate": 0.4444,
    },
    "sms": {
        "created": 8, "sent": 4, "delivered": 3, "failed": 1, "pending": 1, "unknown": 1,
        "suppressed": 2, "suppressed_by_reason": {"opted_out": 1, "paid": 1},
        "delivery_rate": 0.75, "segments": 5, "cost": 50.0, "replaced_calls": 5,
    },
    "promises": {
        "made": 4, "judged": 3, "kept": 1, "partially_kept": 1, "broken": 1, "kept_rate": 0.3333,
        "amount_promised": 73000, "amount_collected": 35000, "promise_rate": 1.0,
    },
    "promise_outcomes": {"kept": 1, "partially_kept": 1, "broken": 1},
    "payments": {"collected": 86000, "count": 4, "cases_paid_in_full": 2},
    "reminder_effect": {
        "reminded": {"cases": 3, "paid_7d": 1, "share_7d": 0.3333, "paid_14d": 2, "share_14d": 0.6667},
        "comparison": {"cases": 1, "paid_7d": 0, "share_7d": 0.0, "paid_14d": 1, "share_14d": 1.0},
    },
}
TAX_NOVEMBER_DAYS = {
    "attempts": {
        "2026-11-01": 1, "2026-11-02": 1, "2026-11-03": 2, "2026-11-05": 2, "2026-11-10": 1,
        "2026-11-28": 1, "2026-11-30": 1,
    },
    "contacts": {"2026-11-03": 2, "2026-11-05": 1, "2026-11-10": 1, "2026-11-28": 1},
    # By the day of delivery: the Oct 31 message delivered at 00:10 on Nov 1 counts on the 1st.
    "sms_delivered": {"2026-11-01": 1, "2026-11-02": 1, "2026-11-20": 2},
    "payments": {"2026-11-10": 30000, "2026-11-17": 4000, "2026-11-27": 50000, "2026-11-30": 2000},
}


def nonzero_days(result: dict, key: str) -> dict:
    return {d["date"]: d[key] for d in result["daily"] if d[key]}


def test_one_department(app):
    data = dataset.build()
    result = summary(START, END, data.tax.id, None)

    assert result["period"] == {"from": "2026-11-01", "to": "2026-11-30", "timezone": "Asia/Tokyo"}
    assert result["department"] == {"id": data.tax.id, "code": "TAX", "name": "税務課"}
    assert result["operator"] is None
    for key, expected in TAX_NOVEMBER.items():
        assert result[key] == expected, key
    assert result["operators"] == [
        {"id": data.op1.id, "login": "op1", "name": "op1", "attempts": 6, "contacts": 3,
         "right_party_contacts": 2, "promises": 2, "judged": 2, "kept": 1, "kept_rate": 0.5},
        {"id": data.op2.id, "login": "op2", "name": "op2", "attempts": 3, "contacts": 2,
         "right_party_contacts": 2, "promises": 2, "judged": 1, "kept": 0, "kept_rate": 0.0},
    ]
    assert len(result["daily"]) == 30
    assert result["daily"][0]["date"] == "2026-11-01" and result["daily"][-1]["date"] == "2026-11-30"
    for key, expected in TAX_NOVEMBER_DAYS.items():
        assert nonzero_days(result, key) == expected, key


def test_all_departments(app):
    dataset.build()
    result = summary(START, END, None, None)

    assert result["department"] is None
    assert result["calls"] == {
        "attempts": 11, "inbound": 1, "contacts": 6, "contact_rate": 0.5455,
        "right_party_contacts": 5, "right_party_contact_rate": 0.4545,
    }
    assert result["sms"] == {
        "created": 9, "sent": 5, "delivered": 4, "failed": 1, "pending": 1, "unknown": 1,
        "suppressed": 2, "suppressed_by_reason": {"opted_out": 1, "paid": 1},
        "delivery_rate": 0.8, "segments": 6, "cost": 60.0, "replaced_calls": 6,
    }
    assert result["promises"] == {
        "made": 5, "judged": 4, "kept": 2, "partially_kept": 1, "broken": 1, "kept_rate": 0.5,
        "amount_promised": 85000, "amount_collected": 47000, "promise_rate": 1.0,
    }
    assert result["payments"] == {"collected": 98000, "count": 5, "cases_paid_in_full": 3}
    assert result["reminder_effect"] == {
        "reminded": {"cases": 4, "paid_7d": 1, "share_7d": 0.25, "paid_14d": 2, "share_14d": 0.5},
        "comparison": {"cases": 2, "paid_7d": 1, "share_7d": 0.5, "paid_14d": 2, "share_14d": 1.0},
    }
    assert [(o["login"], o["attempts"], o["promises"], o["kept_rate"]) for o in result["operators"]] == [
        ("op1", 6, 2, 0.5), ("op2", 3, 2, 0.0), ("op3", 2, 1, 1.0),
    ]
    assert nonzero_days(result, "sms_delivered") == {
        "2026-11-01": 1, "2026-11-02": 1, "2026-11-10": 1, "2026-11-20": 2,
    }


def test_other_department_sees_only_its_rows(app):
    data = dataset.build()
    result = summary(START, END, data.water.id, None)

    assert result["calls"]["attempts"] == 2 and result["calls"]["right_party_contacts"] == 1
    assert result["sms"]["created"] == 1 and result["sms"]["delivered"] == 1
    assert result["promises"]["made"] == 1 and result["promises"]["kept"] == 1
    assert result["payments"] == {"collected": 12000, "count": 1, "cases_paid_in_full": 1}
    assert result["reminder_effect"]["reminded"]["cases"] == 1
    assert result["reminder_effect"]["comparison"] == {
        "cases": 1, "paid_7d": 1, "share_7d": 1.0, "paid_14d": 1, "share_14d": 1.0,
    }
    assert [o["login"] for o in result["operators"]] == ["op3"]


def test_operator_filter_applies_to_calls_and_promises_only(app):
    data = dataset.build()
    result = summary(START, END, data.tax.id, data.op1.id)

    assert result["operator"] == {"id": data.op1.id, "login": "op1", "name": "op1"}
    assert result["calls"] == {
        "attempts": 6, "inbound": 0, "contacts": 3, "contact_rate": 0.5,
        "right_party_contacts": 2, "right_party_contact_rate": 0.3333,
    }
    assert result["promises"] == {
        "made": 2, "judged": 2, "kept": 1, "partially_kept": 1, "broken": 0, "kept_rate": 0.5,
        "amount_promised": 38000, "amount_collected": 35000, "promise_rate": 1.0,
    }
    assert [o["login"] for o in result["operators"]] == ["op1"]
    # Department-wide whatever the operator: SMS, money, the reminder comparison.
    assert result["sms"]["created"] == 8
    assert result["payments"]["collected"] == 86000
    assert result["reminder_effect"]["reminded"]["cases"] == 3


def test_period_boundaries_are_local_days(app):
    data = dataset.build()
    first_day = summary(START, START, data.tax.id, None)
    assert first_day["calls"]["attempts"] == 1  # 00:00 on the 1st in; 23:59 on Oct 31 out
    assert first_day["promises"]["judged"] == 1  # judged at 00:00 local on the 1st
    assert first_day["payments"]["cases_paid_in_full"] == 1
    assert len(first_day["daily"]) == 1

    october = summary(date(2026, 10, 1), date(2026, 10, 31), data.tax.id, None)
    assert october["calls"]["attempts"] == 1
    assert october["promises"]["made"] == 2 and october["promises"]["judged"] == 1
    assert october["payments"]["collected"] == 5000
    assert october["sms"]["created"] == 1

    december_first = summary(date(2026, 12, 1), date(2026, 12, 1), data.tax.id, None)
    assert december_first["calls"]["right_party_contacts"] == 1
    assert december_first["payments"] == {"collected": 1000, "count": 1, "cases_paid_in_full": 1}


def test_empty_period_has_no_rates(app):
    data = dataset.build()
    result = summary(date(2025, 1, 1), date(2025, 1, 31), data.tax.id, None)
    assert result["calls"]["attempts"] == 0 and result["calls"]["contact_rate"] is None
    assert result["sms"]["delivery_rate"] is None and result["promises"]["kept_rate"] is None
    assert result["promises"]["promise_rate"] is None
    assert result["reminder_effect"]["reminded"] == {
        "cases": 0, "paid_7d": 0, "share_7d": None, "paid_14d": 0, "share_14d": None,
    }
    assert result["operators"] == []
