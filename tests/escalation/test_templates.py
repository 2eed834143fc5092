"""SMS template validation (what makes a message look like fraud), rendering and preview."""

from datetime import date

import pytest

from app.escalation.defaults import REMINDER_BODY_EN, REMINDER_BODY_JA
from app.sms.templates import preview, render, template_errors
from tests import factories as f
from tests.escalation.helpers import request_context

GOOD_JA = "【{department}】{name}様 {amount}円が未納です。{callback_phone}へお電話ください。"


@pytest.fixture
def dept(app):
    with request_context(app):
        yield f.department("TAX", name="税務課", callback_phone="048-555-0100")


def refused(body, dept, word):
    errors = [str(e) for e in template_errors(body, dept)]
    assert any(word in e for e in errors), errors
    return errors


def test_good_templates_pass(dept):
    assert template_errors(GOOD_JA, dept) == []
    assert template_errors(REMINDER_BODY_JA, dept) == []
    assert template_errors(REMINDER_BODY_EN, dept) == []
    # The literal department name and the literal callback number (any spelling) do too.
    assert template_errors("【税務課】納付のお願い。０４８-５５５-０１００まで", dept) == []
    assert template_errors("【税務課】 Please call +81485550100 on {due_date} (ISO 2026-11-30).", dept) == []


@pytest.mark.parametrize("body, word", [
    ("【{department}】{nmae}様 {callback_phone}", "Unknown placeholder {nmae}"),
    ("【{department}】{0} {callback_phone}", "Unknown placeholder {0}"),
    ("【{department}】{name {callback_phone}", "Unbalanced"),
    ("【{department}】name} {callback_phone}", "Unbalanced"),
    ("【{department}】{{name}} {callback_phone}", "Unbalanced"),
    ("【{department}】{name.__class__} {callback_phone}", "attribute access"),
    ("【{department}】{name[0]} {callback_phone}", "attribute access"),
    ("【{department}】{amount:>20} {callback_phone}", "format specifications"),
    ("【{department}】{amount!r} {callback_phone}", "format specifications"),
])
def test_placeholders_are_checked(dept, body, word):
    refused(body, dept, word)


@pytest.mark.parametrize("link", [
    "https://pay.example.com/x", "http://example.org", "hxxp://evil", "www.example.com",
    "example.com", "EXAMPLE.COM/pay", "例.jp", "ｅｘａｍｐｌｅ．ｃｏｍ", "bit.ly/3xYz", "t.co/abc",
    "192.168.10.1", "pay-now.xyz", "city.tokyo",
])
def test_links_are_refused(dept, link):
    refused(f"【{{department}}】こちらからお支払いください {link} {{callback_phone}}", dept, "web addresses")


@pytest.mark.parametrize("text", [
    "振込先 みずほ銀行 1234567", "口座番号はお電話で", "お振り込み先はこちら", "普通預金 7654321",
    "Account No 1234", "bank account details", "IBAN please", "番号1234567へ", "１２３４５６７",
    "ref 123-4567", "0120-000-0000",  # another phone number: only the callback number may appear
])
def test_bank_details_are_refused(dept, text):
    refused(f"【{{department}}】{text} {{callback_phone}}", dept, "bank account")


def test_the_department_name_in_brackets_must_come_first(dept):
    refused("{name}様【{department}】です {callback_phone}", dept, "must start")
    refused("【水道課】です {callback_phone}", dept, "must start")
    refused("[税務課] です {callback_phone}", dept, "must start")
    assert template_errors("  【{department}】です {callback_phone}", dept) == []


def test_the_callback_number_is_required(dept):
    refused("【{department}】お電話ください。", dept, "callback number")
    refused("【{department}】048-555-0199へ", dept, "callback number")


def test_empty_text(dept):
    assert [str(e) for e in template_errors("  ", dept)] == ["The message text is required."]


def test_each_problem_is_told_once(dept):
    errors = refused("【{department}】{x} {x} {y} { {callback_phone}", dept, "Unbalanced")
    assert len(errors) == 3


def test_render_in_japanese_and_english(dept):
    case = f.case(dept, balance=1234567, ref="R-77")
    text = render(REMINDER_BODY_JA, case, dept)
    assert text == ("【税務課】ご連絡したいことがございます。048-555-0100（受付9:00〜20:00）まで"
                    "お電話ください。（番号R-77）お心当たりのない場合はご容赦ください。")
    english = render(REMINDER_BODY_EN, case, dept, language="en")
    assert english == ("【税務課】 Please call us on 048-555-0100 (9:00-20:00) about a matter for you "
                       "(ref R-77). If this message is not for you, please ignore it.")
    personal = "【{department}】{name}様 {due_date}納期限 {amount}円 {callback_phone}"
    assert render(personal, case, dept) == (
        f"【税務課】{case.taxpayer.name}様 2025年5月31日納期限 1,234,567円 048-555-0100")
    assert render("{due_date}", case, dept, due_date=date(2026, 11, 30), language="en") == "30 Nov 2026"
    # An unknown placeholder (an old template) is left as written, never an error at send time.
    assert render("{name} {nope}", case, dept) == f"{case.taxpayer.name} {{nope}}"


def test_preview_counts_with_long_sample_values(dept):
    result = preview(GOOD_JA, dept, "ja")
    assert result["errors"] == [] and result["encoding"] == "ucs2" and result["encoding_label"] == "UCS-2"
    assert "99,999,999円" in result["text"] and result["text"].startswith("【税務課】")
    assert result["chars"] == len(result["text"]) and result["segments"] == 1
    assert result["cost"] == 10.0
    long = preview(GOOD_JA + "ご確認ください。" * 5, dept, "ja")
    assert long["segments"] == 2 and long["cost"] == 20.0  # 67 units per part of a long message

    # 【】 are not GSM-7: every valid message is UCS-2, in English too.
    english = preview("【{department}】 Call {callback_phone} about {amount} yen.", dept, "en")
    assert english["encoding"] == "ucs2" and english["errors"] == []
    plain = preview("Please call {callback_phone} about {amount} yen.", dept, "en")
    assert plain["encoding"] == "gsm7" and plain["segments"] == 1 and plain["units"] == len(plain["text"])
    assert plain["errors"] and "must start" in plain["errors"][0]
    assert preview("", dept, "en") == {"text": "", "chars": 0, "units": 0, "encoding": "gsm7",
                                       "encoding_label": "GSM-7", "segments": 0, "cost": 0.0, "errors": [],
                                       "disclosure": "generic", "personal_fields": []}
    assert (result["disclosure"], result["personal_fields"]) == ("personal", ["name", "amount"])
