"""SMS templates on any text: validation errors or a rendering, never a crash; rendering with
any names, amounts, dates and references never crashes and leaves no known placeholder behind
(app.sms.templates)."""

from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.sms.encoding import shape
from app.sms.templates import PLACEHOLDERS, preview, render, template_errors
from tests.fuzz import DERANDOMIZE

FUZZ = settings(max_examples=200, deadline=None, derandomize=DERANDOMIZE, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
DEPARTMENT = SimpleNamespace(name="税務課", callback_phone="048-555-0100")
PIECES = st.sampled_from(["【{department}】", "【税務課】", "{callback_phone}", "048-555-0100", "{", "}",
                          "{name}", "{amount}", "{due_date}", "{case_ref}", "{name.__class__}",
                          "{amount:>10}", "{nope}", "{}", "http://x.jp", "口座", "1234567", " ", "\n",
                          "お支払いをお願いします。", "Please pay."])
TEMPLATE_TEXT = st.lists(PIECES | st.text(max_size=12), max_size=12).map("".join) | st.text(max_size=200)
LOCALES = ["ja", "en"]


@pytest.fixture
def in_request(app):
    with app.test_request_context("/"):
        yield


@pytest.mark.parametrize("locale", LOCALES)
def test_any_template_text_gets_errors_or_a_preview(app, locale):
    @FUZZ
    @given(body=TEMPLATE_TEXT)
    def check(body):
        with app.test_request_context("/", headers={"Accept-Language": locale}):
            errors = [str(e) for e in template_errors(body, DEPARTMENT)]
            assert all(isinstance(e, str) and e for e in errors)
            shown = preview(body, DEPARTMENT, locale)
        assert shown["errors"] == (errors if body.strip() else [])
        assert shown["segments"] >= (1 if shown["text"] else 0) and shown["cost"] >= 0
        if not errors:  # a template that passes renders with no raw placeholder left
            assert not any("{" + p + "}" in shown["text"] for p in PLACEHOLDERS)
            assert shown["text"].lstrip().startswith("【")

    check()


CASE_VALUES = st.fixed_dictionaries({
    "name": st.text(max_size=60), "balance": st.integers(min_value=-10**15, max_value=10**15),
    "oldest_due_date": st.none() | st.dates(min_value=date(1900, 1, 1)), "case_ref": st.text(max_size=64),
})
GOOD_TEMPLATE = "【{department}】{name}様 {amount}円 期限{due_date} 番号{case_ref} 連絡先{callback_phone}"


def test_rendering_with_any_case_values_never_crashes(in_request):
    @FUZZ
    @given(values=CASE_VALUES, due=st.none() | st.dates(), language=st.sampled_from(LOCALES),
           department_name=st.text(min_size=1, max_size=30))
    def check(values, due, language, department_name):
        case = SimpleNamespace(taxpayer=SimpleNamespace(name=values["name"]), **{
            k: v for k, v in values.items() if k != "name"})
        department = SimpleNamespace(name=department_name, callback_phone="048-555-0100")
        text = render(GOOD_TEMPLATE, case, department, due_date=due, language=language)
        assert text.startswith("【" + department_name + "】")
        assert f"{values['balance']:,}円" in text and "048-555-0100" in text
        assert shape(text).segments >= 1
        # Values go in as they are: one that looks like a placeholder is never expanded again.
        assert f"{values['name']}様" in text and f"番号{values['case_ref']} " in text

    check()
