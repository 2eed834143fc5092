from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.calls.claims import (
    NO_WORKABLE_CASES,
    OUTSIDE_HOURS,
    REST_DAY,
    claim_next,
    why_nothing,
    workable_count,
)
from app.calls.models import CallAttempt, CallDirection
from app.cases.models import Case, CaseStatus
from app.cases.priority import priority_score
from app.extensions import db
from tests import factories as f

NOW = f.WORKDAY_MORNING  # Monday 2026-11-16 10:00 JST


def _setup():
    dept = f.department("TAX")
    return dept, f.user("op1", "operator", dept), f.user("op2", "operator", dept)


def _claim(user, now=NOW):
    case = claim_next(user, now, 15)
    db.session.commit()
    return case


def test_broken_promise_first_then_priority(app):
    dept, op1, _ = _setup()
    low = f.case(dept, priority=10)
    high = f.case(dept, priority=500)
    broken = f.case(dept, priority=1)
    broken.promise_broken = True
    db.session.commit()
    claimed = _claim(op1)
    assert claimed.id == broken.id
    assert claimed.claimed_by_id == op1.id
    assert claimed.claimed_until == NOW + timedelta(minutes=15)
    # Take the broken-promise case out of the queue: next is the highest priority.
    claimed.next_action_at = NOW + timedelta(hours=1)
    db.session.commit()
    assert _claim(op1).id == high.id
    high.next_action_at = NOW + timedelta(hours=1)
    db.session.commit()
    assert _claim(op1).id == low.id


def test_claimed_by_other_is_skipped_until_expired(app):
    dept, op1, op2 = _setup()
    first = f.case(dept, priority=100)
    second = f.case(dept, priority=50)
    assert _claim(op1).id == first.id
    assert _claim(op2).id == second.id  # op1 holds the best one
    later = NOW + timedelta(minutes=16)  # op1's claim has expired
    db.session.expire_all()
    # op2's claim of `second` is released by op2's own new claim, so op2 takes the best again.
    assert claim_next(op2, later, 15).id == first.id
    db.session.commit()


def test_a_new_claim_releases_the_previous_one(app):
    dept, op1, _ = _setup()
    first = f.case(dept, priority=100)
    second = f.case(dept, priority=50)
    assert _claim(op1).id == first.id
    first.next_action_at = NOW + timedelta(hours=1)
    db.session.commit()
    assert _claim(op1).id == second.id
    db.session.expire_all()
    held = db.session.scalars(select(Case.id).where(Case.claimed_by_id == op1.id)).all()
    assert held == [second.id]
    assert db.session.get(Case, first.id).claimed_until is None


def test_claim_is_audited(app):
    dept, op1, op2 = _setup()
    case = f.case(dept)
    claimed = _claim(op1)
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "case.claim", AuditEvent.object_id == case.id)
    ).actor_id == op1.id
    assert claimed.id == case.id and claimed.claimed_by_id == op1.id


def test_next_action_time_is_respected(app):
    dept, op1, _ = _setup()
    case = f.case(dept)
    case.next_action_at = NOW + timedelta(minutes=30)
    db.session.commit()
    assert _claim(op1) is None
    assert why_nothing(dept, NOW) == NO_WORKABLE_CASES
    assert _claim(op1, NOW + timedelta(minutes=30)).id == case.id


def test_outside_hours_sunday_and_holiday_give_nothing(app):
    dept, op1, _ = _setup()  # 09:00-20:00, rest days sun,holidays
    f.case(dept)
    evening = datetime(2026, 11, 16, 11, 30, tzinfo=UTC)  # 20:30 JST Monday
    early = datetime(2026, 11, 16, 23, 59, tzinfo=UTC)  # 08:59 JST Tuesday
    sunday = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)  # 10:00 JST Sunday
    holiday = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 10:00 JST, 勤労感謝の日 (a Monday)
    for moment in (evening, early, sunday, holiday):
        assert _claim(op1, moment) is None, moment
        assert workable_count(dept, moment) == 0
    assert why_nothing(dept, evening) == OUTSIDE_HOURS
    assert why_nothing(dept, early) == OUTSIDE_HOURS
    assert why_nothing(dept, sunday) == REST_DAY
    assert why_nothing(dept, holiday) == REST_DAY
    assert _claim(op1, datetime(2026, 11, 24, 0, 0, tzinfo=UTC)) is not None  # 09:00 JST Tuesday


def test_round_the_clock_department_works_on_holidays(app):
    dept = f.department("DEMO", calling_hours="00:00-24:00", rest_days="none")
    op = f.user("op1", "operator", dept)
    case = f.case(dept)
    holiday_night = datetime(2026, 11, 23, 14, 59, tzinfo=UTC)  # 23:59 JST on a holiday
    assert _claim(op, holiday_night).id == case.id


def _calls(case, *moments, direction=CallDirection.OUTBOUND):
    for at in moments:
        db.session.add(CallAttempt(case_id=case.id, direction=direction, outcome="no_answer", at=at))
    db.session.commit()


def test_daily_cap_counts_outbound_calls_since_local_midnight(app):
    dept, op1, _ = _setup()  # 3 a day, 7 in 7 days
    case = f.case(dept)
    midnight_jst = datetime(2026, 11, 15, 15, 0, tzinfo=UTC)
    _calls(case, midnight_jst, midnight_jst + timedelta(minutes=5))
    _calls(case, midnight_jst - timedelta(minutes=1))  # yesterday, local time
    _calls(case, NOW - timedelta(minutes=1), direction=CallDirection.INBOUND)  # inbound: not capped
    assert workable_count(dept, NOW) == 1
    assert _claim(op1).id == case.id
    _calls(case, NOW - timedelta(minutes=10))  # the third outbound call today
    assert _claim(op1) is None
    assert workable_count(dept, NOW) == 0
    assert _claim(op1, NOW + timedelta(days=1)).id == case.id  # a new day


def test_weekly_cap_counts_the_last_seven_days(app):
    dept, op1, _ = _setup()
    case = f.case(dept)
    # 7 calls on the 5 days before today, at most 2 a day (under the daily cap).
    ago = ((1, 0), (1, 1), (2, 0), (2, 1), (3, 0), (4, 0), (6, 0))
    _calls(case, *(NOW - timedelta(days=d, hours=h) for d, h in ago))
    assert _claim(op1) is None
    # A day later the oldest call has left the 7-day window.
    assert _claim(op1, NOW + timedelta(days=1, hours=1)).id == case.id


def test_only_the_operators_department(app):
    tax, op1, _ = _setup()
    water = f.department("WATER")
    f.case(water, priority=999)
    mine = f.case(tax, priority=1)
    assert _claim(op1).id == mine.id
    mine.next_action_at = NOW + timedelta(hours=1)
    db.session.commit()
    assert _claim(op1) is None
    assert workable_count(water, NOW) == 1
    manager = f.user("mgr1", "manager")
    assert _claim(manager) is None  # no department, no queue


def test_cases_without_a_usable_phone_are_not_offered(app):
    dept, op1, _ = _setup()
    f.case(dept, phones=())
    unusable = f.case(dept)
    unusable.taxpayer.phones[0].usable = False
    opted_out = f.case(dept)
    f.opt_out(opted_out.taxpayer.phones[0], dept.id, commit=False)
    city_wide = f.case(dept)
    f.opt_out(city_wide.taxpayer.phones[0], None, commit=False)
    f.case(dept, status=CaseStatus.CLOSED)
    db.session.commit()
    assert _claim(op1) is None
    assert workable_count(dept, NOW) == 0
    second_phone = f.case(dept, phones=(("+819012345670", "mobile", True), ("+81485550111", "fixed", False)))
    f.opt_out(second_phone.taxpayer.phones[0], dept.id, commit=False)
    db.session.commit()
    assert _claim(op1).id == second_phone.id
    # Another department's opt-out does not take a case out of this department's queue.
    water = f.department("WATER")
    other = f.case(dept, phones=(("+819012345671", "mobile", True),), priority=-1)
    f.opt_out(other.taxpayer.phones[0], water.id)
    assert workable_count(dept, NOW) == 1  # `other` (second_phone is claimed by op1)


def test_workable_count_excludes_claimed_and_can_stop_at_a_cap(app):
    dept, op1, _ = _setup()
    for _ in range(5):
        f.case(dept)
    assert workable_count(dept, NOW) == 5
    _claim(op1)
    assert workable_count(dept, NOW) == 4
    assert workable_count(dept, NOW, cap=2) == 2


def test_priority_score_weighs_amount_and_age():
    today = date(2026, 11, 16)
    assert priority_score(0, None, today) == 0
    assert priority_score(129_999, None, today) == 12
    assert priority_score(10**12, None, today) == 1000
    assert priority_score(0, date(2026, 10, 16), today) == 1
    assert priority_score(0, date(2026, 10, 17), today) == 0
    assert priority_score(0, date(2000, 1, 1), today) == 120
    assert priority_score(50_000, date(2025, 11, 16), today) == 5 + 12
    assert priority_score(-5, date(2027, 1, 1), today) == 0


def test_worked_cases_rejoin_the_queue_in_order_when_their_next_action_comes(app):
    # The queue is two streams (never worked / worked): a worked case whose next action has
    # come must be offered in queue order among never-worked ones, a future one not at all.
    dept, op1, _ = _setup()
    fresh_high = f.case(dept, priority=300)
    later = f.case(dept, priority=250)  # worked, next action still ahead
    later.next_action_at = NOW + timedelta(hours=2)
    due = f.case(dept, priority=200)  # worked, next action has come
    due.next_action_at = NOW - timedelta(minutes=1)
    fresh_low = f.case(dept, priority=100)
    db.session.commit()
    assert workable_count(dept, NOW) == 3
    assert workable_count(dept, NOW, cap=2) == 2
    order = []
    for _ in range(3):
        case = _claim(op1)
        order.append(case.id)
        case.next_action_at = NOW + timedelta(hours=3)  # worked: out of the way
        db.session.commit()
    assert order == [fresh_high.id, due.id, fresh_low.id]
    assert _claim(op1) is None  # `later` is not offered before its time
    assert _claim(op1, NOW + timedelta(hours=2)).id == later.id


def test_a_due_case_with_a_broken_promise_comes_before_fresh_ones(app):
    dept, op1, _ = _setup()
    f.case(dept, priority=900)
    due = f.case(dept, priority=1)
    due.promise_broken = True
    due.next_action_at = NOW
    db.session.commit()
    assert _claim(op1).id == due.id
