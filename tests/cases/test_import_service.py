from datetime import date

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.cases import importing
from app.cases.consent import row_of
from app.cases.jobs import run_import
from app.cases.models import Case, Charge, ImportJob, Phone, Taxpayer
from app.cases.priority import priority_score
from app.clock import utcnow
from app.extensions import db
from tests import factories as f
from tests.cases.import_files import HEADER, csv_bytes, row


def run(content: bytes, actor=None) -> ImportJob:
    job = importing.create_import(actor, "cases.csv", content, utcnow())
    db.session.commit()
    job_id = job.id
    run_import(job_id)
    db.session.expire_all()
    return db.session.get(ImportJob, job_id)


def consent(phone, department_id: int) -> tuple:
    """(consent, consent_on) of `phone` for one department (no row: no consent)."""
    row = row_of(phone.id, department_id)
    return (row.consent, row.consent_on) if row else (False, None)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_good_rows_create_taxpayer_case_charges_and_phones(app):
    f.department("TAX")
    job = run(csv_bytes(
        row(phone="090-1234-5678", phone2="048-555-0100", consent="2024-04-01"),
        row(tax_type="固定資産税", fiscal_year="2023", amount_due="50000", due_date="2024-04-30"),
        row(case_ref="C002", taxpayer_ref="T002", name="佐藤 花子", name_kana="さとう はなこ", phone="",
            consent="no", amount_due="1,234,567"),
    ))
    assert (job.status, job.total, job.imported, job.errors) == ("done", 3, 3, [])
    case = db.session.scalar(select(Case).where(Case.case_ref == "C001"))
    assert case.status == "open" and case.next_action_at is None
    assert case.department.code == "TAX"
    assert [(c.tax_type, c.fiscal_year, c.amount_due) for c in case.charges] == [
        ("固定資産税", 2023, 50000), ("住民税", 2024, 12300)]
    assert case.balance == 62300
    assert case.oldest_due_date == date(2024, 4, 30)
    assert case.priority == priority_score(62300, date(2024, 4, 30), utcnow().date()) > 0
    taxpayer = case.taxpayer
    assert taxpayer.search_key == "山田太郎 ヤマダタロウ"
    assert [(p.e164, p.kind, p.position, *consent(p, case.department_id)) for p in taxpayer.phones] == [
        ("+819012345678", "mobile", 1, True, date(2024, 4, 1)),
        ("+81485550100", "fixed", 2, True, date(2024, 4, 1)),
    ]
    other = db.session.scalar(select(Case).where(Case.case_ref == "C002"))
    assert other.balance == 1234567 and other.taxpayer.phones == []
    assert other.taxpayer.search_key == "佐藤花子 サトウハナコ"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cases.import")).all()
    assert len(events) == 1
    assert events[0].details["cases_created"] == 2 and events[0].details["charges_created"] == 3


def test_reimport_changes_nothing(app):
    f.department("TAX")
    content = csv_bytes(row(), row(tax_type="固定資産税"), row(case_ref="C002", taxpayer_ref="T002"))
    run(content)
    before = [count(m) for m in (Taxpayer, Case, Charge, Phone)]
    case = db.session.scalar(select(Case).where(Case.case_ref == "C001"))
    balance, updated_at = case.balance, case.updated_at
    job = run(content)
    assert (job.status, job.imported, job.errors) == ("done", 3, [])
    assert [count(m) for m in (Taxpayer, Case, Charge, Phone)] == before == [2, 2, 3, 2]
    case = db.session.scalar(select(Case).where(Case.case_ref == "C001"))
    assert (case.balance, case.updated_at) == (balance, updated_at) == (24600, updated_at)
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last.action == "cases.import"
    assert not any(k.endswith(("_created", "_updated")) for k in last.details)


def test_reimport_with_a_changed_amount_updates_the_charge_and_balance(app):
    f.department("TAX")
    run(csv_bytes(row(), row(tax_type="固定資産税", amount_due="1000")))
    job = run(csv_bytes(row(tax_type="固定資産税", amount_due="2000")))
    assert job.imported == 1
    case = db.session.scalar(select(Case).where(Case.case_ref == "C001"))
    assert case.balance == 12300 + 2000
    assert count(Charge) == 2


def test_bad_rows_are_reported_and_good_rows_go_in(app):
    f.department("TAX")
    f.department("WATER")
    run(csv_bytes(row(case_ref="OLD", taxpayer_ref="T9", department="WATER")))
    job = run(csv_bytes(
        row(case_ref="C1", taxpayer_ref="T1"),                          # line 2: good
        row(case_ref="C2", taxpayer_ref="T2", department="NOPE"),       # 3
        row(case_ref="C3", taxpayer_ref="T3", amount_due="12.5"),       # 4
        row(case_ref="C4", taxpayer_ref="T4", amount_due="-100"),       # 5: negative
        row(case_ref="C5", taxpayer_ref="T5", due_date="2025/05/31"),   # 6
        row(case_ref="C6", taxpayer_ref="T6", name=""),                 # 7
        row(case_ref="C7", taxpayer_ref="T7", phone="12"),              # 8
        row(case_ref="OLD", taxpayer_ref="T9"),                         # 9: case of another department
        row(case_ref="C1", taxpayer_ref="T8", tax_type="固定資産税"),   # 10: case of another taxpayer
        row(case_ref="C10", taxpayer_ref="T10", consent="maybe"),       # 11
        row(case_ref="C11", taxpayer_ref="T11", fiscal_year="R6"),      # 12
        row(case_ref="C1", taxpayer_ref="T1"),                          # 13: same charge twice
        row(case_ref="C12", taxpayer_ref="T1"),                         # 14: second case of T1 in TAX
        row(case_ref="C13", taxpayer_ref="T13", phone2="03-1234-5678"), # 15: good
    ))
    assert job.status == "done"
    assert (job.total, job.imported) == (14, 2)
    got = {(e["line"], e["column"]) for e in job.errors}
    assert got == {(3, "department"), (4, "amount_due"), (5, "amount_due"), (6, "due_date"),
                   (7, "name"), (8, "phone"), (9, "case_ref"), (10, "case_ref"), (11, "consent"),
                   (12, "fiscal_year"), (13, "tax_type"), (14, "case_ref")}
    by_line = {e["line"]: e["message"] for e in job.errors}
    assert "unknown department" in by_line[3]
    assert "missing name" in by_line[7]
    assert "must not be negative" in by_line[5]
    assert "another department" in by_line[9]
    assert "another taxpayer" in by_line[10]
    assert "line 2" in by_line[13]
    assert {c.case_ref for c in db.session.scalars(select(Case))} == {"OLD", "C1", "C13"}
    assert db.session.scalar(select(Case).where(Case.case_ref == "C1")).balance == 12300


def test_line_numbers_are_physical_lines(app):
    f.department("TAX")
    two_line_address = row(case_ref="C1", taxpayer_ref="T1", address="X").replace(",X", ',"two\nlines"')
    content = "\n".join([
        HEADER,                                                   # line 1
        two_line_address,                                         # lines 2-3
        "",                                                       # 4: blank, skipped
        row(case_ref="C2", taxpayer_ref="T2", amount_due="x"),    # 5
        "C3,T3,only,three",                                       # 6: too few fields
    ]).encode()
    job = run(content)
    assert job.imported == 1
    assert [(e["line"], e["column"]) for e in job.errors] == [(5, "amount_due"), (6, "")]
    assert db.session.scalar(select(Taxpayer)).address == "two\nlines"


def test_cp932_file(app):
    f.department("TAX")
    job = run(csv_bytes(row(name="髙橋 一郎", name_kana="タカハシ イチロウ"), encoding="cp932"))
    assert (job.status, job.imported) == ("done", 1)
    assert db.session.scalar(select(Taxpayer)).name == "髙橋 一郎"


def test_utf8_bom_file_and_columns_in_any_order(app):
    f.department("TAX")
    columns = list(reversed(HEADER.split(",")))
    values = dict(zip(HEADER.split(","), row(amount_due="12300").split(","), strict=True))
    content = "\ufeff" + ",".join(columns) + "\n" + ",".join(values[c] for c in columns) + "\n"
    job = run(content.encode("utf-8"))
    assert (job.status, job.imported, job.errors) == ("done", 1, [])
    case = db.session.scalar(select(Case))
    assert (case.case_ref, case.balance, case.taxpayer.name) == ("C001", 12300, "山田 太郎")


def test_missing_header_column_fails_the_whole_import(app):
    f.department("TAX")
    header = HEADER.replace("amount_due,", "").replace(",due_date", "")
    job = run(csv_bytes("C1,T1", header=header))
    assert job.status == "failed"
    assert job.message == "missing header columns: amount_due, due_date"
    assert count(Case) == 0


def test_unreadable_files_fail(app):
    assert run(b"").message == "the file is empty"
    assert "binary" in run(b"\x00\x01\x02").message
    assert "neither UTF-8" in run(b"case_ref\x81\x20,x").message


def test_supervisor_import_is_limited_to_their_department(app):
    tax = f.department("TAX")
    f.department("WATER")
    boss = f.user("boss", "supervisor", tax)
    job = run(csv_bytes(row(case_ref="C1", taxpayer_ref="T1"),
                        row(case_ref="C2", taxpayer_ref="T2", department="WATER")), actor=boss)
    assert job.scope_department_id == tax.id
    assert job.imported == 1
    assert job.errors == [{"line": 3, "column": "department",
                           "message": "department 'WATER' is outside your department"}]


def test_done_job_is_not_run_again(app):
    f.department("TAX")
    job = run(csv_bytes(row()))
    finished_at = job.finished_at
    run_import(job.id)
    db.session.expire_all()
    assert db.session.get(ImportJob, job.id).finished_at == finished_at
    imports = select(func.count()).where(AuditEvent.action == "cases.import")
    assert db.session.scalar(imports) == 1


def test_a_case_whose_rows_span_chunks(app, monkeypatch):
    monkeypatch.setattr("app.cases.import_loop.CHUNK_ROWS", 2)
    f.department("TAX")
    content = csv_bytes(
        row(case_ref="C1", taxpayer_ref="T1", amount_due="100"),                               # chunk 1
        row(case_ref="C2", taxpayer_ref="T2", amount_due="200"),
        row(case_ref="C1", taxpayer_ref="T1", tax_type="固定資産税", amount_due="1000",        # chunk 2
            due_date="2024-04-30", phone2="048-555-0100"),
        row(case_ref="C1", taxpayer_ref="T1", tax_type="固定資産税"),                          # duplicate
        row(case_ref="C9", taxpayer_ref="T1"),                                                 # chunk 3
    )
    job = run(content)
    assert (job.total, job.imported) == (5, 3)
    assert [(e["line"], e["column"]) for e in job.errors] == [(5, "tax_type"), (6, "case_ref")]
    assert "line 4" in job.errors[0]["message"] and "case C1" in job.errors[1]["message"]
    case = db.session.scalar(select(Case).where(Case.case_ref == "C1"))
    assert (case.balance, case.oldest_due_date) == (1100, date(2024, 4, 30))
    assert case.updated_at == case.created_at
    assert [p.e164 for p in case.taxpayer.phones] == ["+819012345678", "+81485550100"]
    details = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first().details
    assert (details["cases_created"], details["charges_created"]) == (2, 3)
    assert "cases_updated" not in details

    again = run(content)
    assert (again.imported, len(again.errors)) == (3, 2)
    assert [count(m) for m in (Taxpayer, Case, Charge, Phone)] == [2, 2, 3, 3]
    details = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first().details
    assert not any(k.endswith(("_created", "_updated")) for k in details)


def test_reimport_updates_changed_taxpayer_and_phone_and_keeps_a_known_consent_date(app):
    f.department("TAX")
    run(csv_bytes(row(consent="2024-04-01")))
    case = db.session.scalar(select(Case))
    created = case.updated_at
    job = run(csv_bytes(row(name="山田 次郎", name_kana="ヤマダ ジロウ", consent="yes", phone2="048-555-0100",
                            amount_due="500")))
    assert (job.imported, job.errors) == (1, [])
    case = db.session.scalar(select(Case))
    assert case.taxpayer.name == "山田 次郎" and case.taxpayer.search_key == "山田次郎 ヤマダジロウ"
    assert [(p.e164, *consent(p, case.department_id)) for p in case.taxpayer.phones] == [
        ("+819012345678", True, date(2024, 4, 1)), ("+81485550100", True, None)]
    assert case.balance == 500 and case.updated_at >= created
    details = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first().details
    assert {k: v for k, v in details.items() if k.endswith(("_created", "_updated"))} == {
        "taxpayers_updated": 1, "phones_created": 1, "charges_updated": 1, "cases_updated": 1}
