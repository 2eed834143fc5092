"""Recording audit events in the caller's transaction."""

from datetime import datetime

from app.audit.models import AuditEvent
from app.extensions import db


def record(actor, action: str, obj_type: str, obj_id: int | None, now: datetime, **details):
    """Add an audit row to the current transaction (the caller commits)."""
    event = AuditEvent(
        at=now,
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=obj_type,
        object_id=obj_id,
        details=details,
    )
    db.session.add(event)
    return event


def apply_changes(obj, before: dict, after: dict) -> dict:
    """Set on `obj` each field of `after` that differs from `before`; returns
    {field: [before, after]} for the audit row (empty when nothing changed)."""
    changed = {}
    for name, value in after.items():
        if before[name] != value:
            changed[name] = [before[name], value]
            setattr(obj, name, value)
    return changed


def record_many(actor, action: str, obj_type: str, obj_ids, now: datetime, **details) -> None:
    """One audit row per id of `obj_ids` with the same details, in one executemany INSERT (an
    import closing thousands of cases)."""
    rows = [{"at": now, "actor_id": getattr(actor, "id", None), "action": action,
             "object_type": obj_type, "object_id": obj_id, "details": details} for obj_id in obj_ids]
    if rows:
        db.session.execute(db.insert(AuditEvent.__table__), rows)
