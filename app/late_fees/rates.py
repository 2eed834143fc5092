"""The yearly 延滞金 rates (地方税法 附則第3条の2): the published table plus LATE_FEE_RATES.

Each calendar year has two rates, in % a year: `low` for the days from the day after the due
date until one month has elapsed (本則 7.3 %: 延滞金特例基準割合 + 1 %), `high` after that
(本則 14.6 %: 延滞金特例基準割合 + 7.3 %). The 特例基準割合 changes every year (announced by the
Minister of Finance by 30 November of the year before), so the table ends at the last year
published when this was written; a later year is configured with LATE_FEE_RATES
("2027=3.0/9.3,2028=3.1/9.4": adds or overrides years) and a year with no rate is a
`MissingRate` error, never a silent 0.

Sources, as the municipalities publish them (checked against several):
- 2000-2013: only the lower rate had a 特例 (14.6 % after a month): 三島市「市税延滞金及び特例
  措置について」(city.mishima.shizuoka.jp/ipn018596.html), 伊勢市「市税の延滞金」.
- 2014-2020 (特例基準割合 + 1 % / + 7.3 %): 三島市 (above), 岐阜市「延滞金の計算方法」
  (city.gifu.lg.jp/31254.htm), 宗像市「納期限を過ぎて納付した場合について」.
- 2021-2025 (延滞金特例基準割合): 岐阜市, 宗像市, 士別市「滞納と延滞金・納税相談」; 2022-2025
  2.4 % / 8.7 % as the issue states.
- 2026: 2.8 % / 9.1 % (延滞金特例基準割合 1.8 %): 士別市, 南陽市「延滞金の計算方法について」,
  米沢市「延滞金(税金・保険料)」.
"""

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from types import MappingProxyType

FIRST_YEAR, LAST_YEAR = 1900, 2199
STATUTORY_LOW, STATUTORY_HIGH = Fraction("7.3"), Fraction("14.6")  # 本則 (地方税法 第20条の4の2)


@dataclass(frozen=True)
class YearRates:
    """The two yearly rates of one calendar year, in % a year (exact fractions: 2.4 is 12/5)."""

    low: Fraction
    high: Fraction


class MissingRate(LookupError):
    """No 延滞金 rate is known for `year`: the table ends earlier and LATE_FEE_RATES omits it."""

    def __init__(self, year: int):
        super().__init__(f"no late-fee rate is known for {year}: add it to LATE_FEE_RATES "
                         f"(e.g. {year}=2.8/9.1)")
        self.year = year


class RateSettingError(ValueError):
    """LATE_FEE_RATES cannot be read."""


def _pair(low: str, high: str) -> YearRates:
    return YearRates(Fraction(low), Fraction(high))


_FOUR_POINT_FIVE, _FOUR_POINT_ONE = _pair("4.5", "14.6"), _pair("4.1", "14.6")
PUBLISHED: dict[int, YearRates] = {
    2000: _FOUR_POINT_FIVE, 2001: _FOUR_POINT_FIVE,
    **{year: _FOUR_POINT_ONE for year in range(2002, 2007)},
    2007: _pair("4.4", "14.6"), 2008: _pair("4.7", "14.6"), 2009: _pair("4.5", "14.6"),
    **{year: _pair("4.3", "14.6") for year in range(2010, 2014)},
    2014: _pair("2.9", "9.2"),
    2015: _pair("2.8", "9.1"), 2016: _pair("2.8", "9.1"),
    2017: _pair("2.7", "9.0"),
    **{year: _pair("2.6", "8.9") for year in range(2018, 2021)},
    2021: _pair("2.5", "8.8"),
    **{year: _pair("2.4", "8.7") for year in range(2022, 2026)},
    2026: _pair("2.8", "9.1"),
}


def _rate(text: str, where: str) -> Fraction:
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise RateSettingError(f"{where}: {text.strip()!r} is not a number") from None
    if "/" in text or not 0 <= value <= STATUTORY_HIGH:
        raise RateSettingError(f"{where}: a rate is a % from 0 to 14.6")
    return value


def parse_setting(setting: str | None) -> dict[int, YearRates]:
    """LATE_FEE_RATES ("2026=2.8/9.1,2027=3.0/9.3", spaces allowed) as {year: rates}; raises
    RateSettingError naming the entry at fault."""
    years: dict[int, YearRates] = {}
    for entry in (setting or "").split(","):
        if not entry.strip():
            continue
        where = f"LATE_FEE_RATES: {entry.strip()!r}"
        year_text, sep, pair = entry.partition("=")
        low_text, slash, high_text = pair.partition("/")
        if not sep or not slash:
            raise RateSettingError(f"{where} is not YEAR=LOW/HIGH (e.g. 2027=3.0/9.3)")
        try:
            year = int(year_text.strip())
        except ValueError:
            raise RateSettingError(f"{where}: the year is not a number") from None
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise RateSettingError(f"{where}: the year must be {FIRST_YEAR}-{LAST_YEAR}")
        low, high = _rate(low_text, where), _rate(high_text, where)
        if low > STATUTORY_LOW or low > high:
            raise RateSettingError(f"{where}: the lower rate is at most 7.3 and not above the higher one")
        years[year] = YearRates(low, high)
    return years


@lru_cache(maxsize=16)
def rate_table(setting: str | None = None) -> MappingProxyType:
    """The published table with LATE_FEE_RATES applied (its years added or overriding), read-only."""
    return MappingProxyType({**PUBLISHED, **parse_setting(setting)})


def rates_for(year: int, table) -> YearRates:
    """The rates of `year`, or MissingRate."""
    try:
        return table[year]
    except KeyError:
        raise MissingRate(year) from None
