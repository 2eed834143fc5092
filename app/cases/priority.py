"""The queue priority of a case: how much is owed and for how long."""

from datetime import date

AMOUNT_STEP_YEN = 10_000  # one point per 10,000 yen owed
AMOUNT_CAP = 1000  # 10,000,000 yen and more weigh the same
AGE_CAP_MONTHS = 120  # ten years overdue and more weigh the same


def priority_score(balance: int, oldest_due_date: date | None, today: date) -> int:
    """Return the case's priority (higher is called first).

    Amount: one point per full 10,000 yen of `balance`, at most 1000 points.
    Age: one point per full month since `oldest_due_date` (0 when unknown or in the future),
    at most 120 points. Amount dominates on purpose (a large debt is worth a call first) while
    age breaks ties among similar amounts and lifts old small debts above new small ones.
    The queue orders broken promises before any priority; this score only orders the rest.
    """
    amount_points = min(max(balance, 0) // AMOUNT_STEP_YEN, AMOUNT_CAP)
    return amount_points + _months_between(oldest_due_date, today)


def _months_between(start: date | None, today: date) -> int:
    if start is None or start >= today:
        return 0
    months = (today.year - start.year) * 12 + (today.month - start.month)
    if today.day < start.day:
        months -= 1  # the month is not complete yet
    return min(max(months, 0), AGE_CAP_MONTHS)
