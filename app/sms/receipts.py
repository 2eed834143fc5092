"""What comes back from the provider: delivery receipts, citizens' replies, opt-outs.

`apply_receipt` applies one Vonage delivery receipt (DLR) to its part and the part's message;
`handle_inbound` stores one reply and opts the number out when it is an opt-out keyword;
`record_opt_out` is the same opt-out recorded by an operator. All of them work in the
caller's transaction (the webhook or job commits) and audit with ids only.
"""

import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from app import signals
from app.audit.services import record
from app.auth.departments import department_by_sender
from app.cases import consent
from app.cases.consent import CITY_WIDE
from app.cases.models import Phone, PhoneConsent
from app.extensions import db
from app.sms.failures import back_to_call_queue, mark_dead_number
from app.sms.models import FINAL_STATUSES, InboundSms, SmsMessage, SmsPart, SmsStatus, SuppressReason
from app.sms.outbox import suppress_waiting
from app.sms.receipt_codes import DEAD_NUMBER_CODES, describe
from app.sql import insert_once

log = logging.getLogger(__name__)


class ReceiptError(ValueError):
    """A webhook body that is not a receipt (or reply) as Vonage sends them."""


# A Vonage DLR `status` -> the part's status.
DLR_STATUSES = {
    "delivered": SmsStatus.DELIVERED, "expired": SmsStatus.EXPIRED, "failed": SmsStatus.FAILED,
    "rejected": SmsStatus.REJECTED, "accepted": SmsStatus.SENT, "buffered": SmsStatus.SENT,
    "unknown": SmsStatus.UNKNOWN,
}
FAILURES = (SmsStatus.FAILED, SmsStatus.EXPIRED, SmsStatus.REJECTED)
# A part only moves up this ladder: a late `accepted` never undoes `delivered`.
_RANK = {SmsStatus.SENT: 0, SmsStatus.UNKNOWN: 1}
_FINAL_RANK = 2


def _field(params: dict, key: str, max_len: int, required: bool = False) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        if required:
            raise ReceiptError(f"{key} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ReceiptError(f"{key} must be a string")
    value = str(value).strip()
    if len(value) > max_len:
        raise ReceiptError(f"{key} is too long")
    return value


@dataclass(frozen=True)
class Receipt:
    message_id: str
    status: str  # the DLR word
    err_code: str | None
    client_ref: str | None
    price: str | None
    network: str | None


def parse_receipt(params: dict) -> Receipt:
    """Validate a DLR's fields (ReceiptError when it is not one)."""
    status = (_field(params, "status", 16, required=True) or "").lower()
    if status not in DLR_STATUSES:
        raise ReceiptError("status is not a Vonage delivery status")
    err_code = _field(params, "err-code", 16)
    if err_code is not None and not err_code.isdigit():
        raise ReceiptError("err-code must be a number")
    return Receipt(
        message_id=_field(params, "messageId", 64, required=True), status=status, err_code=err_code,
        client_ref=_field(params, "client-ref", 200), price=_field(params, "price", 32),
        network=_field(params, "network-code", 16),
    )


def _locked_message(receipt: Receipt) -> SmsMessage | None:
    """The receipt's message, row-locked so concurrent receipts of its parts aggregate in turn."""
    message_id = db.session.scalar(
        select(SmsPart.message_id).where(SmsPart.provider_message_id == receipt.message_id))
    if message_id is None and receipt.client_ref:
        message_id = db.session.scalar(
            select(SmsMessage.id).where(SmsMessage.client_ref == receipt.client_ref))
    if message_id is None:
        return None
    message = db.session.scalar(select(SmsMessage).where(SmsMessage.id == message_id)
                                .with_for_update().execution_options(populate_existing=True))
    db.session.expire(message, ["parts"])
    db.session.scalars(select(SmsPart).where(SmsPart.message_id == message_id)
                       .execution_options(populate_existing=True)).all()
    return message


def apply_receipt(params: dict, now: datetime) -> str:
    """Apply one delivery receipt: "updated", "duplicate" (nothing changed) or "unknown_id".

    The part is found by `messageId`, else the message by `client-ref` (its worker died after
    the provider accepted it: the part is attached and the message counts as sent)."""
    receipt = parse_receipt(params)
    message = _locked_message(receipt)
    if message is None:
        log.info("delivery receipt for an unknown message id %s", receipt.message_id)
        return "unknown_id"
    part = next((p for p in message.parts if p.provider_message_id == receipt.message_id), None)
    attached = part is None
    if attached:
        part = SmsPart(provider_message_id=receipt.message_id, status=SmsStatus.SENT)
        message.parts.append(part)
    if not _update_part(part, receipt, now) and not attached:
        return "duplicate"
    before = message.status
    _aggregate(message, now)
    db.session.flush()
    record(None, "sms.receipt", "sms_message", message.id, now, part_id=part.id, status=receipt.status,
           err_code=receipt.err_code, message_status=message.status, attached=attached)
    if message.status != before and message.status in FAILURES:
        _after_failure(message, now)
    return "updated"


def _update_part(part: SmsPart, receipt: Receipt, now: datetime) -> bool:
    new = DLR_STATUSES[receipt.status]
    old_rank = _RANK.get(part.status, _FINAL_RANK)
    if old_rank == _FINAL_RANK or _RANK.get(new, _FINAL_RANK) < old_rank:
        return False  # final stays final; nothing moves backwards
    values = {"status": new, "error_code": receipt.err_code,
              "price": receipt.price or part.price, "network": receipt.network or part.network}
    if all(getattr(part, key) == value for key, value in values.items()):
        return False
    for key, value in values.items():
        setattr(part, key, value)
    part.receipt_at = now
    return True


def _aggregate(message: SmsMessage, now: datetime) -> None:
    """The message's status from its parts: failed when one part failed, delivered when all
    expected parts are; a finished message keeps its status."""
    if message.sent_at is None:
        message.sent_at = now  # the provider accepted it, whatever the worker managed to record
    message.updated_at = now
    if message.status in FINAL_STATUSES:
        return
    parts = message.parts
    expected = max(message.parts_expected or message.segments or 1, len(parts))
    failed = next((p for p in parts if p.status in FAILURES), None)
    if failed is not None:
        message.status = failed.status
        message.error_code = failed.error_code
        message.error_text = describe(failed.error_code, failed.status)
        message.reason = None
        return
    # Not failed: whatever a retry or a lost answer left in the error fields is over.
    message.error_code = message.error_text = message.reason = None
    if sum(p.status == SmsStatus.DELIVERED for p in parts) >= expected:
        message.status = SmsStatus.DELIVERED
        message.delivered_at = now
        signals.message_delivered.send(message, now=now)
    elif len(parts) >= expected and any(p.status == SmsStatus.UNKNOWN for p in parts):
        message.status, message.reason = SmsStatus.UNKNOWN, "receipt_unknown"
    else:
        message.status = SmsStatus.SENT


def _after_failure(message: SmsMessage, now: datetime) -> None:
    """An SMS that did not arrive hands the case back to the operators; a dead number is
    marked unusable so no rule texts it again."""
    if message.error_code in DEAD_NUMBER_CODES:
        mark_dead_number(message, now)
        if message.phone_id is not None:
            record(None, "phone.unusable", "phone", message.phone_id, now, reason="sms_failed",
                   message_id=message.id, err_code=message.error_code)
    elif message.case is not None:
        back_to_call_queue(message.case, now)


# --- replies and opt-outs ----------------------------------------------------------------

OPT_OUT_KEYWORDS = {
    "stop": "STOP", "quit": "QUIT", "end": "END", "cancel": "CANCEL", "unsubscribe": "UNSUBSCRIBE",
    "opt out": "OPT OUT", "revoke": "REVOKE", "停止": "停止", "配信停止": "配信停止",
}


def _trim(word: str) -> str:
    """`word` without surrounding punctuation, symbols, spaces or control characters."""
    def edge(ch: str) -> bool:
        return unicodedata.category(ch)[0] in "PSZC"

    start, end = 0, len(word)
    while start < end and edge(word[start]):
        start += 1
    while end > start and edge(word[end - 1]):
        end -= 1
    return word[start:end]


def opt_out_keyword(text: str) -> str | None:
    """The opt-out keyword `text` is (the whole message or its first word), or None.
    Case-insensitive, full-width/half-width folded (NFKC), punctuation around it ignored."""
    words = [w for w in (_trim(w) for w in unicodedata.normalize("NFKC", text or "").casefold().split())
             if w]
    if not words:
        return None
    for candidate in (" ".join(words), " ".join(words[:2]), words[0]):
        if candidate in OPT_OUT_KEYWORDS:
            return OPT_OUT_KEYWORDS[candidate]
    return None


def parse_msisdn(params: dict) -> str:
    """The sender's number as E.164 (Vonage sends it without "+")."""
    digits = (_field(params, "msisdn", 20, required=True) or "").removeprefix("+")
    if not digits.isdigit() or not 6 <= len(digits) <= 15 or not digits.isascii():
        raise ReceiptError("msisdn must be a phone number")
    return "+" + digits


def handle_inbound(params: dict, now: datetime) -> InboundSms | None:
    """Store one reply; an opt-out keyword opts the number out. The same inbound message id
    twice is stored once: the second time returns None and changes nothing."""
    msisdn = parse_msisdn(params)
    provider_id = _field(params, "messageId", 64, required=True)
    text = _field(params, "text", 2000) or ""
    keyword = opt_out_keyword(text)
    if db.session.scalar(select(InboundSms.id).where(InboundSms.provider_message_id == provider_id)):
        return None
    row = InboundSms(provider_message_id=provider_id, msisdn=msisdn, to=_field(params, "to", 20) or "",
                     text=text, keyword=keyword or "", opt_out=keyword is not None, received_at=now)
    if insert_once(row, lambda: db.session.scalar(
            select(InboundSms).where(InboundSms.provider_message_id == provider_id))) is not row:
        return None  # a concurrent delivery of the same reply was stored first
    record(None, "sms.inbound", "inbound_sms", row.id, now, opt_out=row.opt_out)
    if keyword is not None:
        opt_out_reply(row, now)
    else:
        signals.reply_received.send(row, now=now)  # the inbox routes and classifies it
    return row


def record_opt_out(phone: Phone, actor, now: datetime, source: str,
                   department_id: int | None = CITY_WIDE) -> list[int]:
    """Opt `phone`'s number out by hand (source "operator") of one department's SMS, or with
    department None of every department's; see `opt_out_number`."""
    return opt_out_number(phone.e164, actor, now, source=source, department_id=department_id)


def opt_out_reply(row: InboundSms, now: datetime) -> list[int]:
    """A STOP reply opts the number out of the department whose sender ID it was sent to (the
    inbound `to`); a STOP to a sender no department has opts it out of every department."""
    dept = department_by_sender(row.to)
    return opt_out_number(row.msisdn, None, now, source="inbound",
                          department_id=dept.id if dept else CITY_WIDE, inbound_id=row.id)


def opt_out_number(e164: str, actor, now: datetime, source: str, department_id: int | None = CITY_WIDE,
                   **details) -> list[int]:
    """Opt every Phone with this E.164 number out of `department_id`'s SMS (None: every
    department's) and suppress its messages of that scope still waiting to be sent
    (queued/scheduled -> suppressed, reason opted_out). Returns the suppressed ids."""
    phones = consent.numbers_phones(e164)
    changed = consent.opt_out_phones(phones, department_id, actor, now, source,
                                     **({"scope": "city"} if department_id is None else {}), **details)
    for phone in changed:
        signals.phone_marked.send(phone, reason="opted_out", now=now, actor=actor)
    condition = or_(SmsMessage.to_e164 == e164, SmsMessage.phone_id.in_([p.id for p in phones]))
    if department_id is not None:
        condition = and_(condition, SmsMessage.department_id == department_id)
    return suppress_waiting(condition, SuppressReason.OPTED_OUT, actor, now)


def number_opted_out(message: SmsMessage, case=None, now: datetime | None = None, **_) -> str | None:
    """signals.sms_send_check: the number opted out of this message's department (or of all),
    on any Phone row or by a STOP reply, even when this message's own Phone row was imported
    after that; a STOP older than a supervisor's lift of that scope no longer counts."""
    dept_id = message.department_id
    opted = db.session.scalar(
        select(PhoneConsent.id).join(Phone, Phone.id == PhoneConsent.phone_id)
        .where(Phone.e164 == message.to_e164, PhoneConsent.opted_out.is_(True),
               or_(PhoneConsent.department_id == dept_id, PhoneConsent.department_id.is_(None)))
        .limit(1))
    if opted is not None:
        return SuppressReason.OPTED_OUT
    stops = db.session.execute(select(InboundSms.to, InboundSms.received_at).where(
        InboundSms.msisdn == message.to_e164, InboundSms.opt_out.is_(True))).all()
    for to, received_at in stops:
        sender_dept = department_by_sender(to)
        scope = sender_dept.id if sender_dept else CITY_WIDE
        if scope not in (dept_id, CITY_WIDE):
            continue
        lifted = db.session.scalar(
            select(func.max(PhoneConsent.opt_out_lifted_at)).join(Phone, Phone.id == PhoneConsent.phone_id)
            .where(Phone.e164 == message.to_e164,
                   PhoneConsent.department_id.is_(None) if scope is None
                   else PhoneConsent.department_id == scope))
        if lifted is None or received_at > lifted:
            return SuppressReason.OPTED_OUT
    return None
