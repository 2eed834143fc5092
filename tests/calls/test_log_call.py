import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import signals
from app.audit.models import AuditEvent
from app.auth.models import User
from app.calls.models import CallAttempt, CallOutcome
from app.calls.services import CallError, log_call
from app.cases.models import Case, Phone
from app.extensions import db
from tests import factories as f

NOW = f.WORKDAY_MORNING  # Monday 2026-11-16 10:00 JST
FIXED = (("+81485550199", "fixed", False),)


def _setup(**dept_kw):
    dept = f.department("TAX", **dept_kw)
    return dept, f.user("op1", "operator", dept)


def _log(case, user, outcome="no_answer", now=NOW, direction="outbound", phone=None, key=None, notes=""):
    call = log_call(case, phone or case.taxpayer.phones[0], outcome, direction, notes, user, now,
                    submission_key=key)
    db.session.commit()
    return call


def _count(case) -> int:
    return db.session.scalar(select(func.count()).where(CallAttempt.case_id == case.id))


@pytest.mark.parametrize("outcome", list(CallOutcome))
def test_each_outcome_is_logged_and_audited(app, outcome):
    dept, op = _setup()
    case = f.case(dept)
    call = _log(case, op, outcome, notes="  spoke briefly  ")
    assert (call.outcome, call.direction, call.user_id, call.at) == (outcome, "outbound", op.id, NOW)
    assert call.notes == "spoke briefly"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "call.log"))
    assert event.object_id == call.id and event.actor_id == op.id
    assert event.details["outcome"] == outcome
    phone = case.taxpayer.phones[0]
    unusable = outcome in ("wrong_number", "invalid_number")
    assert phone.usable is not unusable
    assert phone.unusable_reason == (outcome if unusable else None)


def test_bad_outcome_direction_or_foreign_phone_are_refused(app):
    dept, op = _setup()
    case, other = f.case(dept), f.case(dept, phones=(("+819011112222", "mobile", True),))
    with pytest.raises(CallError) as exc:
        log_call(case, case.taxpayer.phones[0], "hung_up", "sideways", "", op, NOW)
    assert set(exc.value.fields) == {"outcome", "direction"}
    with pytest.raises(CallError) as exc:
        log_call(case, other.taxpayer.phones[0], "answered", "outbound", "", op, NOW)
    assert set(exc.value.fields) == {"phone_id"}
    db.session.rollback()
    assert _count(case) == 0


def test_fixed_line_no_answer_schedules_a_retry_inside_calling_hours(app):
    dept, op = _setup()
    case = f.case(dept, phones=FIXED)
    _log(case, op, "no_answer")  # 10:00 JST + 4 h
    assert case.next_action_at == datetime(2026, 11, 16, 5, 0, tzinfo=UTC)  # 14:00 JST
    # Friday 2026-11-20 18:00 JST + 4 h is after hours; Saturday and Sunday are rest days (the
    # default since issue 10) and Monday 23 a public holiday: Tuesday 24 09:00.
    late = f.case(dept, phones=FIXED)
    _log(late, op, "busy", now=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    assert late.next_action_at == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    # Saturday 21 at 18:00 JST: Sunday is a rest day and Monday 23 a public holiday.
    weekend = f.case(dept, phones=FIXED)
    _log(weekend, op, "voicemail", now=datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
    assert weekend.next_action_at == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def test_every_attempt_gives_the_case_a_rest_before_the_queue_offers_it_again(app):
    dept, op = _setup()
    mobile = f.case(dept)
    _log(mobile, op, "no_answer")  # 10:00 JST + 2 h
    assert mobile.next_action_at == datetime(2026, 11, 16, 3, 0, tzinfo=UTC)
    contacted = f.case(dept)
    _log(contacted, op, "answered")  # Monday + 3 days
    assert contacted.next_action_at == datetime(2026, 11, 19, 1, 0, tzinfo=UTC)
    third_party = f.case(dept)
    _log(third_party, op, "third_party")
    assert third_party.next_action_at == datetime(2026, 11, 19, 1, 0, tzinfo=UTC)
    wrong = f.case(dept, phones=(("+819012345678", "mobile", True), ("+819087654321", "mobile", True)))
    _log(wrong, op, "wrong_number")  # the other phone may be tried at once
    assert wrong.next_action_at is None


def test_day_cap_flags_over_cap_and_moves_the_case_to_the_next_day(app):
    dept, op = _setup(max_calls_per_day=2)
    case = f.case(dept)
    first = _log(case, op, now=NOW)
    assert not first.over_cap
    assert case.next_action_at == datetime(2026, 11, 16, 3, 0, tzinfo=UTC)  # the 2-hour rest
    second = _log(case, op, now=NOW + timedelta(minutes=5))
    assert not second.over_cap
    assert case.next_action_at == datetime(2026, 11, 17, 0, 0, tzinfo=UTC)  # Tuesday 09:00 JST
    third = _log(case, op, now=NOW + timedelta(minutes=10))  # logged anyway, flagged
    assert third.over_cap
    inbound = _log(case, op, "answered", now=NOW + timedelta(minutes=20), direction="inbound")
    assert not inbound.over_cap
    assert _count(case) == 4


def test_week_cap_waits_for_the_oldest_attempt_to_leave_the_window(app):
    dept, op = _setup(max_calls_per_day=3, max_calls_per_week=4)
    case = f.case(dept)
    for day, minutes in ((0, 0), (0, 5), (1, 0)):
        call = _log(case, op, now=NOW + timedelta(days=day, minutes=minutes))
        assert not call.over_cap
    fourth = _log(case, op, now=NOW + timedelta(days=2))
    assert not fourth.over_cap
    # The oldest (Mon 16th 10:00 JST) leaves the 7-day window on Mon 23rd, a holiday: Tue 09:00.
    assert case.next_action_at == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    assert _log(case, op, now=NOW + timedelta(days=3)).over_cap


def test_double_submission_logs_one_call(app):
    dept, op = _setup()
    case = f.case(dept)
    first = _log(case, op, key="k-1")
    again = _log(case, op, "answered", key="k-1")
    assert again.id == first.id and again.outcome == "no_answer"
    assert _count(case) == 1
    other = f.case(dept, phones=(("+819011112222", "mobile", True),))
    with pytest.raises(CallError):
        log_call(other, other.taxpayer.phones[0], "busy", "outbound", "", op, NOW, submission_key="k-1")


def test_answered_releases_the_claim_and_inbound_needs_none(app):
    dept, op = _setup()
    claimed = f.case(dept)
    claimed.claimed_by_id, claimed.claimed_until = op.id, NOW + timedelta(minutes=15)
    db.session.commit()
    _log(claimed, op, "answered")
    assert claimed.claimed_by_id is None and claimed.claimed_until is None
    unclaimed = f.case(dept, phones=(("+819011112222", "mobile", True),))
    call = _log(unclaimed, op, "answered", direction="inbound")
    assert call.direction == "inbound" and _count(unclaimed) == 1


def test_call_logged_is_signalled_in_the_same_transaction(app):
    dept, op = _setup()
    case = f.case(dept)
    seen = []

    def receiver(attempt, now, **_):
        seen.append((attempt.id, now, db.session.get(CallAttempt, attempt.id) is attempt))

    signals.call_logged.connect(receiver)
    try:
        call = _log(case, op)
    finally:
        signals.call_logged.disconnect(receiver)
    assert seen == [(call.id, NOW, True)]  # flushed in the caller's session, not yet committed


def test_concurrent_double_submit_logs_one_call(app):
    dept, op = _setup()
    case = f.case(dept)
    case_id, phone_id, op_id = case.id, case.taxpayer.phones[0].id, op.id
    barrier, ids, errors = threading.Barrier(4), [], []

    def submit():
        with app.app_context():
            try:
                mine = db.session.get(Case, case_id)
                barrier.wait()
                call = log_call(mine, db.session.get(Phone, phone_id), "busy", "outbound", "",
                                db.session.get(User, op_id), NOW, submission_key="same-form")
                db.session.commit()
                ids.append(call.id)
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(ids) == 4 and len(set(ids)) == 1
    assert _count(case) == 1
