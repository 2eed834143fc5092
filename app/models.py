"""Every domain's models, imported together so the metadata (and Alembic) sees them all."""

from app.audit.models import AuditEvent
from app.auth.models import ApiToken, Department, User
from app.calls.models import CallAttempt
from app.cases.models import Case, Charge, ImportJob, Phone, Taxpayer

__all__ = [
    "ApiToken", "AuditEvent", "CallAttempt", "Case", "Charge", "Department", "ImportJob",
    "Phone", "Taxpayer", "User",
]
