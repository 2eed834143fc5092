"""The unanswered-calls rule on a real PostgreSQL, calls logged through the real log_call."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.calls import claims
from app.escalation.models import Action, EscalationFiring, EscalationRule, PhoneScope
from app.extensions import db
from app.sms.models import SmsStatus
from tests import factories as f
from tests.escalation.helpers import (
    FIXED,
    MOBILE,
    MOBILE_NO_CONSENT,
    at,
    call,
    default_rule,
    firing_count,
    messages,
    sms_queue,
)


@pytest.fixture
def dept(app):
    return f.department("TAX", name="税務課")


def test_default_rule_fires_after_exactly_two_unanswered_calls_to_a_mobile(dept):
    case = f.case(dept, balance=123456)
    first = call(case, "no_answer", at(0))
    assert messages() == [] and firing_count() == 0

    second = call(case, "busy", at(3))

    [message] = messages(case)
    rule = default_rule(dept)
    key = f"rule:{rule.id}:case:{case.id}:from:{first.id}"
    assert message.idempotency_key == key
    assert message.status == SmsStatus.QUEUED
    assert message.to_e164 == "+819012345678" and message.phone_id == case.taxpayer.phones[0].id
    assert message.rule_id == rule.id and message.template_id == rule.template_id
    # The default is generic (issue 10): no name, amount or due date; the office, the callback
    # number and its hours, the reference, a line for a wrong recipient.
    assert message.text == ("【税務課】ご連絡したいことがございます。048-555-0100（受付9:00〜20:00）まで"
                            f"お電話ください。（番号{case.case_ref}）お心当たりのない場合はご容赦ください。")
    assert case.taxpayer.name not in message.text and "123,456" not in message.text
    assert message.disclosure == "generic"
    assert message.encoding == "ucs2" and message.segments == 2
    firing = db.session.scalar(select(EscalationFiring))
    assert (firing.idempotency_key, firing.sms_message_id, firing.outcome) == (key, message.id, "queued")
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "escalation.fire"))
    assert audit.object_id == case.id and audit.actor_id is None
    assert audit.details["call_attempt_id"] == second.id and audit.details["rule_id"] == rule.id
    # No personal data in the audit row.
    assert "+819012345678" not in str(audit.details) and case.taxpayer.name not in str(audit.details)
    with sms_queue() as queue:  # enqueued after the commit, in the "sms" queue
        assert queue.job_ids == [f"sms-{message.id}-0"]
        job = queue.fetch_job(f"sms-{message.id}-0")
        assert (job.func_name, job.args) == ("app.sms.jobs.send_sms", (message.id,))


def test_three_unanswered_calls_when_the_rule_says_three(dept):
    default_rule(dept).count = 3
    db.session.commit()
    case = f.case(dept)
    call(case, "no_answer", at(0))
    call(case, "voicemail", at(2))
    assert messages() == []
    call(case, "no_answer", at(4))
    assert len(messages(case)) == 1


def test_calls_to_a_fixed_line_never_make_an_sms(dept):
    only_fixed = f.case(dept, phones=(FIXED,))
    both = f.case(dept, phones=(FIXED, ("+819011112222", "mobile", True)))
    for hour in (0, 4, 8):
        call(only_fixed, "no_answer", at(hour))
        call(both, "no_answer", at(hour))  # always the fixed line
    assert messages() == [] and firing_count() == 0
    # One call to the mobile is not two (the next day: a call over the attempt caps, the 4th of
    # a day, fires no SMS rule).
    call(both, "no_answer", at(24), phone_index=1)
    assert messages() == []
    call(both, "no_answer", at(26), phone_index=1)
    assert [m.to_e164 for m in messages(both)] == ["+819011112222"]


def test_a_fixed_line_call_does_not_send_a_pending_sms_either(dept):
    """The streak reached N while the mobile had no consent; consent comes; the next call is
    to the fixed line: still no SMS (only a counted call fires), the next mobile call sends."""
    case = f.case(dept, phones=(MOBILE_NO_CONSENT, FIXED))
    call(case, "no_answer", at(0))
    call(case, "no_answer", at(3))
    f.set_consent(case.taxpayer.phones[0], dept.id, commit=False)
    db.session.commit()
    call(case, "no_answer", at(6), phone_index=1)
    assert messages() == []
    call(case, "no_answer", at(days=1))  # the next day: a 4th call today would be over the caps
    assert len(messages(case)) == 1


def test_scope_any_counts_fixed_line_calls_but_texts_the_mobile(dept):
    rule = default_rule(dept)
    rule.phone_scope = PhoneScope.ANY
    db.session.commit()
    case = f.case(dept, phones=(FIXED, ("+819011112222", "mobile", True)))
    call(case, "no_answer", at(0))
    call(case, "busy", at(4))
    assert [m.to_e164 for m in messages(case)] == ["+819011112222"]


@pytest.mark.parametrize("phone", ["no_consent", "opted_out", "unusable"])
def test_no_sms_without_a_consented_usable_mobile_and_the_case_stays_queueable(dept, phone):
    # A fixed line too: the queue offers only cases with a phone that has not opted out.
    case = f.case(dept, phones=(MOBILE_NO_CONSENT if phone == "no_consent" else MOBILE, FIXED))
    if phone == "opted_out":
        f.opt_out(case.taxpayer.phones[0], dept.id, commit=False)
    if phone == "unusable":
        case.taxpayer.phones[0].usable = False
    db.session.commit()
    operator = f.user("op1", "operator", dept)

    call(case, "no_answer", at(0))
    call(case, "no_answer", at(3))

    assert messages() == [] and firing_count() == 0
    skip = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "escalation.skip"))
    assert skip.object_id == case.id and skip.details["reason"] == "no_consented_mobile"
    assert case.status == "open"
    assert claims.claim_next(operator, at(6), 15).id == case.id


def test_consent_given_later_in_the_same_streak_sends_on_the_next_unanswered_call(dept):
    case = f.case(dept, phones=(MOBILE_NO_CONSENT,))
    first = call(case, "no_answer", at(0))
    call(case, "no_answer", at(3))
    assert messages() == []
    f.set_consent(case.taxpayer.phones[0], dept.id, commit=False)
    db.session.commit()

    call(case, "no_answer", at(6))

    [message] = messages(case)
    assert message.idempotency_key.endswith(f":from:{first.id}")
    call(case, "no_answer", at(9))
    assert len(messages(case)) == 1


def test_one_sms_per_streak_and_an_answered_call_starts_a_new_one(dept):
    case = f.case(dept)
    call(case, "no_answer", at(0))
    call(case, "no_answer", at(3))
    call(case, "no_answer", at(6))  # a third unanswered call: no second SMS
    assert len(messages(case)) == 1
    call(case, "answered", at(8))
    fresh = call(case, "no_answer", at(48))
    assert len(messages(case)) == 1
    call(case, "no_answer", at(51))
    assert len(messages(case)) == 2
    assert messages(case)[1].idempotency_key.endswith(f":from:{fresh.id}")


def test_after_an_sms_the_count_starts_again(dept):
    """The streak runs "since the last right-party contact or the last SMS of that rule":
    N more unanswered calls after the SMS are a new streak, and a new reminder."""
    case = f.case(dept)
    call(case, "no_answer", at(0))
    call(case, "no_answer", at(3))
    third = call(case, "no_answer", at(24))
    assert len(messages(case)) == 1
    call(case, "no_answer", at(27))
    assert [m.idempotency_key.endswith(f":from:{third.id}") for m in messages(case)] == [False, True]


def test_an_answered_call_between_two_unanswered_ones_breaks_the_streak(dept):
    case = f.case(dept)
    call(case, "no_answer", at(0))
    call(case, "answered", at(1), direction="inbound")  # the taxpayer rang back
    call(case, "no_answer", at(5))
    assert messages() == []


def test_other_outcomes_neither_count_nor_break_the_streak(dept):
    case = f.case(dept, phones=(MOBILE, ("+819033334444", "mobile", True)))
    call(case, "no_answer", at(0))
    call(case, "third_party", at(1))
    call(case, "wrong_number", at(2), phone_index=1)
    assert messages() == []
    call(case, "no_answer", at(days=1))  # the next day: a 4th call today would be over the caps
    assert len(messages(case)) == 1


def test_the_window_lets_old_calls_expire(dept):
    case = f.case(dept)  # default rule: N=2 within D=14 days
    call(case, "no_answer", at(0))
    second = call(case, "no_answer", at(days=15))
    assert messages() == []
    call(case, "no_answer", at(days=16))
    [message] = messages(case)
    assert message.idempotency_key.endswith(f":from:{second.id}")


def test_an_inactive_rule_does_not_fire(dept):
    default_rule(dept).active = False
    db.session.commit()
    case = f.case(dept)
    for hour in (0, 3, 6):
        call(case, "no_answer", at(hour))
    assert messages() == [] and firing_count() == 0


def test_two_rules_sms_at_two_and_priority_at_three(dept):
    now = at()
    db.session.add(EscalationRule(
        department_id=dept.id, name="boost", count=3, window_days=14, phone_scope=PhoneScope.ANY,
        action=Action.RAISE_PRIORITY, priority_boost=250, created_at=now, updated_at=now))
    db.session.commit()
    case = f.case(dept, priority=10)
    call(case, "no_answer", at(0))
    call(case, "no_answer", at(3))
    assert len(messages(case)) == 1 and case.priority == 10
    call(case, "no_answer", at(6))
    assert case.priority == 260 and len(messages(case)) == 1
    call(case, "no_answer", at(days=1))  # the next day: a 4th call today would be over the caps
    assert case.priority == 260  # once per streak (the SMS rule started its second one)
    outcomes = sorted(db.session.scalars(select(EscalationFiring.outcome)))
    assert outcomes == ["priority_raised", "queued", "queued"]


def test_hand_to_supervisor_puts_the_case_on_hold_and_releases_the_claim(dept):
    rule = default_rule(dept)
    rule.action, rule.template_id = Action.HAND_TO_SUPERVISOR, None
    db.session.commit()
    operator = f.user("op1", "operator", dept)
    case = f.case(dept)
    assert claims.claim_next(operator, at(0), 15).id == case.id
    db.session.commit()
    call(case, "no_answer", at(0), actor=operator)
    assert case.claimed_by_id == operator.id  # an unanswered call keeps the claim
    call(case, "no_answer", at(0.1), actor=operator)

    assert (case.status, case.hold_reason, case.claimed_by_id, case.claimed_until) == (
        "hold", "escalated", None, None)
    assert db.session.scalar(select(EscalationFiring.outcome)) == "handed_over"
    assert messages() == []
    assert claims.claim_next(operator, at(6), 15) is None  # held cases are not offered


def test_a_delayed_rule_schedules_the_sms(dept):
    default_rule(dept).delay_minutes = 90
    db.session.commit()
    case = f.case(dept)
    call(case, "no_answer", at(0))
    call(case, "no_answer", at(3))
    [message] = messages(case)
    assert message.status == SmsStatus.QUEUED and message.scheduled_for == at(3) + timedelta(minutes=90)
    with sms_queue() as queue:
        assert queue.job_ids == []
        assert queue.scheduled_job_registry.get_job_ids() == [f"sms-{message.id}-0"]


def test_nothing_is_queued_when_the_call_is_rolled_back(dept):
    from app.calls.services import log_call

    case = f.case(dept)
    call(case, "no_answer", at(0))
    log_call(case, case.taxpayer.phones[0], "no_answer", "outbound", None, None, at(3))
    assert len(messages(case)) == 1  # fired inside the transaction...
    db.session.rollback()  # ...which then failed
    assert messages() == [] and firing_count() == 0
    with sms_queue() as queue:
        assert queue.job_ids == [] and queue.scheduled_job_registry.get_job_ids() == []


def test_a_firing_stored_first_by_another_transaction_wins_cleanly(dept):
    """The savepoint: the key is already taken, so this transaction fires nothing and the
    call itself is still logged."""
    case = f.case(dept)
    first = call(case, "no_answer", at(0))
    rule = default_rule(dept)
    db.session.add(EscalationFiring(
        rule_id=rule.id, case_id=case.id, idempotency_key=f"rule:{rule.id}:case:{case.id}:from:{first.id}",
        action=rule.action, outcome="queued", fired_at=at(-1)))  # earlier: the streak still counts
    db.session.commit()

    second = call(case, "no_answer", at(3))

    assert second.id is not None and messages() == [] and firing_count() == 1
