"""A supervisor in a real browser: writes an SMS template (the counts follow the Japanese as it
is typed), then a rule that sends it, and checks how many current cases the rule matches."""

from datetime import timedelta

from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from app.calls.models import CallAttempt
from app.escalation.models import EscalationRule
from app.extensions import db
from app.sms.models import SmsTemplate
from tests import factories as f
from tests.browser.conftest import CHROMIUM_ARGS, log_in

BODY = "【{department}】{name}様 {amount}円が未納です。{callback_phone}へお電話ください。"


def unanswered_twice(case):
    for hours in (5, 2):
        db.session.add(CallAttempt(case_id=case.id, phone_id=case.taxpayer.phones[0].id, direction="outbound",
                                   outcome="no_answer", at=f.WORKDAY_MORNING - timedelta(hours=hours)))
    db.session.commit()


def test_supervisor_writes_a_template_and_a_rule_and_checks_matches(live_server):
    dept = f.department("TAX", name="税務課")
    f.user("sup1", "supervisor", dept)
    unanswered_twice(f.case(dept))
    unanswered_twice(f.case(dept))
    unanswered_twice(f.case(dept, phones=(("+819012345678", "mobile", False),)))  # no consent
    f.case(dept)  # never called

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="en-US", extra_http_headers={"Accept-Language": "en"})
            page.set_default_timeout(15000)
            log_in(page, live_server, "sup1")
            page.wait_for_url(f"{live_server}/")

            page.goto(f"{live_server}/sms/templates")
            page.get_by_test_id("new-template").click()
            page.fill("#name", "second reminder")
            chars, encoding = page.get_by_test_id("chars-ja"), page.get_by_test_id("encoding-ja")
            expect(chars).to_have_text("0")
            body = page.get_by_test_id("body-ja")
            body.press_sequentially("【{department}】")
            expect(chars).to_have_text("5")  # 【税務課】
            expect(encoding).to_have_text("UCS-2")
            body.press_sequentially(BODY[len("【{department}】"):])
            # 【税務課】勅使河原 左衛門三郎様 99,999,999円が未納です。048-555-0100へお電話ください。
            expect(chars).to_have_text("55")
            expect(page.get_by_test_id("segments-ja")).to_have_text("1")
            expect(page.get_by_test_id("errors-ja")).to_have_text("")
            extra = "詳細は例.jpでご確認のほどお願いします"  # a link, and past 70 characters
            body.press_sequentially(extra)
            expect(page.get_by_test_id("errors-ja")).to_contain_text("No web addresses")
            expect(page.get_by_test_id("segments-ja")).to_have_text("2")
            for _ in range(len(extra)):
                body.press("Backspace")
            expect(page.get_by_test_id("errors-ja")).to_have_text("")
            page.get_by_test_id("save-template").click()
            expect(page.locator(".flash.success")).to_be_visible()
            template = db.session.scalar(select(SmsTemplate).where(SmsTemplate.name == "second reminder"))
            assert template.body_ja == BODY

            page.goto(f"{live_server}/escalation/rules")
            page.get_by_test_id("new-rule").click()
            page.fill("#name", "Second reminder after two calls")
            page.select_option("#template_id", str(template.id))
            # The template names the person and the debt: for a number not verified the rule
            # sends the department's generic reminder instead.
            generic = db.session.scalar(select(SmsTemplate).where(SmsTemplate.name == "payment-reminder"))
            page.select_option("#fallback_template_id", str(generic.id))
            page.fill("#count", "2")
            expect(page.get_by_test_id("match-count")).to_have_text("2")  # the live count
            page.fill("#count", "3")
            expect(page.get_by_test_id("match-count")).to_have_text("0")
            page.select_option("#action", "raise_priority")
            page.fill("#priority_boost", "50")
            page.fill("#count", "2")
            expect(page.get_by_test_id("match-count")).to_have_text("3")  # consent does not matter
            page.select_option("#action", "send_sms")
            page.fill("#priority_boost", "0")
            page.get_by_test_id("check-matches").click()  # the server-side dry run
            expect(page.get_by_test_id("match-count")).to_have_text("2")
            uses_it = select(EscalationRule).where(EscalationRule.template_id == template.id)
            assert db.session.scalar(uses_it) is None
            page.get_by_test_id("save-rule").click()
            expect(page.get_by_test_id("rules")).to_contain_text("Second reminder after two calls")
            db.session.expire_all()
            rule = db.session.scalar(uses_it)
            assert (rule.count, rule.action, rule.active) == (2, "send_sms", True)
            assert rule.fallback_template_id == generic.id
        finally:
            browser.close()
