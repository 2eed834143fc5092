"""Every domain's models, imported together so the metadata (and Alembic) sees them all."""

from app.audit.models import AuditEvent
from app.auth.models import ApiToken, Department, LoginFailure, User
from app.calls.models import CallAttempt
from app.cases.models import Case, Charge, ImportJob, Phone, Taxpayer
from app.escalation.models import EscalationFiring, EscalationRule
from app.inbox.models import InboxSettings
from app.ops.models import PeriodicRun
from app.payments.models import Payment
from app.promises.models import Promise, PromiseInstalment
from app.reports.models import ArchivedReport
from app.sms.models import InboundSms, SmsMessage, SmsPart, SmsTemplate

__all__ = [
    "ApiToken", "ArchivedReport", "AuditEvent", "CallAttempt", "Case", "Charge", "Department",
    "EscalationFiring", "EscalationRule", "ImportJob", "InboundSms", "InboxSettings", "LoginFailure",
    "Payment",
    "PeriodicRun", "Phone", "Promise", "PromiseInstalment", "SmsMessage", "SmsPart", "SmsTemplate",
    "Taxpayer", "User",
]
