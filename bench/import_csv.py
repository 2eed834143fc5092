"""Benchmark of the case CSV import on PostgreSQL: a first import, then a re-import of the same file.

    .venv/bin/python bench/import_csv.py [--rows 100000] [--profile]

Generates a realistic file (most taxpayers 1-3 rows, i.e. charges; two departments; ~60 %
with a mobile, some with a second, fixed line; ~2 % bad rows of several kinds: bad amount,
bad date, unknown department, missing name, unparseable phone, the same charge twice, a
row with too few fields), in UTF-8 and in CP932. Database: BENCH_IMPORT_DATABASE_URL
(default postgresql://postgres@127.0.0.1:5432/bench_import), dropped, recreated and
migrated on each run. Each import goes through `app.cases.jobs.run_import`, the code path
of `flask cases import`. Prints rows/s (wall) and the process CPU of each pass, the errors
counted, and checks that the re-imports (UTF-8, then the CP932 file) changed nothing:
same row counts, no `updated_at` moved, no *_created / *_updated counts in the audit event.
With --profile, the first import runs under cProfile and the top functions are printed.
"""

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from app.audit.models import AuditEvent
from app.cases import importing, jobs
from app.cases.csv_rows import COLUMNS
from app.cases.models import Case, Charge, ImportJob, Phone, Taxpayer
from app.clock import utcnow
from app.demo.seed_demo import ensure_departments_and_users
from app.extensions import db

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench.* when run as a script
from bench.results import emit  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_import"

SURNAMES = [("山田", "ヤマダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"),
            ("田中", "タナカ"), ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("中村", "ナカムラ"),
            ("小林", "コバヤシ"), ("加藤", "カトウ")]
GIVEN = [("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("美咲", "ミサキ"), ("健太", "ケンタ"),
         ("陽子", "ヨウコ"), ("大輔", "ダイスケ"), ("恵", "メグミ")]
TOWNS = ["埼玉県三郷市早稲田", "埼玉県三郷市彦成", "埼玉県八潮市大瀬", "東京都葛飾区金町"]
TAX_TYPES = ["住民税", "固定資産税", "軽自動車税", "国民健康保険税"]
DEPARTMENTS = ["TAX", "TAX", "TAX", "WATER"]


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.75:
        return f"0{rng.choice('789')}0-{rng.randrange(1000, 10000)}-{rng.randrange(10000):04d}"
    return f"048-{rng.randrange(900, 1000)}-{rng.randrange(10000):04d}"


def _field(value: str) -> str:
    return f'"{value}"' if "," in value or "\n" in value else value


def _spoil(rng: random.Random, values: dict[str, str]) -> tuple[dict[str, str] | None, str]:
    """Make one kind of bad row; return (values, kind), values None for a short row."""
    kind = rng.choice(["amount", "date", "department", "name", "phone", "short"])
    if kind == "amount":
        values["amount_due"] = rng.choice(["12.5", "0", "abc", "-100"])
    elif kind == "date":
        values["due_date"] = rng.choice(["2025/05/31", "2025-02-30", "令和6年"])
    elif kind == "department":
        values["department"] = "NOPE"
    elif kind == "name":
        values["name"] = ""
    elif kind == "phone":
        values["phone"] = "12"
    else:
        return None, kind
    return values, kind


def generate(rows: int, seed: int = 1) -> tuple[str, dict[str, int]]:
    """The CSV text (header + `rows` data rows) and the bad rows put in, by kind."""
    rng = random.Random(seed)
    lines = [",".join(COLUMNS)]
    bad: dict[str, int] = {}
    n = 0
    while len(lines) - 1 < rows:
        n += 1
        surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
        people = {
            "taxpayer_ref": f"T{n:08d}", "name": f"{surname[0]} {given[0]}",
            "name_kana": f"{surname[1]} {given[1]}",
            "address": f"{rng.choice(TOWNS)}{rng.randrange(1, 9)}-{rng.randrange(1, 30)}-"
                       f"{rng.randrange(1, 20)}",
            "phone": _phone(rng) if rng.random() < 0.85 else "",
            "phone2": _phone(rng) if rng.random() < 0.15 else "",
            "consent": rng.choice(["yes", "no", "", "2024-04-01"]),
        }
        if rng.random() < 0.02:  # an address with a comma, and one over two physical lines
            people["address"] = rng.choice([people["address"] + ", 2F", people["address"] + "\n○○荘101"])
        department = rng.choice(DEPARTMENTS)
        charges = rng.choices([1, 2, 3, 4], weights=[55, 28, 12, 5])[0]
        kinds = rng.sample([(t, y) for t in TAX_TYPES for y in (2022, 2023, 2024)], charges)
        for tax_type, year in kinds:
            values = {**people, "case_ref": f"{department}-{n:08d}", "department": department,
                      "tax_type": tax_type, "fiscal_year": str(year),
                      "amount_due": f"{rng.randrange(1, 500) * 100:,}",
                      "due_date": f"{year + 1}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"}
            if rng.random() < 0.017:
                spoiled, kind = _spoil(rng, values)
                bad[kind] = bad.get(kind, 0) + 1
                if spoiled is None:
                    lines.append(f"{values['case_ref']},{values['taxpayer_ref']},{values['name']}")
                    continue
            lines.append(",".join(_field(values[c]) for c in COLUMNS))
            if rng.random() < 0.003:  # the same charge twice
                lines.append(lines[-1])
                bad["same charge twice"] = bad.get("same charge twice", 0) + 1
    return "\r\n".join(lines[: rows + 1]) + "\r\n", bad


def recreate_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def snapshot() -> tuple:
    counts = tuple(db.session.scalar(select(func.count()).select_from(m))
                   for m in (Taxpayer, Case, Charge, Phone))
    return counts, db.session.scalar(select(func.max(Case.updated_at)))


def run_once(label: str, content: bytes, profile: bool = False) -> dict:
    job = importing.create_import(None, f"{label}.csv", content, utcnow())
    db.session.commit()
    job_id = job.id
    profiler = cProfile.Profile() if profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    jobs.run_import(job_id)
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    db.session.expire_all()
    job = db.session.get(ImportJob, job_id)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cases.import")
                               .order_by(AuditEvent.id.desc())).first()
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return {"label": label, "status": job.status, "total": job.total, "imported": job.imported,
            "errors": len(job.errors), "wall": wall, "cpu": cpu,
            "changes": {k: v for k, v in event.details.items() if k.endswith(("_created", "_updated"))}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the first import")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_IMPORT_DATABASE_URL", DEFAULT_URL)
    text, bad = generate(args.rows)
    utf8, cp932 = text.encode("utf-8"), text.encode("cp932")
    print(f"{args.rows} rows, {len(utf8) / 1e6:.1f} MB UTF-8; bad rows put in: {sum(bad.values())} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(bad.items()))})", flush=True)
    recreate_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
                      "REDIS_URL": None})
    ok = True
    with app.app_context():
        upgrade()
        ensure_departments_and_users(utcnow())
        db.session.commit()
        results = [run_once("first (UTF-8)", utf8, args.profile)]
        before = snapshot()
        for label, content in (("re-import (UTF-8)", utf8), ("re-import (CP932)", cp932)):
            results.append(run_once(label, content))
            after = snapshot()
            if after != before or results[-1]["changes"]:
                print(f"FAIL: {label} changed something: {before} -> {after}, {results[-1]['changes']}",
                      file=sys.stderr)
                ok = False
        counts = dict(zip(("taxpayers", "cases", "charges", "phones"), before[0], strict=True))
    print(f"\nstored: {counts}")
    print(f"first import counts: {results[0]['changes']}")
    print(f"\n{'pass':20} {'status':7} {'rows':>8} {'imported':>9} {'errors':>7} {'wall s':>7} "
          f"{'rows/s':>8} {'cpu s':>7}")
    for r in results:
        print(f"{r['label']:20} {r['status']:7} {r['total']:8d} {r['imported']:9d} {r['errors']:7d} "
              f"{r['wall']:7.1f} {r['total'] / r['wall']:8.0f} {r['cpu']:7.1f}")
    emit("import_csv", rows=args.rows, stored=counts, unchanged_on_reimport=ok,
         passes=[{k: r[k] for k in ("label", "status", "total", "imported", "errors", "wall", "cpu")}
                 for r in results])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
