"""`flask payments import FILE.csv`: good rows go in, bad rows are reported, re-import changes nothing."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.cases.models import Case
from app.extensions import db
from app.payments.importing import import_payments
from app.payments.models import Payment
from tests import factories as f

HEADER = "payment_ref,case_ref,amount,paid_on\r\n"


@pytest.fixture
def cases(app, monkeypatch):
    monkeypatch.setattr("app.clock.utcnow", lambda: f.WORKDAY_MORNING)
    dept = f.department("TAX")
    return f.case(dept, ref="C1", balance=50000), f.case(dept, ref="C2", balance=8000)


def write(tmp_path, text: str, encoding="utf-8", name="payments.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def balances() -> dict:
    db.session.expire_all()
    return dict(db.session.execute(select(Case.case_ref, Case.balance)).all())


def test_good_rows_go_in_bad_rows_are_reported_and_reimport_changes_nothing(runner, cases, tmp_path):
    path = write(tmp_path, HEADER + (
        "PAY-1,C1,\"12,300\",2026-11-10\r\n"
        "PAY-2,C2,8000,2026-11-16\r\n"
        "PAY-3,C1,abc,2026-11-10\r\n"
        "PAY-4,C9,100,2026-11-10\r\n"
        "PAY-5,C1,100,2026-11-17\r\n"
        "PAY-6,C1,100\r\n"
        ",C1,100,10/11/2026\r\n"
        "PAY-1,C1,999,2026-11-10\r\n"
    ))
    result = runner.invoke(args=["payments", "import", path])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "rows: 8, recorded: 2, already recorded: 0, rejected: 6"
    assert lines[1:] == [
        "line 4, column amount: amount must be a whole number of yen, e.g. 12300 or 12,300",
        "line 5, column case_ref: No case has this reference.",
        "line 6, column paid_on: The payment date is in the future.",
        "line 7, column : the row does not have 4 fields",
        "line 8, column payment_ref: missing payment_ref",
        "line 8, column paid_on: paid_on must be a date YYYY-MM-DD",
        "line 9, column payment_ref: already used for another payment",
    ]
    assert balances() == {"C1": 50000 - 12300, "C2": 0}
    assert db.session.scalar(select(Case.status).where(Case.case_ref == "C2")) == "closed"

    again = runner.invoke(args=["payments", "import", path])
    assert again.output.splitlines()[0] == "rows: 8, recorded: 0, already recorded: 2, rejected: 6"
    assert balances() == {"C1": 50000 - 12300, "C2": 0}
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 2


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_utf8_with_or_without_bom_and_cp932(cases, encoding):
    content = (HEADER + "振込-001,C1,１２３４,2026-11-16\r\n").encode(encoding)  # full-width digits
    report = import_payments(content, f.WORKDAY_MORNING)
    assert (report.created, report.errors) == (1, [])
    assert db.session.scalar(select(Payment.payment_ref)) == "振込-001"
    assert balances()["C1"] == 50000 - 1234


def test_a_quoted_multiline_field_is_reported_at_the_line_where_its_row_starts(cases):
    report = import_payments((HEADER + 'P1,"C1\nx",100,2026-11-16\nP2,C1,100,2026-11-16\n').encode(),
                             f.WORKDAY_MORNING)
    assert report.errors == [{"line": 2, "column": "case_ref", "message": "No case has this reference."}]
    assert report.created == 1


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "empty"),
    (b"payment_ref,case_ref,amount\r\nP1,C1,100\r\n", "header must be exactly"),
    (b"payment_ref,case_ref,amount,paid_on,note\r\n", "header must be exactly"),
    (b"case_ref,payment_ref,amount,paid_on\r\n", "header must be exactly"),
    (b"\xff\xfe\x00\x00binary", "binary data"),
    (b"\x81\xff\x81\xff", "neither UTF-8"),
])
def test_an_unreadable_file_exits_non_zero_and_records_nothing(runner, cases, tmp_path, content, reason):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = runner.invoke(args=["payments", "import", str(path)])
    assert result.exit_code != 0 and reason in result.output, result.output
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0


def test_a_large_file_commits_in_chunks_and_counts_every_row(cases, monkeypatch):
    monkeypatch.setattr("app.payments.importing.COMMIT_EVERY", 7)
    rows = "".join(f"R{n},C1,10,2026-11-{1 + n % 16:02d}\r\n" for n in range(40))
    report = import_payments((HEADER + rows).encode(), f.WORKDAY_MORNING)
    assert (report.total, report.created, report.errors) == (40, 40, [])
    assert balances()["C1"] == 50000 - 400
    assert db.session.scalar(select(func.min(Payment.paid_on))) == date(2026, 11, 1)
