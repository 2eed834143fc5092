"""The charts: pygal SVG with a Japanese-capable font, no scripts, a point per day."""

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

from flask_babel import force_locale

from app.reports.charts import outcomes_svg, payments_svg, trend_svg

SVG = "{http://www.w3.org/2000/svg}"


def result(days=3, outcomes=(2, 1, 0)):
    daily = [{"date": (date(2026, 11, 1) + timedelta(days=d)).isoformat(), "attempts": d,
              "contacts": 1, "sms_delivered": 0, "payments": 1000 * d} for d in range(days)]
    return {"daily": daily, "promise_outcomes": dict(zip(("kept", "partially_kept", "broken"), outcomes,
                                                          strict=True))}


def test_trend_chart(app):
    with app.test_request_context(), force_locale("en"):
        svg = trend_svg(result())
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert not list(root.iter(f"{SVG}script"))
    assert "IPAPGothic" in svg and "Noto Sans CJK JP" in svg
    texts = [t.text for t in root.iter(f"{SVG}text") if t.text]
    assert "Per day" in texts and "11/1" in texts and "11/3" in texts
    assert "Call attempts" in svg and "SMS delivered" in svg
    assert not re.search(r'id="activate-serie', svg)


def test_payments_and_outcomes_charts(app):
    with app.test_request_context(), force_locale("ja"):
        payments = payments_svg(result())
        outcomes = outcomes_svg(result())
        empty = outcomes_svg(result(outcomes=(0, 0, 0)))
    assert "2,000" in payments and "<script" not in payments
    assert "<script" not in outcomes
    ET.fromstring(empty)  # "no promises judged" rather than a crash
    assert "Promises judged" not in empty


def test_a_year_of_days_still_renders(app):
    with app.test_request_context():
        svg = trend_svg(result(days=366))
    assert svg.count("<path") > 3
