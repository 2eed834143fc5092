"""One timeline of everything that happened on a case: calls now; SMS, promises and payments
as later issues add them. Each kind registers a source that turns its rows into entries of
one common shape; the timeline merges them, newest first."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app.calls.models import CallAttempt
from app.cases.models import Case
from app.extensions import db


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "call", "sms", "promise", "payment"
    at: datetime
    label: str  # a status word: an outcome, an SMS status... (translated by the template)
    actor: str | None = None
    notes: str = ""
    details: dict = field(default_factory=dict)
    row: object = None  # the row itself, for templates that need more


Source = Callable[[Case], Iterable[TimelineEntry]]


def calls_of(case: Case) -> list[CallAttempt]:
    stmt = (select(CallAttempt).where(CallAttempt.case_id == case.id)
            .order_by(CallAttempt.at.desc(), CallAttempt.id.desc()))
    return list(db.session.scalars(stmt))


def call_entries(case: Case) -> Iterable[TimelineEntry]:
    for call in calls_of(case):
        yield TimelineEntry(
            kind="call", at=call.at, label=call.outcome,
            actor=(call.user.display_name or call.user.login) if call.user else None,
            notes=call.notes,
            details={"direction": call.direction, "phone_id": call.phone_id, "over_cap": call.over_cap},
            row=call,
        )


# Later issues append their sources here (sms, promises, payments).
SOURCES: list[Source] = [call_entries]


def timeline(case: Case) -> list[TimelineEntry]:
    """Every entry of every source for `case`, newest first."""
    entries = [entry for source in SOURCES for entry in source(case)]
    return sorted(entries, key=lambda e: e.at, reverse=True)
