import random
from datetime import time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.auth.models import Department, User
from app.calls.claims import claim_next
from app.cases.models import Case, Charge, Phone, Taxpayer
from app.cases.phones import parse_phone
from app.cases.priority import priority_score
from app.demo.people import TAX_TYPES, fake_case
from app.extensions import db
from tests import factories as f


def _local_day(case):
    return case.created_at.astimezone(ZoneInfo("Asia/Tokyo")).date()  # priority uses the local day


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_makes_departments_logins_and_cases(runner):
    result = runner.invoke(args=["seed", "--cases", "50"])
    assert result.exit_code == 0, result.output
    assert "demo-password" in result.output
    db.session.expire_all()
    depts = {d.code: d for d in db.session.scalars(select(Department))}
    assert set(depts) == {"TAX", "WATER"}
    assert depts["TAX"].sender_id == "MisatoTax" and depts["TAX"].callback_phone == "048-555-0101"
    # Round the clock, no rest days: the demo works at night and on holidays.
    assert (depts["TAX"].calling_start, depts["TAX"].calling_end) == (time(0), time.max)
    assert depts["WATER"].rest_days == ""
    logins = {u.login: u for u in db.session.scalars(select(User))}
    assert set(logins) == {"op1", "op2", "op3", "sup1", "mgr1", "admin"}
    assert logins["op3"].department.code == "WATER" and logins["admin"].department is None
    assert _count(Case) == 50
    cases = db.session.scalars(select(Case)).all()
    for case in cases:
        assert case.charges and case.balance == sum(c.amount_due for c in case.charges)
        assert case.priority == priority_score(case.balance, case.oldest_due_date, _local_day(case))
        assert case.case_ref.startswith(case.department.code + "-")
        water = case.department.code == "WATER"
        assert all((c.tax_type == "水道料金") == water for c in case.charges)
    assert {p.kind for p in db.session.scalars(select(Phone))} == {"mobile", "fixed"}
    # An operator can claim one at once, even on 2026-11-23 (a public holiday) at night.
    holiday_night = f.WORKDAY_MORNING.replace(day=23, hour=14)
    assert claim_next(logins["op1"], holiday_night, 15).department.code == "TAX"


def test_demo_if_empty_is_idempotent(runner):
    assert runner.invoke(args=["seed", "--demo-if-empty", "--cases", "20"]).exit_code == 0
    again = runner.invoke(args=["seed", "--demo-if-empty", "--cases", "20"])
    assert again.exit_code == 0 and "nothing seeded" in again.output
    db.session.expire_all()
    assert (_count(Department), _count(User), _count(Case)) == (2, 6, 20)
    # A plain second seed adds cases without clashing refs and keeps the departments.
    assert runner.invoke(args=["seed", "--cases", "10"]).exit_code == 0
    assert (_count(Department), _count(User), _count(Case)) == (2, 6, 30)


def test_fake_people_are_deterministic():
    first = [fake_case(random.Random(7), TAX_TYPES) for _ in range(3)]
    second = [fake_case(random.Random(7), TAX_TYPES) for _ in range(3)]
    assert first == second


def test_bulk_seed_loads_with_copy_and_keeps_sequences_right(runner, app):
    result = runner.invoke(args=["seed", "--cases", "30000"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _count(Case) == _count(Taxpayer) == 30000
    assert _count(Charge) >= 30000 and _count(Phone) >= 30000
    # Each case's balance is its charges' sum; the priority comes from priority_score.
    mismatched = db.session.scalar(
        select(func.count()).select_from(Case).where(
            Case.balance != select(func.sum(Charge.amount_due)).where(Charge.case_id == Case.id)
            .scalar_subquery()
        )
    )
    assert mismatched == 0
    sample = db.session.scalars(select(Phone).order_by(Phone.id).limit(200)).all()
    for phone in sample:  # the per-prefix kind agrees with phonenumbers on every number
        national = "0" + phone.e164[3:]
        assert parse_phone(national) == (phone.e164, phone.kind)
    case = db.session.scalars(select(Case).order_by(Case.id.desc()).limit(1)).one()
    assert priority_score(case.balance, case.oldest_due_date, _local_day(case)) == case.priority
    # The ORM can insert after the load: the sequences were moved past the loaded ids.
    top = db.session.scalar(select(func.max(Case.id)))
    dept = db.session.scalar(select(Department).where(Department.code == "TAX"))
    assert f.case(dept).id > top
