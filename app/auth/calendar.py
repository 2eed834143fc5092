"""Allowed hours: calling and SMS windows in local time, rest days and Japanese holidays."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from app.auth.departments import WEEKDAYS


@lru_cache(maxsize=64)
def _japanese_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


def is_rest_day(day: date, rest_days: str) -> bool:
    words = set(filter(None, rest_days.split(",")))
    if WEEKDAYS[day.weekday()] in words:
        return True
    return "holidays" in words and day in _japanese_holidays(day.year)


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
