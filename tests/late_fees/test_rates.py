"""The published rate table and LATE_FEE_RATES."""

from fractions import Fraction

import pytest

from app import create_app
from app.late_fees.rates import PUBLISHED, MissingRate, RateSettingError, parse_setting, rate_table, rates_for
from tests import conftest


def test_the_published_rates_as_municipalities_publish_them():
    as_text = {year: (str(float(r.low)), str(float(r.high))) for year, r in PUBLISHED.items()}
    assert as_text[2014] == ("2.9", "9.2")
    assert as_text[2015] == as_text[2016] == ("2.8", "9.1")
    assert as_text[2017] == ("2.7", "9.0")
    assert as_text[2018] == as_text[2019] == as_text[2020] == ("2.6", "8.9")
    assert as_text[2021] == ("2.5", "8.8")
    assert {as_text[y] for y in range(2022, 2026)} == {("2.4", "8.7")}
    assert as_text[2026] == ("2.8", "9.1")
    assert as_text[2013] == ("4.3", "14.6") and as_text[2000] == ("4.5", "14.6")
    assert min(PUBLISHED) == 2000 and max(PUBLISHED) == 2026


def test_the_setting_adds_and_overrides_years():
    table = rate_table(" 2026=3.0/9.5 , 2027=3.1/9.4,")
    assert rates_for(2026, table).low == Fraction(3) and rates_for(2026, table).high == Fraction("9.5")
    assert rates_for(2027, table).high == Fraction("9.4")
    assert rates_for(2025, table).low == Fraction("2.4")  # the others stay
    with pytest.raises(MissingRate):
        rates_for(2028, table)
    assert rates_for(2026, rate_table("")).low == Fraction("2.8")


@pytest.mark.parametrize("setting", ["2027", "2027=3.0", "abc=1/2", "2027=x/9.3", "2027=8.0/9.3",
                                     "2027=3.0/15", "2027=5/4", "2300=1/2", "2027=1/2/3", "2027=-1/2"])
def test_a_bad_setting_is_a_clear_error(setting):
    with pytest.raises(RateSettingError) as bad:
        parse_setting(setting)
    assert "LATE_FEE_RATES" in str(bad.value)


def test_a_bad_setting_stops_the_app_at_start():
    with pytest.raises(RateSettingError):
        create_app(conftest.test_config(LATE_FEE_RATES="2027=3.0"))
