"""An operator records an instalment plan on the case screen in a real browser and sees it."""


from playwright.sync_api import expect, sync_playwright

from tests import factories as f
from tests.browser.conftest import CHROMIUM_ARGS, log_in


def test_operator_records_a_promise_with_two_instalments(live_server):
    dept = f.department("TAX")
    f.user("op1", "operator", dept)
    case = f.case(dept, balance=50000)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="en-US")
            page.set_default_timeout(15000)
            log_in(page, live_server, "op1")
            page.goto(f"{live_server}/cases/{case.id}")

            amounts, dates = page.get_by_test_id("promise-amount"), page.get_by_test_id("promise-date")
            expect(amounts).to_have_count(1)
            # A mistake first: a date in the past comes back with the reason, the amount kept.
            amounts.first.fill("20,000")
            dates.first.fill("2026-11-01")
            page.get_by_test_id("promise-submit").click()
            expect(page.get_by_test_id("promise-error")).to_be_visible()
            expect(page.get_by_test_id("promises")).to_contain_text("The date is in the past.")
            expect(amounts.first).to_have_value("20,000")

            dates.first.fill("2026-11-20")
            page.get_by_test_id("promise-add-row").click()  # promise_form.js adds a row
            expect(amounts).to_have_count(2)
            amounts.nth(1).fill("15000")
            dates.nth(1).fill("2026-12-20")
            page.get_by_test_id("promise-notes").fill("two transfers")
            page.get_by_test_id("promise-submit").click()

            page.wait_for_url(f"**/cases/{case.id}")
            expect(page.get_by_test_id("pending-promise")).to_contain_text("35,000")
            entry = page.locator('[data-testid="timeline-promise"][data-label="pending"]')
            expect(entry).to_have_count(1)
            expect(entry.get_by_test_id("promise-instalments").locator("li")).to_have_count(2)
            expect(entry).to_contain_text("2026-12-20")
            expect(entry).to_contain_text("two transfers")
        finally:
            browser.close()
