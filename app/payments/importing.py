"""Payment import: a CSV from the revenue system, header `payment_ref,case_ref,amount,paid_on`
in that order, then optionally `kind` (confirmed, provisional, reversal; empty: confirmed) and
`reverses` (the payment_ref a reversal undoes; its amount may then be left empty).

UTF-8 (with or without BOM) or Shift_JIS/CP932, read by the same reader as the case import
(app.csv_reader). Each row goes through
`record_payment` on its own (which checks everything before it writes, so a bad row leaves
nothing behind); a bad row is reported as {line, column, message} with the physical line
where it starts (the header is line 1), and the good rows go in. Re-importing a file changes
nothing: every row is then a replay of its ref.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from app import csv_reader
from app.cases.csv_rows import parse_amount, parse_date
from app.csv_reader import FileError, decode
from app.extensions import db
from app.payments.models import PaymentKind
from app.payments.services import PaymentError, record_payment

HEADER = ("payment_ref", "case_ref", "amount", "paid_on")
OPTIONAL = ("kind", "reverses")
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


def read_file(content: bytes) -> tuple[list[str], Iterator[tuple[int, dict | None]]]:
    """The checked header and the (line, {column: value}) of each data row (None when the row
    does not have the header's fields). Raises FileError when the file cannot be read at all."""
    columns, data = csv_reader.read_header(decode(content))
    extra = columns[len(HEADER):]
    if tuple(columns[:len(HEADER)]) != HEADER or any(c not in OPTIONAL for c in extra):
        raise FileError("the header must be exactly: " + ",".join(HEADER)
                        + " (then optionally: " + ", ".join(OPTIONAL) + ")")
    return columns, csv_reader.rows(columns, data)


def read_rows(content: bytes) -> Iterator[tuple[int, dict | None]]:
    """The data rows of `read_file`."""
    yield from read_file(content)[1]


def _parsed(line: int, raw: dict | None, width: int) -> tuple[dict | None, list[dict]]:
    if raw is None:
        return None, [{"line": line, "column": "", "message": f"the row does not have {width} fields"}]
    errors, values = [], dict(raw)
    values["kind"] = (raw.get("kind") or PaymentKind.CONFIRMED).lower()
    values["reverses"] = raw.get("reverses") or None
    for column in ("payment_ref", "case_ref"):
        if not raw[column]:
            errors.append({"line": line, "column": column, "message": f"missing {column}"})
    if values["kind"] == PaymentKind.REVERSAL and not raw["amount"]:
        values["amount"] = None  # the whole payment it reverses
    else:
        try:
            values["amount"] = parse_amount(raw["amount"])
        except ValueError as exc:
            errors.append({"line": line, "column": "amount", "message": f"amount {exc}"})
    try:
        values["paid_on"] = parse_date(raw["paid_on"])
    except ValueError as exc:
        errors.append({"line": line, "column": "paid_on", "message": f"paid_on {exc}"})
    return (None if errors else values), errors


def import_payments(content: bytes, now: datetime, actor=None) -> ImportReport:
    """Record every good row of a payment CSV, committing every COMMIT_EVERY rows; returns the
    report. Raises FileError (nothing recorded) when the file cannot be read at all."""
    report = ImportReport()
    columns, data = read_file(content)
    rows = list(data)  # header and decoding are checked before anything is written
    width = len(columns)
    for n, (line, raw) in enumerate(rows, start=1):
        report.total += 1
        values, errors = _parsed(line, raw, width)
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
                                    values["paid_on"], "csv", now, actor=actor, kind=values["kind"],
                                    reverses=values["reverses"])
    except PaymentError as exc:
        return [{"line": line, "column": column, "message": message}
                for column, message in exc.fields.items()]
    if created:
        report.created += 1
    else:
        report.replayed += 1
    return []
