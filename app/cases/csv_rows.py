"""Reading a case-import CSV: decoding, the header, and checking each row on its own.

What needs the database (departments, existing cases) is checked in `app.cases.importing`.
Line numbers are physical lines of the file (the header is line 1), so a row with a quoted
multi-line address is reported at the line where it starts.
"""

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from app.cases.phones import PhoneError, parse_phone

COLUMNS = (
    "case_ref", "taxpayer_ref", "name", "name_kana", "phone", "phone2", "consent",
    "department", "tax_type", "fiscal_year", "amount_due", "due_date", "address",
)
# Columns a file may leave out entirely: their values are optional anyway.
OPTIONAL_COLUMNS = frozenset({"name_kana", "phone", "phone2", "consent", "address"})
REQUIRED_COLUMNS = tuple(c for c in COLUMNS if c not in OPTIONAL_COLUMNS)

MAX_LENGTHS = {"case_ref": 64, "taxpayer_ref": 64, "name": 200, "name_kana": 200,
               "address": 400, "tax_type": 64, "department": 32}
MAX_AMOUNT = 10**15
_AMOUNT = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")
# The rows of one taxpayer repeat its numbers; `phonenumbers` is the costliest step of a row.
_parse_phone = functools.lru_cache(maxsize=65536)(parse_phone)


class FileError(ValueError):
    """The file as a whole cannot be imported (encoding, not CSV, header); the message says why."""


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
    phones: list[tuple[int, str, str]] = field(default_factory=list)  # (position, e164, kind)


def decode(content: bytes) -> str:
    """UTF-8 (a BOM is dropped), else Shift_JIS as Windows writes it (CP932)."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise FileError("not a CSV file (it contains binary data)")
        return text
    raise FileError("the file is neither UTF-8 nor Shift_JIS (CP932) text")


class CsvFile:
    """A decoded import file with a checked header; `rows()` yields (line, {column: value})."""

    def __init__(self, content: bytes):
        self.text = decode(content)
        self.columns = self._read_header()
        self.total = sum(1 for _ in self._records()) - 1  # every record after the header

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(io.StringIO(self.text, newline=""))
        start = 1
        try:
            for record in reader:
                if any(value.strip() for value in record):
                    yield start, record
                start = reader.line_num + 1
        except csv.Error as exc:
            raise FileError(f"not a readable CSV file (line {reader.line_num}): {exc}") from exc

    def _read_header(self) -> list[str]:
        first = next(self._records(), None)
        if first is None:
            raise FileError("the file is empty")
        line, record = first
        if line != 1:
            raise FileError("the header row must be the first line")
        columns = [name.strip().lower() for name in record]
        duplicates = sorted({c for c in columns if c and columns.count(c) > 1})
        if duplicates:
            raise FileError("duplicate header columns: " + ", ".join(duplicates))
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise FileError("missing header columns: " + ", ".join(missing))
        return columns

    def rows(self) -> Iterator[tuple[int, dict[str, str] | None]]:
        """Each data row as a dict; None when its field count does not match the header."""
        records = self._records()
        next(records)  # the header
        width = len(self.columns)
        for line, record in records:
            if len(record) != width:
                yield line, None
                continue
            yield line, {name: value.strip() for name, value in zip(self.columns, record, strict=True)}


def _normal(value: str) -> str:
    """Full-width digits and letters (common in Japanese exports) become plain ASCII."""
    return unicodedata.normalize("NFKC", value).strip()


def parse_amount(value: str) -> int:
    text = _normal(value)
    if not _AMOUNT.match(text):
        raise ValueError("must be a whole number of yen, e.g. 12300 or 12,300")
    amount = int(text.replace(",", ""))
    if amount <= 0:
        raise ValueError("must be more than 0")
    if amount >= MAX_AMOUNT:
        raise ValueError("is too large")
    return amount


def parse_date(value: str) -> date:
    text = _normal(value)
    if not _ISO_DATE.match(text):
        raise ValueError("must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a valid date") from None


def parse_year(value: str) -> int:
    text = _normal(value)
    if not _YEAR.match(text) or not 1900 <= int(text) <= 2200:
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


def parse_row(
    line: int, raw: dict[str, str] | None, width: int = len(COLUMNS)
) -> tuple[ImportRow | None, list[RowError]]:
    """Check one row on its own; return the parsed row, or None and every problem found."""
    if raw is None:
        return None, [RowError(line, "", f"the row does not have the header's {width} fields")]
    errors: list[RowError] = []

    def fail(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    for column in ("case_ref", "taxpayer_ref", "name", "department", "tax_type"):
        if not raw.get(column):
            fail(column, f"missing {column}")
    for column, limit in MAX_LENGTHS.items():
        if len(raw.get(column) or "") > limit:
            fail(column, f"too long (at most {limit} characters)")

    parsed = {}
    for column, parser in (("fiscal_year", parse_year), ("amount_due", parse_amount),
                           ("due_date", parse_date), ("consent", parse_consent)):
        try:
            parsed[column] = parser(raw.get(column) or "")
        except ValueError as exc:
            fail(column, f"{column} {exc}")

    phones: list[tuple[int, str, str]] = []
    for position, column in ((1, "phone"), (2, "phone2")):
        value = raw.get(column) or ""
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
        name_kana=raw.get("name_kana") or "", address=raw.get("address") or "",
        department=_normal(raw["department"]), tax_type=raw["tax_type"],
        fiscal_year=parsed["fiscal_year"], amount_due=parsed["amount_due"],
        due_date=parsed["due_date"], consent=consent, consent_on=consent_on, phones=phones,
    ), []
