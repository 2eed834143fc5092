"""Who may be texted now: the checks made when a message is created and again by the send job
right before sending (money still owed, case not on hold or closed, number still consented by
the message's department and not opted out of its SMS nor city-wide, usable, the rendered text
free of links and bank details), plus what other domains veto through `signals.sms_send_check`."""

from datetime import datetime

from app import signals
from app.cases import consent
from app.cases.models import Case, CaseStatus, Phone, PhoneKind
from app.sms.models import SmsMessage, SuppressReason
from app.sms.templates import unsafe_text

# The idempotency keys of the inbox's auto-acknowledgements (not payment reminders).
ACK_KEY_PREFIX = "ack:"


def best_mobile(case: Case) -> Phone | None:
    """The case's first usable mobile number with the case's department's consent and not
    opted out of its SMS (nor city-wide), or None."""
    for phone in case.taxpayer.phones:  # ordered by position
        if (phone.kind == PhoneKind.MOBILE and phone.usable and phone.wrong_person_at is None
                and consent.has_consent(phone, case.department_id)
                and not consent.opted_out(phone, case.department_id)):
            return phone
    return None


def suppression_reason(message: SmsMessage, now: datetime) -> str | None:
    """Why `message` must not be sent now, or None when it may go."""
    case, phone = message.case, message.phone
    if case is not None:
        if case.status == CaseStatus.CLOSED:
            return SuppressReason.CASE_CLOSED
        if case.status == CaseStatus.HOLD:
            return SuppressReason.CASE_ON_HOLD
        if case.balance <= 0:
            return SuppressReason.PAID
        paused = case.payment_reminders_paused_until
        if paused is not None and paused > now and not message.idempotency_key.startswith(ACK_KEY_PREFIX):
            return SuppressReason.RECENT_PAYMENT  # a reply said "paid" (app.inbox)
    if phone is not None:
        if consent.opted_out(phone, message.department_id):
            return SuppressReason.OPTED_OUT
        if not consent.has_consent(phone, message.department_id):
            return SuppressReason.NO_CONSENT
        if not phone.usable:
            return SuppressReason.PHONE_UNUSABLE
        if phone.wrong_person_at is not None:
            return SuppressReason.WRONG_PERSON  # a reply said so (app.inbox)
    if unsafe_text(message.text, case, message.department):
        return SuppressReason.UNSAFE_TEXT
    return signals.first_answer(signals.sms_send_check, message, case=case, now=now)
