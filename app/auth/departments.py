"""Departments: their sender ID, callback number, calling/SMS hours and rest days."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time

import phonenumbers
from sqlalchemy import select

from app import signals
from app.audit.services import record
from app.auth.models import Department
from app.extensions import db
from app.fraud_text import unsafe_reasons

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
REST_DAY_WORDS = (*WEEKDAYS, "holidays", "year_end")
DEFAULT_REST_DAYS = "sat,sun,holidays,year_end"
MAX_CLOSURES = 366
_ALNUM_SENDER = re.compile(r"^[A-Za-z0-9]{1,11}$")
_NUMERIC_SENDER = re.compile(r"^[0-9]{1,15}$")
# Words a sender ID (no spaces, no dots) may not contain: it heads every message as its "from".
SENDER_WORDS = ("bank", "account", "acct", "iban", "http", "www")


class DepartmentError(ValueError):
    """A department setting that is not valid; the message says which and why."""


@dataclass
class DepartmentSettings:
    name: str
    sender_id: str
    callback_phone: str
    calling_hours: str = "09:00-20:00"
    sms_hours: str = "09:00-20:00"
    rest_days: str = DEFAULT_REST_DAYS
    max_calls_per_day: int = 3
    max_calls_per_week: int = 7
    closures: str = ""  # the department's own closure dates, YYYY-MM-DD, comma-separated


def parse_sender_id(value: str) -> str:
    """A sender is up to 11 letters/digits (alphanumeric) or an all-digit number (up to 15);
    an alphanumeric one may not read as a link or a bank word (it heads every message)."""
    value = value.strip()
    if _NUMERIC_SENDER.match(value):
        return value
    if _ALNUM_SENDER.match(value):
        if unsafe_reasons(value, check_digits=False) or any(w in value.casefold() for w in SENDER_WORDS):
            raise DepartmentError("sender ID: may not look like a web address or name a bank account")
        return value
    raise DepartmentError(
        "sender ID: up to 11 letters and digits, or an all-digit number of up to 15 digits"
    )


def parse_callback_phone(value: str) -> str:
    """Return the callback number in Japanese national format (as printed in messages)."""
    try:
        number = phonenumbers.parse(value, "JP")
    except phonenumbers.NumberParseException as exc:
        raise DepartmentError(f"callback phone: {exc}") from exc
    if not phonenumbers.is_valid_number(number):
        raise DepartmentError("callback phone: not a valid telephone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def parse_hours(value: str, label: str) -> tuple[time, time]:
    """Parse 'HH:MM-HH:MM' into (start, end); the end must be after the start."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value or "")
    if not match:
        raise DepartmentError(f"{label}: expected HH:MM-HH:MM, e.g. 09:00-20:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2) if (h2, m2) != (24, 0) else time.max
    except ValueError as exc:
        raise DepartmentError(f"{label}: {exc}") from exc
    if end <= start:
        raise DepartmentError(f"{label}: the end must be after the start")
    return start, end


def parse_rest_days(value: str) -> str:
    """Normalise a rest-day list: any of mon..sun, holidays and year_end, comma-separated, or 'none'."""
    words = [w.strip().lower() for w in (value or "").split(",") if w.strip()]
    if words == ["none"]:
        return ""
    unknown = [w for w in words if w not in REST_DAY_WORDS]
    if unknown:
        raise DepartmentError(
            f"rest days: unknown {', '.join(unknown)}; use mon..sun, holidays, year_end, or none"
        )
    return ",".join(w for w in REST_DAY_WORDS if w in words)


def parse_closures(value: str) -> str:
    """Normalise closure dates: YYYY-MM-DD separated by commas, spaces or lines; sorted, unique."""
    words = [w for w in re.split(r"[\s,、]+", value or "") if w]
    days = set()
    for word in words:
        try:
            day = date.fromisoformat(word) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", word) else None
        except ValueError:
            day = None
        if day is None or not date(1900, 1, 1) <= day <= date(2199, 12, 31):
            raise DepartmentError(f"closures: {word[:20]} is not a date YYYY-MM-DD (1900-2199)")
        days.add(day)
    if len(days) > MAX_CLOSURES:
        raise DepartmentError(f"closures: at most {MAX_CLOSURES} dates")
    return ",".join(d.isoformat() for d in sorted(days))


def format_hours(start: time, end: time) -> str:
    end_text = "24:00" if end == time.max else end.strftime("%H:%M")
    return f"{start.strftime('%H:%M')}-{end_text}"


def check_name(name: str, callback_phone: str = "") -> str:
    """A department name goes into every SMS (【name】) and onto /senders: no web address, no
    bank words, no long numbers, no braces; at most 100 characters."""
    name = (name or "").strip()
    if not name:
        raise DepartmentError("name: required")
    if len(name) > 100:
        raise DepartmentError("name: at most 100 characters")
    if any(ch in name for ch in "{}【】"):
        raise DepartmentError("name: no braces or 【】 brackets")
    if unsafe_reasons(name, callback_phone):
        raise DepartmentError("name: no web addresses, bank account words or long numbers: the name is "
                              "printed in every SMS and on the public senders page")
    return name


def _apply(dept: Department, s: DepartmentSettings) -> None:
    check_name(s.name)
    if not (1 <= s.max_calls_per_day <= 20 and 1 <= s.max_calls_per_week <= 100):
        raise DepartmentError("attempt caps: 1-20 a day and 1-100 in 7 days")
    dept.name = s.name.strip()
    dept.sender_id = parse_sender_id(s.sender_id)
    dept.callback_phone = parse_callback_phone(s.callback_phone)
    dept.calling_start, dept.calling_end = parse_hours(s.calling_hours, "calling hours")
    dept.sms_start, dept.sms_end = parse_hours(s.sms_hours, "SMS hours")
    if max(dept.sms_start, dept.calling_start) >= min(dept.sms_end, dept.calling_end):
        # An SMS goes out only while the callback line is staffed (both windows).
        raise DepartmentError("SMS hours: they must overlap the calling hours")
    dept.rest_days = parse_rest_days(s.rest_days)
    dept.closures = parse_closures(s.closures)
    dept.max_calls_per_day = s.max_calls_per_day
    dept.max_calls_per_week = s.max_calls_per_week


def create_department(code: str, settings: DepartmentSettings, now: datetime, actor=None):
    """Create a department; raises DepartmentError with a message on bad settings."""
    code = code.strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", code):
        raise DepartmentError("code: 1-32 letters, digits, '-' or '_'")
    if db.session.scalar(select(Department.id).where(Department.code == code)):
        raise DepartmentError(f"code: department {code} exists already")
    dept = Department(code=code, created_at=now)
    _apply(dept, settings)
    db.session.add(dept)
    db.session.flush()
    record(actor, "department.create", "department", dept.id, now, code=code)
    signals.department_created.send(dept, now=now, actor=actor)
    return dept


def update_department(dept: Department, settings: DepartmentSettings, now: datetime, actor):
    """Change a department's settings; the audit row lists what changed."""
    before = settings_of(dept)
    _apply(dept, settings)
    after = settings_of(dept)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changed:
        record(actor, "department.update", "department", dept.id, now, changed=changed)
    return dept


def settings_of(dept: Department) -> dict:
    return {
        "name": dept.name,
        "sender_id": dept.sender_id,
        "callback_phone": dept.callback_phone,
        "calling_hours": format_hours(dept.calling_start, dept.calling_end),
        "sms_hours": format_hours(dept.sms_start, dept.sms_end),
        "rest_days": dept.rest_days,
        "max_calls_per_day": dept.max_calls_per_day,
        "max_calls_per_week": dept.max_calls_per_week,
        "closures": dept.closures or "",
    }


def department_by_sender(to: str | None) -> Department | None:
    """The department whose sender ID `to` is (an inbound reply's `to`): alphanumeric IDs
    compared without case, numeric ones without a leading "+"; None when no department has it."""
    to = (to or "").strip().removeprefix("+")
    if not to:
        return None
    for dept in db.session.scalars(select(Department).order_by(Department.id)):
        sender = (dept.sender_id or "").removeprefix("+")
        if sender and sender.casefold() == to.casefold():
            return dept
    return None


def department_by_code(code: str) -> Department | None:
    return db.session.scalar(select(Department).where(Department.code == code))
