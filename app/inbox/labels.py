"""The words the inbox shows for reply classes and states (msgids in English)."""

from flask_babel import lazy_gettext as _l

from app.sms.models import ReplyClass, ReplyState

CLASS_LABELS = {
    ReplyClass.SAYS_PAID: _l("says they paid"),
    ReplyClass.CALLBACK: _l("asks for a call"),
    ReplyClass.WRONG_PERSON: _l("wrong person"),
    ReplyClass.OTHER: _l("other"),
}
STATE_LABELS = {
    ReplyState.NEW: _l("new"),
    ReplyState.ASSIGNED: _l("assigned"),
    ReplyState.DONE: _l("done"),
}
