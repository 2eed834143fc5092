"""Calls on the case timeline (a receiver of `signals.case_timeline`)."""

from collections.abc import Iterable

from sqlalchemy import select

from app.calls.models import CallAttempt
from app.cases.models import Case
from app.cases.timeline import TimelineEntry
from app.extensions import db


def calls_of(case: Case) -> list[CallAttempt]:
    """The case's calls, newest first."""
    stmt = (select(CallAttempt).where(CallAttempt.case_id == case.id)
            .order_by(CallAttempt.at.desc(), CallAttempt.id.desc()))
    return list(db.session.scalars(stmt))


def call_entries(case: Case, **_) -> Iterable[TimelineEntry]:
    for call in calls_of(case):
        yield TimelineEntry(
            kind="call", at=call.at, label=call.outcome,
            actor=(call.user.display_name or call.user.login) if call.user else None,
            notes=call.notes,
            details={"direction": call.direction, "phone_id": call.phone_id, "over_cap": call.over_cap},
            row=call,
        )
