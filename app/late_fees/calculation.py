"""延滞金 of one charge to a date: pure arithmetic, no database (地方税法 第20条の4の2, 附則第3条の2,
as municipalities publish it; README, "延滞金").

- The base is the unpaid principal (本税) rounded down to 1,000 yen; a principal under 2,000 yen
  bears none (第20条の4の2 第4項). A payment lowers the base from the day after it was made.
- The days run from the day after the due date through the day of payment (`on`) inclusive.
  Until one month has elapsed (`low_rate_last_day`) the lower rate applies, after it the higher.
- Each day bears the rates of its own calendar year; a yearly % is applied per day over 365
  days, leap years too.
- The days are cut into segments (a run of days with one base, one rate and one year); each
  segment's base x rate x days / 365 is rounded down to the yen (岐阜市 and others publish that
  yen fractions arising within the calculation are dropped), the segments are added up, and the sum is
  rounded down to 100 yen, or 0 when under 1,000 yen (第20条の4の2 第5項).

"One month has elapsed" is counted the civil-code way (地方税法 第20条の5 → 民法 第143条): the
period starts on the day after the due date and ends the day before the same day-number of the
next month, or on the last day of the next month when it has no such day. So due 1/15 → lower
rate 1/16-2/15; due 4/30 → 5/1-5/31 (a period starting on the 1st is that whole month); due 5/30
→ 5/31-6/30; due 1/30 → 1/31-2/28 (2/29 in a leap year).
"""

import calendar
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from app.late_fees.rates import YearRates, rates_for

BASE_UNIT = 1000  # the base is rounded down to this
MIN_PRINCIPAL = 2000  # a principal under this bears no 延滞金
FEE_UNIT = 100  # the result is rounded down to this
MIN_FEE = 1000  # a result under this is 0
DAYS_A_YEAR = 365  # leap years too
LOW, HIGH = "low", "high"
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Segment:
    """A run of days (first..last inclusive) with one base, one rate tier and one year's rate."""

    first: date
    last: date
    base: int
    tier: str  # "low" (until one month has elapsed) or "high"
    rate: Fraction  # % a year
    amount: int  # base x rate/100 x days / 365, rounded down to the yen

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class LateFee:
    """The 延滞金 of one charge on a date, and how it came about."""

    amount: int  # what is owed: the segments' sum rounded down to 100 yen, 0 under 1,000
    computed: int  # the segments' sum before that rounding
    days_low: int  # late days at the lower rate while principal was unpaid
    days_high: int  # late days at the higher rate while principal was unpaid
    segments: tuple[Segment, ...]


def low_rate_last_day(due_date: date) -> date:
    """The last day of the lower rate: the day "one month has elapsed" from the day after
    `due_date` (民法 第143条: the day before the same day-number of the next month, or the last
    day of the next month when it has no such day)."""
    start = due_date + ONE_DAY
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    last_of_next = calendar.monthrange(year, month)[1]
    if start.day > last_of_next:
        return date(year, month, last_of_next)
    return date(year, month, start.day) - ONE_DAY


def base_of(principal: int) -> int:
    """The base of the 延滞金: the principal rounded down to 1,000 yen, 0 under 2,000 yen."""
    if principal < MIN_PRINCIPAL:
        return 0
    return principal // BASE_UNIT * BASE_UNIT


def final_amount(computed: int) -> int:
    """The 延滞金 owed from the computed sum: rounded down to 100 yen, 0 under 1,000 yen."""
    if computed < MIN_FEE:
        return 0
    return computed // FEE_UNIT * FEE_UNIT


def late_fee(principal: int, due_date: date, on: date, payments: Iterable[tuple[date, int]],
             table: Mapping[int, YearRates]) -> LateFee:
    """The 延滞金 of a charge whose unpaid principal was `principal` from the day after
    `due_date`, paid in full on `on`; `payments` are (paid_on, amount) of the payments allocated
    to it (those after `on` are left out). Raises rates.MissingRate for a year that bears 延滞金
    and has no rate in `table`."""
    first_day = due_date + ONE_DAY
    if on < first_day:
        return LateFee(0, 0, 0, 0, ())
    paid = sorted((day, amount) for day, amount in payments if day <= on and amount > 0)
    low_last = low_rate_last_day(due_date)
    # The days where something changes: the higher rate, a new year, a lower base.
    cuts = {low_last + ONE_DAY, *(date(y, 1, 1) for y in range(first_day.year + 1, on.year + 1)),
            *(day + ONE_DAY for day, _ in paid)}
    starts = sorted(day for day in cuts if first_day < day <= on)
    segments, days = [], {LOW: 0, HIGH: 0}
    for start, next_start in zip([first_day, *starts], [*starts, on + ONE_DAY], strict=True):
        unpaid = principal - sum(amount for day, amount in paid if day < start)
        if unpaid <= 0:
            break  # paid in full: nothing accrues any more
        tier = LOW if start <= low_last else HIGH
        last = next_start - ONE_DAY
        days[tier] += (last - start).days + 1
        base = base_of(unpaid)
        if base == 0:
            continue
        year_rates = rates_for(start.year, table)
        rate = year_rates.low if tier == LOW else year_rates.high
        day_count = (last - start).days + 1
        amount = math.floor(Fraction(base) * rate * day_count / (100 * DAYS_A_YEAR))
        segments.append(Segment(start, last, base, tier, rate, amount))
    computed = sum(s.amount for s in segments)
    return LateFee(final_amount(computed), computed, days[LOW], days[HIGH], tuple(segments))
