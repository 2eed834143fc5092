"""The report's charts as SVG, made by pygal: the trend per day and the promise outcomes.

The same SVG goes inline on the screen and into the PDF. No JavaScript (pygal's tooltips
script would be fetched from a CDN), and a font family that has Japanese glyphs.
"""

import sys
from datetime import date

import pygal
from flask_babel import gettext as _
from pygal.style import Style

from app.ops.security import csp_nonce

# pygal appends a legacy import hook (for its map plugins, unused here) to sys.meta_path; from
# then on every failed import anywhere in the process raises an ImportWarning (an error under
# pytest's filterwarnings=error, e.g. fontTools probing for brotli). Take it out again.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

FONT_FAMILY = "'IPAPGothic', 'IPAGothic', 'Noto Sans CJK JP', sans-serif"


def _style(*colors: str) -> Style:
    return Style(
        font_family=FONT_FAMILY, background="white", plot_background="white",
        foreground="#1d2733", foreground_strong="#1d2733", foreground_subtle="#5b6675",
        colors=colors, title_font_size=16, legend_font_size=12, label_font_size=11,
        major_label_font_size=11, value_font_size=12, no_data_font_size=18,
    )


TREND_STYLE = _style("#0b5cad", "#1f7a3a", "#e0a100")
PAYMENT_STYLE = _style("#6a4fb3")
OUTCOME_STYLE = _style("#1f7a3a", "#e0a100", "#b3261e")
_COMMON = dict(js=[], disable_xml_declaration=True, legend_at_bottom=True, truncate_legend=-1)


def _tag(element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def _without_scripts(root):
    """pygal always embeds a <script> with its config (for its tooltips): no scripts in our
    pages (CSP) nor in the PDF, nor the tooltip group they would drive (its inline style=
    attribute would break the CSP). Its legend ids are the same in every chart: drop them too.
    The chart's own <style> element gets the request's CSP nonce."""
    nonce = csp_nonce()
    for parent in list(root.iter()):
        if str(parent.get("id", "")).startswith("activate-serie-"):
            del parent.attrib["id"]
        if _tag(parent) == "style" and nonce:
            parent.set("nonce", nonce)
        for child in list(parent):
            if _tag(child) == "script" or "tooltip" in str(child.get("class", "")).split():
                parent.remove(child)
    return root


def _ticks(values) -> list[int]:
    """Whole-number axis ticks from 0 past the largest value, 1-2-5 steps, at most ~8."""
    top = max([*values, 1])
    step = 1
    while top / step > 8:
        for factor in (2, 2.5, 2):
            step = int(step * factor)
            if top / step <= 8:
                break
    return list(range(0, int(top) + step, step))


def _thousands(value) -> str:
    return f"{value:,.0f}"


def _render(chart) -> str:
    chart.add_xml_filter(_without_scripts)
    return chart.render(is_unicode=True)


def _day_label(day: str, total_days: int) -> str:
    d = date.fromisoformat(day)
    return f"{d.month}/{d.day}" if total_days <= 62 else d.isoformat()


def trend_svg(summary: dict, width: int = 900, height: int = 360) -> str:
    """Call attempts, contacts and SMS delivered per day."""
    daily = summary["daily"]
    series = [(_("Call attempts"), "attempts"), (_("Contacts"), "contacts"),
              (_("SMS delivered"), "sms_delivered")]
    chart = pygal.Line(width=width, height=height, style=TREND_STYLE, x_label_rotation=30,
                       show_minor_x_labels=False, dots_size=2, value_formatter=_thousands,
                       y_labels=_ticks(d[key] for d in daily for _label, key in series), **_COMMON)
    chart.title = _("Per day")
    chart.x_labels = [_day_label(d["date"], len(daily)) for d in daily]
    chart.x_labels_major_every = max(1, len(daily) // 12)
    for label, key in series:
        chart.add(label, [d[key] for d in daily])
    return _render(chart)


def payments_svg(summary: dict, width: int = 900, height: int = 300) -> str:
    """Money collected per day (yen), by payment date."""
    daily = summary["daily"]
    chart = pygal.Bar(width=width, height=height, style=PAYMENT_STYLE, x_label_rotation=30,
                      show_minor_x_labels=False, value_formatter=_thousands, show_legend=False,
                      y_labels=_ticks(d["payments"] for d in daily), **_COMMON)
    chart.title = _("Payments (yen)")
    chart.x_labels = [_day_label(d["date"], len(daily)) for d in daily]
    chart.x_labels_major_every = max(1, len(daily) // 12)
    chart.add(_("Payments (yen)"), [d["payments"] for d in daily])
    return _render(chart)


def outcomes_svg(summary: dict, width: int = 480, height: int = 320) -> str:
    """The promises judged in the period: kept, partially kept, broken."""
    outcomes = summary["promise_outcomes"]
    chart = pygal.Bar(width=width, height=height, style=OUTCOME_STYLE, print_values=True,
                      value_formatter=_thousands, no_data_text=_("No promises judged"), **_COMMON)
    chart.title = _("Promise outcomes")
    if any(outcomes.values()):  # all zero: pygal's "no data" text instead of three empty bars
        chart.x_labels = [_("Promises judged")]
        chart.y_labels = _ticks(outcomes.values())  # only with data: pygal fails on labels without
        chart.add(_("Kept"), [outcomes["kept"]])
        chart.add(_("Partially kept"), [outcomes["partially_kept"]])
        chart.add(_("Broken"), [outcomes["broken"]])
    return _render(chart)
