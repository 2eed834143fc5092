"""Case import on generated files (app.cases.csv_rows, app.cases.importing): arbitrary bytes
or rows never raise anything but FileError; in a file of good and bad rows every bad row is
reported with its physical line and a column and leaves nothing behind, and every good row
goes in."""

import csv
import io
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.cases import importing
from app.cases.csv_rows import ALL_COLUMNS, CsvFile, FileError, parse_row
from app.cases.jobs import run_import
from app.cases.models import Case, ImportJob, Taxpayer
from app.extensions import db
from tests import factories as f
from tests.cases.import_files import HEADER
from tests.fuzz import DERANDOMIZE

FUZZ = settings(max_examples=150, deadline=None, derandomize=DERANDOMIZE, database=None,
                suppress_health_check=list(HealthCheck))
_files = itertools.count(1)


@FUZZ
@given(content=st.binary(max_size=600) | st.text(max_size=300).map(lambda t: (HEADER + "\n" + t).encode()))
def test_arbitrary_bytes_are_rows_or_a_file_error(content):
    try:
        csv_file = CsvFile(content)
    except FileError as exc:
        assert str(exc)
        return
    lines = []
    for line, raw in csv_file.rows():
        row, errors = parse_row(line, raw, len(csv_file.columns))
        assert (row is None) == bool(errors)
        assert all(e.line == line and e.message and e.column in (*ALL_COLUMNS, "") for e in errors)
        lines.append(line)
    assert lines == sorted(set(lines)) and all(line >= 2 for line in lines)
    assert len(lines) <= csv_file.total


@FUZZ
@given(raw=st.dictionaries(st.sampled_from(ALL_COLUMNS), st.text(max_size=80)) | st.none(),
       line=st.integers(min_value=2, max_value=10**6))
def test_any_row_values_are_parsed_or_reported(raw, line):
    row, errors = parse_row(line, raw)
    if row is None:
        assert errors and all(e.line == line for e in errors)
    else:
        assert errors == [] and row.amount_due >= 0 and 1900 <= row.fiscal_year <= 2199


GOOD = {"name": "山田 太郎", "name_kana": "ヤマダ タロウ", "phone": "090-1234-5678", "phone2": "",
        "consent": "yes", "department": "TAX", "tax_type": "住民税", "fiscal_year": "2024",
        "amount_due": "12,300", "due_date": "2025-05-31", "address": "埼玉県三郷市1-1",
        "period": "随時", "notice_no": "", "assessed": "15,000", "late_fee": "", "dunning_fee": "100",
        "dunning_notice_on": "2025-06-20", "limitation_on": ""}
# (column, a value that makes the row bad, the column the error names)
CORRUPTIONS = [
    ("amount_due", "-5", "amount_due"), ("amount_due", "12.5", "amount_due"),
    ("amount_due", "9" * 20, "amount_due"), ("due_date", "0001-01-01", "due_date"),
    ("due_date", "9999-12-31", "due_date"), ("assessed", "-1", "assessed"),
    ("late_fee", "abc", "late_fee"), ("limitation_on", "2200-01-01", "limitation_on"),
    ("period", "13", "period"),
    ("due_date", "2025-02-30", "due_date"),
    ("due_date", "31/05/2025", "due_date"), ("fiscal_year", "令和6", "fiscal_year"),
    ("phone", "12345", "phone"), ("phone2", "call me", "phone2"), ("name", "", "name"),
    ("consent", "maybe", "consent"), ("department", "NOPE", "department"),
    ("tax_type", "税" * 65, "tax_type"), ("case_ref", "", "case_ref"), (None, None, ""),  # field count
]
ROWS = st.lists(st.tuples(st.none() | st.sampled_from(CORRUPTIONS), st.booleans(),
                          st.integers(min_value=1, max_value=10**9)), min_size=1, max_size=12)


def _file(prefix: str, plan) -> tuple[bytes, dict, dict]:
    """A CSV for `plan` [(corruption or None, multi-line address?, amount)]: (bytes, good refs ->
    amount, bad physical line -> the column its error must name)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ALL_COLUMNS)
    good, bad = {}, {}
    for i, (corruption, multiline, amount) in enumerate(plan):
        line = out.getvalue().count("\n") + 1
        values = dict(GOOD, case_ref=f"{prefix}C{i}", taxpayer_ref=f"{prefix}T{i}", amount_due=str(amount),
                      address="埼玉県\n三郷市" if multiline else GOOD["address"])
        record = [values[c] for c in ALL_COLUMNS]
        if corruption is None:
            good[values["case_ref"]] = amount
        elif corruption[0] is None:
            record = record[:-2]
            bad[line] = ""
        else:
            column, value, named = corruption
            record[ALL_COLUMNS.index(column)] = value
            bad[line] = named
        writer.writerow(record)
    return out.getvalue().encode(), good, bad


def test_good_rows_go_in_and_bad_rows_are_reported_by_line(app):
    f.department("TAX")

    @FUZZ
    @given(plan=ROWS)
    def check(plan):
        prefix = f"F{next(_files)}-"
        content, good, bad = _file(prefix, plan)
        job = importing.create_import(None, "cases.csv", content, f.WORKDAY_MORNING)
        db.session.commit()
        run_import(job.id)
        db.session.expire_all()
        job = db.session.get(ImportJob, job.id)
        assert (job.status, job.total, job.imported) == ("done", len(plan), len(good))
        reported = {}
        for error in job.errors:
            reported.setdefault(error["line"], set()).add(error["column"])
            assert error["message"]
        assert set(reported) == set(bad)
        assert all(bad[line] in columns for line, columns in reported.items())
        stored = dict(db.session.execute(select(Case.case_ref, Case.balance)
                                         .where(Case.case_ref.startswith(prefix))).all())
        assert stored == good  # every good row's case with its amount, nothing of a bad row
        taxpayers = db.session.scalars(select(Taxpayer.taxpayer_ref)
                                       .where(Taxpayer.taxpayer_ref.startswith(prefix))).all()
        assert sorted(taxpayers) == sorted(ref.replace(prefix + "C", prefix + "T") for ref in good)

    check()
