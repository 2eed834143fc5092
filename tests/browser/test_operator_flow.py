"""The operator's day in a real browser: log in, Next case, log a no-answer, see it."""


from playwright.sync_api import expect, sync_playwright

from tests import factories as f
from tests.browser.conftest import CHROMIUM_ARGS, log_in


def test_login_next_case_and_log_a_no_answer(live_server):
    dept = f.department("TAX")
    f.user("op1", "operator", dept)
    f.case(dept, priority=1)
    best = f.case(dept, priority=900)
    phone_id = best.taxpayer.phones[0].id

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(15000)
            log_in(page, live_server, "op1")
            page.get_by_test_id("next-case").click()

            page.wait_for_url(f"**/cases/{best.id}")
            expect(page.get_by_test_id("case-ref")).to_contain_text(best.case_ref)
            expect(page.get_by_test_id("taxpayer")).to_contain_text(best.taxpayer.name)
            expect(page.get_by_test_id("timeline-empty")).to_be_visible()

            page.get_by_test_id(f"notes-{phone_id}").fill("rang ten times")
            page.get_by_test_id(f"outcome-{phone_id}-no_answer").click()

            entry = page.locator('[data-testid="timeline-call"][data-label="no_answer"]')
            expect(entry).to_have_count(1)
            expect(entry).to_contain_text("rang ten times")
            expect(page.get_by_test_id("timeline-empty")).to_have_count(0)
        finally:
            browser.close()
