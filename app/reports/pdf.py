"""The report as an A4 PDF, rendered by WeasyPrint from HTML: Japanese by default.

The fonts are declared by name (IPAGothic / Noto Sans CJK JP, found through fontconfig) and
embedded as subsets, so Japanese is real text in the PDF. Without such a font WeasyPrint
draws empty boxes and says nothing: tests/reports check the PDF's fonts and text.
"""

from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale

from app.reports.charts import outcomes_svg, payments_svg, trend_svg
from app.reports.kpi_table import GENERAL_NOTES, table

LANGUAGES = ("ja", "en")


def report_html(result: dict, language: str, now: datetime) -> str:
    """The report's HTML in `language` (ja or en); `now` is the generation time."""
    with force_locale(language):
        rows, notes = table(result)
        return render_template(
            "reports/pdf.html", result=result, rows=rows, notes=notes,
            general_notes=[str(n) for n in GENERAL_NOTES], language=language, generated_at=now,
            municipality=current_app.config["MUNICIPALITY_NAME"],
            trend_svg=trend_svg(result, width=1000, height=400),
            payments_svg=payments_svg(result, width=1000, height=320),
            outcomes_svg=outcomes_svg(result, width=560, height=340),
        )


def render_pdf(result: dict, language: str, now: datetime) -> bytes:
    """The summary `result` (from kpis.summary) as PDF bytes."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    from weasyprint import HTML  # imported when needed: it takes a while, and web workers rarely need it
    from weasyprint.urls import URLFetcher

    html = report_html(result, language, now)
    # Everything the report shows is in its HTML: never fetch a file or a URL while rendering.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
