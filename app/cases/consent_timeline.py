"""Consent and opt-out changes on the case timeline: the audit rows of the taxpayer's phones
for the case's department (and the city-wide opt-outs); never another department's."""

from collections.abc import Iterable

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases.models import Case
from app.cases.timeline import TimelineEntry
from app.extensions import db

ACTIONS = ("phone.consent", "phone.opt_out", "phone.opt_out_lift")


def consent_entries(case: Case) -> Iterable[TimelineEntry]:
    phone_ids = [p.id for p in case.taxpayer.phones]
    if not phone_ids:
        return
    rows = db.session.execute(
        select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == "phone", AuditEvent.object_id.in_(phone_ids),
               AuditEvent.action.in_(ACTIONS))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(200))
    for event, user in rows:
        details = event.details or {}
        if details.get("department_id") not in (case.department_id, None):
            continue
        yield TimelineEntry(
            kind="consent", at=event.at, label=event.action,
            actor=(user.display_name or user.login) if user else None,
            notes=details.get("reason", "") if event.action == "phone.opt_out_lift" else "",
            details={"phone_id": event.object_id, "consent": details.get("consent"),
                     "source": details.get("source"), "city_wide": details.get("department_id") is None},
            row=event,
        )
