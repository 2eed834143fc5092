"""延滞金 (late-payment interest on local taxes) to a date: the published rates (`rates`), the
pure per-charge calculation (`calculation`), and what a case owes on a date (`amount_due`)."""
