"""Telephone numbers: parsing what people type or files hold into E.164 and a kind."""

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumber, PhoneNumberType

from app.cases.models import PhoneKind

DEFAULT_REGION = "JP"


class PhoneError(ValueError):
    """A number that cannot be used, with the reason."""


# A Japanese number written nationally with digits and hyphens only, e.g. 090-1234-5678: what
# phonenumbers.parse makes of it is known (country code 81, the digits without the national
# prefix 0; JP's international prefix 010 and the 00x special prefixes are excluded), so the
# parse, 2/3 of the cost of a number, is skipped; phonenumbers' metadata still decides validity
# and kind (`_RegionTypes`). tests/cases/test_phones_fast_path.py checks both shortcuts against
# phonenumbers.
_JP_NATIONAL = re.compile(r"^0[1-9][0-9-]{7,16}$")


def _jp_national(text: str) -> PhoneNumber | None:
    if not _JP_NATIONAL.match(text) or text.startswith("010") or "--" in text or text.endswith("-"):
        return None
    digits = text.replace("-", "")
    if not 10 <= len(digits) <= 11:
        return None
    return PhoneNumber(country_code=81, national_number=int(digits[1:]))


class _RegionTypes:
    """`phonenumbers.number_type` for the numbers of one region, from the same metadata and in
    the same order (phonenumberutil._number_type_helper), with the patterns compiled once: the
    library's own call re-finds each pattern in its cache and walks ten descriptions through
    several Python calls, which made it most of an import's cost per number.
    tests/cases/test_phones_fast_path.py compares it with phonenumbers on many numbers."""

    ORDER = (("premium_rate", PhoneNumberType.PREMIUM_RATE), ("toll_free", PhoneNumberType.TOLL_FREE),
             ("shared_cost", PhoneNumberType.SHARED_COST), ("voip", PhoneNumberType.VOIP),
             ("personal_number", PhoneNumberType.PERSONAL_NUMBER), ("pager", PhoneNumberType.PAGER),
             ("uan", PhoneNumberType.UAN), ("voicemail", PhoneNumberType.VOICEMAIL))

    def __init__(self, region: str):
        metadata = PhoneMetadata.metadata_for_region(region)
        self.general = self._desc(metadata.general_desc)
        self.special = [(desc, kind) for name, kind in self.ORDER
                        if (desc := self._desc(getattr(metadata, name))) is not None]
        self.fixed, self.mobile = self._desc(metadata.fixed_line), self._desc(metadata.mobile)
        self.same_fixed_and_mobile = bool(metadata.same_mobile_and_fixed_line_pattern)

    @staticmethod
    def _desc(desc):
        """(possible lengths or None for any, compiled pattern), or None when it matches nothing."""
        if desc is None or not desc.national_number_pattern:
            return None
        return (frozenset(desc.possible_length) or None, re.compile(desc.national_number_pattern))

    @staticmethod
    def _matches(desc, national: str) -> bool:
        if desc is None:
            return False
        lengths, pattern = desc
        return (lengths is None or len(national) in lengths) and pattern.fullmatch(national) is not None

    def type_of(self, national: str) -> int:
        """The PhoneNumberType of a national significant number of the region."""
        if not self._matches(self.general, national):
            return PhoneNumberType.UNKNOWN
        for desc, kind in self.special:
            if self._matches(desc, national):
                return kind
        if self._matches(self.fixed, national):
            if self.same_fixed_and_mobile or self._matches(self.mobile, national):
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
            return PhoneNumberType.FIXED_LINE
        if not self.same_fixed_and_mobile and self._matches(self.mobile, national):
            return PhoneNumberType.MOBILE
        return PhoneNumberType.UNKNOWN


_JP_TYPES = _RegionTypes("JP")


def _kind(number_type: int) -> PhoneKind:
    if number_type == PhoneNumberType.MOBILE:
        return PhoneKind.MOBILE
    if number_type == PhoneNumberType.FIXED_LINE:
        return PhoneKind.FIXED
    return PhoneKind.OTHER


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> tuple[str, PhoneKind]:
    """Return (E.164, kind) for a number in any common format; `phonenumbers` decides the kind."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError("empty phone number")
    number = _jp_national(text) if region == "JP" else None
    if number is not None:  # country code 81, no leading zeros: E.164 is +81 and the digits
        national = str(number.national_number)
        kind = _JP_TYPES.type_of(national)
        if kind == PhoneNumberType.UNKNOWN:
            raise PhoneError("not a valid phone number")
        return "+81" + national, _kind(kind)
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise PhoneError(f"not a phone number: {exc}") from exc
    # is_valid_number is number_type != UNKNOWN (phonenumbers computes it that way): one
    # pattern match instead of two.
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        raise PhoneError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), _kind(kind)


def display(e164: str) -> str:
    """The national format an operator dials, e.g. 090-1234-5678."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
