"""The `make run` demo imports on SQLite: the unchanged rows of a re-import are found there by
batched look-ups (no COPY), and a re-import changes nothing while a changed row still goes in."""

from datetime import UTC, datetime

from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from app.cases import importing
from app.cases.csv_rows import parse_row as real
from app.cases.jobs import run_import
from app.cases.models import Case, Charge, ImportJob
from app.clock import utcnow
from app.extensions import db
from tests import factories as f
from tests.cases.import_files import csv_bytes, row
from tests.conftest import test_config as config_for_tests

NOV10 = datetime(2026, 11, 9, 23, 0, tzinfo=UTC)


def _run(content: bytes) -> ImportJob:
    job = importing.create_import(None, "cases.csv", content, utcnow(), NOV10)
    db.session.commit()
    run_import(job.id)
    db.session.expire_all()
    return db.session.get(ImportJob, job.id)


def test_a_reimport_on_sqlite_skips_the_unchanged_rows(tmp_path, monkeypatch):
    demo = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'demo.db'}",
                                       REDIS_URL=None))
    with demo.app_context():
        try:
            upgrade()
            f.department("TAX")
            db.session.commit()
            rows = [row(case_ref=f"C{n}", taxpayer_ref=f"T{n}", phone=f"090-1234-{n:04d}")
                    for n in range(1, 1201)]
            first = _run(csv_bytes(*rows))
            assert (first.status, first.imported, first.summary["cases"]["opened"]) == ("done", 1200, 1200)
            stamp = db.session.scalar(select(func.max(Case.updated_at)))
            parsed = []
            monkeypatch.setattr(importing, "parse_row",
                                lambda line, *a: parsed.append(line) or real(line, *a))
            again = _run(csv_bytes(*rows))  # more rows than one look-up batch
            assert parsed == []  # every row was found unchanged: none was checked again
            assert (again.status, again.imported, again.errors) == ("done", 1200, [])
            assert again.summary["charges"] == {"new": 0, "changed": 0, "closed": 0, "closed_absent": 0,
                                                "settled_unknown": 0}
            assert db.session.scalar(select(func.max(Case.updated_at))) == stamp
            rows[7] = row(case_ref="C8", taxpayer_ref="T8", phone="090-1234-0008", amount_due="500")
            changed = _run(csv_bytes(*rows, rows[3]))  # one changed row, one repeated line
            assert parsed == [9, 1202]
            assert changed.summary["charges"]["changed"] == 1
            assert [(e["line"], e["column"]) for e in changed.errors] == [(1202, "tax_type")]
            case = db.session.scalar(select(Case).where(Case.case_ref == "C8"))
            assert (case.balance, db.session.scalar(select(func.count()).select_from(Charge))) == (500, 1200)
        finally:
            db.session.remove()
            db.engine.dispose()
