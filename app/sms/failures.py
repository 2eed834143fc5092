"""What a message that cannot reach the taxpayer changes: the case goes back to the operators,
a dead number becomes unusable."""

from datetime import datetime

from app import signals
from app.cases.models import Case
from app.sms.models import SmsMessage


def back_to_call_queue(case: Case, now: datetime) -> None:
    """An SMS that cannot reach the taxpayer hands the case back to the operators now."""
    if case.next_action_at is None or case.next_action_at > now:
        case.next_action_at = now
    case.updated_at = now


def mark_dead_number(message: SmsMessage, now: datetime) -> None:
    """The provider says the number cannot receive SMS: the phone becomes unusable (operators
    see why on the case screen) and the case goes back to the call queue."""
    if message.phone is not None:
        message.phone.usable = False
        message.phone.unusable_reason = "sms_failed"
        signals.phone_marked.send(message.phone, reason="sms_failed", now=now, actor=None)
    if message.case is not None:
        back_to_call_queue(message.case, now)
