"""Benchmark of the claim queue on PostgreSQL: N concurrent claimers against a million cases.

    .venv/bin/python bench/claim.py [--cases 1000000] [--claimers 32] [--seconds 20] [--worked 20000]

Database: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench); it is
created if missing, migrated, and seeded with `seed_bulk` when it holds fewer cases than
asked. The claimers are operators of the demo TAX department (round-the-clock hours, no rest
days, so the bench runs any day). Two scenarios: a fresh queue (no case worked yet), and "after a day's
work" (the `--worked` best cases of the department already worked: next action two hours
ahead, at the head of the queue order). Two variants run one after the other in each:

- app: `claim_next()` through the app (ORM session per thread, audit row, commit), then
  the case's next action is set an hour ahead, as a logged call would, so the claimers
  move down the queue;
- raw: the same statement as the app's (two streams, each SELECT ... LIMIT 1 FOR UPDATE
  SKIP LOCKED, the better of the two claimed) written by hand on a psycopg connection per
  thread: the floor the database allows.

Claims and next-action times are reset before each variant. Every claim is recorded and
the run fails if any case was handed out twice (a case leaves the queue for an hour once
worked, so within a run each case id must appear once).
"""

import argparse
import os
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import psycopg
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from app import create_app
from app.auth.calendar import local_day_start
from app.auth.models import Department, User
from app.auth.services import create_user
from app.calls.claims import claim_next
from app.cases.models import Case
from app.clock import local_zone, utcnow
from app.demo.seed_bulk import seed_bulk
from app.demo.seed_demo import ensure_departments_and_users
from app.extensions import db

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench.* when run as a script
from bench.results import emit  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench"
CLAIM_MINUTES = 15

RAW_STREAM = """
    SELECT * FROM (SELECT c.id, c.promise_broken, c.priority FROM cases c
    WHERE c.department_id = %(dept)s AND c.status = 'open' AND {stream}
      AND (c.claimed_until IS NULL OR c.claimed_until < %(now)s OR c.claimed_by_id = %(user)s)
      AND (SELECT count(*) FROM call_attempts a WHERE a.case_id = c.id
           AND a.direction = 'outbound' AND a.at >= %(midnight)s) < %(per_day)s
      AND (SELECT count(*) FROM call_attempts a WHERE a.case_id = c.id
           AND a.direction = 'outbound' AND a.at >= %(week_ago)s) < %(per_week)s
      AND EXISTS (SELECT 1 FROM phones p WHERE p.taxpayer_id = c.taxpayer_id AND p.usable
                  AND NOT EXISTS (SELECT 1 FROM phone_consents pc WHERE pc.phone_id = p.id AND pc.opted_out
                                  AND (pc.department_id = c.department_id OR pc.department_id IS NULL)))
    ORDER BY c.promise_broken DESC, c.priority DESC, c.id
    LIMIT 1 FOR UPDATE SKIP LOCKED) s
"""
RAW_CLAIM = f"""
UPDATE cases SET claimed_by_id = %(user)s, claimed_until = %(until)s, updated_at = %(now)s,
       next_action_at = %(next)s
WHERE id = (
    SELECT id FROM ({RAW_STREAM.format(stream="c.next_action_at IS NULL")}
                    UNION ALL
                    {RAW_STREAM.format(stream="c.next_action_at IS NOT NULL AND c.next_action_at <= %(now)s")}
                   ) candidates
    ORDER BY promise_broken DESC, priority DESC, id LIMIT 1)
RETURNING id
"""
RAW_RELEASE = "UPDATE cases SET claimed_by_id = NULL, claimed_until = NULL WHERE claimed_by_id = %s"


def ensure_database(url: str) -> None:
    """Create the database of `url` if it does not exist (never drops one)."""
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(app, cases: int, claimers: int) -> tuple[int, list[int]]:
    """Migrate, seed up to `cases`, and make the claimers; return (department id, user ids)."""
    with app.app_context():
        upgrade()
        have = db.session.scalar(select(func.count()).select_from(Case))
        if have < cases:
            print(f"seeding {cases - have} cases (COPY)...", flush=True)
            started = time.perf_counter()
            seed_bulk(cases - have, utcnow())
            print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)
        dept = ensure_departments_and_users(utcnow())["TAX"]
        ids = []
        for n in range(1, claimers + 1):
            login = f"bench{n:02d}"
            user = db.session.scalar(select(User).where(User.login == login))
            ids.append((user or create_user(login, "operator", "bench-password", dept, utcnow())).id)
        db.session.commit()
        return dept.id, ids


def reset(app, url: str, user_ids: list[int], dept_id: int, worked: int = 0) -> None:
    """Put the queue back: no claims, no next-action times, no audit rows of the bench users;
    then, with `worked`, that many of the department's best cases worked (next action in 2 h)."""
    with app.app_context():
        db.session.execute(text(
            "UPDATE cases SET claimed_by_id = NULL, claimed_until = NULL, next_action_at = NULL "
            "WHERE claimed_by_id IS NOT NULL OR next_action_at IS NOT NULL"
        ))
        db.session.execute(text(
            "DELETE FROM audit_events WHERE action = 'case.claim' AND actor_id = ANY(:ids)"
        ), {"ids": user_ids})
        if worked:
            db.session.execute(text(
                "UPDATE cases SET next_action_at = now() + interval '2 hours' WHERE id IN ("
                " SELECT id FROM cases WHERE department_id = :dept AND status = 'open'"
                " ORDER BY promise_broken DESC, priority DESC, id LIMIT :worked)"
            ), {"dept": dept_id, "worked": worked})
        db.session.commit()
    # Dead row versions left by the previous variant would slow the next one's index walk.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE cases")


def run_threads(worker, user_ids: list[int], seconds: float):
    """Start one thread per user at once; return [(case_id, latency_s)] and errors."""
    records: list[tuple[int, float]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(user_ids) + 1)

    def body(user_id):
        try:
            mine = worker(user_id, barrier, seconds)
        except BaseException as exc:  # reported below
            errors.append(exc)
            return
        with lock:
            records.extend(mine)

    threads = [threading.Thread(target=body, args=(uid,)) for uid in user_ids]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return records, errors, time.perf_counter() - started


def app_worker(app):
    def work(user_id, barrier, seconds):
        got = []
        with app.app_context():
            user = db.session.get(User, user_id)
            assert user.department is not None  # loaded once, like a logged-in operator
            barrier.wait()
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                now = utcnow()
                case = claim_next(user, now, CLAIM_MINUTES)
                if case is not None:
                    case.next_action_at = now + timedelta(hours=1)
                db.session.commit()
                if case is None:
                    break
                got.append((case.id, time.perf_counter() - t0))
            db.session.remove()
        return got

    return work


def raw_worker(url: str, dept: Department, zone):
    def work(user_id, barrier, seconds):
        got = []
        with psycopg.connect(url) as conn:
            barrier.wait()
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                now = utcnow()
                conn.execute(RAW_RELEASE, (user_id,))
                row = conn.execute(RAW_CLAIM, {
                    "user": user_id, "dept": dept.id, "now": now,
                    "until": now + timedelta(minutes=CLAIM_MINUTES), "next": now + timedelta(hours=1),
                    "midnight": local_day_start(now, zone), "week_ago": now - timedelta(days=7),
                    "per_day": dept.max_calls_per_day, "per_week": dept.max_calls_per_week,
                }).fetchone()
                conn.commit()
                if row is None:
                    break
                got.append((row[0], time.perf_counter() - t0))
        return got

    return work


def summarise(name: str, records, errors, elapsed: float) -> dict:
    if errors:
        raise SystemExit(f"{name}: {len(errors)} claimer(s) failed: {errors[0]!r}")
    ids = [case_id for case_id, _ in records]
    duplicates = len(ids) - len(set(ids))
    latencies = sorted(lat * 1000 for _, lat in records) or [0.0]
    return {
        "name": name, "claims": len(ids), "per_second": len(ids) / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "duplicates": duplicates,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--claimers", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--worked", type=int, default=20_000,
                        help="cases already worked in the \"after a day's work\" scenario")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
        "REDIS_URL": None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.claimers + 2, "max_overflow": 4},
    })
    dept_id, user_ids = prepare(app, args.cases, args.claimers)
    with app.app_context():
        dept = db.session.get(Department, dept_id)
        db.session.expunge(dept)
        zone = local_zone()
        queue_size = db.session.scalar(
            select(func.count()).select_from(Case).where(Case.department_id == dept_id)
        )
    print(f"{args.claimers} claimers, {args.seconds:g} s each variant, "
          f"{queue_size} cases in department {dept.code}", flush=True)
    rows = []
    for scenario, worked in (("fresh queue", 0), (f"after {args.worked} worked", args.worked)):
        for name, worker in (("app claim_next()", app_worker(app)),
                             ("raw SQL SKIP LOCKED", raw_worker(url, dept, zone))):
            reset(app, url, user_ids, dept_id, worked)
            rows.append({"scenario": scenario,
                         **summarise(name, *run_threads(worker, user_ids, args.seconds))})
    reset(app, url, user_ids, dept_id)
    print(f"\n{'scenario':20} {'variant':22} {'claims':>8} {'claims/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'duplicates':>10}")
    for r in rows:
        print(f"{r['scenario']:20} {r['name']:22} {r['claims']:8d} {r['per_second']:9.1f} "
              f"{r['p50']:8.2f} {r['p99']:8.2f} {r['duplicates']:10d}")
    emit("claim", cases=queue_size, claimers=args.claimers, seconds=args.seconds, worked=args.worked,
         rows=rows)
    if any(r["duplicates"] for r in rows):
        print("FAIL: a case was claimed twice", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
