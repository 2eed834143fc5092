"""create_promise: validation, one pending promise per case, the case rests while it runs."""

from datetime import date, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from app.calls.claims import claim_next
from app.calls.services import log_call
from app.extensions import db
from app.promises.models import Promise, PromiseStatus
from app.promises.services import PromiseError, create_promise
from tests import factories as f
from tests.promises.helpers import TODAY, audits, local, promise


@pytest.fixture
def dept(app):
    return f.department("TAX")


@pytest.fixture
def op(dept):
    return f.user("op", "operator", dept)


def errors(case, plan, actor, now=f.WORKDAY_MORNING, **kw) -> dict:
    with pytest.raises(PromiseError) as caught:
        create_promise(case, plan, actor, now, **kw)
    db.session.rollback()
    assert db.session.scalar(select(Promise.id)) is None
    with current_app.test_request_context(headers={"Accept-Language": "en"}):  # lazy messages
        return {k: str(v) for k, v in caught.value.fields.items()}


def test_a_single_promise_rests_the_case_until_the_day_after_its_grace(dept, op):
    case = f.case(dept, balance=50000)
    case.promise_broken = True
    db.session.commit()
    made = promise(case, (20000, date(2026, 11, 20)), actor=op, notes=" pays at the post office ")

    assert made.status == PromiseStatus.PENDING and made.total_amount == 20000
    assert (made.first_due_date, made.last_due_date) == (date(2026, 11, 20), date(2026, 11, 20))
    assert [(i.seq, i.amount, i.status) for i in made.instalments] == [(1, 20000, "pending")]
    assert made.notes == "pays at the post office" and made.created_by_id == op.id
    assert made.allowed_by_id is None
    # 20 Nov + 3 grace days = 23 Nov; the case comes back on the 24th at calling start (09:00).
    assert case.next_action_at == local(date(2026, 11, 24), 9)
    assert case.promise_broken is False
    assert audits("promise.create") == 1


@pytest.mark.parametrize(("plan", "field", "reason"), [
    ([(0, TODAY)], "instalments.0.amount", "above 0"),
    ([(-5, TODAY)], "instalments.0.amount", "above 0"),
    ([(True, TODAY)], "instalments.0.amount", "above 0"),
    ([("100", TODAY)], "instalments.0.amount", "above 0"),
    ([(100, None)], "instalments.0.due_date", "YYYY-MM-DD"),
    ([(100, TODAY - timedelta(days=1))], "instalments.0.due_date", "past"),
    ([(100, TODAY + timedelta(days=91))], "instalments.0.due_date", "90 days"),
    ([(100, date(2026, 12, 1)), (100, date(2026, 12, 1))], "instalments", "in order"),
    ([(100, date(2026, 12, 2)), (100, date(2026, 12, 1))], "instalments", "in order"),
    ([(10, TODAY + timedelta(days=n)) for n in range(13)], "instalments", "At most 12"),
    ([], "instalments", "at least one"),
])
def test_bad_promises_are_refused_with_the_field(dept, op, plan, field, reason):
    found = errors(f.case(dept), plan, op)
    assert field in found and reason in found[field], found


def test_today_and_the_horizon_day_itself_are_accepted(dept, op):
    made = promise(f.case(dept), (100, TODAY), (100, TODAY + timedelta(days=90)), actor=op)
    assert len(made.instalments) == 2 and made.total_amount == 200


def test_today_is_the_local_date_not_the_utc_one(dept, op):
    # 15 Nov 15:30 UTC is already 16 Nov 00:30 in Tokyo: the 15th is the past there.
    just_after_midnight = datetime.fromisoformat("2026-11-15T15:30:00+00:00")
    assert "past" in errors(f.case(dept), [(100, date(2026, 11, 15))], op, now=just_after_midnight)[
        "instalments.0.due_date"]
    assert promise(f.case(dept), (100, date(2026, 11, 16)), actor=op, now=just_after_midnight).id


def test_a_total_above_the_balance_needs_a_supervisor_who_allows_it(dept, op):
    case = f.case(dept, balance=30000)
    assert "above the balance" in errors(case, [(30001, TODAY)], op)["total"]
    assert "Only a supervisor" in errors(case, [(30001, TODAY)], op, allow_above_balance=True)["total"]
    boss = f.user("boss", "supervisor", dept)
    assert "above the balance" in errors(case, [(30001, TODAY)], boss)["total"]
    made = promise(case, (20000, TODAY), (10001, TODAY + timedelta(days=30)), actor=boss,
                   allow_above_balance=True)
    assert made.allowed_by_id == boss.id and made.total_amount == 30001
    assert promise(case, (30000, TODAY), actor=op).allowed_by_id is None  # exactly the balance


def test_a_case_that_owes_nothing_takes_no_promise(dept, op):
    assert "owes nothing" in errors(f.case(dept, balance=0), [(100, TODAY)], op)["case"]
    assert "owes nothing" in errors(f.case(dept, status="closed"), [(100, TODAY)], op)["case"]


def test_a_new_promise_cancels_the_pending_one(dept, op):
    case = f.case(dept)
    first = promise(case, (10000, date(2026, 11, 20)), actor=op)
    second = promise(case, (5000, date(2026, 11, 25)), (5000, date(2026, 12, 25)), actor=op)
    db.session.refresh(first)
    assert first.status == PromiseStatus.CANCELLED and first.instalments[0].status == "cancelled"
    assert second.status == PromiseStatus.PENDING
    assert case.next_action_at == local(date(2026, 12, 29), 9)
    assert audits("promise.cancel") == 1


def test_a_pending_promise_keeps_the_case_out_of_the_queue(dept, op):
    case = f.case(dept, priority=900)
    other = f.case(dept, priority=1)
    promise(case, (10000, date(2026, 11, 20)), actor=op)

    assert claim_next(op, f.WORKDAY_MORNING, 15).id == other.id
    db.session.commit()
    # A call logged afterwards (the operator clicks "answered" after recording the promise)
    # does not bring the case back before the promise's deadline.
    log_call(case, case.taxpayer.phones[0], "answered", "outbound", None, op, f.WORKDAY_MORNING)
    db.session.commit()
    assert case.next_action_at == local(date(2026, 11, 24), 9)
    assert claim_next(op, local(date(2026, 11, 20), 19), 15).id == other.id  # Friday: still resting
    db.session.commit()
    assert claim_next(op, local(date(2026, 11, 24), 9, 5), 15).id == case.id
