"""Registers every domain's CLI commands, and `flask worker`."""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--queues", default=None, help="Comma-separated queue names (default: all).")
@with_appcontext
def worker_command(burst: bool, queues: str | None) -> None:
    """Run an RQ worker with its scheduler (production; needs REDIS_URL)."""
    from rq import Worker

    from app.queue import QUEUE_NAMES, redis_connection

    connection = redis_connection()
    if connection is None:
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run in-process.")
    names = queues.split(",") if queues else list(QUEUE_NAMES)
    worker = Worker(names, connection=connection)
    current_app.logger.info("worker serving %s", ", ".join(names))
    worker.work(with_scheduler=True, burst=burst)


def init_app(app: Flask) -> None:
    from app.auth.cli import departments_cli, users_cli
    from app.cases.cli import cases_cli
    from app.demo.cli import seed_command

    for command in (users_cli, departments_cli, cases_cli, seed_command, worker_command):
        app.cli.add_command(command)
