"""Reading a case-import CSV: decoding, the header, and checking each row on its own.

What needs the database (departments, existing cases) is checked in `app.cases.importing`.
Line numbers are physical lines of the file (the header is line 1), so a row with a quoted
multi-line address is reported at the line where it starts.
"""

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from app import csv_reader
from app.cases.phones import PhoneError, parse_phone
from app.csv_reader import FileError, decode
from app.date_limits import in_range, range_text

COLUMNS = (
    "case_ref", "taxpayer_ref", "name", "name_kana", "phone", "phone2", "consent",
    "department", "tax_type", "fiscal_year", "amount_due", "due_date", "address",
)
# The core system's fields of a charge (issue 9), all optional: 期別, 通知書番号, 調定額, 延滞金 as
# of the extract, 督促手数料, 督促状発付日, 時効完成予定日.
CHARGE_COLUMNS = ("period", "notice_no", "assessed", "late_fee", "dunning_fee",
                  "dunning_notice_on", "limitation_on")
ALL_COLUMNS = COLUMNS + CHARGE_COLUMNS
# Columns a file may leave out entirely: their values are optional anyway.
OPTIONAL_COLUMNS = frozenset({"name_kana", "phone", "phone2", "consent", "address", *CHARGE_COLUMNS})
REQUIRED_COLUMNS = tuple(c for c in COLUMNS if c not in OPTIONAL_COLUMNS)

MAX_LENGTHS = {"case_ref": 64, "taxpayer_ref": 64, "name": 200, "name_kana": 200,
               "address": 400, "tax_type": 64, "department": 32, "period": 16, "notice_no": 32}
MAX_AMOUNT = 10**15
_AMOUNT = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)$")
_DIGITS = re.compile(r"^\d+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")
# The rows of one taxpayer repeat its numbers; `phonenumbers` is the costliest step of a row.
_parse_phone = functools.lru_cache(maxsize=65536)(parse_phone)


__all__ = ["FileError", "decode"]


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class ImportRow:
    """One valid data row, values parsed."""

    line: int
    case_ref: str
    taxpayer_ref: str
    name: str
    name_kana: str
    address: str
    department: str
    tax_type: str
    fiscal_year: int
    amount_due: int
    due_date: date
    consent: bool
    consent_on: date | None
    period: str = ""
    notice_no: str = ""
    assessed: int | None = None
    late_fee: int | None = None
    dunning_fee: int | None = None
    dunning_notice_on: date | None = None
    limitation_on: date | None = None
    phones: list[tuple[int, str, str]] = field(default_factory=list)  # (position, e164, kind)


class CsvFile:
    """A decoded import file with a checked header; `rows()` yields (line, {column: value})."""

    def __init__(self, content: bytes):
        self.text = decode(content)
        self.columns, _ = csv_reader.read_header(self.text)
        missing = [c for c in REQUIRED_COLUMNS if c not in self.columns]
        if missing:
            raise FileError("missing header columns: " + ", ".join(missing))
        self._total: int | None = None

    @property
    def total(self) -> int:
        """Every record after the header; counted by the first full pass of `records`, or here."""
        if self._total is None:
            self._total = sum(1 for _ in csv_reader.records(self.text)) - 1
        return self._total

    def rows(self) -> Iterator[tuple[int, dict[str, str] | None]]:
        """Each data row as a dict; None when its field count does not match the header."""
        columns, data = csv_reader.read_header(self.text)
        return csv_reader.rows(columns, data)

    def raw_records(self) -> Iterator[tuple[int, list[str]]]:
        """Each data row's values as read (not stripped; any field count)."""
        return csv_reader.read_header(self.text)[1]

    def records(self) -> Iterator[tuple[int, list[str] | None]]:
        """Each data row's stripped values in the header's order; None as in `rows`."""
        columns, data = csv_reader.read_header(self.text)
        count = 0
        for record in csv_reader.stripped(columns, data):
            count += 1
            yield record
        self._total = count


def _normal(value: str) -> str:
    """Full-width digits and letters (common in Japanese exports) become plain ASCII."""
    if value.isascii():  # NFKC leaves ASCII as it is
        return value.strip()
    return unicodedata.normalize("NFKC", value).strip()


def parse_amount(value: str, allow_zero: bool = False) -> int:
    """Whole yen (12300 or 12,300), above 0 (or 0 with `allow_zero`) and below MAX_AMOUNT."""
    text = _normal(value)
    if text.startswith(("-", "\u2212")) and _AMOUNT.match(text[1:]):
        raise ValueError("must not be negative")
    if not _AMOUNT.match(text):
        raise ValueError("must be a whole number of yen, e.g. 12300 or 12,300")
    amount = int(text.replace(",", ""))
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValueError("must be more than 0")
    if amount >= MAX_AMOUNT:
        raise ValueError("is too large")
    return amount


def parse_date(value: str) -> date:
    """An ISO date YYYY-MM-DD between 1900-01-01 and 2199-12-31."""
    text = _normal(value)
    if not _ISO_DATE.match(text):
        raise ValueError("must be a date YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a valid date") from None
    if not in_range(parsed):
        raise ValueError(f"must lie between {range_text()}")
    return parsed


def parse_period(value: str) -> str:
    """期別: 1-12 (stored without leading zeros) or a text such as 随時; empty for none."""
    text = _normal(value)
    if _DIGITS.match(text):
        if not 1 <= int(text) <= 12:
            raise ValueError("must be 1-12 or a text such as 随時")
        return str(int(text))
    return text


def _optional(parser):
    return lambda value: parser(value) if _normal(value) else None


_CHARGE_PARSERS = (
    ("period", parse_period), ("assessed", _optional(lambda v: parse_amount(v, allow_zero=True))),
    ("late_fee", _optional(lambda v: parse_amount(v, allow_zero=True))),
    ("dunning_fee", _optional(lambda v: parse_amount(v, allow_zero=True))),
    ("dunning_notice_on", _optional(parse_date)), ("limitation_on", _optional(parse_date)),
)


def parse_year(value: str) -> int:
    text = _normal(value)
    if not _YEAR.match(text) or not 1900 <= int(text) <= 2199:
        raise ValueError("must be a year, e.g. 2025")
    return int(text)


def parse_consent(value: str) -> tuple[bool, date | None]:
    """`yes`, `no` (or empty), or the ISO date the consent was given."""
    text = _normal(value).lower()
    if text in ("", "no"):
        return False, None
    if text == "yes":
        return True, None
    try:
        return True, parse_date(text)
    except ValueError:
        raise ValueError("must be yes, no or a date YYYY-MM-DD") from None


_VALUE_PARSERS = (("fiscal_year", parse_year), ("amount_due", lambda v: parse_amount(v, allow_zero=True)),
                  ("due_date", parse_date), ("consent", parse_consent), *_CHARGE_PARSERS)
_OPTIONAL_VALUES = {"period": "", "assessed": None, "late_fee": None, "dunning_fee": None,
                    "dunning_notice_on": None, "limitation_on": None, "consent": (False, None)}


@functools.lru_cache(maxsize=16)
def checks_for(columns: tuple[str, ...]) -> tuple:
    """The checks `parse_row` runs on a file with these columns: an optional column the file
    does not have is its default on every row, not checked row by row."""
    present = set(columns)
    return (tuple((c, limit) for c, limit in MAX_LENGTHS.items() if c in present),
            tuple((c, parser) for c, parser in _VALUE_PARSERS if c in present or c not in _OPTIONAL_VALUES),
            {c: v for c, v in _OPTIONAL_VALUES.items() if c not in present})


def parse_row(
    line: int, raw: dict[str, str] | None, width: int = len(COLUMNS), checks: tuple | None = None
) -> tuple[ImportRow | None, list[RowError]]:
    """Check one row on its own; return the parsed row, or None and every problem found.
    `checks`: `checks_for` the file's columns (default: every column's)."""
    if raw is None:
        return None, [RowError(line, "", f"the row does not have the header's {width} fields")]
    lengths, parsers, absent = checks if checks is not None else _ALL_CHECKS
    errors: list[RowError] = []

    def fail(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    get = raw.get
    for column in ("case_ref", "taxpayer_ref", "name", "department", "tax_type"):
        if not get(column):
            fail(column, f"missing {column}")
    for column, limit in lengths:
        if len(get(column) or "") > limit:
            fail(column, f"too long (at most {limit} characters)")

    parsed = dict(absent)
    for column, parser in parsers:
        try:
            parsed[column] = parser(get(column) or "")
        except ValueError as exc:
            fail(column, f"{column} {exc}")

    phones: list[tuple[int, str, str]] = []
    for position, column in ((1, "phone"), (2, "phone2")):
        value = get(column) or ""
        if not value:
            continue
        try:
            e164, kind = _parse_phone(value)
        except PhoneError as exc:
            fail(column, str(exc))
            continue
        if all(e164 != known for _, known, _ in phones):
            phones.append((position, e164, str(kind)))

    if errors:
        return None, errors
    consent, consent_on = parsed["consent"]
    return ImportRow(
        line=line, case_ref=raw["case_ref"], taxpayer_ref=raw["taxpayer_ref"], name=raw["name"],
        name_kana=get("name_kana") or "", address=get("address") or "",
        department=_normal(raw["department"]), tax_type=raw["tax_type"],
        fiscal_year=parsed["fiscal_year"], amount_due=parsed["amount_due"],
        due_date=parsed["due_date"], consent=consent, consent_on=consent_on, phones=phones,
        period=parsed["period"], notice_no=_normal(get("notice_no") or ""),
        assessed=parsed["assessed"], late_fee=parsed["late_fee"], dunning_fee=parsed["dunning_fee"],
        dunning_notice_on=parsed["dunning_notice_on"], limitation_on=parsed["limitation_on"],
    ), []


_ALL_CHECKS = checks_for(ALL_COLUMNS)
