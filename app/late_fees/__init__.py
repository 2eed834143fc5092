"""延滞金 (late-payment interest on local taxes) to a date: the published rates and LATE_FEE_RATES
(`rates`), the pure per-charge calculation (`calculation`), what a case owes on a day
(`amount_due`, used by GET /api/v1/cases/<id>/amount-due) and the case screen's card (`panel`)."""

from app import signals


def init_app(app) -> None:
    """Check LATE_FEE_RATES (a bad value stops the app at start) and give the case screen its
    "if paid today" card."""
    from app.late_fees import panel
    from app.late_fees.rates import parse_setting

    parse_setting(app.config.get("LATE_FEE_RATES"))
    signals.case_screen_context.connect(panel.case_screen_amount_due)
