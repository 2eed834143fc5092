"""One timeline of everything that happened on a case. Each domain above `cases` (calls, SMS,
promises, payments) answers `signals.case_timeline` with its rows as entries of one common
shape; the timeline merges them, newest first."""

from dataclasses import dataclass, field
from datetime import datetime

from app import signals
from app.cases.models import Case


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "call", "sms", "promise", "payment"
    at: datetime
    label: str  # a status word: an outcome, an SMS status... (translated by the template)
    actor: str | None = None
    notes: str = ""
    details: dict = field(default_factory=dict)
    row: object = None  # the row itself, for templates that need more


def timeline(case: Case) -> list[TimelineEntry]:
    """Every entry of every source for `case`, newest first."""
    answers = signals.answers(signals.case_timeline, case)
    entries = [entry for answer in answers for entry in answer]
    return sorted(entries, key=lambda e: e.at, reverse=True)
