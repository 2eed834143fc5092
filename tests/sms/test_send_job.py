"""The send job end to end: real PostgreSQL, Redis, RQ worker, the vonage SDK and a TLS fake."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.sms.models import SmsMessage, SmsPart, SmsStatus
from tests import factories as f
from tests.sms.conftest import make_message, redis, release_scheduled, scheduled_jobs, work
from tests.waiting import wait_until

JST = ZoneInfo("Asia/Tokyo")


def message(message_id: int) -> SmsMessage:
    return db.session.scalars(select(SmsMessage).where(SmsMessage.id == message_id)
                              .execution_options(populate_existing=True)).one()


def test_japanese_text_goes_as_unicode_in_the_right_number_of_parts(app, fake_vonage, clock, monkeypatch):
    text = "【税務課】" + "市税のお支払いが確認できておりません。" * 7 + "048-555-0100"  # 152 UTF-16 units
    message_id = make_message(text=text)
    stored = message(message_id)
    assert (stored.encoding, stored.segments) == ("ucs2", 3)

    work(monkeypatch)

    [request] = fake_vonage.requests
    assert request.params["type"] == "unicode" and request.params["text"] == text
    assert request.params["to"] == "819012345678" and request.params["from"] == "TAX"
    assert request.parts == 3 and not request.lossy
    sent = message(message_id)
    assert request.client_ref == sent.client_ref
    assert sent.status == SmsStatus.SENT and sent.sent_at == clock.now and sent.provider == "vonage"
    assert (sent.attempts, sent.parts_expected, sent.error_text) == (1, 3, None)
    assert sorted(p.provider_message_id for p in sent.parts) == sorted(request.message_ids)
    assert {(p.status, p.price, p.network) for p in sent.parts} == {("sent", fake_vonage.price,
                                                                    fake_vonage.network)}


def test_english_gsm_text_goes_as_text(app, fake_vonage, clock, monkeypatch):
    text = "[TAX Division] Please contact us about your city tax: 048-555-0100 {ref}~"
    message_id = make_message(text=text)
    work(monkeypatch)
    [request] = fake_vonage.requests
    assert request.params["type"] == "text" and request.parts == 1 and not request.lossy
    assert message(message_id).status == SmsStatus.SENT


def _saturday_evening_case(clock, day: int):
    clock.now = datetime(2026, 11, day, 20, 30, tzinfo=JST).astimezone(UTC)  # a Saturday
    return make_message(now=clock.now)


def test_quiet_hours_schedule_for_monday_morning_then_send(app, fake_vonage, clock, monkeypatch):
    message_id = _saturday_evening_case(clock, 14)
    work(monkeypatch)

    monday = datetime(2026, 11, 16, 9, 0, tzinfo=JST)  # Sunday rests
    waiting = message(message_id)
    assert waiting.status == SmsStatus.SCHEDULED and waiting.scheduled_for == monday
    assert scheduled_jobs(redis()) == {waiting.job_id: monday.astimezone(UTC)}
    assert fake_vonage.requests == []

    clock.now = monday.astimezone(UTC)
    assert release_scheduled() == 1  # RQ's scheduler hands the job over when its time comes
    work(monkeypatch)
    sent = message(message_id)
    assert sent.status == SmsStatus.SENT and sent.sent_at == monday
    assert len(fake_vonage.requests) == 1


def test_quiet_hours_skip_a_public_holiday(app, fake_vonage, clock, monkeypatch):
    message_id = _saturday_evening_case(clock, 21)  # Monday 23 November is Labour Thanksgiving Day
    work(monkeypatch)
    assert message(message_id).scheduled_for == datetime(2026, 11, 24, 9, 0, tzinfo=JST)


def test_a_job_that_runs_early_sends_nothing_and_the_sweep_sends_it_when_due(
        app, fake_vonage, clock, monkeypatch):
    from app.sms.sweep import sweep_lost_sms

    message_id = _saturday_evening_case(clock, 14)
    work(monkeypatch)
    release_scheduled()  # the date is past in real time: RQ hands it over at once
    work(monkeypatch)
    assert message(message_id).status == SmsStatus.SCHEDULED and fake_vonage.requests == []

    clock.now = datetime(2026, 11, 16, 9, 1, tzinfo=JST).astimezone(UTC)
    assert sweep_lost_sms(clock.now) == 1  # its job ran (and ended) too early: a new one
    work(monkeypatch)
    assert message(message_id).status == SmsStatus.SENT and len(fake_vonage.requests) == 1


def test_payment_between_queue_and_send_suppresses(app, fake_vonage, clock, monkeypatch):
    case = f.case(f.department("TAX"))
    message_id = make_message(case)
    case = db.session.merge(case)
    case.balance = 0
    db.session.commit()

    work(monkeypatch)

    suppressed = message(message_id)
    assert (suppressed.status, suppressed.reason, suppressed.attempts) == ("suppressed", "paid", 0)
    assert fake_vonage.requests == []


def test_opt_out_between_queue_and_send_suppresses(app, fake_vonage, clock, monkeypatch):
    case = f.case(f.department("TAX"))
    message_id = make_message(case)
    case = db.session.merge(case)
    f.opt_out(case.taxpayer.phones[0], case.department_id)

    work(monkeypatch)

    assert (message(message_id).status, message(message_id).reason) == ("suppressed", "opted_out")
    assert fake_vonage.requests == []


def test_a_duplicate_job_sends_nothing_twice(app, fake_vonage, clock, monkeypatch):
    from app.queue import enqueue_now
    from app.sms.jobs import send_sms

    message_id = make_message()
    enqueue_now(send_sms, message_id, queue="sms", job_id="duplicate")
    work(monkeypatch)
    assert len(fake_vonage.requests) == 1
    assert message(message_id).status == SmsStatus.SENT


def test_flushed_redis_loses_nothing(app, fake_vonage, clock, monkeypatch):
    """The FLUSHALL scenario, on our own Redis db: the rows bring their jobs back."""
    from app.sms.sweep import sweep_lost_sms

    dept = f.department("TAX")
    ids = [make_message(f.case(dept)) for _ in range(5)]
    redis().flushdb()
    work(monkeypatch)
    assert fake_vonage.requests == []

    assert sweep_lost_sms(clock.now) == 0  # just queued: its job may still be on its way
    clock.advance(minutes=1)
    assert sweep_lost_sms(clock.now) == 5
    assert sweep_lost_sms(clock.now) == 0  # their new jobs are alive
    work(monkeypatch)

    assert sorted(fake_vonage.sent_per_client_ref().values()) == [1] * 5
    assert {message(i).status for i in ids} == {SmsStatus.SENT}


def test_sweep_resolves_stuck_sending_rows_without_sending(app, fake_vonage, clock, monkeypatch):
    from app.sms.sweep import sweep_lost_sms

    dept = f.department("TAX")
    lost, receipted, recent = (make_message(f.case(dept)) for _ in range(3))
    redis().flushdb()
    for message_id in (lost, receipted, recent):
        row = message(message_id)
        row.status, row.attempts, row.last_attempt_at = SmsStatus.SENDING, 1, clock.now
    db.session.add(SmsPart(message_id=receipted, provider_message_id="0B00000012345678"))
    message(recent).last_attempt_at = clock.now + timedelta(minutes=9)
    db.session.commit()

    clock.advance(minutes=11)
    assert sweep_lost_sms(clock.now) == 2
    assert (message(lost).status, message(lost).reason) == ("unknown", "no_provider_answer")
    assert message(receipted).status == SmsStatus.SENT
    assert message(recent).status == SmsStatus.SENDING
    work(monkeypatch)
    assert fake_vonage.requests == []


def test_without_redis_the_same_job_runs_in_process(app, fake_vonage):
    """REDIS_URL unset (the `make run` demo): jobs on the in-process pool, delays on timers,
    the rate limit in the process. Real clock here: the timers run on it."""
    from app import clock as real_clock
    from app import queue

    saved, saved_url = app.extensions["jobqueue"], app.config["REDIS_URL"]
    app.config.update(REDIS_URL=None, SMS_RETRY_BASE_SECONDS=0.1)
    queue.init_app(app)
    try:
        dept = f.department("TAX", sms_hours="00:00-24:00", calling_hours="00:00-24:00", rest_days="none")
        fake_vonage.answer_next(1, "1", "Throttled")  # one retry goes through a timer
        ids = [make_message(f.case(dept), now=real_clock.utcnow()) for _ in range(3)]
        def all_sent() -> bool:
            db.session.rollback()
            return {message(i).status for i in ids} == {SmsStatus.SENT}

        wait_until(all_sent, what="the three sends on the in-process pool")
    finally:
        app.extensions["jobqueue"]["executor"].shutdown(wait=True)
        app.extensions["jobqueue"] = saved
        app.config["REDIS_URL"] = saved_url
    assert {message(i).status for i in ids} == {SmsStatus.SENT}
    assert sorted(fake_vonage.sent_per_client_ref().values()) == [1, 1, 1]
    assert fake_vonage.throttled_count() == 1
    assert redis().keys("sms:ratelimit:*") == []
