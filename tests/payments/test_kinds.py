"""Payment kinds (issue 9): reversals, provisional then confirmed, the amount limit, date limits."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.cases import importing
from app.cases.jobs import run_import
from app.cases.models import Case
from app.extensions import db
from app.payments.models import Payment
from app.payments.services import PaymentError, record_payment
from tests import factories as f
from tests.cases.import_files import csv_bytes, row
from tests.cases.test_import_api import token_headers

NOW = f.WORKDAY_MORNING  # 2026-11-16 10:00 JST
TODAY = date(2026, 11, 16)


@pytest.fixture
def dept(app):
    return f.department("TAX")


def pay(ref, case, amount, paid_on=TODAY, **kw):
    result = record_payment(ref, case.case_ref, amount, paid_on, "api", NOW, **kw)
    db.session.commit()
    return result


def refused(ref, case, amount, paid_on=TODAY, **kw) -> dict:
    with pytest.raises(PaymentError) as caught:
        record_payment(ref, case.case_ref, amount, paid_on, "api", NOW, **kw)
    db.session.rollback()
    return caught.value.fields


def fresh(case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def test_a_reversal_restores_the_payment_and_reopens_the_closed_case(dept):
    case = f.case(dept, balance=20000)
    pay("P1", case, 20000)
    assert (fresh(case).status, fresh(case).balance) == ("closed", 0)
    reversal, created = pay("R1", case, None, kind="reversal", reverses="P1")  # the whole payment
    case = fresh(case)
    assert created and reversal.amount == 20000 and reversal.reverses.payment_ref == "P1"
    assert (case.status, case.balance, case.paid_in_full_at) == ("open", 20000, None)  # 0 + 20,000
    again, created = pay("R1", case, 20000, kind="reversal", reverses="P1")  # idempotent on its ref
    assert not created and again.id == reversal.id and fresh(case).balance == 20000


def test_a_partial_payment_reversed_on_an_open_case(dept):
    case = f.case(dept, balance=50000)
    pay("P1", case, 10000)
    pay("P2", case, 5000)
    pay("R2", case, 5000, kind="reversal", reverses="P2")
    assert fresh(case).balance == 40000  # 50,000 - 10,000 - 5,000 + 5,000


def test_bad_reversals_are_refused_with_the_field(dept):
    case, other = f.case(dept, balance=50000), f.case(dept, balance=50000)
    pay("P1", case, 10000)
    pay("Q1", other, 10000)
    assert "reverses" in refused("R1", case, None, kind="reversal", reverses="NOPE")
    assert "reverses" in refused("R1", case, None, kind="reversal", reverses="Q1")  # another case
    assert "reverses" in refused("R1", case, None, kind="reversal")  # names nothing
    assert "amount" in refused("R1", case, 9000, kind="reversal", reverses="P1")  # not its amount
    assert "paid_on" in refused("R1", case, None, date(2026, 11, 1), kind="reversal", reverses="P1")
    assert "reverses" in refused("X1", case, 100, reverses="P1")  # only a reversal names one
    assert "kind" in refused("X1", case, 100, kind="refund")
    pay("R1", case, None, kind="reversal", reverses="P1")
    assert "reverses" in refused("R2", case, None, kind="reversal", reverses="P1")  # already reversed
    assert "reverses" in refused("R3", case, None, kind="reversal", reverses="R1")  # a reversal
    assert fresh(case).balance == 50000  # 50,000 - 10,000 + 10,000


def test_reversal_422s_and_the_limit_through_the_api(app, client, runner, dept, monkeypatch):
    monkeypatch.setattr("app.clock.utcnow", lambda: NOW)
    f.case(dept, ref="C1", balance=50000)
    f.user("revenue", "manager")
    headers = token_headers(runner, "revenue")
    body = {"payment_ref": "P1", "case_ref": "C1", "amount": 10000, "paid_on": "2026-11-16"}
    answer = client.post("/api/v1/payments", json=body, headers=headers)
    assert answer.status_code == 201 and answer.get_json()["kind"] == "confirmed"
    reversal = {"payment_ref": "R1", "case_ref": "C1", "kind": "reversal", "reverses": "NOPE",
                "paid_on": "2026-11-16"}
    answer = client.post("/api/v1/payments", json=reversal, headers=headers)
    assert answer.status_code == 422 and "reverses" in answer.get_json()["fields"]
    answer = client.post("/api/v1/payments", json={**reversal, "reverses": "P1", "amount": 1},
                         headers=headers)
    assert answer.status_code == 422 and "amount" in answer.get_json()["fields"]
    answer = client.post("/api/v1/payments", json={**reversal, "reverses": "P1"}, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["reverses"] == "P1" and answer.get_json()["case"]["balance"] == 50000
    answer = client.post("/api/v1/payments", json={**body, "payment_ref": "P2", "amount": 10**12},
                         headers=headers)
    assert answer.status_code == 422 and "amount" in answer.get_json()["fields"]
    answer = client.post("/api/v1/payments", json={**body, "payment_ref": "P3", "paid_on": "0001-01-01"},
                         headers=headers)
    assert answer.status_code == 422 and "paid_on" in answer.get_json()["fields"]


def test_provisional_counts_until_confirmed_and_a_newer_extract_holds_the_truth(dept):
    case = f.case(dept, balance=30000)
    provisional, _ = pay("CVS-1", case, 10000, date(2026, 11, 12), kind="provisional")
    assert provisional.kind == "provisional" and fresh(case).balance == 20000  # counts like confirmed
    confirmed, created = pay("CVS-1", case, 10000, date(2026, 11, 12))  # the 確報 of the same payment
    assert not created and confirmed.id == provisional.id and confirmed.kind == "confirmed"
    assert fresh(case).balance == 20000  # counted once
    assert "payment_ref" in refused("CVS-1", case, 9999, date(2026, 11, 12))  # other data: 409
    pay("CVS-2", case, 5000, date(2026, 11, 13), kind="provisional")
    assert fresh(case).balance == 15000
    # The extract of 11-15 does not hold CVS-2 (dated before it): the extract is the truth now.
    content = csv_bytes(row(case_ref=case.case_ref, taxpayer_ref=case.taxpayer.taxpayer_ref,
                            amount_due="30000", due_date="2025-05-31", fiscal_year="2025"))
    job = importing.create_import(None, "x.csv", content, NOW, datetime(2026, 11, 14, 21, 0, tzinfo=UTC))
    db.session.commit()
    run_import(job.id)
    assert fresh(case).balance == 30000


def test_the_amount_is_at_most_the_balance_plus_ten_million(dept):
    case = f.case(dept, balance=441900)
    fields = refused("P1", case, 10**12)
    assert "amount" in fields and "10,000,000" in fields["amount"]
    assert "amount" in refused("P1", case, 441900 + 10_000_000 + 1)
    assert fresh(case).status == "open"  # a typo closed nothing
    pay("P1", case, 441900 + 10_000_000)  # the limit itself is accepted
    assert (fresh(case).balance, fresh(case).status) == (0, "closed")


@pytest.mark.parametrize("paid_on", [date(1, 1, 1), date(1899, 12, 31), date(2200, 1, 1), date(2026, 11, 17)])
def test_dates_outside_1900_2199_or_in_the_future_are_refused(dept, paid_on):
    case = f.case(dept, balance=1000)
    assert "paid_on" in refused("P1", case, 100, paid_on)


def test_the_csv_takes_kind_and_reverses(app, runner, dept, tmp_path, monkeypatch):
    monkeypatch.setattr("app.clock.utcnow", lambda: NOW)
    case = f.case(dept, ref="C1", balance=30000)
    path = tmp_path / "p.csv"
    path.write_text("payment_ref,case_ref,amount,paid_on,kind,reverses\r\n"
                    "P1,C1,30000,2026-11-10,,\r\n"
                    "P2,C1,1000,2026-11-11,provisional,\r\n"
                    "R1,C1,,2026-11-12,reversal,P1\r\n"
                    "R2,C1,,2026-11-12,reversal,NOPE\r\n"
                    "P3,C1,1,0001-01-01,,\r\n", encoding="utf-8")
    result = runner.invoke(args=["payments", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "recorded: 3" in result.output
    assert "line 5, column reverses" in result.output and "line 6, column paid_on" in result.output
    assert fresh(case).balance == 29000  # 30,000 - 30,000 - 1,000 + 30,000
    kinds = dict(db.session.execute(select(Payment.payment_ref, Payment.kind)).all())
    assert kinds == {"P1": "confirmed", "P2": "provisional", "R1": "reversal"}
