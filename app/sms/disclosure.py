"""Which text a number may receive: a personal message (naming the person or the debt) goes
only to a phone verified by an identity-confirmed answered call; otherwise the rule's generic
fallback is sent. Decided when a rule fires and again by the send job (verification expires)."""

from datetime import datetime

from flask import current_app

from app.audit.services import record
from app.calls.verification import phone_verified
from app.sms.encoding import cost, shape
from app.sms.models import Disclosure, SmsMessage, SmsTemplate, SuppressReason
from app.sms.templates import disclosure_of, render


def body_of(template: SmsTemplate | None, language: str) -> str:
    if template is None:
        return ""
    return (template.body_en if language == "en" else template.body_ja) or ""


def usable_fallback(template: SmsTemplate | None, language: str) -> str | None:
    """The fallback's text in `language` when it can stand in for a personal one, else None."""
    body = body_of(template, language)
    if template is None or not template.active or not body.strip():
        return None
    return body if disclosure_of(body) == Disclosure.GENERIC else None


def choose(template: SmsTemplate, fallback: SmsTemplate | None, language: str, phone_id: int,
           now: datetime) -> tuple[SmsTemplate, str, Disclosure] | None:
    """(template, body, disclosure) to send to `phone_id` now, or None when the template is
    personal, the phone not verified and there is no usable generic fallback."""
    body = body_of(template, language)
    disclosure = disclosure_of(body)
    if disclosure == Disclosure.GENERIC or phone_verified(phone_id, now):
        return template, body, disclosure
    fallback_body = usable_fallback(fallback, language)
    if fallback_body is None:
        return None
    return fallback, fallback_body, Disclosure.GENERIC


def recheck(message: SmsMessage, now: datetime) -> str | None:
    """In the send job, under the row lock: a personal message whose phone is no longer
    verified gets its generic fallback text (audited), or is to be suppressed (the reason)."""
    if message.disclosure != Disclosure.PERSONAL or phone_verified(message.phone_id, now):
        return None
    body = usable_fallback(message.fallback_template, message.language)
    if body is None or message.case is None:
        return SuppressReason.NOT_VERIFIED
    text = render(body, message.case, message.department, language=message.language)
    text_shape = shape(text)
    message.text, message.template_id = text, message.fallback_template_id
    message.disclosure = Disclosure.GENERIC
    message.encoding, message.segments = text_shape.encoding, text_shape.segments
    message.cost = cost(text_shape.segments, current_app.config["SMS_COST_PER_SEGMENT"])
    message.updated_at = now
    record(None, "sms.generic_fallback", "sms_message", message.id, now,
           template_id=message.template_id, reason="phone_not_verified")
    return None
