"""Benchmark of the rule editor's dry run (app.escalation.rules.dry_run) on a million cases.

    .venv/bin/python bench/escalation_dry_run.py [--cases 1000000] [--called 0.3] [--repeat 5]

Database: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench_escalation);
migrated, seeded with `seed_bulk` when it holds fewer cases than asked, then a share of the
cases (`--called`) is given 1-5 calls over the last 20 days (COPY; outcomes mostly
unanswered, some answered) once. Each rule variant is counted `--repeat` times; the
median and the plan's top node are printed. The count is one SQL aggregate: no case row
is loaded into Python, whatever the number of cases.
"""

import argparse
import os
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import psycopg
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from app import create_app
from app.calls.models import CallAttempt
from app.cases.models import Case, Phone
from app.clock import utcnow
from app.demo.seed_bulk import ensure_departments_and_users, seed_bulk
from app.escalation.editing import RuleSettings
from app.escalation.models import Action, PhoneScope, Trigger
from app.escalation.rules import dry_run
from app.escalation.streaks import streak_query
from app.extensions import db

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench.* when run as a script
from bench.results import emit  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_escalation"
OUTCOMES = ["no_answer"] * 6 + ["busy"] * 2 + ["voicemail", "answered", "third_party"]
BASE = RuleSettings(name="bench", trigger=Trigger.UNANSWERED_CALLS, count=2, window_days=14,
                    phone_scope=PhoneScope.MOBILE, action=Action.SEND_SMS, template_id=None)
VARIANTS = {
    "N=2 D=14 mobile, send_sms": BASE,
    "N=3 D=14 mobile, send_sms": replace(BASE, count=3),
    "N=2 D=30 any phone, raise_priority": replace(BASE, window_days=30, phone_scope=PhoneScope.ANY,
                                                  action=Action.RAISE_PRIORITY),
}


def ensure_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(app, cases: int, called: float) -> None:
    with app.app_context():
        upgrade()
        now = utcnow()
        have = db.session.scalar(select(func.count()).select_from(Case))
        if have < cases:
            print(f"seeding {cases - have} cases (COPY)...", flush=True)
            seed_bulk(cases - have, now)
        if db.session.scalar(select(func.count()).select_from(CallAttempt)):
            return
        print("adding call histories (COPY)...", flush=True)
        rng = random.Random(7)
        first_phone = (select(Phone.taxpayer_id, func.min(Phone.id).label("phone_id"))
                       .group_by(Phone.taxpayer_id).subquery())
        rows = db.session.execute(select(Case.id, first_phone.c.phone_id).join(
            first_phone, first_phone.c.taxpayer_id == Case.taxpayer_id)).all()
        raw = db.engine.raw_connection()
        try:
            with raw.driver_connection.cursor() as cur, cur.copy(
                "COPY call_attempts (case_id, phone_id, direction, outcome, notes, at, over_cap) FROM STDIN"
            ) as copy:
                for case_id, phone_id in rows:
                    if rng.random() >= called:
                        continue
                    for _ in range(rng.randint(1, 5)):
                        at = now - timedelta(minutes=rng.randint(1, 20 * 24 * 60))
                        copy.write_row((case_id, phone_id, "outbound", rng.choice(OUTCOMES), "", at, False))
            raw.driver_connection.commit()
        finally:
            raw.close()
        db.session.execute(text("ANALYZE call_attempts"))
        db.session.commit()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--called", type=float, default=0.3, help="share of cases with calls")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
                      "REDIS_URL": None})
    prepare(app, args.cases, args.called)
    with app.app_context():
        dept = ensure_departments_and_users(utcnow())["TAX"]
        calls = db.session.scalar(select(func.count()).select_from(CallAttempt))
        in_dept = db.session.scalar(
            select(func.count()).select_from(Case).where(Case.department_id == dept.id))
        print(f"department {dept.code}: {in_dept} cases; {calls} call attempts in all", flush=True)
        print("| rule | matches | median ms | max ms |\n|---|---:|---:|---:|")
        rows = []
        for name, settings in VARIANTS.items():
            now, timings, count = utcnow(), [], None
            for _ in range(args.repeat):
                started = time.perf_counter()
                count = dry_run(dept, settings, now)
                timings.append((time.perf_counter() - started) * 1000)
            print(f"| {name} | {count} | {statistics.median(timings):.0f} | {max(timings):.0f} |", flush=True)
            rows.append({"rule": name, "matches": count, "ms": statistics.median(timings),
                         "max_ms": max(timings)})
        stmt = streak_query(BASE, utcnow(), department_id=dept.id)
        compiled = stmt.compile(db.engine, compile_kwargs={"render_postcompile": True})
        plan = [row[0] for row in db.session.connection().exec_driver_sql(
            "EXPLAIN " + str(compiled), compiled.params)]
        print("plan (N=2 D=14 mobile):\n  " + "\n  ".join(plan[:12]))
    emit("escalation_dry_run", cases=in_dept, calls=calls, repeat=args.repeat, rows=rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
