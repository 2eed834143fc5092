"""The national-format shortcut of parse_phone gives exactly what phonenumbers.parse gives."""

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from app.cases.phones import _JP_TYPES, PhoneError, _jp_national, parse_phone
from tests.fuzz import DERANDOMIZE


def slow(text: str):
    try:
        number = phonenumbers.parse(text, "JP")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, phonenumbers.number_type(number)


def fast(text: str):
    try:
        e164, _ = parse_phone(text)
    except PhoneError:
        return None
    return e164, phonenumbers.number_type(phonenumbers.parse(e164, None))


NATIONAL = st.builds(lambda lead, digits, cuts: _hyphenate("0" + lead + digits, cuts),
                     st.sampled_from("123456789"), st.text("0123456789", min_size=7, max_size=11),
                     st.lists(st.integers(min_value=2, max_value=10), max_size=3))


def _hyphenate(digits: str, cuts) -> str:
    out = digits
    for cut in sorted(set(cuts), reverse=True):
        if cut < len(out):
            out = out[:cut] + "-" + out[cut:]
    return out


@settings(max_examples=3000, deadline=None, derandomize=DERANDOMIZE, database=None)
@given(text=NATIONAL | st.sampled_from(["090-1234-5678", "03-1234-5678", "0120-123-456", "010-1-212-555-0100",
                                         "048-955-1234", "0570-000-000", "0800-123-4567", "050-1234-5678"]))
def test_the_shortcut_agrees_with_phonenumbers(text):
    assert fast(text) == slow(text)


def test_the_shortcut_is_taken_for_the_usual_formats_only():
    assert _jp_national("090-1234-5678") is not None and _jp_national("0312345678") is not None
    assert _jp_national("010-1-212-555-0100") is None  # JP's international prefix
    assert _jp_national("+81 90 1234 5678") is None and _jp_national("(03) 1234-5678") is None


# National significant numbers of every length JP's metadata knows, led by each digit pair, so
# that every description (toll free, premium, VoIP, UAN, pager, fixed, mobile, none) is hit.
JP_NATIONAL_NUMBERS = st.builds(lambda lead, rest: lead + rest,
                                st.text("0123456789", min_size=1, max_size=3),
                                st.text("0123456789", min_size=5, max_size=15))


@settings(max_examples=5000, deadline=None, derandomize=DERANDOMIZE, database=None)
@given(national=JP_NATIONAL_NUMBERS | st.sampled_from(["9012345678", "312345678", "120123456", "5012345678",
                                                        "570000000", "990123456", "2012345678", "48955123"]))
def test_the_compiled_types_agree_with_phonenumbers(national):
    number = phonenumbers.PhoneNumber(country_code=81, national_number=int(national))
    nsn = str(number.national_number)  # leading zeros fall away as phonenumbers sees them
    assert _JP_TYPES.type_of(nsn) == phonenumbers.number_type(number)


def test_the_compiled_types_see_every_kind_of_jp_number():
    seen = {_JP_TYPES.type_of(n) for n in ("9012345678", "312345678", "120123456", "5012345678",
                                           "570000000", "990123456", "2012345678", "12")}
    assert seen == {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.TOLL_FREE,
                    PhoneNumberType.VOIP, PhoneNumberType.UAN, PhoneNumberType.PREMIUM_RATE,
                    PhoneNumberType.PAGER, PhoneNumberType.UNKNOWN}
