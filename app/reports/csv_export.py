"""The report as CSV: the same numbers as the screen, raw (no separators, rates as fractions).

UTF-8 with a byte-order mark so that Excel opens Japanese correctly. Sections follow each
other, separated by an empty line: what was asked, the KPIs, per operator, per day, notes.
"""

import csv
import io
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from app.reports.kpi_table import GENERAL_NOTES, table

# A cell starting with one of these is a formula to a spreadsheet: neutralise it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def render_csv(result: dict, now: datetime) -> str:
    """The summary `result` (from kpis.summary) as CSV text, in the active language."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def write(*cells):
        writer.writerow([_cell(c) for c in cells])

    dept, operator = result["department"], result["operator"]
    write(_("Collections report"), current_app.config["MUNICIPALITY_NAME"])
    write(_("Department"), dept["code"] if dept else "", dept["name"] if dept else _("All departments"))
    write(_("From"), result["period"]["from"])
    write(_("To"), result["period"]["to"])
    write(_("Time zone"), result["period"]["timezone"])
    write(_("Operator"), operator["login"] if operator else "", operator["name"] if operator else "")
    write(_("Generated"), now.isoformat(timespec="seconds"))
    write()
    rows, notes = table(result)
    write(_("Section"), _("Figure"), _("Key"), _("Value"), _("Note"))
    for row in rows:
        write(row.section, row.label, row.key, row.value, row.note)
    write()
    write(_("Operator"), _("Name"), _("Call attempts"), _("Contacts"), _("Right-party contacts"),
          _("Promises made"), _("Promises judged"), _("Promises kept"), _("Kept rate"))
    for op in result["operators"]:
        write(op["login"] or "", op["name"] or "", op["attempts"], op["contacts"],
              op["right_party_contacts"], op["promises"], op["judged"], op["kept"], op["kept_rate"])
    write()
    write(_("Date"), _("Call attempts"), _("Contacts"), _("SMS delivered"), _("Payments (yen)"))
    for day in result["daily"]:
        write(day["date"], day["attempts"], day["contacts"], day["sms_delivered"], day["payments"])
    write()
    write(_("Note"), _("Definition"))
    for text in GENERAL_NOTES:
        write("", str(text))
    for number, text in notes:
        write(number, text)
    return "\ufeff" + out.getvalue()
