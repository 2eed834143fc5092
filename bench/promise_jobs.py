"""The promise jobs over 300,000 pending promises: the hourly judge and the 15-minute reminder.

    .venv/bin/python bench/promise_jobs.py [--promises 300000]

Uses BENCH_PROMISES_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench_promises,
made and migrated if missing; its data is replaced on every run) and BENCH_REDIS_URL (default
redis://127.0.0.1:6379/10; the reminder SMS jobs are enqueued there and the db is flushed at the
end). One case per promise, 1 to 3 monthly instalments, first dates spread evenly from 4 days ago
to 90 days ahead (a typical day: 1/95 of them reach their deadline, 1/95 fall due tomorrow);
every second promise has its first instalment paid. "Now" is Monday 16 Nov 2026
10:30 JST. Prints the seconds of each job run: the first (real work), then a second run the same
hour (nothing left to do: the idempotent path every later run takes).
"""

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from redis import Redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

URL = os.environ.get("BENCH_PROMISES_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_promises")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
NOW = datetime(2026, 11, 16, 1, 30, tzinfo=UTC)  # Monday 10:30 in Tokyo
TODAY = "DATE '2026-11-16'"


def seed_sql(n: int) -> list[str]:
    from app.escalation.defaults import PROMISE_BODY_JA

    body = PROMISE_BODY_JA.replace("'", "''")
    # A typical day: first dates from 4 days ago (deadline + 3 grace days was yesterday: judged
    # today) to 90 days ahead, the same number on each day.
    first_due = f"{TODAY} + (g % 95) - 4"
    return [
        "SELECT setseed(0.7)",
        """INSERT INTO departments (id, code, name, sender_id, callback_phone, calling_start, calling_end,
             sms_start, sms_end, rest_days, max_calls_per_day, max_calls_per_week, created_at)
           VALUES (1, 'TAX', '税務課', 'MisatoTax', '048-555-0101', '09:00', '20:00', '09:00', '20:00',
                   'sun,holidays', 3, 7, now())""",
        f"""INSERT INTO sms_templates (id, department_id, name, body_ja, body_en, active, created_at,
             updated_at)
           VALUES (1, 1, 'promise-reminder', '{body}', '', true, now(), now())""",
        """INSERT INTO escalation_rules (id, department_id, name, trigger, count, window_days, phone_scope,
             action, template_id, language, priority_boost, delay_minutes, active, created_at, updated_at)
           VALUES (1, 1, 'due', 'promise_due', 1, 1, 'mobile', 'send_sms', 1, 'ja', 0, 0, true, now(), now()),
                  (2, 1, 'broken', 'promise_broken', 1, 1, 'any', 'raise_priority', NULL, 'ja', 1000, 0,
                   true, now(), now())""",
        f"""INSERT INTO taxpayers (id, taxpayer_ref, name, name_kana, address, search_key, created_at)
           SELECT g, 'T' || g, '納税者 ' || g, '', '', '', now() FROM generate_series(1, {n}) g""",
        f"""INSERT INTO phones (id, taxpayer_id, e164, kind, position, usable)
           SELECT g, g, '+8190' || lpad(g::text, 8, '0'), 'mobile', 1, true
           FROM generate_series(1, {n}) g""",
        f"""INSERT INTO phone_consents (phone_id, department_id, consent, consent_source, opted_out)
           SELECT g, 1, true, 'import', false FROM generate_series(1, {n}) g""",
        f"""INSERT INTO cases (id, case_ref, taxpayer_id, department_id, status, balance, oldest_due_date,
             priority, promise_broken, next_action_at, created_at, updated_at)
           SELECT g, 'C' || g, g, 1, 'open', 300000, DATE '2025-05-31', 0, false,
                  ({first_due} + 90)::timestamp AT TIME ZONE 'Asia/Tokyo', now(), now()
           FROM generate_series(1, {n}) g""",
        f"""INSERT INTO promises (id, case_id, created_by_id, total_amount, first_due_date, last_due_date,
             status, collected, notes, created_at)
           SELECT g, g, NULL, 10000 * (1 + g % 3), {first_due}, {first_due} + 30 * (g % 3), 'pending', 0, '',
                  least(({first_due} - 10)::timestamp AT TIME ZONE 'Asia/Tokyo',
                        TIMESTAMPTZ '2026-11-16 00:00+09')
           FROM generate_series(1, {n}) g""",
        f"""INSERT INTO promise_instalments (promise_id, seq, amount, due_date, status)
           SELECT g, s, 10000, {first_due} + 30 * (s - 1), 'pending'
           FROM generate_series(1, {n}) g, generate_series(1, 3) s WHERE s <= 1 + g % 3""",
        f"""INSERT INTO payments (payment_ref, case_id, amount, paid_on, source, created_at)
           SELECT 'P' || g, g, 10000, least({first_due} - 1, {TODAY}), 'csv', now()
           FROM generate_series(2, {n}, 2) g""",
    ]


def prepare(app, n: int) -> None:
    from flask_migrate import upgrade

    from app.extensions import db

    base, name = URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    upgrade()
    tables = ", ".join(t.name for t in db.metadata.sorted_tables)
    db.session.remove()
    with psycopg.connect(URL) as conn:
        conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        started = time.perf_counter()
        for statement in seed_sql(n):
            conn.execute(statement)
        for table in ("promise_instalments", "payments", "escalation_rules", "sms_templates"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT max(id) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        print(f"seeded {n:,} promises in {time.perf_counter() - started:.1f} s")


def timed(label: str, job, rows: list) -> None:
    started = time.perf_counter()
    result = job()
    seconds = time.perf_counter() - started
    print(f"{label:<36} {seconds:7.2f} s   {result}")
    rows.append({"run": label, "seconds": seconds, "result": result})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--promises", type=int, default=300_000)
    args = parser.parse_args()

    from app import create_app
    from app.promises.judge import judge_promises
    from app.promises.reminders import remind_due_promises

    app = create_app({"SQLALCHEMY_DATABASE_URI": URL.replace("postgresql://", "postgresql+psycopg://", 1),
                      "REDIS_URL": REDIS_URL})
    from bench.results import emit

    rows = []
    with app.app_context():
        prepare(app, args.promises)
        timed("judge: first run", lambda: judge_promises(NOW), rows)
        timed("judge: again the same hour", lambda: judge_promises(NOW), rows)
        timed("remind at 10:30: first run", lambda: remind_due_promises(NOW), rows)
        timed("remind again 15 minutes later", lambda: remind_due_promises(NOW.replace(minute=45)), rows)
    Redis.from_url(REDIS_URL).flushdb()
    emit("promise_jobs", promises=args.promises, rows=rows)


if __name__ == "__main__":
    main()
