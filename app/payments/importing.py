"""Payment import: a CSV from the revenue system, header exactly `payment_ref,case_ref,amount,paid_on`.

UTF-8 (with or without BOM) or Shift_JIS/CP932, like the case import. Each row goes through
`record_payment` on its own (which checks everything before it writes, so a bad row leaves
nothing behind); a bad row is reported as {line, column, message} with the physical line
where it starts (the header is line 1), and the good rows go in. Re-importing a file changes
nothing: every row is then a replay of its ref.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from app.cases.csv_rows import FileError, decode, parse_amount, parse_date
from app.extensions import db
from app.payments.services import PaymentError, record_payment

HEADER = ("payment_ref", "case_ref", "amount", "paid_on")
COMMIT_EVERY = 500

__all__ = ["FileError", "ImportReport", "import_payments"]


@dataclass
class ImportReport:
    total: int = 0  # data rows read
    created: int = 0
    replayed: int = 0  # already recorded with the same data
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"total": self.total, "created": self.created, "replayed": self.replayed,
                "errors": self.errors}


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for record in reader:
            if any(value.strip() for value in record):
                yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        raise FileError(f"not a readable CSV file (line {reader.line_num}): {exc}") from exc


def read_rows(content: bytes) -> Iterator[tuple[int, dict | None]]:
    """Check the header, then yield (line, {column: value}) per data row (None when the row
    does not have four fields). Raises FileError when the file cannot be read at all."""
    records = _records(decode(content))
    first = next(records, None)
    if first is None:
        raise FileError("the file is empty")
    line, header = first
    names = tuple(name.strip().lower() for name in header)
    if line != 1 or names != HEADER:
        raise FileError("the header must be exactly: " + ",".join(HEADER))
    for line, record in records:
        if len(record) != len(HEADER):
            yield line, None
        else:
            yield line, {name: value.strip() for name, value in zip(HEADER, record, strict=True)}


def _parsed(line: int, raw: dict | None) -> tuple[dict | None, list[dict]]:
    if raw is None:
        return None, [{"line": line, "column": "", "message": f"the row does not have {len(HEADER)} fields"}]
    errors, values = [], dict(raw)
    for column in ("payment_ref", "case_ref"):
        if not raw[column]:
            errors.append({"line": line, "column": column, "message": f"missing {column}"})
    for column, parse in (("amount", parse_amount), ("paid_on", parse_date)):
        try:
            values[column] = parse(raw[column])
        except ValueError as exc:
            errors.append({"line": line, "column": column, "message": f"{column} {exc}"})
    return (None if errors else values), errors


def import_payments(content: bytes, now: datetime, actor=None) -> ImportReport:
    """Record every good row of a payment CSV, committing every COMMIT_EVERY rows; returns the
    report. Raises FileError (nothing recorded) when the file cannot be read at all."""
    report = ImportReport()
    rows = list(read_rows(content))  # header and decoding are checked before anything is written
    for n, (line, raw) in enumerate(rows, start=1):
        report.total += 1
        values, errors = _parsed(line, raw)
        if values is not None:
            errors = _record(line, values, now, actor, report)
        report.errors.extend(errors)
        if n % COMMIT_EVERY == 0:
            db.session.commit()
    db.session.commit()
    return report


def _record(line: int, values: dict, now: datetime, actor, report: ImportReport) -> list[dict]:
    try:  # record_payment raises before it writes anything: no savepoint needed
        _, created = record_payment(values["payment_ref"], values["case_ref"], values["amount"],
                                    values["paid_on"], "csv", now, actor=actor)
    except PaymentError as exc:
        return [{"line": line, "column": column, "message": message}
                for column, message in exc.fields.items()]
    if created:
        report.created += 1
    else:
        report.replayed += 1
    return []
