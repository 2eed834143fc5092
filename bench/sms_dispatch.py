"""Benchmark of SMS dispatch: queued messages through worker processes to the fake Vonage.

    .venv/bin/python bench/sms_dispatch.py [--messages 10000] [--rates 30,500] [--workers 2]
                                           [--latency-calls 300] [--latency-pace N]
                                           [--worker flask|simple] [--log-dir DIR]

For each rate (SMS_RATE_PER_SECOND, and the fake's own limit set to the same):

1. throughput: `--messages` messages queued (rows + RQ jobs) while no worker runs, then
   `--workers` worker processes start: achieved messages/second (first to last request the fake
   took), throttle answers from the fake (goal 0), the most requests it saw in any second,
   messages lost (queued, never received) or duplicated (received twice) - both must be 0;
2. latency: with the workers idle, `--latency-calls` cases get their second unanswered call
   logged through `app.calls.services.log_call` (the escalation rule queues the SMS in that
   transaction), paced at half the rate (or `--latency-pace` calls a second): p50/p95/max
   from the start of that `log_call` to the fake receiving the SMS.

Workers: `flask worker` processes (RQ's forking Worker with its scheduler, as in production), or
`--worker simple`: `flask worker --simple` (RQ's SimpleWorker, no fork per job). Database:
BENCH_SMS_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench_sms, emptied and
migrated), Redis: BENCH_SMS_REDIS_URL (default redis://127.0.0.1:6379/15, flushed).
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from redis import Redis  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from app import clock, create_app  # noqa: E402
from app.auth.departments import DepartmentSettings, create_department  # noqa: E402
from app.auth.services import create_user  # noqa: E402
from app.calls.services import log_call  # noqa: E402
from app.cases.models import Case, Charge, Phone, PhoneConsent, Taxpayer  # noqa: E402
from app.cases.search_keys import taxpayer_search_key  # noqa: E402
from app.extensions import db  # noqa: E402
from app.sms import outbox  # noqa: E402
from app.sms.models import SmsMessage  # noqa: E402
from bench.results import emit  # noqa: E402
from tests.sms.fake_vonage import FakeVonage  # noqa: E402

DB_URL = os.environ.get("BENCH_SMS_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_sms")
REDIS_URL = os.environ.get("BENCH_SMS_REDIS_URL", "redis://127.0.0.1:6379/15")
KEY, SECRET = "bench-key", "bench-secret"
TEXT = "【税務課】市税のお支払いが確認できておりません。お問い合わせは048-555-0100へ。"


def reset_database() -> None:
    base, name = DB_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(DB_URL, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def empty_tables() -> None:
    tables = ", ".join(t.name for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


def make_cases(count: int, now, first_number: int) -> tuple[int, int, list[int]]:
    """A round-the-clock department, an operator and `count` cases with a consented mobile."""
    dept = create_department("TAX", DepartmentSettings(
        name="税務課", sender_id="TAXDEPT", callback_phone="048-555-0100", calling_hours="00:00-24:00",
        sms_hours="00:00-24:00", rest_days="none", max_calls_per_day=20, max_calls_per_week=100), now)
    operator = create_user("op-bench", "operator", "bench-password-123", dept, now)
    db.session.commit()
    ids = []
    for start in range(0, count, 1000):
        batch = []
        for n in range(start, min(count, start + 1000)):
            name, kana = f"山田 太郎{n}", f"ヤマダ タロウ{n}"
            taxpayer = Taxpayer(taxpayer_ref=f"T{n:07d}", name=name, name_kana=kana,
                                search_key=taxpayer_search_key(name, kana), created_at=now)
            phone = Phone(e164=f"+8190{first_number + n:08d}", kind="mobile", position=1)
            taxpayer.phones.append(phone)
            db.session.add(PhoneConsent(phone=phone, department_id=dept.id, consent=True,
                                        consent_source="import"))
            case = Case(case_ref=f"C{n:07d}", taxpayer=taxpayer, department=dept, status="open",
                        balance=50000, priority=0, oldest_due_date=now.date(), created_at=now, updated_at=now)
            case.charges.append(Charge(tax_type="住民税", fiscal_year=2025, amount_due=50000,
                                       due_date=now.date()))
            batch.append(case)
        db.session.add_all(batch)
        db.session.commit()
        ids.extend(c.id for c in batch)
    return dept.id, operator.id, ids


def start_workers(args, fake: FakeVonage, rate: float, log_dir: Path) -> list[subprocess.Popen]:
    env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": DB_URL, "REDIS_URL": REDIS_URL,
           "SECRET_KEY": "bench-secret-key-0123456789abcdef-0123", "SMS_PROVIDER": "vonage",
           "VONAGE_API_KEY": KEY,
           "VONAGE_API_SECRET": SECRET, "VONAGE_REST_HOST": fake.host,
           "REQUESTS_CA_BUNDLE": fake.ca_file, "SMS_RATE_PER_SECOND": str(rate)}
    command = [sys.executable, "-m", "flask", "worker", "--queues", "sms",
               *(["--simple"] if args.worker == "simple" else [])]
    workers = []
    for i in range(args.workers):
        with open(log_dir / f"worker{i}.log", "ab") as log:
            workers.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True))
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)  # warm shutdown: the job in hand finishes
    for worker in workers:
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def wait_for(fake: FakeVonage, refs: set[str], stall_seconds: float = 60) -> None:
    """Until the fake took every client-ref in `refs`, or nothing new came for a while."""
    seen, last_change = 0, time.monotonic()
    while True:
        got = len(refs & set(fake.sent_per_client_ref()))
        if got == len(refs):
            return
        if got != seen:
            seen, last_change = got, time.monotonic()
        elif time.monotonic() - last_change > stall_seconds:
            print(f"  stalled at {got}/{len(refs)}", flush=True)
            return
        time.sleep(0.2)


def throughput(args, app, fake: FakeVonage, rate: float, log_dir: Path, case_ids: list[int]) -> dict:
    now = clock.utcnow()
    refs = set()
    for start in range(0, len(case_ids), 500):
        cases = db.session.scalars(select(Case).where(Case.id.in_(case_ids[start:start + 500]))).all()
        for case in cases:
            message = outbox.queue_sms(case, case.taxpayer.phones[0], TEXT, now=now,
                                       idempotency_key=f"bench:{case.id}")
            refs.add(message.client_ref)
        db.session.commit()  # the jobs are enqueued now
    workers = start_workers(args, fake, rate, log_dir)
    wait_for(fake, refs)
    received = fake.sent_per_client_ref()
    times = sorted(r.at for r in fake.accepted())
    return {"workers": workers, "queued": len(refs), "received": len(refs & set(received)),
            "lost": len(refs - set(received)), "duplicated": sum(n - 1 for n in received.values() if n > 1),
            "per_second": (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0,
            "throttled": fake.throttled_count(), "max_in_a_second": fake.max_per_window(1.0)}


def latency(args, fake: FakeVonage, rate: float, operator_id: int, case_ids: list[int]) -> dict:
    from app.auth.models import User

    operator = db.session.get(User, operator_id)
    cases = db.session.scalars(select(Case).where(Case.id.in_(case_ids))).all()
    for case in cases:  # the first unanswered call of each streak, beforehand
        log_call(case, case.taxpayer.phones[0], "no_answer", "outbound", None, operator, clock.utcnow())
    db.session.commit()
    pace = 1 / (args.latency_pace or max(1.0, min(rate / 2, 100.0)))
    started = {}
    next_at = began = time.monotonic()
    for case in cases:
        time.sleep(max(0.0, next_at - time.monotonic()))
        next_at += pace
        started[case.id] = time.time()
        log_call(case, case.taxpayer.phones[0], "no_answer", "outbound", None, operator, clock.utcnow())
        db.session.commit()
    logged_per_second = len(cases) / (time.monotonic() - began)
    refs = dict(db.session.execute(select(SmsMessage.client_ref, SmsMessage.case_id)
                                   .where(SmsMessage.case_id.in_(case_ids))).all())
    wait_for(fake, set(refs))
    arrived = {r.client_ref: r.wall for r in fake.accepted() if r.client_ref in refs}
    waits = sorted(arrived[ref] - started[case_id] for ref, case_id in refs.items() if ref in arrived)
    p95 = waits[max(0, int(len(waits) * 0.95) - 1)] if waits else float("nan")
    return {"calls": len(cases), "sms": len(refs), "received": len(arrived),
            "calls_per_second": logged_per_second,
            "p50": statistics.median(waits) if waits else float("nan"), "p95": p95,
            "max": waits[-1] if waits else float("nan")}


def run(args, rate: float, log_dir: Path) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": DB_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                      "REDIS_URL": REDIS_URL, "SECRET_KEY": "bench-secret-key-0123456789abcdef-0123",
                      "SMS_RATE_PER_SECOND": rate})
    Redis.from_url(REDIS_URL).flushdb()
    with app.app_context(), FakeVonage(log_dir / "tls", api_key=KEY, api_secret=SECRET,
                                       rate_limit=rate) as fake:
        empty_tables()
        _, operator_id, ids = make_cases(args.messages + args.latency_calls, clock.utcnow(), 10_000_000)
        print(f"rate {rate:g}/s: {args.messages} messages, {args.workers} {args.worker} workers", flush=True)
        result = throughput(args, app, fake, rate, log_dir, ids[:args.messages])
        workers = result.pop("workers")
        try:
            print("  throughput: " + ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
                                              for k, v in result.items()), flush=True)
            lat = {}
            if args.latency_calls:
                lat = latency(args, fake, rate, operator_id, ids[args.messages:])
                print("  latency (s): " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                                   for k, v in lat.items()), flush=True)
        finally:
            stop_workers(workers)
        db.session.remove()
        db.engine.dispose()
    app.extensions["jobqueue"]["redis"].close()
    return {"rate": rate, "throughput": result, "latency": lat}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rates", default="30,500")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--latency-calls", type=int, default=300)
    parser.add_argument("--latency-pace", type=float, help="calls a second (default: half the rate, <= 100)")
    parser.add_argument("--worker", choices=("flask", "simple"), default="flask")
    parser.add_argument("--log-dir", help="keep the workers' logs here (default: a temporary directory)")
    args = parser.parse_args()
    reset_database()
    app = create_app({"SQLALCHEMY_DATABASE_URI": DB_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                      "REDIS_URL": None})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(args.log_dir or tmp)
        log_dir.mkdir(parents=True, exist_ok=True)
        runs = [run(args, rate, log_dir) for rate in (float(r) for r in args.rates.split(","))]
    emit("sms_dispatch", messages=args.messages, workers=args.workers, worker=args.worker, runs=runs)


if __name__ == "__main__":
    main()
