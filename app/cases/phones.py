"""Telephone numbers: parsing what people type or files hold into E.164 and a kind."""

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberType

from app.cases.models import PhoneKind

DEFAULT_REGION = "JP"


class PhoneError(ValueError):
    """A number that cannot be used, with the reason."""


# A Japanese number written nationally with digits and hyphens only, e.g. 090-1234-5678: what
# phonenumbers.parse makes of it is known (country code 81, the digits without the national
# prefix 0; JP's international prefix 010 and the 00x special prefixes are excluded), so the
# parse, 2/3 of the cost of a number, is skipped; phonenumbers still decides validity and kind.
# tests/cases/test_phones_fast_path.py checks the shortcut against phonenumbers.parse.
_JP_NATIONAL = re.compile(r"^0[1-9][0-9-]{7,16}$")


def _jp_national(text: str) -> PhoneNumber | None:
    if not _JP_NATIONAL.match(text) or text.startswith("010") or "--" in text or text.endswith("-"):
        return None
    digits = text.replace("-", "")
    if not 10 <= len(digits) <= 11:
        return None
    return PhoneNumber(country_code=81, national_number=int(digits[1:]))


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> tuple[str, PhoneKind]:
    """Return (E.164, kind) for a number in any common format; `phonenumbers` decides the kind."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError("empty phone number")
    number = _jp_national(text) if region == "JP" else None
    if number is None:
        try:
            number = phonenumbers.parse(text, region)
        except NumberParseException as exc:
            raise PhoneError(f"not a phone number: {exc}") from exc
    # is_valid_number is number_type != UNKNOWN (phonenumbers computes it that way): one
    # pattern match instead of two.
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        raise PhoneError("not a valid phone number")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
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
