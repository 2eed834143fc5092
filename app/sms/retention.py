"""Retention of SMS texts: message texts and replies older than SMS_TEXT_RETENTION_DAYS are
blanked (the rows stay: statuses, counts and the audit trail keep their meaning)."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from app.extensions import db
from app.sms.models import InboundSms, SmsMessage


def purge_old_texts(now: datetime) -> dict:
    """Blank the texts past the retention period; idempotent (a blanked row has `purged_at`).
    Returns how many messages and replies were blanked now."""
    cutoff = now - timedelta(days=current_app.config["SMS_TEXT_RETENTION_DAYS"])
    messages = db.session.execute(
        update(SmsMessage).where(SmsMessage.created_at < cutoff, SmsMessage.purged_at.is_(None))
        .values(text="", purged_at=now).execution_options(synchronize_session=False)).rowcount
    replies = db.session.execute(
        update(InboundSms).where(InboundSms.received_at < cutoff, InboundSms.purged_at.is_(None))
        .values(text="", purged_at=now).execution_options(synchronize_session=False)).rowcount
    return {"sms_texts": messages, "reply_texts": replies}
