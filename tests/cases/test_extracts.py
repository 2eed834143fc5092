"""The core system as the master (issue 9): charges by case+tax_type+fiscal_year+period+notice_no,
the extract's time (as_of), the balance rule, closing and reopening, mode full, the summary."""

import io
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.cases import importing
from app.cases.jobs import run_import
from app.cases.models import Case, Charge, ImportJob
from app.clock import utcnow
from app.extensions import db
from app.payments.services import record_payment
from app.promises.accounting import local_today
from app.sms import outbox
from app.sms.models import SmsStatus
from tests import factories as f
from tests.cases.import_files import HEADER, csv_bytes, row
from tests.cases.test_import_api import token_headers

# Local (Asia/Tokyo) times of the extracts, as UTC: 2026-11-10 08:00 JST and 2026-11-20 06:00 JST.
NOV10 = datetime(2026, 11, 9, 23, 0, tzinfo=UTC)
NOV20 = datetime(2026, 11, 19, 21, 0, tzinfo=UTC)


def run(content: bytes, as_of=None, mode="delta") -> ImportJob:
    job = importing.create_import(None, "cases.csv", content, utcnow(), as_of, mode)
    db.session.commit()
    job_id = job.id
    run_import(job_id)
    db.session.expire_all()
    return db.session.get(ImportJob, job_id)


def pay(ref, case_ref, amount, paid_on, **kw):
    result = record_payment(ref, case_ref, amount, paid_on, "csv", utcnow(), **kw)
    db.session.commit()
    return result


def case_of(ref: str) -> Case:
    db.session.expire_all()
    return db.session.scalar(select(Case).where(Case.case_ref == ref))


def charge_row(**kw):
    return row(case_ref=kw.pop("case_ref", "C1"), taxpayer_ref=kw.pop("taxpayer_ref", "T1"), **kw)


def test_reimporting_an_old_file_after_a_payment_keeps_the_payment(app):
    f.department("TAX")
    run(csv_bytes(charge_row(amount_due="100000")), as_of=NOV10)
    pay("P1", "C1", 50000, date(2026, 11, 12))
    assert case_of("C1").balance == 50000  # 100,000 - 50,000
    # The same extract (made on 11-10) comes again with one more charge of 12,000.
    job = run(csv_bytes(charge_row(amount_due="100000"),
                        charge_row(tax_type="固定資産税", amount_due="12000")), as_of=NOV10)
    # 100,000 + 12,000 - 50,000 (paid 11-12, after the extract: not in it) = 62,000
    assert case_of("C1").balance == 62000
    assert job.summary["charges"] == {"new": 1, "changed": 0, "closed": 0, "closed_absent": 0,
                                      "settled_unknown": 0}
    assert job.summary["payments_applied"] == {"count": 1, "amount": 50000}


def test_a_newer_extract_that_reflects_the_payment_does_not_count_it_twice(app):
    f.department("TAX")
    run(csv_bytes(charge_row(amount_due="100000")), as_of=NOV10)
    pay("P1", "C1", 50000, date(2026, 11, 12))
    # The extract of 11-20 already holds the payment of 11-12: 50,000 left, and a new charge 12,000.
    job = run(csv_bytes(charge_row(amount_due="50000"),
                        charge_row(tax_type="固定資産税", amount_due="12000")), as_of=NOV20)
    assert case_of("C1").balance == 62000  # 50,000 + 12,000; the payment is in the extract
    assert job.summary["payments_applied"] == {"count": 0, "amount": 0}
    assert job.summary["charges"]["changed"] == 1 and job.summary["charges"]["new"] == 1


def test_an_unchanged_row_of_a_newer_extract_moves_a_payment_into_it(app):
    """A row skipped as unchanged (its hash) still moves its case's extract date, and the payment
    made before that date then counts as in the extract; a case without payments keeps its
    balance untouched."""
    f.department("TAX")
    rows = (charge_row(amount_due="100000"), charge_row(case_ref="B", taxpayer_ref="TB", amount_due="8000"))
    run(csv_bytes(*rows), as_of=NOV10)
    pay("P1", "C1", 30000, date(2026, 11, 12))
    assert (case_of("C1").balance, case_of("B").balance) == (70000, 8000)
    b_updated = case_of("B").updated_at
    # The core system says 100,000 as of 11-20: the payment of 11-12 is in that figure (or was
    # not allocated); the app counts it no more.
    job = run(csv_bytes(*rows), as_of=NOV20)
    assert (case_of("C1").balance, case_of("B").balance) == (100000, 8000)
    assert job.summary["charges"]["changed"] == 0 and job.summary["payments_applied"]["count"] == 0
    assert case_of("C1").extract_on == case_of("B").extract_on == date(2026, 11, 20)
    assert case_of("B").updated_at == b_updated


def test_a_payment_dated_the_day_of_the_extract_counts_as_not_in_it(app):
    f.department("TAX")
    pay_day = date(2026, 11, 20)  # the extract was made at 06:00 that day
    run(csv_bytes(charge_row(amount_due="80000")), as_of=NOV10)
    pay("P1", "C1", 30000, pay_day)
    run(csv_bytes(charge_row(amount_due="80000")), as_of=NOV20)
    assert case_of("C1").balance == 50000  # 80,000 - 30,000 (dated 11-20 >= the extract's 11-20)


def test_the_issue_example_through_the_cli_with_the_default_as_of(app, runner, tmp_path):
    """Case 100,000; payment 50,000 today; re-import with one more charge 12,000: 62,000."""
    f.department("TAX")
    first = tmp_path / "first.csv"
    first.write_bytes(csv_bytes(charge_row(amount_due="100,000")))
    assert runner.invoke(args=["cases", "import", str(first)]).exit_code == 0
    today = local_today(utcnow())
    result = runner.invoke(args=["payments", "import", str(_payments(tmp_path, f"P1,C1,50000,{today}"))])
    assert result.exit_code == 0, result.output
    second = tmp_path / "second.csv"
    second.write_bytes(csv_bytes(charge_row(amount_due="100,000"),
                                 charge_row(tax_type="固定資産税", amount_due="12,000")))
    result = runner.invoke(args=["cases", "import", str(second)])
    assert result.exit_code == 0, result.output
    assert case_of("C1").balance == 62000  # 100,000 + 12,000 - 50,000 (dated today: not in the file)
    assert "charges: new 1, changed 0, closed 0 (absent from the snapshot 0)" in result.output
    assert "cases: opened 0, reopened 0, closed 0" in result.output
    assert "payments still applied on top of the extract: 1 (50000 yen)" in result.output


def _payments(tmp_path, *lines, header="payment_ref,case_ref,amount,paid_on"):
    path = tmp_path / "payments.csv"
    path.write_text("\r\n".join([header, *lines, ""]), encoding="utf-8")
    return path


def test_a_closed_case_with_a_new_charge_reopens_and_returns_to_the_queue(app):
    dept = f.department("TAX")
    run(csv_bytes(charge_row(amount_due="30000")), as_of=NOV10)
    pay("P1", "C1", 30000, date(2026, 11, 12))
    closed = case_of("C1")
    assert (closed.status, closed.balance) == ("closed", 0) and closed.paid_in_full_at is not None
    # The extract of 11-20: the old charge settled (0), a new one of 8,000.
    job = run(csv_bytes(charge_row(amount_due="0"), charge_row(tax_type="軽自動車税", amount_due="8000")),
              as_of=NOV20)
    case = case_of("C1")
    assert (case.status, case.balance, case.paid_in_full_at) == ("open", 8000, None)
    assert job.summary["cases"] == {"opened": 0, "reopened": 1, "closed": 0}
    assert job.summary["charges"]["closed"] == 1 and job.summary["charges"]["new"] == 1
    assert {(c.tax_type, c.status) for c in case.charges} == {("住民税", "closed"), ("軽自動車税", "open")}
    from app.calls.claims import claim_next

    op = f.user("op", "operator", dept)
    assert claim_next(op, f.WORKDAY_MORNING, 30).id == case.id  # back in the queue


def test_charges_that_reach_zero_close_the_case_and_suppress_its_waiting_sms(app):
    dept = f.department("TAX")
    run(csv_bytes(charge_row(amount_due="5000"), charge_row(tax_type="固定資産税", amount_due="7000")),
        as_of=NOV10)
    case = case_of("C1")
    waiting = outbox.queue_sms(case, case.taxpayer.phones[0], "【TAX】a", idempotency_key="k1", now=utcnow())
    db.session.commit()
    waiting_id = waiting.id
    job = run(csv_bytes(charge_row(amount_due="0"), charge_row(tax_type="固定資産税", amount_due="0")),
              as_of=NOV20)
    case = case_of("C1")
    assert (case.status, case.balance) == ("closed", 0)
    assert job.summary["cases"]["closed"] == 1 and job.summary["charges"]["closed"] == 2
    message = db.session.get(type(waiting), waiting_id)
    assert (message.status, message.reason) == (SmsStatus.SUPPRESSED, "paid")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "case.close")) == 1
    assert dept.id == case.department_id


def test_a_zero_row_for_a_charge_the_app_never_had_creates_nothing(app):
    f.department("TAX")
    job = run(csv_bytes(charge_row(case_ref="Z1", taxpayer_ref="TZ", amount_due="0")))
    assert job.status == "done" and job.errors == [] and case_of("Z1") is None
    assert job.summary["charges"]["settled_unknown"] == 1


def test_full_closes_absent_open_charges_of_the_files_departments_only(app):
    f.department("TAX")
    f.department("WATER")
    run(csv_bytes(
        charge_row(case_ref="A", taxpayer_ref="TA", amount_due="1000"),
        charge_row(case_ref="A", taxpayer_ref="TA", tax_type="固定資産税", amount_due="2000"),
        charge_row(case_ref="B", taxpayer_ref="TB", amount_due="3000"),
        charge_row(case_ref="S", taxpayer_ref="TS", amount_due="4000"),
        charge_row(case_ref="W", taxpayer_ref="TW", department="WATER", amount_due="5000"),
    ), as_of=NOV10)
    job = run(csv_bytes(
        charge_row(case_ref="A", taxpayer_ref="TA", amount_due="1000"),
        charge_row(case_ref="S", taxpayer_ref="TS", tax_type="固定資産税", amount_due="x"),  # rejected
    ), as_of=NOV20, mode="full")
    assert job.status == "done" and [e["line"] for e in job.errors] == [3]
    a, b, s, w = (case_of(ref) for ref in "ABSW")
    assert (a.status, a.balance) == ("open", 1000)  # its 2,000 charge is no longer listed: closed
    assert (b.status, b.balance) == ("closed", 0)
    assert (s.status, s.balance) == ("open", 4000)  # a rejected row: nothing of S is closed
    assert (w.status, w.balance) == ("open", 5000)  # WATER is not in the file
    assert job.summary["charges"]["closed_absent"] == 2 and job.summary["charges"]["closed"] == 2
    assert job.summary["cases"]["closed"] == 1
    # The same full snapshot again changes nothing more.
    again = run(csv_bytes(charge_row(case_ref="A", taxpayer_ref="TA", amount_due="1000")),
                as_of=NOV20, mode="full")
    assert again.summary["charges"]["closed_absent"] == 1  # S's charge, listed nowhere now
    assert case_of("W").status == "open"


def test_a_delta_leaves_absent_charges_alone(app):
    f.department("TAX")
    run(csv_bytes(charge_row(amount_due="1000"), charge_row(case_ref="B", taxpayer_ref="TB")), as_of=NOV10)
    run(csv_bytes(charge_row(amount_due="1500")), as_of=NOV20)
    assert case_of("B").status == "open" and case_of("C1").balance == 1500


def test_reimporting_the_same_extract_changes_nothing(app):
    f.department("TAX")
    content = csv_bytes(charge_row(amount_due="1000"), charge_row(case_ref="B", taxpayer_ref="TB"))
    run(content, as_of=NOV10)
    before = [(c.id, c.updated_at, c.balance, c.status) for c in db.session.scalars(select(Case))]
    job = run(content, as_of=NOV10, mode="full")
    after = [(c.id, c.updated_at, c.balance, c.status) for c in db.session.scalars(select(Case))]
    assert before == after
    assert job.summary["charges"] == {"new": 0, "changed": 0, "closed": 0, "closed_absent": 0,
                                      "settled_unknown": 0}


def test_period_and_notice_no_tell_charges_apart_and_the_new_columns_are_stored(app, client, runner):
    f.department("TAX")
    header = HEADER + ",period,notice_no,assessed,late_fee,dunning_fee,dunning_notice_on,limitation_on"
    job = run(csv_bytes(
        charge_row(amount_due="10000") + ",1,N-1,12000,500,100,2025-06-20,2030-05-31",
        charge_row(amount_due="20000") + ",02,N-2,20000,,,,",
        charge_row(amount_due="30000") + ",随時,,,,,,",
        charge_row(amount_due="1") + ",13,,,,,,",                      # line 5: period
        charge_row(amount_due="1") + ",1,N-9,-5,,,,",                  # line 6: negative
        charge_row(amount_due="1") + ",1,N-8,,,,0001-01-01,",          # line 7: date limits
        charge_row(amount_due="1") + ",1,N-7,,,,,2200-01-01",          # line 8
        charge_row(amount_due="1", due_date="9999-12-31") + ",1,N-6,,,,,",  # line 9
        charge_row(amount_due="10000") + ",1,N-1,,,,,",                # line 10: the same charge
        header=header))
    assert sorted((e["line"], e["column"]) for e in job.errors) == [
        (5, "period"), (6, "assessed"), (7, "dunning_notice_on"), (8, "limitation_on"), (9, "due_date"),
        (10, "tax_type")]
    assert case_of("C1").balance == 60000  # 10,000 + 20,000 + 30,000
    f.user("mgr", "manager")
    body = client.get(f"/api/v1/cases/{case_of('C1').id}", headers=token_headers(runner, "mgr")).get_json()
    assert sorted(body["charges"], key=lambda c: c["amount_due"])[:2] == [
        {"tax_type": "住民税", "fiscal_year": 2024, "period": "1", "notice_no": "N-1", "amount_due": 10000,
         "due_date": "2025-05-31", "assessed": 12000, "late_fee": 500, "dunning_fee": 100,
         "dunning_notice_on": "2025-06-20", "limitation_on": "2030-05-31", "status": "open"},
        {"tax_type": "住民税", "fiscal_year": 2024, "period": "2", "notice_no": "N-2", "amount_due": 20000,
         "due_date": "2025-05-31", "assessed": 20000, "late_fee": None, "dunning_fee": None,
         "dunning_notice_on": None, "limitation_on": None, "status": "open"}]
    # A file without the optional columns keeps what they stored (and today's identity: "", "").
    run(csv_bytes(charge_row(amount_due="5000")))
    charges = db.session.scalars(select(Charge).order_by(Charge.id)).all()
    assert (charges[0].late_fee, charges[-1].period, charges[-1].notice_no) == (500, "", "")


def test_a_header_that_cannot_be_read_fails_the_import(app, runner, tmp_path):
    f.department("TAX")
    content = (HEADER + ',"x\r\n' + charge_row() + "\r\n").encode()  # a quote opened, never closed
    job = run(content)
    assert job.status == "failed" and "header row cannot be read" in job.message
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = runner.invoke(args=["cases", "import", str(path)])
    assert result.exit_code != 0 and "header row cannot be read" in result.output
    result = runner.invoke(args=["payments", "import", str(_payments(tmp_path, "P1,C1,1,2026-11-01",
                                                                     header='payment_ref,"case_ref'))])
    assert result.exit_code != 0 and "header row cannot be read" in result.output


def test_api_and_cli_options(app, client, runner, tmp_path):
    f.department("TAX")
    f.user("mgr", "manager")
    headers = token_headers(runner, "mgr")
    upload = {"file": (io.BytesIO(csv_bytes(charge_row())), "cases.csv")}
    bad = client.post("/api/v1/imports", data={**upload, "as_of": "2026-13-01T00:00"}, headers=headers)
    assert bad.status_code == 422 and "as_of" in bad.get_json()["fields"]
    upload = {"file": (io.BytesIO(csv_bytes(charge_row())), "cases.csv")}
    bad = client.post("/api/v1/imports", data={**upload, "mode": "everything"}, headers=headers)
    assert bad.status_code == 422 and "mode" in bad.get_json()["fields"]
    upload = {"file": (io.BytesIO(csv_bytes(charge_row())), "cases.csv")}
    good = client.post("/api/v1/imports", data={**upload, "as_of": "2026-11-20T06:00", "mode": "full"},
                       headers=headers)
    assert good.status_code == 202, good.get_json()
    assert (good.get_json()["as_of"], good.get_json()["mode"]) == ("2026-11-19T21:00:00+00:00", "full")
    path = tmp_path / "c.csv"
    path.write_bytes(csv_bytes(charge_row()))
    result = runner.invoke(args=["cases", "import", str(path), "--as-of", "2199-12-31T00:00"])
    assert result.exit_code != 0 and "future" in result.output
    result = runner.invoke(args=["cases", "import", str(path), "--as-of", "2026-11-10T08:00", "--full"])
    assert result.exit_code == 0, result.output
    job = db.session.scalars(select(ImportJob).order_by(ImportJob.id.desc())).first()
    assert (job.as_of, job.mode) == (NOV10, "full")


def test_unchanged_rows_are_skipped_but_still_checked(app):
    """A row equal to the one that last wrote its charge is not parsed again (charges.row_hash),
    yet a charge a snapshot closed reopens when the same row comes back, a repeated line is
    still an error, and a supervisor of another department still cannot import it."""
    f.department("TAX")
    water = f.department("WATER")
    first = csv_bytes(charge_row(amount_due="1000"), charge_row(case_ref="B", taxpayer_ref="TB"))
    run(first, as_of=NOV10)
    hashed = select(func.count()).select_from(Charge).where(Charge.row_hash.is_not(None))
    assert db.session.scalar(hashed) == 2
    run(csv_bytes(charge_row(amount_due="1000")), as_of=NOV10, mode="full")
    assert case_of("B").status == "closed"
    job = run(first, as_of=NOV10)  # B's row again, exactly as before
    assert (case_of("B").status, case_of("B").balance) == ("open", 12300)
    assert job.summary["cases"]["reopened"] == 1
    job = run(csv_bytes(charge_row(amount_due="1000"), charge_row(amount_due="1000")), as_of=NOV10)
    assert [(e["line"], e["column"]) for e in job.errors] == [(3, "tax_type")]
    supervisor = f.user("sv", "supervisor", water)
    scoped = importing.create_import(supervisor, "cases.csv", first, utcnow(), NOV10)
    db.session.commit()
    run_import(scoped.id)
    db.session.expire_all()
    scoped = db.session.get(ImportJob, scoped.id)
    assert (scoped.imported, sorted(e["column"] for e in scoped.errors)) == (0, ["department", "department"])


def test_a_full_snapshot_keeps_the_charges_it_creates_open(app):
    f.department("TAX")
    run(csv_bytes(charge_row(amount_due="1000"), charge_row(case_ref="B", taxpayer_ref="TB")), as_of=NOV10)
    job = run(csv_bytes(charge_row(amount_due="1000"), charge_row(tax_type="固定資産税", amount_due="2000"),
                        charge_row(case_ref="N", taxpayer_ref="TN", amount_due="3000")),
              as_of=NOV20, mode="full")
    assert (case_of("C1").balance, case_of("N").balance, case_of("B").status) == (3000, 3000, "closed")
    assert job.summary["charges"]["closed_absent"] == 1  # B's only


def test_the_upload_form_takes_as_of_and_mode_and_the_import_screen_shows_the_summary(client, monkeypatch):
    from tests.cases.test_import_api import work

    f.department("TAX")
    f.login(client, f.user("adm", "admin"))
    page = client.get("/imports")
    token = f.csrf_from(page.get_data(as_text=True))
    bad = client.post("/imports", data={"csrf_token": token, "as_of": "2199-01-01T00:00",
                                        "file": (io.BytesIO(csv_bytes(charge_row())), "a.csv")},
                      content_type="multipart/form-data")
    assert bad.status_code == 200 and "as_of" in bad.get_data(as_text=True)  # re-rendered with the error
    response = client.post("/imports", data={"csrf_token": token, "as_of": "2026-11-20T06:00", "mode": "full",
                                             "file": (io.BytesIO(csv_bytes(charge_row())), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    work(monkeypatch)
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="import-summary"' in done
    job = db.session.scalars(select(ImportJob)).one()
    assert (job.as_of, job.mode, job.summary["cases"]["opened"]) == (NOV20, "full", 1)


def test_a_reimport_checks_only_the_rows_that_changed(app, monkeypatch):
    """PostgreSQL: the unchanged rows are found by one join of the file's hashes (a temporary
    table) and are not parsed again; the changed row and a repeated line are."""
    from app.cases.csv_rows import parse_row as real

    f.department("TAX")
    rows = [charge_row(case_ref=f"C{n}", taxpayer_ref=f"T{n}") for n in range(1, 31)]
    run(csv_bytes(*rows), as_of=NOV10)
    parsed = []
    monkeypatch.setattr(importing, "parse_row", lambda line, *a: parsed.append(line) or real(line, *a))
    rows[4] = charge_row(case_ref="C5", taxpayer_ref="T5", amount_due="700")
    job = run(csv_bytes(*rows, rows[0]), as_of=NOV10)
    assert parsed == [6, 32]
    assert job.summary["charges"]["changed"] == 1 and case_of("C5").balance == 700
    assert [(e["line"], e["column"]) for e in job.errors] == [(32, "tax_type")]


def test_a_record_the_reader_cannot_read_fails_the_import_and_writes_nothing(app):
    """A record past the CSV reader's field limit is found by the pass before the chunks, on a
    first import (counting) and on a re-import (matching, inside the COPY of the hashes): the
    import fails with the line, and no row of the file goes in."""
    f.department("TAX")
    run(csv_bytes(charge_row(amount_due="1000")), as_of=NOV10)
    huge = charge_row(case_ref="C2", taxpayer_ref="T2", address='"' + "x" * 200_000 + '"')
    c3 = charge_row(case_ref="C3", taxpayer_ref="T3")
    for content, line in ((csv_bytes(c3, huge), 3), (csv_bytes(charge_row(amount_due="1000"), c3, huge), 4)):
        job = run(content, as_of=NOV10)
        assert job.status == "failed" and f"not a readable CSV file (line {line})" in job.message
        assert (job.imported, job.started_at is not None, case_of("C3")) == (0, True, None)
