"""The `make run` demo runs on SQLite: the same KPIs come out there (Asia/Tokyo has no daylight
saving, so the fixed offset SQLite uses gives the same local days), and the PDF renders."""

from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.reports.kpis import summary
from app.reports.pdf import render_pdf
from tests.conftest import test_config as config_for_tests
from tests.reports import dataset
from tests.reports.dataset import END, START
from tests.reports.helpers import pdf_text
from tests.reports.test_kpis import TAX_NOVEMBER, TAX_NOVEMBER_DAYS, nonzero_days


def test_kpis_and_pdf_on_the_sqlite_demo_database(tmp_path):
    demo = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'demo.db'}",
                                       REDIS_URL=None))
    with demo.app_context(), demo.test_request_context():
        try:
            upgrade()
            data = dataset.build()
            result = summary(START, END, data.tax.id, None)
            for key, expected in TAX_NOVEMBER.items():
                assert result[key] == expected, key
            for key, expected in TAX_NOVEMBER_DAYS.items():
                assert nonzero_days(result, key) == expected, key
            assert [o["login"] for o in result["operators"]] == ["op1", "op2"]
            everything = summary(START, END, None, None)
            assert everything["calls"]["attempts"] == 11 and everything["payments"]["collected"] == 98000
            assert "税務課" in pdf_text(render_pdf(result, "ja", dataset.jst(12, 1)))
        finally:
            db.session.remove()
            db.engine.dispose()
