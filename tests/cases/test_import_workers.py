"""A large import in several worker processes (app.cases.import_workers) gives what one process
gives: the same stored rows, errors, summaries, re-imports that change nothing, mode full."""

import multiprocessing
import os
import random
import signal
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from app.cases import import_loop, import_workers, importing
from app.cases.csv_rows import COLUMNS
from app.cases.jobs import run_import
from app.cases.models import ImportJob, ImportStatus
from app.clock import utcnow
from app.extensions import db
from tests import factories as f
from tests.cases.import_files import csv_bytes, row
from tests.conftest import _empty_tables_and_redis

DAY0 = datetime(2026, 11, 9, 23, 0, tzinfo=UTC)
DAY2 = datetime(2026, 11, 11, 23, 0, tzinfo=UTC)


def test_rows_linked_by_a_taxpayer_or_a_case_go_to_one_worker():
    groups = import_workers.Groups(list(COLUMNS), 7)
    width = len(COLUMNS)

    def rec(case_ref, taxpayer_ref):
        values = [""] * width
        values[COLUMNS.index("case_ref")], values[COLUMNS.index("taxpayer_ref")] = case_ref, taxpayer_ref
        return values

    records = [(2, rec("C1", "T1")), (3, rec("C2", "T2")), (4, rec(" C3", "T1 ")),  # T1: C1, C3
               (5, rec("C3", "T3")),  # C3 links T3 to T1
               (6, rec("C4", "T4")), (7, rec("", "T4")), (8, rec("C4", "")),  # empty refs link nothing
               (9, ["short"]), (10, rec("C2", "T5"))]
    seen = [line for line, _ in groups.observe(records)]
    assert seen == [2, 3, 4, 5, 6, 7, 8, 9, 10] and groups.total == 9
    worker_of = groups.worker_of()
    assert worker_of[2] == worker_of[4] == worker_of[5]  # T1 - C1, C3 - T3
    assert worker_of[3] == worker_of[10]  # C2 - T2, T5
    assert worker_of[6] == worker_of[7] == worker_of[8]  # T4 - C4
    assert worker_of[9] == 0  # a record of the wrong width
    # Over many independent taxpayers, every worker gets some.
    many = import_workers.Groups(list(COLUMNS), 3)
    many.read((line, rec(f"C{line}", f"T{line}")) for line in range(2, 302))
    assert set(many.worker_of()[2:302]) == {0, 1, 2}


def _file(rng: random.Random, drop: float = 0.0) -> bytes:
    """Taxpayers with 1-3 charges in two departments, a second case of some in the other
    department (the same phone), and the rows one process and several must judge alike."""
    rows = []
    for n in range(1, 161):
        tp = f"T{n:04d}"
        phone = f"090-{rng.randrange(1000, 9999)}-{n:04d}"
        for i in range(rng.randint(1, 3)):
            rows.append(row(case_ref=f"C{n:04d}", taxpayer_ref=tp, phone=phone, tax_type="住民税",
                            fiscal_year=str(2020 + i), amount_due=str(rng.randrange(1000, 90000)),
                            consent=rng.choice(["yes", "no", "2026-04-01"])))
        if n % 7 == 0:  # the same taxpayer in the other department
            rows.append(row(case_ref=f"W{n:04d}", taxpayer_ref=tp, phone=phone, department="WATER",
                            tax_type="水道料金", fiscal_year="2025", amount_due="5000"))
    if drop:
        rows = [r for r in rows if rng.random() >= drop]
    rows += [
        row(case_ref="C0003", taxpayer_ref="T0999"),  # a case of another taxpayer, earlier line
        row(case_ref="C0998", taxpayer_ref="T0004"),  # a second case of T0004 in TAX
        row(case_ref="C0005", taxpayer_ref="T0005", fiscal_year="2020"),  # the same charge again
        row(case_ref="C0997", taxpayer_ref="T0997", amount_due="12.5"),  # bad amount
        row(case_ref="C0996", taxpayer_ref="T0996", name=""),  # missing name
        "C0995,T0995,short",
        row(case_ref="C0994", taxpayer_ref="T0994", department="PARKING"),  # unknown department
        row(case_ref="C0993", taxpayer_ref="T0993", phone="12345"),  # not a phone
    ]
    rng.shuffle(rows)  # a group's rows far apart in the file
    return csv_bytes(*rows)


def _run(content: bytes, as_of, mode="delta") -> dict:
    job = importing.create_import(None, "cases.csv", content, utcnow(), as_of, mode)
    db.session.commit()
    job_id = job.id
    run_import(job_id)
    db.session.expire_all()
    job = db.session.get(ImportJob, job_id)
    return {"status": job.status, "total": job.total, "imported": job.imported, "errors": job.errors,
            "summary": job.summary}


SNAPSHOT = {
    "taxpayers": "SELECT taxpayer_ref, name, name_kana, address, search_key FROM taxpayers",
    "cases": "SELECT c.case_ref, t.taxpayer_ref, d.code, c.status, c.balance, c.priority,"
             " c.oldest_due_date, c.extract_on, c.paid_in_full_at IS NULL FROM cases c"
             " JOIN taxpayers t ON t.id = c.taxpayer_id JOIN departments d ON d.id = c.department_id",
    "charges": "SELECT c.case_ref, ch.tax_type, ch.fiscal_year, ch.period, ch.notice_no, ch.amount_due,"
               " ch.due_date, ch.status, ch.row_hash FROM charges ch JOIN cases c ON c.id = ch.case_id",
    "phones": "SELECT t.taxpayer_ref, p.e164, p.kind, p.position FROM phones p"
              " JOIN taxpayers t ON t.id = p.taxpayer_id",
    "consents": "SELECT t.taxpayer_ref, p.e164, d.code, pc.consent, pc.consent_on, pc.consent_source,"
                " pc.opted_out FROM phone_consents pc JOIN phones p ON p.id = pc.phone_id"
                " JOIN taxpayers t ON t.id = p.taxpayer_id"
                " LEFT JOIN departments d ON d.id = pc.department_id",
}


def _stored() -> dict:
    return {table: sorted(tuple(r) for r in db.session.execute(text(sql)))
            for table, sql in SNAPSHOT.items()}


def _departments() -> None:
    f.department("TAX")
    f.department("WATER")
    db.session.commit()


@pytest.fixture
def two_workers(app, monkeypatch):
    """Two workers for any file, chunks of 20 rows."""
    _departments()
    app.config.update(IMPORT_WORKERS=2, IMPORT_PARALLEL_ROWS=1)
    monkeypatch.setattr(import_loop, "CHUNK_ROWS", 20)


def _day_by_day(seed: int) -> list:
    """A first import, its re-import, and a full snapshot that no longer lists some charges."""
    _departments()
    first = _file(random.Random(seed))
    results = [_run(first, DAY0)]
    after_first = _stored()
    results.append(_run(first, DAY0))
    assert _stored() == after_first  # the re-import changed nothing
    results.append(_run(_file(random.Random(seed), drop=0.1), DAY2, "full"))
    return [results, after_first, _stored()]


@pytest.fixture
def worker_pids(monkeypatch, tmp_path):
    """The processes that ran chunks (the forked workers inherit the spy)."""
    log = tmp_path / "pids"
    chunk = importing.import_chunk

    def spy(ctx, records, now):
        with open(log, "a") as out:
            out.write(f"{os.getpid()}\n")
        return chunk(ctx, records, now)

    monkeypatch.setattr(importing, "import_chunk", spy)

    def pids() -> set[str]:
        return set(log.read_text().split()) if log.exists() else set()

    pids.log = log
    return pids


def test_several_workers_store_report_and_close_what_one_process_does(app, worker_pids):
    app.config.update(IMPORT_WORKERS=1)
    alone = _day_by_day(seed=5)
    assert worker_pids() == {str(os.getpid())}
    (tmp := worker_pids.log).unlink()
    assert not tmp.exists()
    _empty_tables_and_redis()
    app.config.update(IMPORT_WORKERS=3, IMPORT_PARALLEL_ROWS=1)
    parallel = _day_by_day(seed=5)
    pids = worker_pids() - {str(os.getpid())}
    assert len(pids) == 9  # three imports, each of three forked workers, did every chunk
    for i, (a, b) in enumerate(zip(parallel[0], alone[0], strict=True)):
        assert a == b, i  # each import's status, counts, errors and summary
    assert parallel == alone
    results = parallel[0]
    assert [r["status"] for r in results] == ["done"] * 3
    lines = [e["line"] for e in results[0]["errors"]]
    assert lines == sorted(lines) and len(lines) == 8  # every kind of bad row, in line order
    assert results[0]["summary"]["cases"]["opened"] > 160
    assert results[1]["summary"]["charges"] == {"new": 0, "changed": 0, "closed": 0,
                                                "closed_absent": 0, "settled_unknown": 0}
    assert results[2]["summary"]["charges"]["closed_absent"] > 0


def test_a_failing_worker_stops_the_others_and_fails_the_import(two_workers, monkeypatch, tmp_path):
    first, held, continued = tmp_path / "first", tmp_path / "held", tmp_path / "continued"
    chunk = importing.import_chunk

    def one_breaks_the_other_waits(ctx, records, now):
        try:  # the first worker to get here fails
            os.close(os.open(first, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            if held.exists() and not continued.exists():  # the other's second chunk: left alone,
                # it goes on after a while
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    time.sleep(0.05)
                continued.touch()
            held.touch()
            return chunk(ctx, records, now)
        raise RuntimeError("a bug")

    monkeypatch.setattr(importing, "import_chunk", one_breaks_the_other_waits)
    with pytest.raises(import_workers.WorkerFailed):
        _run(_file(random.Random(1)), DAY0)
    job = db.session.scalar(db.select(ImportJob))
    assert job.status == ImportStatus.FAILED
    assert "internal error" in job.message
    assert not continued.exists()  # the other worker was stopped, not waited for


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def _wait_for(condition, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.05)


def test_workers_stop_uncommitted_when_the_import_process_is_killed(two_workers, monkeypatch, tmp_path):
    started, pids, go_on = tmp_path / "started", tmp_path / "pids", tmp_path / "go-on"
    chunk = importing.import_chunk

    def held_after_the_first_chunk(ctx, records, now):
        if str(os.getpid()) in (started.read_text().split() if started.exists() else []):
            # A worker's second chunk (its first is committed) tells the test, then waits.
            with open(pids, "a") as out:
                out.write(f"{os.getpid()}\n")
            _wait_for(go_on.exists, "the test's go-ahead")
        else:
            with open(started, "a") as out:
                out.write(f"{os.getpid()}\n")
        return chunk(ctx, records, now)

    monkeypatch.setattr(importing, "import_chunk", held_after_the_first_chunk)
    job = importing.create_import(None, "cases.csv", _file(random.Random(3)), utcnow(), DAY0)
    db.session.commit()
    job_id = job.id
    db.session.remove()
    db.engine.dispose()
    importer = multiprocessing.get_context("fork").Process(target=run_import, args=(job_id,))
    importer.start()
    _wait_for(lambda: pids.exists() and len(pids.read_text().split()) == 2, "both workers' second chunk")
    workers = [int(p) for p in pids.read_text().split()]
    os.kill(importer.pid, signal.SIGKILL)  # the import's process, as the OOM killer would
    importer.join()
    charges = db.session.scalar(text("SELECT count(*) FROM charges"))  # both first chunks committed
    go_on.touch()
    _wait_for(lambda: not any(_alive(pid) for pid in workers), "the workers to stop")
    assert db.session.scalar(text("SELECT count(*) FROM charges")) == charges  # nothing more went in
    assert charges > 0
