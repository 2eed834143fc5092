"""Periodic jobs without Redis: the `make run` demo has no `flask cron`, so the web process runs
the same PERIODIC_JOBS itself on a daemon thread. Production (REDIS_URL set) never starts it:
there `flask cron` schedules them with RQ's cron."""

import logging
import threading
import time

from flask import Flask

from app.extensions import db

log = logging.getLogger(__name__)
TICK_SECONDS = 5


def start_in_process(app: Flask) -> threading.Thread | None:
    """Start the ticker thread once per app when no REDIS_URL is set; return it (or None)."""
    if app.config.get("REDIS_URL") or app.extensions.get("ticker"):
        return None
    thread = threading.Thread(target=_run, args=(app,), name="periodic-ticker", daemon=True)
    app.extensions["ticker"] = thread
    thread.start()
    return thread


def _run(app: Flask) -> None:
    from app.periodic import PERIODIC_JOBS

    last_run: dict[str, float] = {}
    while True:
        for periodic in PERIODIC_JOBS:
            now = time.monotonic()
            if now - last_run.get(periodic.name, -1e9) < periodic.interval_seconds:
                continue
            last_run[periodic.name] = now
            with app.app_context():
                try:
                    periodic.job()
                except Exception:  # keep ticking; the next run retries
                    log.exception("periodic job %s failed", periodic.name)
                finally:
                    db.session.remove()
        time.sleep(TICK_SECONDS)
