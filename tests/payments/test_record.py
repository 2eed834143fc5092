"""record_payment: idempotent on payment_ref, lowers the balance under a lock, closes a paid case."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from app.cases.models import Case
from app.extensions import db
from app.payments.models import Payment
from app.payments.services import PaymentError, record_payment
from app.promises.models import Promise, PromiseStatus
from app.sms import outbox
from app.sms.models import SmsStatus
from tests import factories as f
from tests.promises.helpers import audits, local, promise

NOW = f.WORKDAY_MORNING
TODAY = date(2026, 11, 16)


@pytest.fixture
def dept(app):
    return f.department("TAX")


def record(ref, case, amount, paid_on=TODAY, now=NOW):
    result = record_payment(ref, case.case_ref, amount, paid_on, "api", now)
    db.session.commit()
    return result


def refused(*args, now=NOW) -> PaymentError:
    with pytest.raises(PaymentError) as caught:
        record_payment(*args, now)
    db.session.rollback()
    return caught.value


def test_a_payment_lowers_the_balance_and_a_replay_changes_nothing(dept):
    case = f.case(dept, balance=50000)
    payment, created = record("R1", case, 20000)
    assert created and payment.amount == 20000 and payment.source == "api"
    assert case.balance == 30000 and case.status == "open"
    again, created = record("R1", case, 20000)
    assert not created and again.id == payment.id and case.balance == 30000
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
    assert audits("payment.record") == 1


def test_the_same_ref_with_other_data_is_an_error_not_an_overwrite(dept):
    case, other = f.case(dept), f.case(dept)
    record("R1", case, 20000)
    for args in (("R1", case.case_ref, 20001, TODAY), ("R1", case.case_ref, 20000, date(2026, 11, 15)),
                 ("R1", other.case_ref, 20000, TODAY)):
        error = refused(*args, "csv")
        assert error.conflict and "payment_ref" in error.fields
    db.session.expire_all()
    assert db.session.get(Case, case.id).balance == 30000 and db.session.get(Case, other.id).balance == 50000


@pytest.mark.parametrize(("args", "field"), [
    (("", "C1", 100, TODAY, "api"), "payment_ref"),
    (("x" * 65, "C1", 100, TODAY, "api"), "payment_ref"),
    (("R", "", 100, TODAY, "api"), "case_ref"),
    (("R", "C1", 0, TODAY, "api"), "amount"),
    (("R", "C1", 10.5, TODAY, "api"), "amount"),
    (("R", "C1", "100", TODAY, "api"), "amount"),
    (("R", "C1", 100, "2026-11-16", "api"), "paid_on"),
    (("R", "C1", 100, date(2026, 11, 17), "api"), "paid_on"),  # the future
    (("R", "C1", 100, TODAY, "fax"), "source"),
    (("R", "NOPE", 100, TODAY, "api"), "case_ref"),
])
def test_bad_payments_are_refused(dept, args, field):
    f.case(dept, ref="C1")
    error = refused(*args)
    assert field in error.fields and not error.conflict
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0


def test_paid_in_full_closes_the_case_releases_the_claim_and_suppresses_waiting_sms(dept):
    op = f.user("op", "operator", dept)
    case = f.case(dept, balance=30000)
    case.claimed_by_id, case.claimed_until = op.id, local(TODAY, 11)
    phone = case.taxpayer.phones[0]
    queued = outbox.queue_sms(case, phone, "【TAX】a", idempotency_key="k1", now=NOW)
    scheduled = outbox.queue_sms(case, phone, "【TAX】b", idempotency_key="k2", now=NOW)
    scheduled.status = SmsStatus.SCHEDULED
    sent = outbox.queue_sms(case, phone, "【TAX】c", idempotency_key="k3", now=NOW)
    sent.status = SmsStatus.SENT
    db.session.commit()

    record("R1", case, 10000)
    assert case.status == "open" and queued.status == SmsStatus.QUEUED
    record("R2", case, 20000, now=local(TODAY, 11))
    assert (case.status, case.balance, case.paid_in_full_at) == ("closed", 0, local(TODAY, 11))
    assert case.claimed_by_id is None and case.claimed_until is None
    db.session.expire_all()
    assert [(m.status, m.reason) for m in (queued, scheduled)] == [("suppressed", "paid")] * 2
    assert sent.status == SmsStatus.SENT
    assert audits("case.paid_in_full") == 1 and audits("sms.suppress") == 2


def test_an_overpayment_closes_the_case_at_zero_never_below(dept):
    case = f.case(dept, balance=1000)
    record("R1", case, 1500)
    # 1,000 - 1,500 = -500, and the balance rule never goes below 0 (the revenue system refunds)
    assert case.balance == 0 and case.status == "closed"


def test_paid_in_full_keeps_the_promise_it_reached_and_cancels_one_it_did_not(dept):
    case = f.case(dept, balance=30000)
    made = promise(case, (30000, date(2026, 11, 30)))
    record("R1", case, 30000)
    assert db.session.get(Promise, made.id).status == PromiseStatus.KEPT

    other = f.case(dept, balance=30000)
    made = promise(other, (10000, date(2026, 11, 30)))
    record("R2", other, 30000, paid_on=date(2026, 11, 13))  # dated before the promise was made
    db.session.expire_all()
    assert db.session.get(Promise, made.id).status == PromiseStatus.CANCELLED
    assert db.session.get(Case, other.id).status == "closed"


def _concurrently(app, calls) -> list:
    """Run each call in its own thread, app context and database session, all at once."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        with app.app_context():
            try:
                barrier.wait()
                results[i] = call()
                db.session.commit()
            except Exception as exc:  # reported below
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_concurrent_payments_on_one_case_all_count(app, dept):
    case = f.case(dept, balance=100000)
    ref = case.case_ref
    results = _concurrently(app, [
        (lambda n=n: record_payment(f"R{n}", ref, 1000 * (n + 1), TODAY, "api", NOW)[1]) for n in range(6)])
    assert results == [True] * 6
    db.session.expire_all()
    assert db.session.get(Case, case.id).balance == 100000 - 21000


def test_the_same_payment_delivered_twice_at_once_counts_once(app, dept):
    case = f.case(dept, balance=100000)
    ref = case.case_ref
    results = _concurrently(app, [
        (lambda: record_payment("SAME", ref, 7000, TODAY, "api", NOW)[1]) for _ in range(4)])
    assert sorted(results) == [False, False, False, True]
    db.session.expire_all()
    assert db.session.get(Case, case.id).balance == 93000
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
