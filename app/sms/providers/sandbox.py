"""The sandbox provider: nothing leaves the machine, and delivery receipts come anyway.

`send` accepts one part per segment (ids `sandbox-<hex>`) and, once the send job commits,
`deliver_receipts` hands Vonage-shaped delivery receipts to `apply_receipt`, the same path a
real webhook takes. So a demo or a training session sees the whole flow, failures included:
a number ending in 0000 (e.g. +81 90-1234-0000) gets a `failed` receipt with Vonage's
err-code 3 (absent subscriber, permanent): the phone becomes unusable and the case goes back
to the call queue. Every other number gets `delivered`.

The sandbox phone page reads what a number received through `numbers_for` and `conversation`.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from app import clock
from app.auth.access import ALL_DEPARTMENTS
from app.extensions import db
from app.queue import enqueue_after_commit
from app.sms.encoding import shape
from app.sms.models import InboundSms, SmsMessage, SmsPart
from app.sms.providers import AcceptedPart
from app.sms.receipts import apply_receipt

ID_PREFIX = "sandbox-"
REPLY_PREFIX = "sandbox-in-"
FAILING_SUFFIX = "0000"
DEAD_NUMBER_ERR_CODE = "3"
PRICE = "0.00000000"
NETWORK = "sandbox"


class SandboxProvider:
    name = "sandbox"

    def __init__(self, config):
        self.config = config

    def send(self, message) -> list[AcceptedPart]:
        """Accept `message` (one part per segment) and have its receipts delivered after commit."""
        segments = message.segments or shape(message.text).segments
        parts = [AcceptedPart(f"{ID_PREFIX}{uuid.uuid4().hex[:24]}", price=PRICE, network=NETWORK)
                 for _ in range(max(segments, 1))]
        enqueue_after_commit(deliver_receipts, message.id, queue="sms")
        return parts


def will_fail(e164: str) -> bool:
    return e164.endswith(FAILING_SUFFIX)


def receipt_params(message: SmsMessage, part: SmsPart, now: datetime) -> dict:
    """A delivery receipt for one part, with the fields and formats Vonage's DLR webhook has."""
    failing = will_fail(message.to_e164)
    return {
        "msisdn": message.to_e164.removeprefix("+"),
        "to": message.sender,
        "network-code": NETWORK,
        "messageId": part.provider_message_id,
        "price": PRICE,
        "status": "failed" if failing else "delivered",
        "scts": now.strftime("%y%m%d%H%M"),
        "err-code": DEAD_NUMBER_ERR_CODE if failing else "0",
        "api-key": "sandbox",
        "client-ref": message.client_ref,
        "message-timestamp": now.strftime("%Y-%m-%d %H:%M:%S"),
    }


def deliver_receipts(message_id: int) -> list[str]:
    """The job: one receipt per sandbox part of the message, applied and committed."""
    message = db.session.get(SmsMessage, message_id)
    if message is None:
        return []
    now = clock.utcnow()
    parts = [p for p in message.parts if p.provider_message_id.startswith(ID_PREFIX)]
    results = [apply_receipt(receipt_params(message, part, now), now) for part in parts]
    db.session.commit()
    return results


# --- what the sandbox phone shows ----------------------------------------------------------

def _scoped(stmt, user):
    if user.role in ALL_DEPARTMENTS:
        return stmt
    return stmt.where(SmsMessage.department_id == user.department_id)


def numbers_for(user, limit: int = 200) -> list[str]:
    """The numbers that received sandbox messages `user` may see, newest first."""
    stmt = (select(SmsMessage.to_e164, func.max(SmsMessage.id).label("newest"))
            .where(SmsMessage.id.in_(select(SmsPart.message_id)
                                     .where(SmsPart.provider_message_id.startswith(ID_PREFIX))))
            .group_by(SmsMessage.to_e164).order_by(func.max(SmsMessage.id).desc()).limit(limit))
    return [row.to_e164 for row in db.session.execute(_scoped(stmt, user))]


@dataclass(frozen=True)
class Bubble:
    """One message on the phone's screen, as the citizen sees it."""

    incoming: bool  # to the phone (from the city) or from it (a reply)
    sender: str
    text: str
    at: datetime
    status: str  # the outbound SMS status, or "reply"
    key: str


def conversation(number: str, user, limit: int = 100) -> list[Bubble]:
    """What `number` received from the departments `user` may see, with the replies it sent,
    oldest first (the last `limit` of each)."""
    outbound = db.session.scalars(_scoped(
        select(SmsMessage).where(SmsMessage.to_e164 == number, SmsMessage.sent_at.is_not(None))
        .order_by(SmsMessage.id.desc()).limit(limit), user))
    bubbles = [Bubble(True, m.sender, m.text, m.sent_at, m.status, f"out-{m.id}") for m in outbound]
    if not bubbles:
        return []
    reply_stmt = select(InboundSms).where(InboundSms.msisdn == number)
    if user.role not in ALL_DEPARTMENTS:  # another department's replies are not this user's
        reply_stmt = reply_stmt.where(or_(InboundSms.department_id == user.department_id, InboundSms.opt_out))
    replies = db.session.scalars(reply_stmt.order_by(InboundSms.id.desc()).limit(limit))
    bubbles += [Bubble(False, r.msisdn, r.text, r.received_at, "reply", f"in-{r.id}") for r in replies]
    return sorted(bubbles, key=lambda b: (b.at, not b.incoming, b.key))  # a reply after its message


def sandbox_reply(number: str, to: str, text: str, now: datetime) -> dict:
    """The inbound-webhook parameters of a reply typed on the sandbox phone."""
    return {
        "msisdn": number.removeprefix("+"), "to": to, "messageId": f"{REPLY_PREFIX}{uuid.uuid4().hex[:20]}",
        "text": text, "type": "text" if not shape(text).unicode else "unicode",
        "keyword": (text.split() or [""])[0].upper()[:32],
        "message-timestamp": now.strftime("%Y-%m-%d %H:%M:%S"),
    }
