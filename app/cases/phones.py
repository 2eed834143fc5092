"""Telephone numbers: parsing what people type or files hold into E.164 and a kind."""

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from app.cases.models import PhoneKind

DEFAULT_REGION = "JP"


class PhoneError(ValueError):
    """A number that cannot be used, with the reason."""


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> tuple[str, PhoneKind]:
    """Return (E.164, kind) for a number in any common format; `phonenumbers` decides the kind."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError("empty phone number")
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise PhoneError(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneError("not a valid phone number")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.MOBILE:
        return e164, PhoneKind.MOBILE
    if kind == PhoneNumberType.FIXED_LINE:
        return e164, PhoneKind.FIXED
    return e164, PhoneKind.OTHER


def display(e164: str) -> str:
    """The national format an operator dials, e.g. 090-1234-5678."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
