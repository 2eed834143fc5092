"""Small builders for test data, through the same services the app uses."""

import itertools
import re
from datetime import UTC, date, datetime

from app.auth.departments import DepartmentSettings, create_department
from app.auth.models import Department, User
from app.auth.services import create_user
from app.cases.models import Case, CaseStatus, Charge, Phone, PhoneConsent, Taxpayer
from app.cases.search_keys import taxpayer_search_key
from app.extensions import db

# A Monday inside calling hours in Tokyo (10:00 JST), not a holiday.
WORKDAY_MORNING = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)
PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def department(code: str = "TAX", **kw) -> Department:
    settings = DepartmentSettings(
        name=kw.pop("name", f"{code} Division"),
        sender_id=kw.pop("sender_id", re.sub(r"[^A-Za-z0-9]", "", code)[:11] or "CITY"),
        callback_phone=kw.pop("callback_phone", "048-555-0100"),
        **kw,
    )
    dept = create_department(code, settings, WORKDAY_MORNING)
    db.session.commit()
    return dept


def user(login: str, role: str = "operator", dept: Department | None = None) -> User:
    u = create_user(login, role, PASSWORD, dept, WORKDAY_MORNING)
    db.session.commit()
    return u


def case(
    dept: Department, *, balance: int = 50000, phones=(("+819012345678", "mobile", True),),
    ref: str | None = None, priority: int = 0, status: str = CaseStatus.OPEN, commit: bool = True,
) -> Case:
    n = next(_seq)
    ref = ref or f"C{n:06d}"
    taxpayer = Taxpayer(
        taxpayer_ref=f"T{n:06d}", name=f"山田 太郎{n}", name_kana=f"ヤマダ タロウ{n}",
        search_key=taxpayer_search_key(f"山田 太郎{n}", f"ヤマダ タロウ{n}"), created_at=WORKDAY_MORNING,
    )
    for position, (e164, kind, consent) in enumerate(phones, start=1):
        phone = Phone(e164=e164, kind=kind, position=position)
        taxpayer.phones.append(phone)
        if consent:  # the case's department's consent (consent is per department)
            db.session.add(PhoneConsent(phone=phone, department_id=dept.id, consent=True,
                                        consent_on=date(2024, 4, 1), consent_source="import"))
    c = Case(
        case_ref=ref, taxpayer=taxpayer, department=dept, status=status, balance=balance,
        priority=priority, oldest_due_date=date(2025, 5, 31), created_at=WORKDAY_MORNING,
        updated_at=WORKDAY_MORNING,
    )
    c.charges.append(Charge(tax_type="住民税", fiscal_year=2025, amount_due=balance,
                            due_date=date(2025, 5, 31)))
    db.session.add(c)
    if commit:  # else the caller commits many at once
        db.session.commit()
    return c


def login(client, u: User, password: str = PASSWORD):
    """Log in through the real form, CSRF token included."""
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post("/login", data={"login": u.login, "password": password, "csrf_token": token})


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def opt_out(phone: Phone, department_id: int | None = None, commit: bool = True) -> PhoneConsent:
    """Mark `phone` opted out of one department's SMS (None: of every department's)."""
    from app.cases.consent import row_of

    row = row_of(phone.id, department_id) if phone.id else None
    if row is None:
        row = PhoneConsent(phone=phone, department_id=department_id)
        db.session.add(row)
    row.opted_out, row.opted_out_at = True, WORKDAY_MORNING
    if commit:
        db.session.commit()
    return row


def set_consent(phone: Phone, department_id: int, consent: bool = True, commit: bool = True) -> None:
    """Give (or take) `phone` the consent of one department."""
    from app.cases.consent import row_of

    row = row_of(phone.id, department_id)
    if row is None:
        row = PhoneConsent(phone=phone, department_id=department_id)
        db.session.add(row)
    row.consent, row.consent_source = consent, "import"
    if commit:
        db.session.commit()
