"""`flask cases ...`."""

import click

cases_cli = click.Group("cases", help="Import and manage cases.")
