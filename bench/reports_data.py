"""The reports benchmark's data: a year of a large municipality, made by SQL in PostgreSQL.

1,000,000 cases (3/4 TAX, 1/4 WATER), 3,000,000 call attempts, 300,000 SMS, 300,000 promises
and 400,000 payments, spread over 2026, all with `INSERT ... SELECT generate_series` (no ORM,
no rows through Python). Deterministic (setseed). Used by bench/reports.py. BENCH_REPORTS_SCALE
scales every count (bench/run_all --quick uses a small one on its own database).
"""

import os

import psycopg

# BENCH_REPORTS_SCALE (default 1) shrinks every count, for bench/run_all --quick.
_SCALE = float(os.environ.get("BENCH_REPORTS_SCALE", "1"))
CASES, CALLS, SMS, PROMISES, PAYMENTS = (round(n * _SCALE) for n in (1_000_000, 3_000_000, 300_000,
                                                                      300_000, 400_000))
TAX_OPERATORS, WATER_OPERATORS = 30, 10
YEAR = "'2026-01-01 00:00+09'::timestamptz"

# A case's department follows from its id (every 4th is WATER), and so does the operator
# who calls it; `{case}` is an SQL expression for the case id.
_DEPT = "(CASE WHEN ({case}) % 4 = 0 THEN 2 ELSE 1 END)"
_OPERATOR = (f"(CASE WHEN ({{case}}) % 4 = 0 THEN {TAX_OPERATORS + 1} + g % {WATER_OPERATORS} "
             f"ELSE 1 + g % {TAX_OPERATORS} END)")


def _in_order(count: int, days: int = 365) -> str:
    """The g-th of `count` rows spread evenly over the year, in the order they are inserted (as in
    production, where rows arrive as time passes), with a few minutes of jitter."""
    return f"{YEAR} + (g - 1) * (interval '{days} days' / {count}) + random() * interval '10 minutes'"


def _rand_case() -> str:
    return f"1 + floor(random() * {CASES})::int"


STATEMENTS = [
    "SELECT setseed(0.42)",
    """INSERT INTO departments (id, code, name, sender_id, callback_phone, calling_start, calling_end,
         sms_start, sms_end, rest_days, max_calls_per_day, max_calls_per_week, created_at)
       VALUES (1, 'TAX', '税務課 収納係', 'MisatoTax', '048-555-0101', '09:00', '20:00', '09:00', '20:00',
               'sun,holidays', 3, 7, now()),
              (2, 'WATER', '上下水道課', 'MisatoWater', '048-555-0102', '09:00', '20:00', '09:00', '20:00',
               'sun,holidays', 3, 7, now())""",
    f"""INSERT INTO users (id, login, display_name, password_hash, role, department_id, active,
         failed_logins, created_at)
       SELECT g, 'op' || g, 'オペレーター ' || g, '!', 'operator',
              CASE WHEN g > {TAX_OPERATORS} THEN 2 ELSE 1 END, true, 0, now()
       FROM generate_series(1, {TAX_OPERATORS + WATER_OPERATORS}) g""",
    f"""INSERT INTO users (id, login, display_name, password_hash, role, department_id, active,
         failed_logins, created_at)
       VALUES ({TAX_OPERATORS + WATER_OPERATORS + 1}, 'bench-manager', 'Manager', '!', 'manager', NULL,
               true, 0, now())""",
    """INSERT INTO escalation_rules (id, department_id, name, trigger, count, window_days, phone_scope,
         action, language, priority_boost, delay_minutes, active, created_at, updated_at)
       SELECT id, dept, name, trig, 2, 14, 'mobile', 'send_sms', 'ja', 0, 0, true, now(), now()
       FROM (VALUES (1, 1, 'unanswered', 'unanswered_calls'), (2, 2, 'unanswered', 'unanswered_calls'),
                    (3, 1, 'due', 'promise_due')) AS r (id, dept, name, trig)""",
    f"""INSERT INTO taxpayers (id, taxpayer_ref, name, name_kana, address, search_key, created_at)
       SELECT g, 'T' || g, '納税者 ' || g, 'ノウゼイシャ', '', '', now()
       FROM generate_series(1, {CASES}) g""",
    f"""INSERT INTO cases (id, case_ref, taxpayer_id, department_id, status, balance, oldest_due_date,
         priority, promise_broken, created_at, updated_at, paid_in_full_at)
       SELECT g, 'C' || g, g, {_DEPT.format(case='g')},
              CASE WHEN g % 10 = 3 THEN 'closed' ELSE 'open' END, 10000 + g % 90000, DATE '2025-05-31',
              g % 1000, false, now(), now(),
              CASE WHEN g % 10 = 3 THEN {YEAR} + random() * interval '365 days' END
       FROM generate_series(1, {CASES}) g""",
    f"""INSERT INTO call_attempts (id, case_id, user_id, direction, outcome, notes, at, over_cap)
       SELECT g, c, {_OPERATOR.format(case='c')},
              CASE WHEN r < 0.03 THEN 'inbound' ELSE 'outbound' END,
              CASE WHEN r < 0.03 OR r >= 0.70 THEN 'answered' WHEN r < 0.08 THEN 'third_party'
                   WHEN r < 0.50 THEN 'no_answer' WHEN r < 0.58 THEN 'busy' WHEN r < 0.67 THEN 'voicemail'
                   ELSE 'wrong_number' END,
              '', {_in_order(CALLS)}, false
       FROM (SELECT g, {_rand_case()} AS c, random() AS r FROM generate_series(1, {CALLS}) g) s""",
    f"""INSERT INTO sms_messages (id, department_id, case_id, rule_id, idempotency_key, client_ref, to_e164,
         sender, text, language, encoding, segments, cost, status, reason, provider, attempts, created_at,
         updated_at, sent_at, delivered_at)
       SELECT g, {_DEPT.format(case='c')}, c,
              CASE WHEN r2 < 0.1 AND c % 4 <> 0 THEN 3 WHEN c % 4 = 0 THEN 2 ELSE 1 END,
              'bench:' || g, 'b' || g, '+819012345678', 'MisatoTax',
              '【税務課】お支払いが確認できておりません。', 'ja', 'ucs2',
              1 + (g % 5 = 0)::int, 10.0 * (1 + (g % 5 = 0)::int), st,
              CASE WHEN st = 'suppressed'
                   THEN (ARRAY['paid', 'opted_out', 'no_consent', 'case_closed'])[1 + g % 4] END,
              'sandbox', 1, t, t,
              CASE WHEN st IN ('sent', 'delivered', 'failed', 'unknown') THEN t + interval '1 second' END,
              CASE WHEN st = 'delivered' THEN t + interval '20 seconds' END
       FROM (SELECT g, {_rand_case()} AS c, random() AS r2, {_in_order(SMS)} AS t,
                    CASE WHEN random() < 0.75 THEN 'delivered' WHEN random() < 0.3 THEN 'suppressed'
                         WHEN random() < 0.5 THEN 'failed' WHEN random() < 0.5 THEN 'sent'
                         ELSE 'unknown' END AS st
             FROM generate_series(1, {SMS}) g) s""",
    f"""INSERT INTO promises (id, case_id, created_by_id, total_amount, first_due_date, last_due_date,
         status, collected, notes, created_at, judged_at)
       SELECT g, c, {_OPERATOR.format(case='c')}, amount, (t + interval '10 days')::date,
              (t + interval '10 days')::date, st,
              CASE WHEN st = 'kept' THEN amount WHEN st = 'partially_kept' THEN amount / 2 ELSE 0 END,
              '', t, CASE WHEN st IN ('kept', 'partially_kept', 'broken') THEN t + interval '14 days' END
       FROM (SELECT g, {_rand_case()} AS c, 1000 * (5 + floor(random() * 95))::int AS amount,
                    {_in_order(PROMISES, 350)} AS t,
                    (ARRAY['kept', 'kept', 'kept', 'kept', 'broken', 'broken', 'broken', 'partially_kept',
                           'pending', 'cancelled'])[1 + floor(random() * 10)::int] AS st
             FROM generate_series(1, {PROMISES}) g) s""",
    f"""INSERT INTO payments (id, payment_ref, case_id, amount, paid_on, source, created_at)
       SELECT g, 'P' || g, {_rand_case()}, 1000 * (1 + floor(random() * 50))::int,
              DATE '2026-01-01' + ((g - 1) * 365 / {PAYMENTS})::int, 'csv', now()
       FROM generate_series(1, {PAYMENTS}) g""",
]
SEQUENCES = ["departments", "users", "escalation_rules", "taxpayers", "cases", "call_attempts",
             "sms_messages", "promises", "payments"]


def loaded(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT count(*) FROM call_attempts").fetchone()[0] >= CALLS


def load(conn: psycopg.Connection, say=print) -> None:
    """Fill an empty, migrated database; one transaction, then ANALYZE."""
    with conn.transaction():
        for statement in STATEMENTS:
            first_line = " ".join(statement.split())[:60]
            say(f"  {first_line} ...")
            conn.execute(statement)
        for table in SEQUENCES:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT max(id) FROM {table}))")
    conn.execute("ANALYZE")
