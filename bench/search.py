"""Operator search at scale: the queries a citizen's callback produces, on the seeded database.

Usage: .venv/bin/python bench/search.py [--repeat 5]
Database: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench), seeded with
`flask seed --cases 1000000` (see bench/README.md). Prints the median time of each query as a
manager (all departments), through the same `search_cases` the pages and the API call.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from app.auth.models import Role, User  # noqa: E402
from app.cases.models import Case, Phone  # noqa: E402
from app.cases.phones import display  # noqa: E402
from app.cases.search import search_cases  # noqa: E402
from app.extensions import db  # noqa: E402
from bench.results import emit  # noqa: E402

URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": URL.replace("postgresql://", "postgresql+psycopg://", 1)})
    with app.app_context():
        user = db.session.scalar(select(User).where(User.role.in_([Role.MANAGER, Role.ADMIN])))
        cases = db.session.scalar(select(func.count()).select_from(Case))
        some_phone = db.session.scalar(select(Phone.e164).order_by(Phone.id.desc()).limit(1))
        some_ref = db.session.scalar(select(Case.case_ref).order_by(Case.id.desc()).limit(1))
        queries = [
            ("phone as read out", display(some_phone)),
            ("case reference", some_ref),
            ("common surname, kanji (2 chars)", "山田"),
            ("full name, hiragana with a space", "やまだ たろう"),
            ("kana, 2 chars", "ヤマ"),
            ("given name, kanji", "太郎"),
            ("a name nobody has (2 chars)", "鬼瓦"),
        ]
        print(f"{cases:,} cases, user {user.login} ({user.role}), median of {args.repeat}")
        print(f"{'query':<36}{'results':>8}{'median ms':>11}")
        rows = []
        for label, q in queries:
            times, found = [], 0
            for _ in range(args.repeat):
                start = time.perf_counter()
                found = len(search_cases(q, user))
                times.append((time.perf_counter() - start) * 1000)
                db.session.rollback()
            print(f"{label:<36}{found:>8}{statistics.median(times):>11.1f}")
            rows.append({"query": label, "results": found, "ms": statistics.median(times)})
        emit("search", cases=cases, repeat=args.repeat, rows=rows)


if __name__ == "__main__":
    main()
