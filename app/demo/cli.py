"""`flask seed`: demo data for `make run`, and bulk data for the benchmarks."""

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.auth.models import Department
from app.clock import utcnow
from app.demo.seed_demo import DEFAULT_SEED, DEMO_PASSWORD, USERS, seed_demo
from app.extensions import db
from app.sql import is_postgres

# Above this many cases PostgreSQL loads with COPY (app.demo.seed_bulk); the ORM is fine below.
BULK_THRESHOLD = 20_000


@click.command("seed")
@click.option("--cases", default=300, show_default=True, help="How many cases to add.")
@click.option("--demo-if-empty", is_flag=True,
              help="Do nothing when any department exists (used by `make run`).")
@click.option("--seed", "random_seed", default=DEFAULT_SEED, show_default=True,
              help="Random seed: the same seed makes the same people.")
@with_appcontext
def seed_command(cases: int, demo_if_empty: bool, random_seed: int) -> None:
    """Demo departments (TAX, WATER), logins for every role, and N fictional cases."""
    if demo_if_empty and db.session.scalar(select(Department.id).limit(1)) is not None:
        click.echo("The database has data already: nothing seeded.")
        return
    now = utcnow()
    if cases > BULK_THRESHOLD and is_postgres():
        from app.demo.seed_bulk import seed_bulk

        with click.progressbar(length=cases, label="Loading cases") as bar:
            seed_bulk(cases, now, seed=random_seed, progress=bar.update)
    else:
        seed_demo(cases, now, seed=random_seed)
        db.session.commit()
    click.echo(f"Seeded {cases} cases. Demo logins (password {DEMO_PASSWORD}):")
    for login, role, code, _ in USERS:
        click.echo(f"  {login:6} {role:10} {code or '-'}")
