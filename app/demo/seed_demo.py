"""The demo: two departments, a login per role, and N realistic cases made through the ORM."""

import random
from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, select

from app.audit.services import record
from app.auth.departments import DepartmentSettings, create_department, department_by_code
from app.auth.models import Department, Role, User
from app.auth.services import create_user
from app.cases.models import Case, Charge, Phone, PhoneConsent, Taxpayer
from app.cases.phones import parse_phone
from app.cases.priority import priority_score
from app.cases.search_keys import taxpayer_search_key
from app.clock import local_zone
from app.demo.people import TAX_TYPES, WATER_TYPES, fake_case
from app.extensions import db

DEMO_PASSWORD = "demo-password"
DEFAULT_SEED = 2026

# The demo must work whenever someone runs `make run`: at night, on Sundays and on public
# holidays. So the demo departments call and text round the clock with no rest days (a
# training session sees the reminder SMS arrive on the sandbox phone at once; set SMS hours
# on the department settings page to see a message wait for the morning). A real department
# keeps the defaults (09:00-20:00, sat,sun,holidays,year_end).
_DEMO_HOURS = dict(calling_hours="00:00-24:00", sms_hours="00:00-24:00", rest_days="none")
DEPARTMENTS = {
    "TAX": DepartmentSettings(
        name="税務課 収納係", sender_id="MisatoTax", callback_phone="048-555-0101", **_DEMO_HOURS
    ),
    "WATER": DepartmentSettings(
        name="上下水道課", sender_id="MisatoWater", callback_phone="048-555-0102", **_DEMO_HOURS
    ),
}
# (login, role, department code, display name)
USERS = [
    ("op1", Role.OPERATOR, "TAX", "Operator One"),
    ("op2", Role.OPERATOR, "TAX", "Operator Two"),
    ("op3", Role.OPERATOR, "WATER", "Operator Three"),
    ("sup1", Role.SUPERVISOR, "TAX", "Supervisor"),
    ("mgr1", Role.MANAGER, None, "Manager"),
    ("admin", Role.ADMIN, None, "Administrator"),
]
TAX_SHARE = 0.75  # the rest of the cases are water bills


def ensure_departments_and_users(now: datetime) -> dict[str, Department]:
    """Create the demo departments and logins that do not exist yet; return departments by code."""
    departments = {}
    for code, settings in DEPARTMENTS.items():
        departments[code] = department_by_code(code) or create_department(code, replace(settings), now)
    for login, role, code, display_name in USERS:
        if db.session.scalar(select(User.id).where(User.login == login)) is None:
            create_user(login, role, DEMO_PASSWORD, departments.get(code), now,
                        display_name=display_name)
    return departments


def next_number() -> int:
    """The number of the next demo ref (T00000123 / TAX-00000123): past every demo ref made."""
    top = db.session.scalar(
        select(func.max(Taxpayer.taxpayer_ref)).where(
            Taxpayer.taxpayer_ref.like("T%"), func.length(Taxpayer.taxpayer_ref) == 9
        )
    )
    return int(top[1:]) + 1 if top and top[1:].isdigit() else 1


def seed_demo(cases: int, now: datetime, seed: int = DEFAULT_SEED) -> int:
    """Add `cases` fictional cases (3 of 4 for TAX, the rest WATER); deterministic for a seed.

    Flushes; the caller commits. Returns the number of cases made.
    """
    departments = ensure_departments_and_users(now)
    rng = random.Random(seed)
    today = now.astimezone(local_zone()).date()
    first = next_number()
    for n in range(first, first + cases):
        code = "TAX" if rng.random() < TAX_SHARE else "WATER"
        fake = fake_case(rng, TAX_TYPES if code == "TAX" else WATER_TYPES)
        taxpayer = Taxpayer(
            taxpayer_ref=f"T{n:08d}", name=fake.name, name_kana=fake.name_kana,
            address=fake.address, search_key=taxpayer_search_key(fake.name, fake.name_kana),
            created_at=now,
        )
        for position, phone in enumerate(fake.phones, start=1):
            e164, kind = parse_phone(phone.national)
            row = Phone(e164=e164, kind=kind, position=position)
            taxpayer.phones.append(row)
            if phone.consent:  # consent is the department's (issue 10)
                db.session.add(PhoneConsent(phone=row, department_id=departments[code].id, consent=True,
                                            consent_on=phone.consent_on, consent_source="import"))
        case = Case(
            case_ref=f"{code}-{n:08d}", taxpayer=taxpayer, department=departments[code],
            balance=fake.balance, oldest_due_date=fake.oldest_due_date,
            priority=priority_score(fake.balance, fake.oldest_due_date, today),
            promise_broken=fake.promise_broken, created_at=now, updated_at=now,
        )
        for c in fake.charges:
            case.charges.append(Charge(
                tax_type=c.tax_type, fiscal_year=c.fiscal_year, amount_due=c.amount_due,
                due_date=c.due_date,
            ))
        db.session.add(case)
        if n % 1000 == 0:
            db.session.flush()
    db.session.flush()
    record(None, "seed.demo", "case", None, now, cases=cases, seed=seed)
    return cases
