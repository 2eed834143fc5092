"""A case with two charges and a payment, for the amount-due service, API and screen tests."""

from datetime import date

from app.cases.models import Charge
from app.extensions import db
from tests import factories as f
from tests.promises.helpers import pay


def two_charge_case(dept, *, payment: int | None = 150_000, paid_on: date = date(2025, 7, 31)):
    """固定資産税 FY2025 100,000 due 2025-04-30 and 住民税 FY2025 200,000 due 2025-06-30 (balance
    300,000), then `payment` yen dated `paid_on` through the real payment service."""
    case = f.case(dept, balance=300_000)
    [only] = case.charges
    only.tax_type, only.amount_due, only.due_date = "住民税", 200_000, date(2025, 6, 30)
    case.charges.append(Charge(tax_type="固定資産税", fiscal_year=2025, amount_due=100_000,
                               due_date=date(2025, 4, 30)))
    db.session.commit()
    if payment:
        pay(case, payment, paid_on)
    return case


# The figures of two_charge_case on 2025-09-30 with 150,000 paid 2025-07-31, by hand:
# the payment goes to the oldest charge first: 固定資産税 100,000 (paid in full), 住民税 50,000.
# 固定資産税 100,000 due 4/30: low 5/1-5/31 = 31 days: 100,000 x 2.4 % x 31 / 365 = 74,400 / 365
#   = 203.83 -> 203; high 6/1-7/31 = 61 days: 8,700 x 61 / 365 = 530,700 / 365 = 1,453.97 -> 1,453;
#   nothing after the payment day. 203 + 1,453 = 1,656 -> 1,600.
# 住民税 200,000 due 6/30: low 7/1-7/31 = 31 days on 200,000: 4,800 x 31 / 365 = 148,800 / 365
#   = 407.67 -> 407; from 8/1 the base is 150,000: high 8/1-9/30 = 61 days: 13,050 x 61 / 365
#   = 796,050 / 365 = 2,180.95 -> 2,180. 407 + 2,180 = 2,587 -> 2,500.
# Principal 0 + 150,000; late fees 1,600 + 2,500 = 4,100; total 154,100.
ON = date(2025, 9, 30)
EXPECTED = {
    "on": "2025-09-30", "principal": 150_000, "late_fee": 4_100, "dunning_fee": 0, "total": 154_100,
    "charges": [
        {"tax_type": "固定資産税", "fiscal_year": 2025, "period": None, "principal": 0, "late_fee": 1_600,
         "dunning_fee": 0, "days_low": 31, "days_high": 61},
        {"tax_type": "住民税", "fiscal_year": 2025, "period": None, "principal": 150_000, "late_fee": 2_500,
         "dunning_fee": 0, "days_low": 31, "days_high": 61},
    ],
}
