"""Benchmark of the case CSV import on PostgreSQL: first import, re-imports, a daily delta, a full snapshot.

    .venv/bin/python bench/import_csv.py [--rows 100000] [--profile] [--limit 1500]

Generates a realistic file (most taxpayers 1-3 rows, i.e. charges; two departments; ~60 %
with a mobile, some with a second, fixed line; ~2 % bad rows of several kinds: bad amount,
bad date, unknown department, missing name, unparseable phone, the same charge twice, a
row with too few fields), in UTF-8 and in CP932. Database: BENCH_IMPORT_DATABASE_URL
(default postgresql://postgres@127.0.0.1:5432/bench_import), dropped, recreated and
migrated on each run. Each import goes through `app.cases.jobs.run_import`, the code path
of `flask cases import`. The passes: the first import (extract of day 0), the re-import of
the same extract (UTF-8, then CP932), a daily delta of day 1 (2 % of the charges changed,
0.5 % new cases), a full snapshot of day 2 that no longer lists 5 % of the charges. Prints
rows/s (wall) and the process CPU of each pass, next to two floors measured in the same run
on the same file: a bare COPY of its good rows into a table of text columns, and
phonenumbers.parse + number_type of its first phones on one core. Checks that the re-imports
changed nothing (same row counts, no `updated_at` moved, no *_created / *_updated counts in
the audit event), that the delta changed what it holds, and that the snapshot closed exactly
the charges it left out. Stops with an error when the run passes --limit seconds.
With --profile, the first import runs under cProfile and the top functions are printed.
"""

import argparse
import cProfile
import csv
import io
import os
import pstats
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
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


def generate(rows: int, seed: int = 1) -> tuple[str, dict[str, int], list[dict]]:
    """The CSV text (header + `rows` data rows), the bad rows put in by kind, and the good rows."""
    rng = random.Random(seed)
    lines = [",".join(COLUMNS)]
    bad: dict[str, int] = {}
    good: list[dict] = []
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
            if spoiled_kind(values) is None:
                good.append((len(lines) - 1, values))
            if rng.random() < 0.003:  # the same charge twice
                lines.append(lines[-1])
                bad["same charge twice"] = bad.get("same charge twice", 0) + 1
    kept = [values for line, values in good if line <= rows]  # the last taxpayer may be cut off
    return "\r\n".join(lines[: rows + 1]) + "\r\n", bad, kept


def spoiled_kind(values: dict) -> str | None:
    """The reason a generated row is bad, None when it is good."""
    if values["amount_due"] in ("12.5", "0", "abc", "-100") or values["department"] == "NOPE":
        return "bad"
    if values["due_date"] in ("2025/05/31", "2025-02-30", "令和6年") or not values["name"]:
        return "bad"
    return "bad" if values["phone"] == "12" else None


def to_csv(records: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows([r[c] for c in COLUMNS] for r in records)
    return out.getvalue().encode()


def delta_of(good: list[dict], rng: random.Random) -> tuple[list[dict], int, int]:
    """A daily delta: 2 % of the charges with a new amount, 0.5 % new cases."""
    changed = [dict(r, amount_due=f"{int(r['amount_due'].replace(',', '')) + 100:,}")
               for r in rng.sample(good, len(good) // 50)]
    new = [dict(r, case_ref="N" + r["case_ref"], taxpayer_ref="N" + r["taxpayer_ref"])
           for r in rng.sample(good, len(good) // 200)]
    return changed + new, len(changed), len(new)


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


def bare_copy(url: str, text: str) -> tuple[float, int]:
    """Seconds to COPY the file's good rows (the same field count as the header) into a table
    of text columns: the floor of any import."""
    records = [r for r in csv.reader(io.StringIO(text, newline="")) if len(r) == len(COLUMNS)][1:]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    data = out.getvalue()
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TEMP TABLE bare (" + ", ".join(f"{c} text" for c in COLUMNS) + ")")
        started = time.perf_counter()
        with conn.cursor().copy("COPY bare FROM STDIN (FORMAT csv)") as copy:
            copy.write(data)
        return time.perf_counter() - started, len(records)


def phone_floor(good: list[dict]) -> tuple[float, int]:
    """Seconds for phonenumbers.parse + number_type of the good rows' first phones, one core."""
    phones = [r["phone"] for r in good if r["phone"]]
    started = time.process_time()
    for raw in phones:
        phonenumbers.number_type(phonenumbers.parse(raw, "JP"))
    return time.process_time() - started, len(phones)


def run_once(label: str, content: bytes, as_of: datetime, mode: str = "delta", profile: bool = False) -> dict:
    job = importing.create_import(None, f"{label}.csv", content, utcnow(), as_of, mode)
    db.session.commit()
    job_id = job.id
    profiler = cProfile.Profile() if profile else None
    cpu, wall = _python_cpu(), time.perf_counter()
    if profiler:
        profiler.enable()
    jobs.run_import(job_id)
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, _python_cpu() - cpu
    db.session.expire_all()
    job = db.session.get(ImportJob, job_id)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cases.import")
                               .order_by(AuditEvent.id.desc())).first()
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    result = {"label": label, "status": job.status, "total": job.total, "imported": job.imported,
              "errors": len(job.errors), "wall": wall, "cpu": cpu, "summary": job.summary,
              "changes": {k: v for k, v in event.details.items() if k.endswith(("_created", "_updated"))}}
    print(f"  {label}: {wall:.1f} s, {job.total / wall:,.0f} rows/s, {job.summary}", flush=True)
    return result


PASSES = ("reimport", "delta", "full")  # after the first import, in this order


def _python_cpu() -> float:
    """CPU seconds of this process and of its ended children (the import's worker processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the first import")
    parser.add_argument("--limit", type=float, default=1500, help="seconds the whole run may take")
    parser.add_argument("--passes", default=",".join(PASSES),
                        help="the passes after the first import: none, or some of " + ",".join(PASSES))
    args = parser.parse_args(argv)
    passes = set(filter(None, args.passes.split(","))) - {"none"}
    if passes - set(PASSES):
        parser.error(f"unknown passes: {', '.join(sorted(passes - set(PASSES)))}")
    started = time.perf_counter()
    url = os.environ.get("BENCH_IMPORT_DATABASE_URL", DEFAULT_URL)
    text, bad, good = generate(args.rows)
    utf8, cp932 = text.encode("utf-8"), text.encode("cp932")
    print(f"{args.rows} rows, {len(utf8) / 1e6:.1f} MB UTF-8; bad rows put in: {sum(bad.values())} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(bad.items()))}); load average {os.getloadavg()}",
          flush=True)
    recreate_database(url)
    copy_s, copy_rows = bare_copy(url, text)
    phone_s, phones = phone_floor(good)
    print(f"floors: bare COPY of {copy_rows:,} rows {copy_s:.1f} s ({copy_rows / copy_s:,.0f} rows/s); "
          f"phonenumbers parse + number_type of {phones:,} phones {phone_s:.1f} s on one core", flush=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
                      "REDIS_URL": None})
    checks: list[str] = []
    rng = random.Random(2)
    # The extracts: day 0 (first import and its re-imports), day 1 (delta), day 2 (snapshot).
    day0 = (datetime.now(UTC) - timedelta(days=3)).replace(second=0, microsecond=0)
    with app.app_context():
        upgrade()
        ensure_departments_and_users(utcnow())
        db.session.commit()

        def over_limit() -> bool:
            if time.perf_counter() - started > args.limit:
                checks.append(f"the run passed its limit of {args.limit:.0f} s")
                return True
            return False

        results = [run_once("first (UTF-8)", utf8, day0, profile=args.profile)]
        before = snapshot()
        for label, content in (("re-import (UTF-8)", utf8), ("re-import (CP932)", cp932)):
            if "reimport" not in passes or over_limit():
                break
            results.append(run_once(label, content, day0))
            after = snapshot()
            if after != before or results[-1]["changes"]:
                checks.append(f"{label} changed something: {before} -> {after}, {results[-1]['changes']}")
        counts = dict(zip(("taxpayers", "cases", "charges", "phones"), before[0], strict=True))
        delta, n_changed, n_new = delta_of(good, rng)
        if "delta" in passes and not over_limit():
            r = run_once("daily delta (day 1)", to_csv(delta), day0 + timedelta(days=1))
            results.append(r)
            if (r["summary"]["charges"]["changed"], r["summary"]["charges"]["new"]) != (n_changed, n_new):
                checks.append(f"the delta changed {r['summary']['charges']} (expected {n_changed} changed, "
                              f"{n_new} new)")
        if "full" in passes and not over_limit():
            stored = {(r["case_ref"], r["tax_type"], r["fiscal_year"]): r for r in good}
            stored.update({(r["case_ref"], r["tax_type"], r["fiscal_year"]): r for r in delta})
            snapshot_rows = list(stored.values())
            rng.shuffle(snapshot_rows)
            dropped = len(snapshot_rows) // 20
            r = run_once("full snapshot -5 % (day 2)", to_csv(snapshot_rows[dropped:]),
                         day0 + timedelta(days=2), mode="full")
            results.append(r)
            if r["summary"]["charges"]["closed_absent"] != dropped:
                checks.append(f"the snapshot closed {r['summary']['charges']['closed_absent']} charges "
                              f"(expected {dropped})")
    ok = not checks
    for problem in checks:
        print(f"FAIL: {problem}", file=sys.stderr)
    print(f"\nstored after the first import: {counts}")
    print(f"first import counts: {results[0]['changes']}")
    print(f"floors: bare COPY {copy_rows / copy_s:,.0f} rows/s ({copy_s:.1f} s); phone parse {phone_s:.1f} s "
          f"for {phones:,} phones")
    print(f"\n{'pass':28} {'status':7} {'rows':>8} {'imported':>9} {'errors':>7} {'wall s':>7} "
          f"{'rows/s':>8} {'x COPY':>7} {'py cpu s':>8}")
    for r in results:
        print(f"{r['label']:28} {r['status']:7} {r['total']:8d} {r['imported']:9d} {r['errors']:7d} "
              f"{r['wall']:7.1f} {r['total'] / r['wall']:8.0f} {r['wall'] / copy_s:7.1f} {r['cpu']:8.1f}")
    print(f"\nwhole run {time.perf_counter() - started:.0f} s; load average after {os.getloadavg()}")
    emit("import_csv", rows=args.rows, stored=counts, unchanged_on_reimport=ok, checks=checks,
         copy_s=copy_s, copy_rows=copy_rows, phone_floor_s=phone_s, phones=phones,
         passes=[{k: r[k] for k in ("label", "status", "total", "imported", "errors", "wall", "cpu")}
                 for r in results])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
