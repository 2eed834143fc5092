"""A report's period in local days, and the SQL that buckets timestamps into local days.

A period is whole local days (TIMEZONE): [start 00:00, end + 1 day 00:00) in the municipality's
zone. PostgreSQL converts with the zone itself (daylight saving included); SQLite (the zero-setup
demo only) has no zones, so there the zone's UTC offset at the start of the period is used.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, cast, func, literal_column, text

from app.extensions import db
from app.sql import is_postgres

# The longest period a report covers (inclusive days): a year, leap day included.
MAX_DAYS = 366
_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    zone: ZoneInfo

    @property
    def lo(self) -> datetime:
        """The first instant of the period (aware, UTC)."""
        return datetime.combine(self.start, time(0), self.zone).astimezone(UTC)

    @property
    def hi(self) -> datetime:
        """The first instant after the period (aware, UTC)."""
        return datetime.combine(self.end + timedelta(days=1), time(0), self.zone).astimezone(UTC)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def contains(self, column):
        """SQL: the timestamp `column` lies in the period."""
        return (column >= self.lo) & (column < self.hi)

    def contains_day(self, column):
        """SQL: the date `column` lies in the period."""
        return (column >= self.start) & (column <= self.end)


# The dates a report may cover: far beyond any real period, and inside what datetime and the
# zone conversion can represent (0001-01-01 or 9999-12-31 would overflow on the way to UTC).
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)


def period_problem(start: date, end: date) -> str | None:
    """Why (start, end) is not a valid period, in English for logs; None when it is."""
    if start < EARLIEST or end > LATEST:
        return "outside the supported dates"
    if end < start:
        return "end before start"
    if (end - start).days + 1 > MAX_DAYS:
        return f"longer than {MAX_DAYS} days"
    return None


def rate(numerator: int, denominator: int) -> float | None:
    """A share rounded to 4 places; None when there is nothing to divide by."""
    return round(numerator / denominator, 4) if denominator else None


# A report groups up to a million cases: with PostgreSQL's default 4 MB the planner sorts on
# disk or walks a whole index in case order instead of hashing (measured in bench/reports.py).
REPORT_WORK_MEM = "64MB"


def roomy_work_mem() -> None:
    """Give the rest of this transaction's report queries more sort/hash memory (PostgreSQL;
    SET LOCAL ends with the transaction)."""
    if is_postgres():
        db.session.execute(text(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'"))



def local_day(column, period: Period):
    """SQL: the local calendar day of the timestamp `column`."""
    zone_name = period.zone.key
    if not _ZONE_NAME.match(zone_name):  # it is inlined below: never anything but a zone name
        raise ValueError("unexpected time zone name")
    if is_postgres():
        # timezone(zone, timestamptz) gives the local wall time; inlined so that GROUP BY
        # sees the same expression as the SELECT.
        return cast(func.timezone(literal_column(f"'{zone_name}'"), column), Date)
    offset = datetime.combine(period.start, time(12), period.zone).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    return func.date(column, literal_column(f"'{minutes:+d} minutes'"))


def add_days(day_expression, days: int):
    """SQL: a date expression `days` days later."""
    days = int(days)
    if is_postgres():
        return day_expression + literal_column(str(days), Integer)
    return func.date(day_expression, literal_column(f"'{days:+d} days'"))


def as_date(value) -> date:
    """A day from a result row: PostgreSQL gives dates, SQLite ISO strings."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
