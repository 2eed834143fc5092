"""The dates the app accepts anywhere (imports, payments, promises, the API): 1900-01-01 to
2199-12-31. A date outside is a typo (0001-01-01, 9999-12-31), never a real due date."""

from datetime import date

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2199, 12, 31)


def in_range(value: date) -> bool:
    """True when `value` lies between MIN_DATE and MAX_DATE (both included)."""
    return MIN_DATE <= value <= MAX_DATE


def range_text() -> str:
    return f"{MIN_DATE.isoformat()}..{MAX_DATE.isoformat()}"
