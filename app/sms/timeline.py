"""SMS on the case screen: the case's messages and its taxpayer's replies as timeline
entries, and the words the templates show for SMS statuses and reasons."""

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.cases import timeline
from app.cases.models import Case
from app.extensions import db
from app.sms.models import InboundSms, SmsMessage, SmsStatus, SuppressReason

STATUS_LABELS = {
    SmsStatus.QUEUED: _l("SMS queued"),
    SmsStatus.SCHEDULED: _l("SMS scheduled"),
    SmsStatus.SENDING: _l("SMS sending"),
    SmsStatus.SENT: _l("SMS sent"),
    SmsStatus.DELIVERED: _l("SMS delivered"),
    SmsStatus.FAILED: _l("SMS failed"),
    SmsStatus.EXPIRED: _l("SMS expired"),
    SmsStatus.REJECTED: _l("SMS rejected"),
    SmsStatus.SUPPRESSED: _l("SMS not sent"),
    SmsStatus.UNKNOWN: _l("SMS status unknown"),
}
REASON_LABELS = {
    SuppressReason.PAID: _l("nothing owed"),
    SuppressReason.CASE_CLOSED: _l("case closed"),
    SuppressReason.CASE_ON_HOLD: _l("case on hold"),
    SuppressReason.NO_CONSENT: _l("no consent"),
    SuppressReason.OPTED_OUT: _l("opted out"),
    SuppressReason.PHONE_UNUSABLE: _l("number unusable"),
    SuppressReason.PROMISE_PENDING: _l("promise pending"),
    SuppressReason.CANCELLED: _l("cancelled"),
    SuppressReason.RECIPIENT_CAP: _l("contact cap for this number reached"),
    SuppressReason.RECENT_PAYMENT: _l("recent payment"),
    SuppressReason.WRONG_PERSON: _l("the number said it is the wrong person"),
    "no_provider_answer": _l("no answer from the SMS provider"),
    "receipt_unknown": _l("the network did not report delivery"),
}
GOOD = frozenset({SmsStatus.SENT, SmsStatus.DELIVERED})
BAD = frozenset({SmsStatus.FAILED, SmsStatus.EXPIRED, SmsStatus.REJECTED, SmsStatus.UNKNOWN})


def messages_of(case: Case) -> list[SmsMessage]:
    """The case's SMS, newest first, with their parts."""
    stmt = (select(SmsMessage).where(SmsMessage.case_id == case.id)
            .options(selectinload(SmsMessage.parts))
            .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc()))
    return list(db.session.scalars(stmt))


def replies_of(case: Case) -> list[InboundSms]:
    """Replies from any of the case's phone numbers to the case's own department (its inbox),
    and opt-outs (the phone's state is shown on every case), newest first. A reply to another
    department never shows here."""
    numbers = [p.e164 for p in case.taxpayer.phones]
    if not numbers:
        return []
    stmt = (select(InboundSms).where(InboundSms.msisdn.in_(numbers),
                                     or_(InboundSms.department_id == case.department_id,
                                         InboundSms.opt_out.is_(True)))
            .order_by(InboundSms.received_at.desc(), InboundSms.id.desc()))
    return list(db.session.scalars(stmt))


def sms_entries(case: Case, **_) -> Iterable[timeline.TimelineEntry]:
    for message in messages_of(case):
        who = message.created_by
        yield timeline.TimelineEntry(
            kind="sms", at=message.created_at, label=message.status,
            actor=(who.display_name or who.login) if who else None,
            details={"to": message.to_e164, "sender": message.sender, "text": message.text,
                     "error_code": message.error_code, "error_text": message.error_text,
                     "reason": message.reason, "segments": message.segments,
                     "phone_id": message.phone_id},
            row=message,
        )


def reply_entries(case: Case, **_) -> Iterable[timeline.TimelineEntry]:
    for reply in replies_of(case):
        yield timeline.TimelineEntry(
            kind="sms_reply", at=reply.received_at, label="opt_out" if reply.opt_out else "reply",
            details={"from": reply.msisdn, "text": reply.text, "keyword": reply.keyword,
                     "classification": reply.classification, "state": reply.state}, row=reply,
        )


def status_class(status: str) -> str:
    """The badge class of an SMS status: ok, bad or plain."""
    return "ok" if status in GOOD else "bad" if status in BAD else ""
