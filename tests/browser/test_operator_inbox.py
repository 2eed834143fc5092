"""The reply inbox in a real browser: a citizen's reply arrives through the signed webhook,
the header's count rises, the operator opens the inbox and marks the reply done."""

import requests
from playwright.sync_api import expect, sync_playwright

from tests import factories as f
from tests.browser.conftest import CHROMIUM_ARGS, log_in
from tests.sms.receipt_helpers import API_KEY, SECRET, sign


def test_a_reply_arrives_the_count_rises_and_the_operator_marks_it_done(app, live_server):
    app.config.update(VONAGE_SIGNATURE_SECRET=SECRET, VONAGE_API_KEY=API_KEY)
    dept = f.department("TAX", name="税務課")
    f.user("op1", "operator", dept)
    case = f.case(dept)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(15000)
            log_in(page, live_server, "op1")
            expect(page.get_by_test_id("inbox-count")).to_have_text("0")

            # The citizen answers the SMS: Vonage calls the webhook, signed.
            reply = sign({"msisdn": case.taxpayer.phones[0].e164[1:], "to": dept.sender_id,
                          "messageId": "IN-BROWSER-1", "text": "明日15時に電話ください", "type": "unicode"})
            answer = requests.post(f"{live_server}/webhooks/vonage/inbound", data=reply, timeout=10)
            assert answer.status_code == 200 and answer.json() == {"result": "stored"}

            page.reload()
            expect(page.get_by_test_id("inbox-count")).to_have_text("1")
            page.get_by_test_id("inbox-link").click()
            row = page.locator('[data-testid^="reply-"][data-state]')
            expect(row).to_have_count(1)
            expect(row).to_contain_text("明日15時に電話ください")
            expect(row).to_contain_text(case.case_ref)
            # the browser asks for English
            expect(row.get_by_test_id("reply-class")).to_have_text("asks for a call")
            row.get_by_test_id("reply-done").click()

            done = page.locator('[data-testid^="reply-"][data-state="done"]')
            expect(done).to_have_count(1)
            expect(done).to_contain_text("op1")
            expect(page.get_by_test_id("inbox-count")).to_have_text("0")
        finally:
            browser.close()
