"""What goes wrong between the job and Vonage: throttles, errors, refusals, lost answers."""

import socket

import pytest
from sqlalchemy import select

from app.cases.models import Case, Phone
from app.extensions import db
from app.sms.models import SmsMessage, SmsStatus
from tests import factories as f
from tests.sms.conftest import make_message, release_scheduled, reset_provider, work


def message(message_id: int) -> SmsMessage:
    return db.session.scalars(select(SmsMessage).where(SmsMessage.id == message_id)
                              .execution_options(populate_existing=True)).one()


def retry_round(clock, monkeypatch) -> None:
    """Let the backoff pass (the test clock and RQ's scheduler) and run the worker again."""
    clock.advance(minutes=10)
    release_scheduled()
    work(monkeypatch)


@pytest.mark.parametrize("throttle", ["status", "http"])
def test_throttling_is_retried_and_sent_once(app, fake_vonage, clock, monkeypatch, throttle):
    app.config["SMS_MAX_ATTEMPTS"] = 2  # a throttle is never a failure, however often
    if throttle == "status":
        fake_vonage.answer_next(3, "1", "Throttled")
    else:
        fake_vonage.http_error_next(3, 429)
    message_id = make_message()

    work(monkeypatch)
    waiting = message(message_id)
    assert waiting.status == SmsStatus.QUEUED and waiting.scheduled_for > clock.now
    assert waiting.error_text.startswith("will retry") and waiting.error_code is None
    for _ in range(3):
        retry_round(clock, monkeypatch)

    sent = message(message_id)
    assert (sent.status, sent.attempts, sent.error_text) == (SmsStatus.SENT, 4, None)
    assert [r.outcome for r in fake_vonage.requests] == [
        "throttled" if throttle == "status" else "http-429"] * 3 + ["accepted"]
    assert fake_vonage.sent_per_client_ref() == {sent.client_ref: 1}


def test_a_long_throttle_does_not_use_up_the_retries_of_errors(app, fake_vonage, clock, monkeypatch):
    # A minute of throttling is about six attempts with the default backoff; two server errors
    # after it are well within SMS_MAX_ATTEMPTS (8) and must not fail the message.
    fake_vonage.answer_next(6, "1", "Throttled")
    fake_vonage.http_error_next(2, 500)
    message_id = make_message()
    work(monkeypatch)
    for _ in range(8):
        retry_round(clock, monkeypatch)

    sent = message(message_id)
    assert (sent.status, sent.attempts, sent.errors) == (SmsStatus.SENT, 9, 2)
    assert fake_vonage.sent_per_client_ref() == {sent.client_ref: 1}


def test_retry_after_header_is_honoured(app, fake_vonage, clock, monkeypatch):
    fake_vonage.http_error_next(1, 429, retry_after=120)
    message_id = make_message()
    work(monkeypatch)
    assert (message(message_id).scheduled_for - clock.now).total_seconds() == 120


def test_server_errors_are_retried_then_given_up(app, fake_vonage, clock, monkeypatch):
    app.config["SMS_MAX_ATTEMPTS"] = 3
    fake_vonage.http_error_next(1, 500)
    fake_vonage.answer_next(5, "5", "Internal Error")
    case = f.case(f.department("TAX"))
    case_id, message_id = case.id, make_message(case)
    work(monkeypatch)
    retry_round(clock, monkeypatch)
    assert message(message_id).status == SmsStatus.QUEUED
    retry_round(clock, monkeypatch)

    failed = message(message_id)
    assert failed.status == SmsStatus.FAILED and failed.error_code == "retries"
    assert failed.error_text == "gave up after 3 attempts: Vonage status 5: Internal Error"
    assert [r.outcome for r in fake_vonage.requests] == ["http-500", "status-5", "status-5"]
    assert db.session.get(Case, case_id).next_action_at <= clock.now  # back to the operators


def test_connection_refused_is_retried(app, fake_vonage, clock, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    app.config["VONAGE_REST_HOST"] = f"127.0.0.1:{dead_port}"
    reset_provider(app)
    message_id = make_message()
    work(monkeypatch)
    waiting = message(message_id)
    assert waiting.status == SmsStatus.QUEUED
    assert waiting.error_text == "will retry: connection failed: NewConnectionError"

    app.config["VONAGE_REST_HOST"] = fake_vonage.host  # Vonage is reachable again
    reset_provider(app)
    retry_round(clock, monkeypatch)
    assert message(message_id).status == SmsStatus.SENT
    assert len(fake_vonage.requests) == 1


def test_barred_number_fails_is_marked_dead_and_case_returns_to_queue(
        app, fake_vonage, clock, monkeypatch):
    case = f.case(f.department("TAX"))
    fake_vonage.refuse_number(case.taxpayer.phones[0].e164, "7", "Number barred")
    case_id, message_id = case.id, make_message(case)
    work(monkeypatch)

    failed = message(message_id)
    assert (failed.status, failed.error_code, failed.error_text) == ("failed", "7", "Number barred")
    phone = db.session.get(Phone, failed.phone_id)
    assert (phone.usable, phone.unusable_reason) == (False, "sms_failed")
    assert db.session.get(Case, case_id).next_action_at <= clock.now
    retry_round(clock, monkeypatch)
    assert len(fake_vonage.requests) == 1  # permanent: never retried


def test_quota_error_fails_but_keeps_the_number(app, fake_vonage, clock, monkeypatch):
    case = f.case(f.department("TAX"))
    fake_vonage.refuse_number(case.taxpayer.phones[0].e164, "9", "Partner Quota Violation")
    case_id, message_id = case.id, make_message(case)
    work(monkeypatch)
    failed = message(message_id)
    assert (failed.status, failed.error_code) == ("failed", "9")
    assert db.session.get(Phone, failed.phone_id).usable
    assert db.session.get(Case, case_id).next_action_at <= clock.now


def test_partial_failure_keeps_the_accepted_parts(app, fake_vonage, clock, monkeypatch):
    case = f.case(f.department("TAX"))
    fake_vonage.fail_part(case.taxpayer.phones[0].e164, 1, "6", "Invalid Message")
    message_id = make_message(case, text="【税務課】" + "お支払いのお願い" * 12)
    work(monkeypatch)

    failed = message(message_id)
    [request] = fake_vonage.requests
    assert (failed.status, failed.error_code) == ("failed", "6")
    assert failed.error_text == "Invalid Message (1 of 2 parts accepted)"
    assert [p.provider_message_id for p in failed.parts] == request.message_ids
    assert failed.parts_expected == 1 and failed.sent_at == clock.now


def test_lost_answer_is_unknown_never_resent_and_a_receipt_resolves_it(
        app, fake_vonage, clock, monkeypatch):
    from app.sms.receipts import apply_receipt

    app.config["VONAGE_TIMEOUT_SECONDS"] = 1
    reset_provider(app)
    fake_vonage.hang_next(1, 5)
    message_id = make_message()
    work(monkeypatch)
    fake_vonage.release()

    lost = message(message_id)
    assert (lost.status, lost.reason, lost.attempts) == ("unknown", "no_provider_answer", 1)
    retry_round(clock, monkeypatch)
    assert len(fake_vonage.requests) == 1  # it may have gone: never sent blindly again

    for dlr in fake_vonage.receipts(lost.client_ref):
        assert apply_receipt(dlr, clock.now) == "updated"
    db.session.commit()
    resolved = message(message_id)
    assert resolved.status == SmsStatus.DELIVERED and len(resolved.parts) == 1
