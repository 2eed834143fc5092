"""Translatable names of case statuses and phone kinds (templates show them with _(value))."""

from flask_babel import lazy_gettext as _l

from app.cases.models import CaseStatus, ConsentSource, PhoneKind

STATUS_LABELS = {
    CaseStatus.OPEN: _l("open"),
    CaseStatus.HOLD: _l("hold"),
    CaseStatus.CLOSED: _l("closed"),
}
KIND_LABELS = {
    PhoneKind.MOBILE: _l("mobile"),
    PhoneKind.FIXED: _l("fixed"),
    PhoneKind.OTHER: _l("other"),
}
# Why a phone became unusable, besides the call outcomes that mark it (wrong/invalid number).
UNUSABLE_REASON_LABELS = {
    "sms_failed": _l("SMS could not be delivered"),
}
CONSENT_SOURCE_LABELS = {
    ConsentSource.IMPORT: _l("from the department's file"),
    ConsentSource.CALL: _l("on a call"),
    ConsentSource.FORM: _l("on a form"),
    ConsentSource.COUNTER: _l("at the counter"),
}
