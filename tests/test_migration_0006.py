"""Migration 0006 carries existing data over: charges keep their identity (period and notice_no
empty) and become open, balances do not change, payments are confirmed; the next import of the
same charges updates them instead of adding new ones."""

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from app.cases import importing
from app.cases.jobs import run_import
from app.cases.models import Case, Charge
from app.extensions import db
from app.payments.balance import case_balance
from tests import conftest
from tests import factories as f
from tests.cases.import_files import csv_bytes, row


@pytest.fixture
def old_app():
    with conftest.app_on_a_new_database("_m6") as app:
        yield app


def test_upgrade_keeps_identity_and_balances(old_app):
    upgrade(revision="0005")
    now = f.WORKDAY_MORNING
    # The department as the 0005 schema has it (the ORM model knows later columns).
    dept_id = db.session.execute(text(
        "INSERT INTO departments (code, name, sender_id, callback_phone, calling_start, calling_end,"
        " sms_start, sms_end, rest_days, max_calls_per_day, max_calls_per_week, created_at)"
        " VALUES ('TAX', '税務課', 'TAX', '048-555-0100', '09:00', '20:00', '09:00', '20:00',"
        " 'sun,holidays', 3, 7, :now) RETURNING id"), {"now": now}).scalar_one()
    sql = [
        ("INSERT INTO taxpayers (taxpayer_ref, name, name_kana, address, search_key, created_at) "
         "VALUES ('T001', '山田 太郎', 'ヤマダ タロウ', '', '', :now)"),
        # 12,300 + 50,000 owed, 20,000 paid before the upgrade: balance 42,300
        ("INSERT INTO cases (case_ref, taxpayer_id, department_id, status, balance, priority, "
         "promise_broken, created_at, updated_at) SELECT 'C001', id, :dept, 'open', 42300, 4, false, "
         ":now, :now FROM taxpayers"),
        ("INSERT INTO charges (case_id, tax_type, fiscal_year, amount_due, due_date) "
         "SELECT id, '住民税', 2024, 12300, '2025-05-31' FROM cases"),
        ("INSERT INTO charges (case_id, tax_type, fiscal_year, amount_due, due_date) "
         "SELECT id, '固定資産税', 2023, 50000, '2024-04-30' FROM cases"),
        ("INSERT INTO payments (payment_ref, case_id, amount, paid_on, source, created_at) "
         "SELECT 'P1', id, 20000, '2026-11-01', 'csv', :now FROM cases"),
    ]
    for statement in sql:
        db.session.execute(text(statement), {"now": now, "dept": dept_id})
    db.session.commit()

    upgrade()
    db.session.expire_all()
    case = db.session.scalar(select(Case))
    assert case.balance == 42300  # unchanged by the upgrade
    assert case_balance(case.id) == 42300  # and the rule agrees: 12,300 + 50,000 - 20,000
    assert case.extract_as_of is None
    charges = [(c.tax_type, c.fiscal_year, c.period, c.notice_no, c.status) for c in case.charges]
    assert charges == [("固定資産税", 2023, "", "", "open"), ("住民税", 2024, "", "", "open")]
    assert db.session.execute(text("SELECT kind, reverses_id FROM payments")).one() == ("confirmed", None)

    # The old file (no period, no notice number) updates the same two charges.
    content = csv_bytes(row(case_ref="C001", taxpayer_ref="T001", amount_due="12300"),
                        row(case_ref="C001", taxpayer_ref="T001", tax_type="固定資産税",
                            fiscal_year="2023", amount_due="50000", due_date="2024-04-30"))
    job = importing.create_import(None, "old.csv", content, now)
    db.session.commit()
    run_import(job.id)
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count()).select_from(Charge)) == 2
    assert job.summary["charges"]["new"] == 0
