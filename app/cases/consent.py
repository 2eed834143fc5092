"""Consent and opt-outs per phone and department (PhoneConsent rows).

A department may text a phone when the department's row says consent and neither the
department's row nor the city-wide row (department NULL) says opted out. One department's
import, call or STOP never touches another department's row. Functions flush, audit with ids
only, and leave the commit to the caller.
"""

from datetime import date, datetime

from sqlalchemy import and_, exists, or_, select

from app.audit.services import record
from app.cases.models import ConsentSource, Phone, PhoneConsent
from app.extensions import db

CITY_WIDE = None  # the department_id of the city-wide opt-out row
HAND_SOURCES = (ConsentSource.CALL, ConsentSource.FORM, ConsentSource.COUNTER)


class ConsentError(ValueError):
    """A consent or opt-out change that cannot be made; `fields` maps a field to the reason."""

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.fields = fields or {}


def row_of(phone_id: int, department_id: int | None, *, lock: bool = False) -> PhoneConsent | None:
    """The phone's row for one department (None: the city-wide row)."""
    scope = (PhoneConsent.department_id.is_(None) if department_id is None
             else PhoneConsent.department_id == department_id)
    stmt = select(PhoneConsent).where(PhoneConsent.phone_id == phone_id, scope)
    return db.session.scalar(stmt.with_for_update() if lock else stmt)


def _row(phone_id: int, department_id: int | None) -> PhoneConsent:
    """The row, created (and flushed) when missing; locked when it existed."""
    row = row_of(phone_id, department_id, lock=True)
    if row is None:
        row = PhoneConsent(phone_id=phone_id, department_id=department_id)
        db.session.add(row)
        db.session.flush()
    return row


def has_consent(phone: Phone, department_id: int) -> bool:
    row = row_of(phone.id, department_id)
    return bool(row and row.consent)


def opted_out(phone: Phone, department_id: int) -> bool:
    """Whether the number of `phone` opted out of `department_id`'s SMS (or of all SMS), on
    this Phone row or on any other row with the same number (a phone imported later)."""
    return db.session.scalar(
        select(PhoneConsent.id).join(Phone, Phone.id == PhoneConsent.phone_id)
        .where(Phone.e164 == phone.e164, PhoneConsent.opted_out.is_(True),
               or_(PhoneConsent.department_id == department_id, PhoneConsent.department_id.is_(None)))
        .limit(1)) is not None


def may_text_clause(phone_id_column, department_id_column):
    """SQL: the phone (column) has the department's (column) consent and is not opted out of
    it nor city-wide: the set-based form of has_consent and not opted_out (dry run, queue)."""
    return and_(consent_clause(phone_id_column, department_id_column),
                ~opted_out_clause(phone_id_column, department_id_column))


def consent_clause(phone_id_column, department_id_column):
    return exists(select(PhoneConsent.id).where(
        PhoneConsent.phone_id == phone_id_column, PhoneConsent.department_id == department_id_column,
        PhoneConsent.consent.is_(True)))


def opted_out_clause(phone_id_column, department_id_column):
    return exists(select(PhoneConsent.id).where(
        PhoneConsent.phone_id == phone_id_column, PhoneConsent.opted_out.is_(True),
        or_(PhoneConsent.department_id == department_id_column, PhoneConsent.department_id.is_(None))))


def consent_of(phone: Phone, department_id: int) -> dict:
    """The phone's consent for one department as the API and the case screen show it."""
    row = row_of(phone.id, department_id)
    city = row_of(phone.id, CITY_WIDE)
    return {
        "consent": bool(row and row.consent),
        "consent_on": row.consent_on.isoformat() if row and row.consent_on else None,
        "source": row.consent_source if row else None,
        "recorded_by": row_login(row.consent_by_id) if row and row.consent_by_id else None,
        "recorded_at": row.consent_recorded_at.isoformat() if row and row.consent_recorded_at else None,
        "opted_out": opted_out(phone, department_id),
        "opted_out_city_wide": bool(city and city.opted_out),
    }


def row_login(user_id: int) -> str | None:
    from app.auth.models import User

    user = db.session.get(User, user_id)
    return user.login if user else None


def set_consent(phone: Phone, department_id: int, consent: bool, source: str, actor, now: datetime,
                consent_on: date | None = None) -> bool:
    """Record `phone`'s consent for one department (audited); False when nothing changed."""
    if source not in set(ConsentSource):
        raise ConsentError("unknown consent source", {"source": "one of " + ", ".join(ConsentSource)})
    row = _row(phone.id, department_id)
    on = consent_on or (now.date() if consent else None)
    if row.consent == consent and (not consent or row.consent_on == on) and row.consent_source == source:
        return False
    before = row.consent
    row.consent, row.consent_on, row.consent_source = consent, on, str(source)
    row.consent_by_id, row.consent_recorded_at = getattr(actor, "id", None), now
    record(actor, "phone.consent", "phone", phone.id, now, department_id=department_id,
           consent=consent, before=before, source=str(source))
    return True


def numbers_phones(e164: str) -> list[Phone]:
    return list(db.session.scalars(select(Phone).where(Phone.e164 == e164).order_by(Phone.id)
                                   .with_for_update()))


def opt_out_phones(phones: list[Phone], department_id: int | None, actor, now: datetime,
                   source: str, **details) -> list[Phone]:
    """Opt `phones` out of one department's SMS (None: of every department's); returns the
    phones whose row changed (each audited)."""
    changed = []
    for phone in phones:
        row = _row(phone.id, department_id)
        if row.opted_out:
            continue
        row.opted_out, row.opted_out_at, row.opt_out_source = True, now, source
        row.opt_out_by_id = getattr(actor, "id", None)
        record(actor, "phone.opt_out", "phone", phone.id, now, department_id=department_id,
               source=source, **details)
        changed.append(phone)
    return changed


def lift_opt_out(phone: Phone, department_id: int | None, actor, now: datetime, reason: str) -> int:
    """The citizen withdrew their opt-out: lift it for one department (None: the city-wide
    one) on every Phone row of the number; returns how many rows changed (audited, with the
    reason)."""
    reason = (reason or "").strip()
    if not reason:
        raise ConsentError("a reason is required", {"reason": "required"})
    if len(reason) > 500:
        raise ConsentError("the reason is too long", {"reason": "at most 500 characters"})
    changed = 0
    for other in numbers_phones(phone.e164):
        row = _row(other.id, department_id)
        row.opt_out_lifted_at = now
        if not row.opted_out:
            continue
        row.opted_out, row.opted_out_at, row.opt_out_source, row.opt_out_by_id = False, None, None, None
        record(actor, "phone.opt_out_lift", "phone", other.id, now, department_id=department_id,
               reason=reason)
        changed += 1
    return changed
