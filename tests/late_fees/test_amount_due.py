"""What a case owes on a day: payments allocated oldest charge first, figures by hand (helpers)."""

from datetime import date

from app.cases.models import Case
from app.extensions import db
from app.late_fees.amount_due import amount_due, as_dict
from tests import factories as f
from tests.late_fees.helpers import EXPECTED, ON, two_charge_case


def test_payments_go_to_the_oldest_charge_first_and_lower_its_base_from_the_next_day(app):
    case = two_charge_case(f.department("TAX"))
    case = db.session.get(Case, case.id)
    assert case.balance == 150_000
    assert as_dict(amount_due(case, ON)) == EXPECTED


def test_a_payment_after_the_day_asked_about_is_not_counted(app):
    case = two_charge_case(f.department("TAX"))
    # On 2025-07-15 (before the 7/31 payment): principal 100,000 + 200,000.
    # 固定資産税: low 31 days 203 (as in helpers); high 6/1-7/15 = 45 days: 8,700 x 45 / 365
    #   = 391,500 / 365 = 1,072.60 -> 1,072; 203 + 1,072 = 1,275 -> 1,200
    # 住民税: low 7/1-7/15 = 15 days: 4,800 x 15 / 365 = 72,000 / 365 = 197.26 -> 197: under 1,000 -> 0
    body = as_dict(amount_due(db.session.get(Case, case.id), date(2025, 7, 15)))
    assert (body["principal"], body["late_fee"], body["total"]) == (300_000, 1_200, 301_200)
    assert [(c["principal"], c["late_fee"], c["days_low"], c["days_high"]) for c in body["charges"]] == [
        (100_000, 1_200, 31, 45), (200_000, 0, 15, 0)]


def test_an_extract_that_already_holds_the_payment_does_not_count_it_twice(app):
    case = two_charge_case(f.department("TAX"))
    case = db.session.get(Case, case.id)
    # The next extract reflects the payment: 固定資産税 0, 住民税 150,000, and the balance agrees.
    by_tax = {c.tax_type: c for c in case.charges}
    by_tax["固定資産税"].amount_due, by_tax["住民税"].amount_due = 0, 150_000
    db.session.commit()
    body = as_dict(amount_due(case, ON))
    assert [c["principal"] for c in body["charges"]] == [0, 150_000]
    assert body["principal"] == case.balance == 150_000


def test_the_default_case_has_its_late_fee_to_today(app):
    # f.case: 50,000 due 2025-05-31; asked 2026-11-16 (the factories' Monday):
    # low 6/1-6/30/2025 = 30 days: 50,000 x 2.4 % x 30 / 365 = 36,000 / 365 = 98.63 -> 98
    # high 2025 7/1-12/31 = 184 days: 4,350 x 184 / 365 = 800,400 / 365 = 2,192.87 -> 2,192
    # high 2026 1/1-11/16 = 320 days: 50,000 x 9.1 % = 4,550 x 320 / 365 = 1,456,000 / 365 = 3,989.04 -> 3,989
    # 98 + 2,192 + 3,989 = 6,279 -> 6,200; total 56,200
    case = f.case(f.department("TAX"))
    due = amount_due(case, date(2026, 11, 16))
    assert (due.principal, due.late_fee, due.total) == (50_000, 6_200, 56_200)
    assert (due.charges[0].late_fee.days_low, due.charges[0].late_fee.days_high) == (30, 504)
