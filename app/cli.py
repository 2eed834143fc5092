"""Registers every domain's CLI commands, and `flask worker`."""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--queues", default=None, help="Comma-separated queue names (default: all).")
@click.option("--simple", is_flag=True,
              help="Run jobs in this process, not a forked work horse (for the sms queue at volume).")
@with_appcontext
def worker_command(burst: bool, queues: str | None, simple: bool) -> None:
    """Run an RQ worker with its scheduler (production; needs REDIS_URL)."""
    from app.queue import QUEUE_NAMES, AppSimpleWorker, AppWorker, redis_connection

    connection = redis_connection()
    if connection is None:
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run in-process.")
    names = queues.split(",") if queues else list(QUEUE_NAMES)
    _preload_jobs()
    # A forked horse per job costs ~100-150 ms (bench/README.md, SMS dispatch); a SimpleWorker
    # runs jobs back to back in one process, still with RQ's job timeouts.
    worker = (AppSimpleWorker if simple else AppWorker)(names, connection=connection)
    current_app.logger.info("worker serving %s%s", ", ".join(names), " (simple)" if simple else "")
    worker.work(with_scheduler=True, burst=burst)


def _preload_jobs() -> None:
    """Import the job modules and the SMS provider's SDK once, in the worker: every job runs in
    a forked work horse, which would otherwise import them (and set up the ORM) again for each
    job (~0.5 s)."""
    from sqlalchemy.orm import configure_mappers
    from werkzeug.utils import import_string

    from app.sms.providers import PROVIDERS, provider_name

    for module in ("app.cases.jobs", "app.sms.jobs", PROVIDERS[provider_name(current_app.config)]):
        import_string(module)
    configure_mappers()  # once here, not in every work horse


@click.command("cron")
@with_appcontext
def cron_command() -> None:
    """Run RQ's cron scheduler for the periodic jobs of app.periodic (production; needs REDIS_URL)."""
    from rq.cron import CronScheduler

    from app.periodic import PERIODIC_JOBS
    from app.queue import redis_connection

    connection = redis_connection()
    if connection is None:
        raise click.ClickException("REDIS_URL is not set: run `flask jobs sweep` by hand instead.")
    scheduler = CronScheduler(connection=connection)
    for periodic in PERIODIC_JOBS:
        scheduler.register(periodic.job, periodic.queue, interval=periodic.interval_seconds,
                           name=periodic.name)
    scheduler.start()


jobs_cli = click.Group("jobs", help="Background jobs.")


@jobs_cli.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Re-enqueue work whose job was lost (what `flask cron` does every minute)."""
    from app.periodic import sweep_lost_jobs

    counts = sweep_lost_jobs()
    click.echo(", ".join(f"{kind}: {n} re-enqueued" for kind, n in counts.items()))


@jobs_cli.command("retention")
@with_appcontext
def retention_command() -> None:
    """Apply the retention periods now (what `flask cron` does every hour)."""
    from app.periodic import apply_retention

    counts = apply_retention()
    click.echo(", ".join(f"{kind}: {n} deleted" for kind, n in counts.items()))


def init_app(app: Flask) -> None:
    """The commands that span domains (workers, cron, sweep) and the demo's `flask seed`; each
    domain's own groups come with its package's `init_app`."""
    from app.cases.cli import cases_cli
    from app.demo.cli import seed_command

    for command in (cases_cli, seed_command, worker_command, cron_command, jobs_cli):
        app.cli.add_command(command)
