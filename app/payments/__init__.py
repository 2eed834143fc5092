"""Payments from the revenue system (CSV import and API); they lower a case's balance."""


def init_app(app) -> None:
    """The `flask payments` commands, and the balance rule answering the case import's signal."""
    from app.payments import balance
    from app.payments.cli import payments_cli

    app.cli.add_command(payments_cli)
    balance.init_app(app)
