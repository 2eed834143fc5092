"""A revenue-department manager in a real browser: the report screen with its charts, and the
PDF downloaded as a person would, then read back (fonts and Japanese text)."""


from playwright.sync_api import expect, sync_playwright

from tests.browser.conftest import CHROMIUM_ARGS, log_in
from tests.reports import dataset
from tests.reports.helpers import embedded_japanese_font, pdf_fonts, pdf_text


def test_manager_reads_the_report_and_downloads_the_pdf(live_server, tmp_path):
    dataset.build()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="ja-JP", accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(60000)  # a ceiling: the PDF renders slowly on a loaded machine
            log_in(page, live_server, "mgr")

            page.goto(f"{live_server}/reports")
            form = page.get_by_test_id("report-form")
            form.locator('input[name="from"]').fill("2026-11-01")
            form.locator('input[name="to"]').fill("2026-11-30")
            form.locator('select[name="department"]').select_option("TAX")
            form.locator("button[type=submit]").click()
            page.wait_for_url("**/reports?*department=TAX*")

            expect(page.get_by_test_id("kpi-calls.attempts")).to_have_text("9")
            for chart in ("chart-trend", "chart-payments", "chart-outcomes"):
                svg = page.get_by_test_id(chart).locator("svg")
                expect(svg).to_have_count(1)
                assert svg.locator("path").count() > 0  # drawn series, not an empty box
                assert svg.bounding_box()["width"] > 200
            expect(page.get_by_test_id("operators")).to_contain_text("op1")

            with page.expect_download() as download_info:
                page.get_by_test_id("download-pdf").click()
            download = download_info.value
            assert download.suggested_filename == "report-TAX-2026-11-01-2026-11-30.pdf"
            target = tmp_path / download.suggested_filename
            download.save_as(target)
            context.close()
        finally:
            browser.close()

    pdf = target.read_bytes()
    fonts = pdf_fonts(pdf)
    assert embedded_japanese_font(fonts), fonts
    text = pdf_text(pdf)
    assert "税務課" in text and "2026-11-01" in text
