"""CSV and PDF downloads: their content (the PDF read back with poppler), the audit log, tokens."""

import csv
import io
import re

import pytest
from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.extensions import db
from tests import factories as f
from tests.reports import dataset
from tests.reports.helpers import bearer, embedded_japanese_font, pdf_fonts, pdf_text

MONTH = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: f.WORKDAY_MORNING)


def exports() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.export")
                                   .order_by(AuditEvent.id)))


def test_pdf_is_japanese_text_with_an_embedded_japanese_font(client):
    data = dataset.build()
    f.login(client, data.mgr)
    response = client.get("/reports/summary.pdf", query_string={**MONTH, "department": "TAX"})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert 'filename="report-TAX-2026-11-01-2026-11-30.pdf"' in response.headers["Content-Disposition"]
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF")
    fonts = pdf_fonts(pdf)
    assert embedded_japanese_font(fonts), fonts
    text = pdf_text(pdf)
    assert "税務課" in text  # the department's name, as text (not boxes)
    assert "Demo City" in text  # the municipality
    assert "2026-11-01" in text and "2026-11-30" in text
    pages = re.findall(r"(\d+)\s*/\s*(\d+)\s*\f", text)  # "n / total" at the foot of every page
    assert len(pages) >= 2 and pages[0] == ("1", str(len(pages))) and pages[-1][0] == str(len(pages))
    assert "op1" in text and "op2" in text  # the per-operator table
    assert "98,000" not in text and "86,000" in text  # TAX only

    [event] = exports()
    assert event.actor_id == data.mgr.id and event.object_type == "report"
    assert event.details == {"format": "pdf", "from": "2026-11-01", "to": "2026-11-30",
                             "department": "TAX", "language": "ja"}


def test_pdf_in_english_and_the_charts_are_drawn_as_text(client):
    data = dataset.build()
    f.login(client, data.mgr)
    pdf = client.get("/reports/summary.pdf", query_string={**MONTH, "lang": "en"}).get_data()
    text = pdf_text(pdf)
    assert "Collections report" in text and "All departments" in text
    assert "Call attempts" in text and "Contacts / call attempts." in text
    assert "Promise outcomes" in text and "Per day" in text  # chart titles: SVG text, not pixels
    assert embedded_japanese_font(pdf_fonts(pdf))


def test_pdf_bad_language_or_dates_is_400_and_not_audited(client):
    data = dataset.build()
    f.login(client, data.mgr)
    assert client.get("/reports/summary.pdf", query_string={**MONTH, "lang": "fr"}).status_code == 400
    assert client.get("/reports/summary.pdf", query_string={"from": "2026-11-01"}).status_code == 400
    assert client.get("/reports/summary.pdf", query_string={"from": "x", "to": "y"}).status_code == 400
    assert exports() == []


def test_pdf_with_an_api_token_and_supervisor_scope(client):
    data = dataset.build()
    headers = bearer(data.sup)
    response = client.get("/reports/summary.pdf", query_string={**MONTH, "department": "TAX"},
                          headers=headers)
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF")
    assert client.get("/reports/summary.pdf", query_string={**MONTH, "department": "WATER"},
                      headers=headers).status_code == 404
    assert client.get("/reports/summary.pdf", query_string=MONTH,
                      headers=bearer(data.op1)).status_code == 403
    assert [e.details["department"] for e in exports()] == ["TAX"]


def test_csv_has_the_same_numbers_raw(client):
    data = dataset.build()
    data.op2.display_name = "=HYPERLINK(\"http://evil\")"  # a spreadsheet formula as a name
    db.session.commit()
    f.login(client, data.mgr)
    response = client.get("/reports/summary.csv", query_string={**MONTH, "department": "TAX"},
                          headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="report-TAX-2026-11-01-2026-11-30.csv"' in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    by_key = {r[2]: r[3] for r in rows if len(r) == 5 and "." in r[2]}
    assert by_key["calls.attempts"] == "9"
    assert by_key["calls.contact_rate"] == "0.5556"
    assert by_key["payments.collected"] == "86000"
    assert by_key["sms.suppressed_by_reason.paid"] == "1"
    assert by_key["reminder_effect.comparison.share_14d"] == "1.0"
    assert ["op2", "'=HYPERLINK(\"http://evil\")", "3", "2", "2", "2", "1", "0", "0.0"] in rows
    assert ["2026-11-27", "0", "0", "0", "50000"] in rows
    assert ["Department", "TAX", "税務課"] in rows
    assert any(r[:1] == ["1"] and r[1].startswith("Outbound calls logged in the period") for r in rows)
    [event] = exports()
    assert event.details["format"] == "csv" and event.details["department"] == "TAX"
