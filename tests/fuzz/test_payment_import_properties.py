"""Payment CSV import on generated files (app.payments.importing): arbitrary bytes are rows or a
FileError; good rows are recorded once, bad rows are reported by line and column and record
nothing, the balance moves by exactly the good rows, and importing the file again changes nothing."""

import csv
import io
import itertools
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.cases.csv_rows import FileError
from app.cases.models import Case
from app.extensions import db
from app.payments.importing import HEADER, import_payments, read_rows
from app.payments.models import Payment
from tests import factories as f
from tests.fuzz import DERANDOMIZE

NOW = f.WORKDAY_MORNING  # local date 2026-11-16
FUZZ = settings(max_examples=60, deadline=None, derandomize=DERANDOMIZE, database=None,
                suppress_health_check=list(HealthCheck))
_files = itertools.count(1)
HEADER_LINE = ",".join(HEADER) + "\n"


@settings(max_examples=200, deadline=None, derandomize=DERANDOMIZE, database=None)
@given(content=st.binary(max_size=400) | st.text(max_size=200).map(lambda t: (HEADER_LINE + t).encode()))
def test_arbitrary_bytes_are_rows_or_a_file_error(content):
    try:
        rows = list(read_rows(content))
    except FileError as exc:
        assert str(exc)
        return
    assert all(line >= 2 and (raw is None or set(raw) == set(HEADER)) for line, raw in rows)


# (column, bad value, the column the error names)
CORRUPTIONS = [
    ("amount", "0", "amount"), ("amount", "-100", "amount"), ("amount", "1.5", "amount"),
    ("amount", "1" + "0" * 15, "amount"), ("paid_on", "2026-11-17", "paid_on"),  # tomorrow
    ("paid_on", "2026-13-01", "paid_on"), ("paid_on", "yesterday", "paid_on"),
    ("case_ref", "NO-SUCH-CASE", "case_ref"), ("case_ref", "", "case_ref"),
    ("payment_ref", "", "payment_ref"), ("payment_ref", "P" * 65, "payment_ref"), (None, None, ""),
]
ROWS = st.lists(st.tuples(st.none() | st.sampled_from(CORRUPTIONS), st.integers(min_value=1, max_value=10**6),
                          st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 11, 16))),
                min_size=1, max_size=10)


def _balance(case_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Case, case_id).balance


def test_good_rows_recorded_once_bad_rows_reported_by_line(app):
    case = f.case(f.department("TAX"), balance=10**12)
    case_id, case_ref = case.id, case.case_ref

    @FUZZ
    @given(plan=ROWS)
    def check(plan):
        prefix = f"F{next(_files)}-"
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        good, bad = {}, {}
        for i, (corruption, amount, paid_on) in enumerate(plan):
            line = i + 2
            record = [f"{prefix}{i}", case_ref, f"{amount:,}", paid_on.isoformat()]
            if corruption is None:
                good[record[0]] = amount
            elif corruption[0] is None:
                record, bad[line] = record[:3], ""
            else:
                record[HEADER.index(corruption[0])] = corruption[1]
                bad[line] = corruption[2]
            writer.writerow(record)
        content = out.getvalue().encode("cp932")
        before = _balance(case_id)
        report = import_payments(content, NOW)
        assert (report.total, report.created, report.replayed) == (len(plan), len(good), 0)
        assert {e["line"] for e in report.errors} == set(bad)
        assert all(bad[e["line"]] == e["column"] and e["message"] for e in report.errors)
        stored = dict(db.session.execute(select(Payment.payment_ref, Payment.amount)
                                         .where(Payment.payment_ref.startswith(prefix))).all())
        assert stored == good
        assert _balance(case_id) == before - sum(good.values())
        again = import_payments(content, NOW)  # the same file again: replays only
        assert (again.created, again.replayed, len(again.errors)) == (0, len(good), len(report.errors))
        assert _balance(case_id) == before - sum(good.values())

    check()
    assert db.session.scalar(select(func.count()).select_from(Payment)) > 0
