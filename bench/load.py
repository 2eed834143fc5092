"""Operator screens under load: N simulated operators over HTTP against gunicorn on PostgreSQL.

    .venv/bin/python bench/load.py [--operators 50] [--seconds 60] [--cases 1000000]
                                   [--gunicorn-workers 2] [--threads 8] [--think 0] [--clients 2]

Database: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench, the claim
benchmark's), created if missing, migrated, seeded when it holds fewer cases than asked, with
N operators of the demo TAX department (round-the-clock hours) made if missing (bench01...,
as bench/claim.py).
Redis: BENCH_LOAD_REDIS_URL (default redis://127.0.0.1:6379/12), flushed before and after:
the app enqueues the SMS jobs there as in production (no worker consumes them here).

gunicorn serves `wsgi:app` as a subprocess (`--threads` > 1 makes it gthread; 2 workers x 8
threads is the default: on 2 cores it beat sync workers and 4 x 4 in every paired run, with
keep-alive connections and threads that serve other requests while one waits on PostgreSQL;
see bench/README.md). The operators
(bench/load_client.py) are real HTTP clients, each with its own session and login, spread
over `--clients` processes so the client side is not held by one GIL. After `--warmup`
seconds, every request started in the next `--seconds` counts: requests/second overall,
p50/p95/p99 per endpoint, errors (any non-2xx/3xx, or a form the app rejected), and the CPU
the gunicorn workers used per request. `--think` is the mean pause (s) between an operator's
clicks (0: as fast as they can; a real operator makes one call a minute or so).
"""

import argparse
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from redis import Redis  # noqa: E402

from bench.claim import DEFAULT_URL, ensure_database, prepare  # noqa: E402
from bench.load_client import run_process  # noqa: E402
from bench.load_report import report, sample_cpu, worker_pids  # noqa: E402

REDIS_URL = os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/12")
PASSWORD = "bench-password"  # bench/claim.py's operators


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(args, url: str, port: int, log_path: Path) -> subprocess.Popen:
    """gunicorn serving wsgi:app on 127.0.0.1:port; returns once it answers."""
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS_URL,
           "SECRET_KEY": "bench-load-secret-key-0123456789abcdef", "LOG_LEVEL": "WARNING"}
    command = [str(Path(sys.executable).with_name("gunicorn")), "wsgi:app", "-b", f"127.0.0.1:{port}",
               "-w", str(args.gunicorn_workers), "--threads", str(args.threads), "--timeout", "120",
               "--log-level", "warning"]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}); see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log_path}")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run_clients(args, port: int, logins: list[str], pids: list[int]) -> tuple[list[dict], float, dict]:
    """Start the client processes; return their results, the start of the measured window and
    the CPU used in it (gunicorn workers' seconds, the machine's busy share)."""
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    start_at = time.monotonic() + 3 + 0.15 * len(logins)  # everyone logged in by then
    usage = {}
    sampler = threading.Thread(target=sample_cpu, args=(pids, start_at + args.warmup, args.seconds, usage,
                                                        args.database))
    sampler.start()
    groups = [logins[i::args.clients] for i in range(args.clients)]
    procs = [ctx.Process(target=run_process, args=(
        "127.0.0.1", port, group, PASSWORD, args.think, args.warmup, args.seconds, start_at, 1000 * i,
        results)) for i, group in enumerate(groups) if group]
    for p in procs:
        p.start()
    gathered = [results.get(timeout=args.warmup + args.seconds + 600) for _ in procs]
    for p in procs:
        p.join()
    sampler.join()
    return gathered, start_at + args.warmup, usage


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--operators", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="measured window")
    parser.add_argument("--warmup", type=float, default=5, help="seconds not counted, after login")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker (>1: gthread)")
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds between an operator's clicks")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    args.database = url.rsplit("/", 1)[1]
    ensure_database(url)

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
                      "REDIS_URL": None})
    prepare(app, args.cases, args.operators)
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()
    logins = [f"bench{n:02d}" for n in range(1, args.operators + 1)]
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    port = free_port()
    kind = f"gthread, {args.threads} threads" if args.threads > 1 else "sync"
    print(f"{args.operators} operators ({args.clients} client processes), think {args.think:g} s, "
          f"gunicorn {args.gunicorn_workers} workers ({kind}), {args.warmup:g} s warm-up + "
          f"{args.seconds:g} s measured; database {args.database}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "gunicorn.log"
        proc = start_gunicorn(args, url, port, log_path)
        try:
            gathered, window_start, usage = run_clients(args, port, logins, worker_pids(proc.pid))
        finally:
            stop(proc)
            server_log = log_path.read_text(errors="replace")
    sms_jobs = sum(redis.llen(key) for key in redis.scan_iter("rq:queue:*"))
    redis.flushdb()
    return report(args, gathered, window_start, usage, sms_jobs, server_log)


if __name__ == "__main__":
    sys.exit(main())
