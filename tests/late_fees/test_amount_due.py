"""What a case owes on a day: payments allocated oldest charge first, figures by hand (helpers)."""

from datetime import date
from types import SimpleNamespace

from app.cases.models import Case
from app.extensions import db
from app.late_fees.amount_due import AmountDue, ChargeDue, amount_due, as_dict, newest_covering, open_charges
from app.late_fees.calculation import LateFee
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


def _payment(pid, day, amount, kind="confirmed", reverses_id=None):
    return SimpleNamespace(id=pid, paid_on=day, amount=amount, kind=kind, reverses_id=reverses_id)


def test_the_payments_on_top_are_the_newest_covering_the_gap_and_reversals_pay_nothing():
    newest_first = [
        _payment(4, date(2025, 9, 1), 30_000, "reversal", reverses_id=3),  # 口座振替の不能 of payment 3
        _payment(3, date(2025, 8, 27), 30_000),
        _payment(2, date(2025, 8, 10), 20_000, "provisional"),
        _payment(1, date(2025, 7, 1), 50_000),
    ]
    # A gap of 45,000: payment 3 is undone, so 20,000 of 8/10 and 25,000 of the 50,000 of 7/1.
    assert newest_covering(newest_first, 45_000) == [(date(2025, 7, 1), 25_000), (date(2025, 8, 10), 20_000)]
    assert newest_covering(newest_first, 0) == []


def test_closed_charges_owe_nothing_here_and_the_extracts_fields_show():
    # issue 9a's charge fields, read with getattr: a closed charge is left out; period "" is null.
    charges = [SimpleNamespace(id=1, tax_type="住民税", fiscal_year=2025, period="2", status="open",
                               amount_due=30_000, due_date=date(2025, 8, 31), dunning_fee=100, late_fee=None),
               SimpleNamespace(id=2, tax_type="住民税", fiscal_year=2025, period="1", status="closed",
                               amount_due=0, due_date=date(2025, 6, 30), dunning_fee=None, late_fee=None),
               SimpleNamespace(id=3, tax_type="固定資産税", fiscal_year=2025, period="", status="open",
                               amount_due=5_000, due_date=date(2025, 4, 30), dunning_fee=None, late_fee=0)]
    case = SimpleNamespace(charges=charges)
    assert [c.id for c in open_charges(case)] == [3, 1]  # oldest due date first
    zero = LateFee(0, 0, 0, 0, ())
    due = AmountDue(date(2025, 9, 1), [
        ChargeDue(charges[2], 5_000, zero, 0, 0), ChargeDue(charges[0], 30_000, zero, 100, None)])
    body = as_dict(due)
    assert (body["principal"], body["dunning_fee"], body["total"]) == (35_000, 100, 35_100)
    assert [(c["period"], c["dunning_fee"]) for c in body["charges"]] == [(None, 0), ("2", 100)]


def test_a_reversal_after_the_extract_makes_the_money_owed_again_on_the_oldest_charge(app):
    # The extract of 2026-11-01 says 50,000 (it already took in a 10,000 payment of 2026-10-20);
    # the direct debit comes back: its reversal dated 2026-11-10 puts the balance at 60,000.
    from app.payments.services import record_payment

    case = f.case(f.department("TAX"))
    case.extract_on = date(2026, 11, 1)
    db.session.commit()
    record_payment("P-1", case.case_ref, 10_000, date(2026, 10, 20), "api", f.WORKDAY_MORNING)
    record_payment("R-1", case.case_ref, 10_000, date(2026, 11, 10), "api", f.WORKDAY_MORNING,
                   kind="reversal", reverses="P-1")
    db.session.commit()
    case = db.session.get(Case, case.id)
    assert case.balance == 60_000
    # 60,000 due 2025-05-31, as if never paid, asked 2026-11-16:
    # low 6/1-6/30/2025 = 30 days: 60,000 x 2.4 % = 1,440 x 30 / 365 = 43,200 / 365 = 118.36 -> 118
    # high 2025 7/1-12/31 = 184 days: 5,220 x 184 / 365 = 960,480 / 365 = 2,631.45 -> 2,631
    # high 2026 1/1-11/16 = 320 days x 9.1 %: 5,460 x 320 / 365 = 1,747,200 / 365 = 4,786.85 -> 4,786
    # 118 + 2,631 + 4,786 = 7,535 -> 7,500; total 60,000 + 7,500 = 67,500
    due = amount_due(case, date(2026, 11, 16))
    assert (due.principal, due.late_fee, due.total) == (60_000, 7_500, 67_500)
