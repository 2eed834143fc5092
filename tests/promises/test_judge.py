"""The judgement of promises from payments, at its boundaries (grace 3 days, tolerance 100%)."""

from datetime import date

import pytest
from sqlalchemy import func, select, text

from app.escalation.models import EscalationFiring
from app.extensions import db
from app.payments.models import Payment
from app.promises import judge as judge_module
from app.promises.judge import judge_promises
from app.promises.models import Promise, PromiseStatus
from tests import factories as f
from tests.conftest import TEST_DATABASE_URL
from tests.promises.helpers import audits, broken_rule, local, pay, promise

DUE = date(2026, 11, 20)  # + 3 grace days: payments up to the 23rd count, judged from the 24th
GRACE_DAY = date(2026, 11, 23)
JUDGE_DAY = date(2026, 11, 24)


@pytest.fixture
def dept(app):
    dept = f.department("TAX")
    broken_rule(dept)
    return dept


@pytest.fixture
def case(dept):
    return f.case(dept, balance=50000, priority=5)


def stored_payment(case, amount: int, paid_on: date) -> None:
    """A payment row as a bulk load leaves it (no service: the judge does all the judging)."""
    db.session.add(Payment(payment_ref=f"B{case.id}-{paid_on}-{amount}", case_id=case.id, amount=amount,
                           paid_on=paid_on, source="csv", created_at=local(paid_on)))
    db.session.commit()


def judged(case, amount=10000, payments=(), on=JUDGE_DAY):
    made = promise(case, (amount, DUE))
    for paid, paid_on in payments:
        stored_payment(case, paid, paid_on)
    counts = judge_promises(local(on, 0, 30))
    db.session.expire_all()
    return db.session.get(Promise, made.id), counts


def test_exactly_the_promised_amount_on_the_grace_day_is_kept(case):
    made, counts = judged(case, payments=[(4000, date(2026, 11, 16)), (6000, GRACE_DAY)])
    assert (made.status, made.collected) == (PromiseStatus.KEPT, 10000)
    assert made.instalments[0].status == PromiseStatus.KEPT
    assert counts["kept"] == 1 and counts["broken"] == 0
    assert case.promise_broken is False and audits("promise.judge") == 1


def test_one_yen_under_is_partially_kept_and_the_case_comes_back(case):
    made, _ = judged(case, payments=[(9999, DUE)])
    assert (made.status, made.collected) == (PromiseStatus.PARTIALLY_KEPT, 9999)
    assert case.promise_broken is False
    assert case.next_action_at == local(JUDGE_DAY, 0, 30)


def test_a_payment_the_day_after_the_grace_day_does_not_count(case):
    made, counts = judged(case, payments=[(10000, JUDGE_DAY)], on=date(2026, 11, 25))
    assert (made.status, made.collected) == (PromiseStatus.BROKEN, 0)
    assert counts["broken"] == 1


def test_a_payment_before_the_promise_does_not_count_one_on_its_day_does(case):
    made, _ = judged(case, payments=[(10000, date(2026, 11, 15))])  # the promise is from the 16th
    assert made.status == PromiseStatus.BROKEN
    made, _ = judged(f.case(case.department), payments=[(10000, date(2026, 11, 16))])
    assert made.status == PromiseStatus.KEPT


def test_not_judged_before_the_grace_has_passed(case):
    made, counts = judged(case, on=GRACE_DAY)  # late evening of the grace day: still pending
    assert made.status == PromiseStatus.PENDING and counts["broken"] == 0
    assert judge_promises(local(GRACE_DAY, 23, 59))["broken"] == 0


def test_broken_heads_the_queue_and_fires_the_rule_once(case):
    made, _ = judged(case)
    assert (made.status, made.collected) == (PromiseStatus.BROKEN, 0)
    assert case.promise_broken is True and case.next_action_at == local(JUDGE_DAY, 0, 30)
    assert case.priority == 1005  # the promise-broken rule raised it
    key = db.session.scalar(select(EscalationFiring.idempotency_key))
    assert key.endswith(f":promise:{made.id}:broken")
    # Judging again (the next hour, the next day) changes nothing twice.
    assert judge_promises(local(JUDGE_DAY, 1, 30)) == {"kept": 0, "partially_kept": 0, "broken": 0,
                                                       "instalments": 0, "skipped": 0}
    judge_promises(local(date(2026, 11, 30)))
    db.session.expire_all()
    assert case.priority == 1005 and audits("promise.judge") == 1
    assert db.session.scalar(select(func.count()).select_from(EscalationFiring)) == 1


def test_a_new_promise_clears_the_broken_flag_and_kept_keeps_it_clear(case):
    judged(case)
    assert case.promise_broken is True
    made = promise(case, (5000, date(2026, 12, 1)), now=local(JUDGE_DAY))
    assert case.promise_broken is False
    pay(case, 5000, date(2026, 12, 1))
    db.session.expire_all()
    assert db.session.get(Promise, made.id).status == PromiseStatus.KEPT  # paid: kept at once
    assert case.promise_broken is False


def test_a_payment_through_the_service_that_reaches_the_total_keeps_the_promise_at_once(case):
    made = promise(case, (10000, DUE))
    pay(case, 9999, date(2026, 11, 17))
    assert statuses(made)[0] == "pending"
    pay(case, 1, GRACE_DAY)
    assert statuses(made) == ["kept", "kept"]
    assert judge_promises(local(JUDGE_DAY))["kept"] == 0  # nothing left to judge


def test_tolerance_95_percent(app, case):
    app.config["PROMISE_TOLERANCE_PERCENT"] = 95
    made, _ = judged(case, payments=[(9500, DUE)])
    assert made.status == PromiseStatus.KEPT
    made, _ = judged(f.case(case.department), payments=[(9499, DUE)])
    assert made.status == PromiseStatus.PARTIALLY_KEPT


PLAN = ((10000, date(2026, 11, 20)), (10000, date(2026, 12, 20)), (10000, date(2027, 1, 20)))


def statuses(made: Promise) -> list[str]:
    db.session.expire_all()
    made = db.session.get(Promise, made.id)
    return [made.status] + [i.status for i in made.instalments]


def test_instalments_each_judged_when_their_own_grace_has_passed(case):
    made = promise(case, *PLAN)
    pay(case, 10000, date(2026, 11, 22))
    judge_promises(local(date(2026, 11, 24)))
    assert statuses(made) == ["pending", "kept", "pending", "pending"]
    pay(case, 10000, date(2026, 12, 23))  # the grace day of the second
    judge_promises(local(date(2026, 12, 24)))
    assert statuses(made) == ["pending", "kept", "kept", "pending"]
    pay(case, 9000, date(2027, 1, 10))
    judge_promises(local(date(2027, 1, 24)))
    assert statuses(made) == ["partially_kept", "kept", "kept", "partially_kept"]
    assert db.session.get(Promise, made.id).collected == 29000


def test_a_missed_instalment_ends_the_plan(case):
    made = promise(case, *PLAN)
    pay(case, 10000, date(2026, 11, 20))
    judge_promises(local(date(2026, 12, 24)))  # nothing went to the second instalment
    assert statuses(made) == ["partially_kept", "kept", "broken", "cancelled"]
    assert case.promise_broken is False and case.next_action_at == local(date(2026, 12, 24))


def test_a_plan_missed_from_the_first_instalment_is_broken(case):
    made = promise(case, *PLAN)
    judge_promises(local(date(2026, 11, 24)))
    assert statuses(made) == ["broken", "broken", "cancelled", "cancelled"]
    assert case.promise_broken is True


def test_instalments_count_cumulatively_money_goes_to_the_earliest(case):
    made = promise(case, *PLAN)
    pay(case, 4000, date(2026, 11, 20))
    judge_promises(local(date(2026, 11, 24)))
    assert statuses(made) == ["pending", "partially_kept", "pending", "pending"]
    pay(case, 15000, date(2026, 12, 20))  # 19,000 by the second's grace: 1,000 short of 20,000
    judge_promises(local(date(2026, 12, 24)))
    assert statuses(made) == ["pending", "partially_kept", "partially_kept", "pending"]
    pay(case, 11000, date(2027, 1, 20))  # caught up: 30,000
    judge_promises(local(date(2027, 1, 24)))
    assert statuses(made) == ["kept", "partially_kept", "partially_kept", "kept"]


def test_paying_the_whole_plan_early_keeps_it_at_once(case):
    made = promise(case, *PLAN)
    pay(case, 30000, date(2026, 11, 18))
    assert statuses(made) == ["kept", "kept", "kept", "kept"]
    assert db.session.get(Promise, made.id).collected == 30000


def test_many_promises_are_judged_in_batches(dept, monkeypatch):
    monkeypatch.setattr(judge_module, "BATCH", 2)
    cases = [f.case(dept) for _ in range(5)]
    made = [promise(c, (1000, DUE)) for c in cases]
    stored_payment(cases[0], 1000, DUE)
    counts = judge_promises(local(JUDGE_DAY))
    assert counts == {"kept": 1, "partially_kept": 0, "broken": 4, "instalments": 5, "skipped": 0}
    assert {statuses(m)[0] for m in made[1:]} == {"broken"}


def test_a_case_locked_by_a_payment_in_progress_is_judged_on_the_next_run(case):
    import psycopg

    made = promise(case, (10000, DUE))
    with psycopg.connect(TEST_DATABASE_URL) as other:  # another transaction holds the case row
        other.execute(text("SELECT id FROM cases WHERE id = %s FOR UPDATE").text, (case.id,))
        counts = judge_promises(local(JUDGE_DAY))
        assert counts["skipped"] == 1 and counts["broken"] == 0
        other.rollback()
    assert statuses(made)[0] == "pending"
    assert judge_promises(local(JUDGE_DAY, 1))["broken"] == 1
    assert statuses(made)[0] == "broken"
