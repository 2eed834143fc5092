"""Phone parsing on any string: a valid E.164 number with its kind, or a PhoneError with a
reason; never another exception (app.cases.phones)."""

import re

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from app.cases.models import PhoneKind
from app.cases.phones import PhoneError, display, parse_phone
from tests.fuzz import DERANDOMIZE

E164 = re.compile(r"^\+[1-9]\d{1,14}$")
PHONE_CHARS = st.sampled_from(list("0123456789+-() .ー－０１２３４５６７８９x#*") + ["ext", "\t", "\u3000"])
PHONEISH = st.lists(PHONE_CHARS, max_size=30).map("".join)
JAPANESE = st.from_regex(r"\A0[5789]0-?\d{4}-?\d{4}\Z|\A0\d{1,4}-?\d{1,4}-?\d{4}\Z|\A\+81\d{9,10}\Z")


def _check(raw: str) -> None:
    try:
        e164, kind = parse_phone(raw)
    except PhoneError as exc:
        assert str(exc)  # a reason people can read
        return
    assert E164.match(e164), e164
    assert kind in set(PhoneKind)
    number = phonenumbers.parse(e164, None)
    assert phonenumbers.is_valid_number(number)
    assert parse_phone(e164) == (e164, kind)  # stable: parsing the result gives it back
    assert display(e164)


@settings(max_examples=300, deadline=None, derandomize=DERANDOMIZE, database=None)
@given(raw=st.text(max_size=60) | PHONEISH | JAPANESE)
def test_any_text_is_a_valid_number_or_a_clear_rejection(raw):
    _check(raw)


@settings(max_examples=100, deadline=None, derandomize=DERANDOMIZE, database=None)
@given(raw=st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=2000))
def test_very_long_input_is_rejected_not_crashed(raw):
    _check(raw)


def test_known_numbers_parse_as_expected():
    assert parse_phone("090-1234-5678") == ("+819012345678", PhoneKind.MOBILE)
    assert parse_phone("０４８－５５５－０１００")[1] == PhoneKind.FIXED
    for bad in ("", "   ", "abc", "090", "+1"):
        try:
            parse_phone(bad)
        except PhoneError:
            continue
        raise AssertionError(f"{bad!r} was accepted")


@settings(max_examples=100, deadline=None, derandomize=DERANDOMIZE, database=None)
@given(raw=st.text(max_size=40))
def test_display_never_raises(raw):
    assert isinstance(display(raw), str)
