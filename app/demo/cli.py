"""`flask seed`: demo data for `make run`, and bulk data for the benchmarks."""

import click

seed_command = click.Command("seed", callback=lambda: None, help="Demo data.")
