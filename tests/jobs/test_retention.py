"""Retention, run by the periodic job "retention": import files deleted
IMPORT_FILE_RETENTION_DAYS (30) after the import finished; SMS and reply texts older than
SMS_TEXT_RETENTION_DAYS (1825) blanked; idempotent."""

from datetime import timedelta

from app.cases import importing
from app.cases.models import ImportJob
from app.extensions import db
from app.periodic import PERIODIC_JOBS, apply_retention
from app.sms.models import InboundSms, SmsMessage
from app.sms.outbox import queue_sms
from tests import factories as f

NOW = f.WORKDAY_MORNING


def test_retention_deletes_old_import_files_and_blanks_old_texts(app, runner, monkeypatch):
    assert apply_retention in {p.job for p in PERIODIC_JOBS}
    old_job = importing.create_import(None, "old.csv", b"case_ref\nA-1\n", NOW - timedelta(days=40))
    old_job.finished_at = NOW - timedelta(days=30, seconds=1)
    recent_job = importing.create_import(None, "recent.csv", b"case_ref\nA-2\n", NOW - timedelta(days=40))
    recent_job.finished_at = NOW - timedelta(days=29)
    running = importing.create_import(None, "running.csv", b"case_ref\nA-3\n", NOW - timedelta(days=90))
    case = f.case(f.department("TAX"))
    phone = case.taxpayer.phones[0]
    ancient = queue_sms(case, phone, "【課】古いお知らせ", idempotency_key="old",
                        now=NOW - timedelta(days=1826))
    fresh = queue_sms(case, phone, "【課】新しいお知らせ", idempotency_key="new",
                      now=NOW - timedelta(days=1824))
    for key, days in (("IN-OLD", 1826), ("IN-NEW", 10)):
        db.session.add(InboundSms(provider_message_id=key, msisdn=phone.e164, to="TAX", text=f"返信 {key}",
                                  received_at=NOW - timedelta(days=days)))
    db.session.commit()
    ids = (old_job.id, recent_job.id, running.id, ancient.id, fresh.id)
    monkeypatch.setattr("app.clock.utcnow", lambda: NOW)

    assert apply_retention() == {"import_files": 1, "sms_texts": 1, "reply_texts": 1}
    db.session.expire_all()
    old_job, recent_job, running = (db.session.get(ImportJob, i) for i in ids[:3])
    assert (old_job.content, old_job.content_deleted_at) == (b"", NOW)
    assert recent_job.content == b"case_ref\nA-2\n" and running.content == b"case_ref\nA-3\n"
    assert old_job.filename == "old.csv" and old_job.status == recent_job.status  # the record stays
    ancient, fresh = db.session.get(SmsMessage, ids[3]), db.session.get(SmsMessage, ids[4])
    assert (ancient.text, ancient.purged_at) == ("", NOW) and ancient.status == "queued"
    assert fresh.text == "【課】新しいお知らせ" and fresh.purged_at is None
    texts = dict(db.session.query(InboundSms.provider_message_id, InboundSms.text).all())
    assert texts == {"IN-OLD": "", "IN-NEW": "返信 IN-NEW"}

    # Again: nothing more to do, nothing changed.
    assert apply_retention() == {"import_files": 0, "sms_texts": 0, "reply_texts": 0}
    result = runner.invoke(args=["jobs", "retention"])
    assert result.exit_code == 0 and "import_files: 0 deleted" in result.output
    db.session.expire_all()
    assert db.session.get(ImportJob, ids[0]).content_deleted_at == NOW
