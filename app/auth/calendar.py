"""Allowed hours: calling and SMS windows in local time, rest days and Japanese holidays.

A rest-day list is comma-separated words: mon..sun, `holidays` (Japanese public holidays),
`year_end` (年末年始, 12/29-1/3) and closure dates as YYYY-MM-DD (a department's own, e.g.
お盆: `Department.rest_calendar` joins its rest days and closures).
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from app.auth.departments import WEEKDAYS


@lru_cache(maxsize=64)
def _japanese_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


def is_rest_day(day: date, rest_days: str) -> bool:
    """True when `day` is closed under `rest_days` (words and closure dates, see above)."""
    words = set(filter(None, (w.strip() for w in rest_days.split(","))))
    if WEEKDAYS[day.weekday()] in words or day.isoformat() in words:
        return True
    if "year_end" in words and ((day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)):
        return True
    return "holidays" in words and day in _japanese_holidays(day.year)


def overlap(first: tuple[time, time], second: tuple[time, time]) -> tuple[time, time] | None:
    """The part of two [start, end) windows both allow, or None when they do not meet (the SMS
    window of a department is its SMS hours inside its calling hours: the callback line is staffed)."""
    start, end = max(first[0], second[0]), min(first[1], second[1])
    return (start, end) if start < end else None


def is_allowed(now: datetime, start: time, end: time, rest_days: str, zone: ZoneInfo) -> bool:
    """True when `now` falls inside [start, end) local time on a day that is not a rest day."""
    local = now.astimezone(zone)
    if is_rest_day(local.date(), rest_days):
        return False
    return start <= local.time() < end if end != time.max else start <= local.time()


def next_allowed(now: datetime, start: time, end: time, rest_days: str, zone: ZoneInfo):
    """The first moment at or after `now` inside the window; None if no day in a year is open."""
    if is_allowed(now, start, end, rest_days, zone):
        return now
    local = now.astimezone(zone)
    day = local.date()
    if local.time() >= start:
        day += timedelta(days=1)
    for _ in range(366):
        if not is_rest_day(day, rest_days):
            return datetime.combine(day, start, tzinfo=zone)
        day += timedelta(days=1)
    return None


def local_day_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Midnight of `now`'s local day, as an aware datetime."""
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(0), tzinfo=zone)
