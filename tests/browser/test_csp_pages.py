"""The app's own pages under its Content-Security-Policy in a real browser: no violation is
reported (console or `securitypolicyviolation` event), no script error, and the pages' scripts
and the charts' styles still work."""

import re

from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from app.escalation.models import EscalationRule
from app.extensions import db
from app.sms.models import SmsMessage, SmsPart, SmsTemplate
from app.sms.providers.sandbox import ID_PREFIX
from tests import factories as f
from tests.browser.conftest import CHROMIUM_ARGS, log_in
from tests.reports import dataset

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


class Watcher:
    """Everything the browser complains about on a page."""

    def __init__(self, page):
        self.page, self.problems = page, []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))

    def _console(self, message):
        if (message.location or {}).get("url", "").endswith("/favicon.ico"):
            return  # the browser asks for one; the app has none
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(f"console {message.type}: {message.text}")

    def check(self, where: str) -> None:
        violations = self.page.evaluate("window.__cspViolations || []")
        assert not violations and not self.problems, (where, violations, self.problems)


def test_the_main_pages_raise_no_csp_violation(live_server):
    data = dataset.build()
    f.user("admin", "admin")
    case = f.case(data.tax)
    # The department's default rule and template (the dataset adds others, and rows come back in
    # no fixed order: a rule of the dataset without a template made the editor's count invalid).
    rule = db.session.scalar(select(EscalationRule).where(EscalationRule.department_id == data.tax.id)
                             .order_by(EscalationRule.id).limit(1))
    template = db.session.scalar(select(SmsTemplate).where(SmsTemplate.department_id == data.tax.id)
                                 .order_by(SmsTemplate.id).limit(1))
    sent = db.session.scalar(select(SmsMessage).where(SmsMessage.department_id == data.tax.id,
                                                     SmsMessage.sent_at.is_not(None)).limit(1))
    db.session.add(SmsPart(message_id=sent.id, provider_message_id=f"{ID_PREFIX}csp"))  # on the phone
    db.session.commit()
    base = live_server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="en-US", extra_http_headers={"Accept-Language": "en"})
            context.add_init_script(RECORD_VIOLATIONS)
            page = context.new_page()
            page.set_default_timeout(15000)
            watch = Watcher(page)
            log_in(page, base, "sup")
            watch.check("login")

            page.goto(f"{base}/cases/{case.id}")
            expect(page.get_by_test_id("promise-add-row")).to_be_visible()  # promise_form.js ran
            watch.check("case screen")

            page.goto(f"{base}/reports?from=2026-11-01&to=2026-11-30&department=TAX")
            title = page.get_by_test_id("chart-trend").locator("svg .title").first
            expect(title).to_be_visible()
            # The chart's own <style> (with the nonce) applied: pygal's title size, not the default.
            assert page.evaluate("e => getComputedStyle(e).fontSize", title.element_handle()) == "16px"
            watch.check("reports")

            page.goto(f"{base}/escalation/rules/{rule.id}")
            with page.expect_response(re.compile(r"/escalation/rules/check")):
                page.fill("#count", "3")
            expect(page.get_by_test_id("match-count")).to_have_text(re.compile(r"^\d+$"))
            watch.check("rule editor")

            page.goto(f"{base}/sms/templates/{template.id}")
            chars = page.get_by_test_id("chars-ja")
            before = chars.inner_text()
            page.get_by_test_id("body-ja").press("End")
            page.get_by_test_id("body-ja").press_sequentially("あ")
            expect(chars).not_to_have_text(before)
            watch.check("template editor")

            with page.expect_response(re.compile(r"/sandbox/phone/messages")):
                page.goto(f"{base}/sandbox/phone")  # sandbox_phone.js polls the messages
            expect(page.get_by_test_id("bubble").first).to_be_visible()
            watch.check("sandbox phone")

            page.goto(f"{base}/imports")
            watch.check("imports")
            page.click("#logout")
            log_in(page, base, "admin")
            page.get_by_test_id("ops-link").click()
            expect(page.get_by_test_id("sms-counts")).to_be_visible()
            watch.check("operations")
        finally:
            browser.close()
