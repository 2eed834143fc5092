"""延滞金 of one charge, against figures computed by hand (the arithmetic is in each comment).

Rates used (app.late_fees.rates): 2024 and 2025 2.4 % / 8.7 %, 2026 2.8 % / 9.1 %. Each
segment is base x rate x days / 365 rounded down to the yen; the sum is rounded down to 100 yen,
and is 0 under 1,000 yen.
"""

from datetime import date

import pytest

from app.late_fees.calculation import base_of, final_amount, late_fee, low_rate_last_day
from app.late_fees.rates import MissingRate, rate_table

TABLE = rate_table()


def fee(principal, due, on, payments=()):
    return late_fee(principal, due, on, list(payments), TABLE)


@pytest.mark.parametrize(("due", "last_low_day"), [
    (date(2025, 1, 15), date(2025, 2, 15)),  # 1/16 .. the day before 2/16
    (date(2024, 4, 30), date(2024, 5, 31)),  # starts on 5/1: the whole of May
    (date(2024, 5, 30), date(2024, 6, 30)),  # starts 5/31, June has no 31st: its last day
    (date(2025, 1, 30), date(2025, 2, 28)),  # starts 1/31, no 2/31: the end of February
    (date(2024, 1, 30), date(2024, 2, 29)),  # ... in a leap year
    (date(2024, 1, 28), date(2024, 2, 28)),  # starts 1/29, 2/29 exists: the day before it
    (date(2025, 1, 31), date(2025, 2, 28)),  # starts 2/1: the whole of February
    (date(2025, 3, 31), date(2025, 4, 30)),
    (date(2024, 12, 31), date(2025, 1, 31)),  # across the year
    (date(2024, 12, 30), date(2025, 1, 30)),  # starts 12/31 -> the day before 1/31
])
def test_one_month_has_elapsed_the_civil_code_way(due, last_low_day):
    assert low_rate_last_day(due) == last_low_day


def test_the_base_is_the_principal_rounded_down_to_1000_yen():
    # 123,456 -> base 123,000, due 2024-04-30, paid 2024-12-31:
    # lower rate 5/1-5/31 = 31 days: 123,000 x 2.4 % x 31 / 365 = 91,512 / 365 = 250.72 -> 250
    # higher 6/1-12/31 = 30+31+31+30+31+30+31 = 214 days:
    #   123,000 x 8.7 % x 214 / 365 = 2,290,014 / 365 = 6,274.01 -> 6,274
    # 250 + 6,274 = 6,524 -> 6,500
    result = fee(123456, date(2024, 4, 30), date(2024, 12, 31))
    assert [s.base for s in result.segments] == [123000, 123000]
    assert [s.amount for s in result.segments] == [250, 6274]
    assert (result.computed, result.amount, result.days_low, result.days_high) == (6524, 6500, 31, 214)
    assert base_of(123456) == 123000 and base_of(2000) == 2000 and base_of(2999) == 2000


def test_no_late_fee_under_2000_yen_of_principal():
    # 1,999 yen for years: no 延滞金 (the days are still counted); 2,000 yen: base 2,000
    assert fee(1999, date(2022, 1, 31), date(2025, 12, 31)).amount == 0
    assert fee(1999, date(2022, 1, 31), date(2025, 12, 31)).computed == 0
    # 2,000 yen due 2022-01-31 paid 2025-12-31: low 2/1-2/28/2022 = 28 days:
    #   2,000 x 2.4 % x 28 / 365 = 1,344 / 365 = 3.68 -> 3
    # high 3/1/2022-12/31/2025: 306 + 365 + 366 + 365 = 1,402 days, cut per year:
    #   2022: 306 days: 2,000 x 8.7 % x 306 / 365 = 53,244 / 365 = 145.87 -> 145
    #   2023: 365 days: 174 -> 174; 2024 (leap, still /365): 366 days: 63,684 / 365 = 174.47 -> 174
    #   2025: 365 days: 174
    # 3 + 145 + 174 + 174 + 174 = 670: under 1,000 -> 0
    result = fee(2000, date(2022, 1, 31), date(2025, 12, 31))
    assert [s.amount for s in result.segments] == [3, 145, 174, 174, 174]
    assert (result.computed, result.amount, result.days_low, result.days_high) == (670, 0, 28, 1402)


def test_the_month_boundary():
    # 10,000,000 due 2024-04-30. Paid 2024-05-31, the last day of the lower rate:
    #   10,000,000 x 2.4 % x 31 / 365 = 7,440,000 / 365 = 20,383.56 -> 20,383 -> 20,300
    last_low = fee(10_000_000, date(2024, 4, 30), date(2024, 5, 31))
    assert (last_low.computed, last_low.amount) == (20383, 20300)
    assert (last_low.days_low, last_low.days_high) == (31, 0)
    # Paid 2024-06-01: one day at the higher rate: 10,000,000 x 8.7 % / 365 = 870,000 / 365
    #   = 2,383.56 -> 2,383; 20,383 + 2,383 = 22,766 -> 22,700
    first_high = fee(10_000_000, date(2024, 4, 30), date(2024, 6, 1))
    assert (first_high.computed, first_high.amount, first_high.days_low, first_high.days_high) == (
        22766, 22700, 31, 1)


def test_paid_on_or_before_the_due_date_bears_nothing():
    on_the_day = fee(500000, date(2025, 5, 31), date(2025, 5, 31))
    assert on_the_day == fee(500000, date(2025, 5, 31), date(2025, 1, 1))
    assert (on_the_day.amount, on_the_day.days_low, on_the_day.days_high) == (0, 0, 0)


def test_a_year_change_with_different_rates_in_the_higher_period():
    # 1,000,000 due 2025-10-31, paid 2026-01-31:
    # low 11/1-11/30/2025 = 30 days: 1,000,000 x 2.4 % x 30 / 365 = 720,000 / 365 = 1,972.60 -> 1,972
    # high 2025 12/1-12/31 = 31 days: x 8.7 %: 2,697,000 / 365 = 7,389.04 -> 7,389
    # high 2026 1/1-1/31 = 31 days: x 9.1 %: 2,821,000 / 365 = 7,728.77 -> 7,728
    # 1,972 + 7,389 + 7,728 = 17,089 -> 17,000
    result = fee(1_000_000, date(2025, 10, 31), date(2026, 1, 31))
    assert [(s.tier, str(s.rate), s.days, s.amount) for s in result.segments] == [
        ("low", "12/5", 30, 1972), ("high", "87/10", 31, 7389), ("high", "91/10", 31, 7728)]
    assert (result.computed, result.amount) == (17089, 17000)


def test_a_year_change_inside_the_lower_period():
    # 1,000,000 due 2025-12-15: lower rate 12/16/2025-1/15/2026, paid 2026-01-15:
    # 2025: 12/16-12/31 = 16 days x 2.4 %: 384,000 / 365 = 1,052.05 -> 1,052
    # 2026: 1/1-1/15 = 15 days x 2.8 %: 420,000 / 365 = 1,150.68 -> 1,150
    # 1,052 + 1,150 = 2,202 -> 2,200
    result = fee(1_000_000, date(2025, 12, 15), date(2026, 1, 15))
    assert [(s.days, s.amount) for s in result.segments] == [(16, 1052), (15, 1150)]
    assert (result.computed, result.amount, result.days_low, result.days_high) == (2202, 2200, 31, 0)


def test_a_leap_year_is_still_365_days_a_year():
    # 500,000 due 2024-01-31, paid 2024-12-31 (2024 has a 29 February):
    # low 2/1-2/29 = 29 days: 500,000 x 2.4 % x 29 / 365 = 348,000 / 365 = 953.42 -> 953
    # high 3/1-12/31 = 306 days: 500,000 x 8.7 % x 306 / 365 = 13,311,000 / 365 = 36,468.49 -> 36,468
    # 953 + 36,468 = 37,421 -> 37,400 (over 366 days it would be 36,368 + 950 = 37,318 -> 37,300)
    result = fee(500_000, date(2024, 1, 31), date(2024, 12, 31))
    assert (result.days_low, result.days_high) == (29, 306)
    assert (result.computed, result.amount) == (37421, 37400)


def test_a_partial_payment_lowers_the_base_from_the_next_day():
    # 300,000 due 2025-04-30; 100,000 paid 2025-06-10; the rest paid 2025-07-31:
    # low 5/1-5/31 = 31 days on 300,000: 7,200 x 31 / 365 = 223,200 / 365 = 611.5 -> 611
    # high 6/1-6/10 = 10 days on 300,000 (the payment day still bears the old base):
    #   26,100 x 10 / 365 = 261,000 / 365 = 715.07 -> 715
    # high 6/11-7/31 = 20 + 31 = 51 days on 200,000: 17,400 x 51 / 365 = 887,400 / 365 = 2,431.23 -> 2,431
    # 611 + 715 + 2,431 = 3,757 -> 3,700
    result = fee(300_000, date(2025, 4, 30), date(2025, 7, 31), [(date(2025, 6, 10), 100_000)])
    assert [(s.first, s.last, s.base, s.amount) for s in result.segments] == [
        (date(2025, 5, 1), date(2025, 5, 31), 300000, 611),
        (date(2025, 6, 1), date(2025, 6, 10), 300000, 715),
        (date(2025, 6, 11), date(2025, 7, 31), 200000, 2431)]
    assert (result.computed, result.amount, result.days_low, result.days_high) == (3757, 3700, 31, 61)


def test_a_payment_after_the_day_asked_about_is_left_out_and_a_full_payment_stops_the_fee():
    later = fee(300_000, date(2025, 4, 30), date(2025, 6, 5), [(date(2025, 6, 10), 100_000)])
    assert later == fee(300_000, date(2025, 4, 30), date(2025, 6, 5))
    # Paid in full on 2025-06-10: nothing accrues after it, asked on 2025-07-31 the fee is the
    # one to 6/10: 611 + 715 = 1,326 -> 1,300 (days counted to 6/10 only)
    paid = fee(300_000, date(2025, 4, 30), date(2025, 7, 31), [(date(2025, 6, 10), 300_000)])
    assert (paid.computed, paid.amount, paid.days_low, paid.days_high) == (1326, 1300, 31, 10)


def test_a_remainder_under_2000_bears_nothing_more():
    # 300,000 due 2025-04-30, 298,500 paid 2025-05-31 (1,500 left), asked 2025-07-31:
    # only 5/1-5/31 on 300,000: 611 -> under 1,000: 0; the 1,500 yen after bears nothing
    result = fee(300_000, date(2025, 4, 30), date(2025, 7, 31), [(date(2025, 5, 31), 298_500)])
    assert (result.computed, result.amount, result.days_low, result.days_high) == (611, 0, 31, 61)


def test_rounding_down_to_100_and_the_under_1000_rule():
    assert [final_amount(n) for n in (0, 999, 1000, 1099, 1100, 6524)] == [0, 0, 1000, 1000, 1100, 6500]
    # 123,456 due 2024-04-30 paid 2024-05-31: 250 computed (see above) -> under 1,000: 0
    short = fee(123456, date(2024, 4, 30), date(2024, 5, 31))
    assert (short.computed, short.amount) == (250, 0)


def test_late_fee_rates_override_and_add_years():
    # 1,000,000 due 2026-03-31, paid 2026-04-30: 30 days at the lower rate.
    # published 2.8 %: 28,000 x 30 / 365 = 840,000 / 365 = 2,301.37 -> 2,301 -> 2,300
    # LATE_FEE_RATES 2026=3.0/9.5: 30,000 x 30 / 365 = 900,000 / 365 = 2,465.75 -> 2,465 -> 2,400
    assert fee(1_000_000, date(2026, 3, 31), date(2026, 4, 30)).computed == 2301
    overridden = rate_table("2026=3.0/9.5")
    assert late_fee(1_000_000, date(2026, 3, 31), date(2026, 4, 30), [], overridden).amount == 2400
    # 2027 is not published: an error, never 0; LATE_FEE_RATES adds it.
    with pytest.raises(MissingRate) as missing:
        fee(1_000_000, date(2026, 11, 30), date(2027, 1, 10))
    assert missing.value.year == 2027 and "LATE_FEE_RATES" in str(missing.value)
    # due 2026-11-30: low 12/1-12/31/2026 = 31 days x 2.8 %: 868,000 / 365 = 2,378.08 -> 2,378
    # high 1/1-1/10/2027 = 10 days x 9.3 %: 930,000 / 365 = 2,547.94 -> 2,547
    # 2,378 + 2,547 = 4,925 -> 4,900
    added = rate_table("2027=3.0/9.3")
    assert late_fee(1_000_000, date(2026, 11, 30), date(2027, 1, 10), [], added).amount == 4900


def test_a_missing_year_matters_only_where_a_fee_accrues():
    assert fee(1999, date(2026, 11, 30), date(2027, 3, 1)).amount == 0  # no base: no rate needed
    with pytest.raises(MissingRate):
        fee(2000, date(1999, 11, 30), date(2000, 3, 1))  # 1999 is not in the table


def test_the_readme_example():
    # README, "延滞金": 301,500 due 2025-04-30, 100,000 paid 2025-06-10, the rest paid 2025-07-31.
    # 5/1-5/31 (31 days, 2.4 %) on 301,000: 301,000 x 2.4 % = 7,224; x 31 / 365 = 613.55 -> 613
    # 6/1-6/10 (10 days, 8.7 %) on 301,000: 26,187 x 10 / 365 = 717.45 -> 717
    # 6/11-7/31 (51 days, 8.7 %) on 201,000 (201,500 left): 17,487 x 51 / 365 = 2,443.39 -> 2,443
    # 613 + 717 + 2,443 = 3,773 -> 3,700
    result = fee(301_500, date(2025, 4, 30), date(2025, 7, 31), [(date(2025, 6, 10), 100_000)])
    assert [(s.days, s.base, s.amount) for s in result.segments] == [
        (31, 301000, 613), (10, 301000, 717), (51, 201000, 2443)]
    assert (result.computed, result.amount) == (3773, 3700)
