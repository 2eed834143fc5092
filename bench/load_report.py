"""bench/load.py's bookkeeping: CPU samples from /proc, and the figures of a run.

The CPU figures say where the time went: the gunicorn workers' CPU seconds per request (the
Python side of a request), the PostgreSQL backends serving the bench database, the client
processes (the simulated browsers), and how busy the whole machine was (other work included).
"""

import os
import time
from collections import Counter

from bench.results import emit, percentile

ENDPOINTS = ("claim", "case view", "log call", "promise")
GOAL_MS = 100
TICK = os.sysconf("SC_CLK_TCK")


def worker_pids(master: int) -> list[int]:
    """The gunicorn master and its workers (children)."""
    pids = [master]
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _stat(int(entry))[1:2] == [str(master)]:
            pids.append(int(entry))
    return pids


def _stat(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name (state, ppid, ...); [] if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _cpu(pid: int) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICK if fields else 0.0


def _postgres_backends(database: str) -> list[int]:
    """PostgreSQL backends connected to `database`, found by their process title."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                title = f.read().decode(errors="replace").replace("\0", " ").split()
        except OSError:
            continue
        # 'postgres: [cluster:] user database address state'
        if title[:1] == ["postgres:"] and database in title[2:4]:
            found.append(int(entry))
    return found


def _machine() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:9]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def sample_cpu(pids: list[int], at: float, seconds: float, usage: dict, database: str = "") -> None:
    """Sleep until monotonic `at`, then measure CPU over `seconds` into `usage`."""
    time.sleep(max(0.0, at - time.monotonic()))
    backends = set(_postgres_backends(database)) if database else set()
    app0, pg0 = {p: _cpu(p) for p in pids}, {p: _cpu(p) for p in backends}
    busy0, total0 = _machine()
    time.sleep(seconds)
    busy1, total1 = _machine()
    usage["app_cpu_s"] = sum(_cpu(p) - app0[p] for p in pids)
    now = set(_postgres_backends(database)) if database else set()
    usage["db_cpu_s"] = sum(_cpu(p) - pg0.get(p, 0.0) for p in now)
    usage["machine_busy"] = (busy1 - busy0) / max(1, total1 - total0)
    usage["cores"] = os.cpu_count()


def report(args, gathered: list[dict], window_start: float, usage: dict, sms_jobs: int,
           server_log: str) -> int:
    """Print the figures (a markdown table) and the result line; 1 if anything failed."""
    window_end = window_start + args.seconds
    latencies: dict[str, list[float]] = {}
    for part in gathered:
        for endpoint, started, seconds in part["records"]:
            if window_start <= started < window_end:
                latencies.setdefault(endpoint, []).append(seconds * 1000)
    errors = Counter((e, what) for part in gathered for e, what in part["errors"])
    failures = [f for part in gathered for f in part["failures"]]
    counts = Counter()
    for part in gathered:
        counts.update(part["counts"])
    total = sum(len(v) for v in latencies.values())
    rows = {}
    print("\n| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for endpoint in [*ENDPOINTS, *sorted(set(latencies) - set(ENDPOINTS))]:
        values = sorted(latencies.get(endpoint, []))
        row = {"requests": len(values), "per_second": len(values) / args.seconds,
               "p50": percentile(values, 0.50), "p95": percentile(values, 0.95),
               "p99": percentile(values, 0.99), "max": values[-1] if values else float("nan"),
               "errors": sum(n for (e, _), n in errors.items() if e == endpoint)}
        rows[endpoint] = row
        print(f"| {endpoint} | {row['requests']:,} | {row['per_second']:.1f} | {row['p50']:.1f} | "
              f"{row['p95']:.1f} | {row['p99']:.1f} | {row['max']:.1f} | {row['errors']} |")
    print(f"| **all** | {total:,} | {total / args.seconds:.1f} | | | | | {sum(errors.values())} |")
    worst = max((rows[e]["p95"] for e in ENDPOINTS if rows[e]["requests"]), default=float("nan"))
    met = worst < GOAL_MS
    app_cpu, db_cpu = usage.get("app_cpu_s", 0.0), usage.get("db_cpu_s", 0.0)
    client_cpu = sum(part["cpu_s"] for part in gathered)
    verdict = "met" if met else "NOT met"
    print(f"\nworst operator-endpoint p95 {worst:.1f} ms: goal (< {GOAL_MS} ms) {verdict}")
    print(f"cases worked {counts['cases']:,}, second unanswered calls {counts['sms_streaks']:,}, "
          f"promises {counts['promises']:,}, empty claims {counts['empty']:,}; "
          f"SMS jobs enqueued {sms_jobs:,}")
    if total:
        print(f"CPU in the window: gunicorn {app_cpu:.1f} s ({app_cpu / total * 1000:.1f} ms a request), "
              f"PostgreSQL backends {db_cpu:.1f} s ({db_cpu / total * 1000:.1f} ms a request), "
              f"clients {client_cpu:.1f} s ({client_cpu / total * 1000:.1f} ms a request), "
              f"machine {usage.get('machine_busy', 0) * 100:.0f} % busy of {usage.get('cores')} cores")
    for (endpoint, what), n in sorted(errors.items()):
        print(f"error: {endpoint}: {what} x{n}")
    for failure in failures:
        print(f"operator stopped: {failure}")
    server_errors = server_log.count("Traceback") + server_log.count("[ERROR]")
    if server_errors:
        tail = "\n".join(server_log.splitlines()[-20:])
        print(f"gunicorn log ({server_errors} errors), last lines:\n{tail}")
    emit("load", operators=args.operators, seconds=args.seconds, think=args.think,
         gunicorn_workers=args.gunicorn_workers, threads=args.threads, requests=total,
         per_second=total / args.seconds, endpoints=rows, errors=sum(errors.values()),
         operator_failures=len(failures), server_errors=server_errors, goal_met=met, worst_p95=worst,
         counts=dict(counts), sms_jobs=sms_jobs, app_cpu_ms=app_cpu / total * 1000 if total else None,
         db_cpu_ms=db_cpu / total * 1000 if total else None,
         client_cpu_ms=client_cpu / total * 1000 if total else None, machine_busy=usage.get("machine_busy"))
    return 1 if errors or failures or server_errors else 0
