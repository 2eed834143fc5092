"""The revenue report at scale: the JSON summary and the PDF, next to the bare SQL they run.

Usage: .venv/bin/python bench/reports.py [--repeat 3] [--call-index] [--reload]
Database: BENCH_REPORTS_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench_reports),
created, migrated and loaded on the first run (bench/reports_data.py: 1,000,000 cases,
3,000,000 call attempts, 300,000 SMS, 300,000 promises, 400,000 payments over 2026).

For each scope (a month / the whole year; one department / all) it prints the median of:
- sql: the statements summary() sends (recorded from SQLAlchemy, its SET LOCAL work_mem
  included), replayed on a bare psycopg connection in one transaction: the aggregation floor;
- json: GET /api/v1/reports/summary through the app (token auth, ORM, JSON);
- pdf: GET /reports/summary.pdf (the same summary, charts, WeasyPrint).
--call-index creates `call_attempts (at)` by hand first (not in the migrations; see README).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import reports_data  # noqa: E402
from bench.results import emit  # noqa: E402

URL = os.environ.get("BENCH_REPORTS_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_reports")
SCOPES = [  # label, from, to, department code
    ("November, TAX", "2026-11-01", "2026-11-30", "TAX"),
    ("November, all", "2026-11-01", "2026-11-30", ""),
    ("2026, TAX", "2026-01-01", "2026-12-31", "TAX"),
    ("2026, all", "2026-01-01", "2026-12-31", ""),
]


def ensure_database(reload: bool) -> None:
    base, name = URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if reload:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def median_seconds(run, repeat: int) -> float:
    run()  # warm-up: caches, connections, imports
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--call-index", action="store_true")
    parser.add_argument("--reload", action="store_true", help="drop the database and load it again")
    args = parser.parse_args()
    ensure_database(args.reload)
    os.environ.pop("REDIS_URL", None)
    from flask_migrate import upgrade

    from app import create_app
    from app.auth.models import User
    from app.auth.services import create_token
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": URL.replace("postgresql://", "postgresql+psycopg://", 1),
                      "REDIS_URL": None, "MUNICIPALITY_NAME": "美里市"})
    with app.app_context():
        upgrade()
        db.session.remove()
    with psycopg.connect(URL, autocommit=True) as conn:
        if not reports_data.loaded(conn):
            started = time.perf_counter()
            print("loading (one-off) ...")
            reports_data.load(conn)
            print(f"loaded in {time.perf_counter() - started:.0f} s")
        index = "CREATE INDEX IF NOT EXISTS bench_call_attempts_at ON call_attempts (at)"
        conn.execute(index if args.call_index else "DROP INDEX IF EXISTS bench_call_attempts_at")
        conn.execute("ANALYZE call_attempts")
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("cases", "call_attempts", "sms_messages", "promises", "payments")}
    print(", ".join(f"{n:,} {t}" for t, n in counts.items()))
    print(f"call_attempts (at) index: {'created by hand' if args.call_index else 'none (as migrated)'}; "
          f"median of {args.repeat} after a warm-up\n")

    with app.app_context():
        manager = db.session.scalar(db.select(User).where(User.login == "bench-manager"))
        headers = {"Authorization": f"Bearer {create_token(manager, _now())}"}
        db.session.commit()
        client = app.test_client()
        print("| scope | statements | sql s | json s | pdf s | pdf pages |")
        print("|---|---|---|---|---|---|")
        rows = []
        for label, start, end, dept in SCOPES:
            query = {"from": start, "to": end, **({"department": dept} if dept else {})}
            statements = _record_statements(client, headers, query)
            with psycopg.connect(URL) as raw:
                sql_s = median_seconds(lambda raw=raw, st=statements: _replay(raw, st), args.repeat)
            json_s = median_seconds(lambda q=query: _get(client, "/api/v1/reports/summary", q, headers),
                                    args.repeat)
            pdf = _get(client, "/reports/summary.pdf", query, headers)
            pdf_s = median_seconds(lambda q=query: _get(client, "/reports/summary.pdf", q, headers),
                                   args.repeat)
            print(f"| {label} | {len(statements)} | {sql_s:.2f} | {json_s:.2f} | {pdf_s:.2f} "
                  f"| {_pages(pdf)} |")
            rows.append({"scope": label, "statements": len(statements), "sql_s": sql_s, "json_s": json_s,
                         "pdf_s": pdf_s})
    emit("reports", counts=counts, call_index=args.call_index, repeat=args.repeat, rows=rows)


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _replay(conn, statements) -> None:
    for statement, parameters in statements:
        cursor = conn.execute(statement, parameters)
        if cursor.description is not None:
            cursor.fetchall()
    conn.rollback()


def _get(client, url, query, headers) -> bytes:
    response = client.get(url, query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data()


def _record_statements(client, headers, query) -> list[tuple[str, dict]]:
    """The SQL (with its parameters) that one JSON summary sends, minus auth and audit."""
    from app.extensions import db

    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        _get(client, "/api/v1/reports/summary", query, headers)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    touched = ("SET LOCAL", "call_attempts", "sms_messages", "promises", "payments", "paid_in_full_at")
    return [(s, p) for s, p in seen if any(t in s for t in touched)]


def _pages(pdf: bytes) -> int:
    from io import BytesIO

    from pypdf import PdfReader

    return len(PdfReader(BytesIO(pdf)).pages)


if __name__ == "__main__":
    main()
