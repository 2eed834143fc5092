"""延滞金 (late-payment interest on local taxes) to a date: the published rates and LATE_FEE_RATES
(`rates`), the pure per-charge calculation (`calculation`), what a case owes on a day
(`amount_due`, used by GET /api/v1/cases/<id>/amount-due) and the case screen's card (`panel`)."""
