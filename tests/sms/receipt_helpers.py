"""Builders for the receipt, webhook, inbound and sandbox tests: messages as the send job
leaves them, and delivery receipts / replies in Vonage's webhook format."""

import itertools
from datetime import timedelta

from redis import Redis
from sqlalchemy import func, select
from vonage_http_client import Auth

from app.audit.models import AuditEvent
from app.extensions import db
from app.queue import AppSimpleWorker
from app.sms.models import SmsMessage, SmsPart, SmsStatus
from app.sms.outbox import queue_sms
from tests import factories as f
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL

NOW = f.WORKDAY_MORNING
SECRET = "webhook-signature-secret"
API_KEY = "abcd1234"
MOBILE = "+819012345678"
LONG_JA = "【TAX Division】" + "市税のお支払いについてのお知らせです。" * 5  # > 70 UCS-2 units: 2 parts
_ids = itertools.count(1)


def queued_message(case, text: str = "【TAX Division】Please call 048-555-0100.", phone=None,
                   key: str | None = None) -> SmsMessage:
    """A message as the outbox makes it (status queued, its send job enqueued after commit)."""
    phone = phone or case.taxpayer.phones[0]
    message = queue_sms(case, phone, text, idempotency_key=key or f"test:{next(_ids)}", now=NOW)
    db.session.commit()
    return message


def sent_message(case, text: str = "【TAX Division】Please call 048-555-0100.", parts: int | None = None,
                 phone=None) -> SmsMessage:
    """A message the provider accepted: status sent, one part per segment with its own id."""
    message = queued_message(case, text, phone)
    count = parts or message.segments
    for _ in range(count):
        message.parts.append(SmsPart(provider_message_id=f"0A{next(_ids):014d}", status=SmsStatus.SENT))
    message.status, message.parts_expected = SmsStatus.SENT, count
    message.provider, message.attempts = "vonage", 1
    message.sent_at = message.last_attempt_at = NOW
    db.session.commit()
    return message


def dlr(message_id: str, status: str = "delivered", err_code: str = "0", client_ref: str | None = None,
        msisdn: str = MOBILE) -> dict:
    """A delivery receipt with the fields Vonage sends."""
    params = {
        "msisdn": msisdn.removeprefix("+"), "to": "TAX", "network-code": "44010", "messageId": message_id,
        "price": "0.07000000", "status": status, "scts": "2611161001", "err-code": err_code,
        "api-key": API_KEY, "message-timestamp": "2026-11-16 01:00:30",
    }
    if client_ref:
        params["client-ref"] = client_ref
    return params


def inbound(text: str, msisdn: str = MOBILE, message_id: str | None = None) -> dict:
    """A reply as Vonage's inbound webhook sends it."""
    return {"msisdn": msisdn.removeprefix("+"), "to": "819000000000",
            "messageId": message_id or f"IN{next(_ids):014d}", "text": text, "type": "unicode",
            "keyword": (text.split() or [""])[0].upper(), "message-timestamp": "2026-11-16 01:00:30"}


def sign(params: dict, at=NOW, secret: str = SECRET, method: str = "sha256") -> dict:
    """`params` with `timestamp` and `sig` as Vonage signs them (the SDK's own signer)."""
    signed = dict(params, timestamp=str(int(at.timestamp())))
    signed["sig"] = Auth(api_key=API_KEY, signature_secret=secret, signature_method=method).sign_params(
        dict(signed))
    return signed


def audits(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def work(monkeypatch, queues=("sms",)) -> None:
    """Run a real RQ worker in burst mode over the test Redis."""
    monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL)
    monkeypatch.setenv("REDIS_URL", TEST_REDIS_URL)
    connection = Redis.from_url(TEST_REDIS_URL)
    try:
        AppSimpleWorker(list(queues), connection=connection).work(burst=True)
    finally:
        connection.close()
        db.session.remove()


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def opted(phone_id: int, department_id: int | str | None = "any") -> bool:
    """Whether the phone has an opt-out row: of `department_id` (None: the city-wide one) or,
    by default, of any scope (read fresh)."""
    from app.cases.models import PhoneConsent

    db.session.expire_all()
    stmt = select(PhoneConsent.id).where(PhoneConsent.phone_id == phone_id, PhoneConsent.opted_out.is_(True))
    if department_id != "any":
        stmt = stmt.where(PhoneConsent.department_id.is_(None) if department_id is None
                          else PhoneConsent.department_id == department_id)
    return db.session.scalar(stmt.limit(1)) is not None
