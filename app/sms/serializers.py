"""SMS as JSON-ready dicts for the API (the shapes are the API's contract)."""

from app.sms.models import SmsMessage


def _iso(value):
    return value.isoformat() if value is not None else None


def sms_error(message: SmsMessage) -> dict | None:
    """Why the message did not (or may not) arrive: the provider's code and text, or the
    reason it was suppressed / is unknown; None when nothing went wrong."""
    if message.error_code or message.error_text or message.reason:
        return {"code": message.error_code, "text": message.error_text, "reason": message.reason}
    return None


def sms_dict(message: SmsMessage) -> dict:
    """One SMS: id, status, to, sender, text, provider_message_id, error, and the details."""
    ids = [part.provider_message_id for part in message.parts]
    return {
        "id": message.id,
        "status": message.status,
        "to": message.to_e164,
        "sender": message.sender,
        "text": message.text,
        "provider_message_id": ids[0] if ids else None,
        "provider_message_ids": ids,
        "error": sms_error(message),
        "reason": message.reason,
        "phone_id": message.phone_id,
        "rule_id": message.rule_id,
        "language": message.language,
        "encoding": message.encoding,
        "segments": message.segments,
        "provider": message.provider,
        "created_at": _iso(message.created_at),
        "scheduled_for": _iso(message.scheduled_for),
        "sent_at": _iso(message.sent_at),
        "delivered_at": _iso(message.delivered_at),
    }
