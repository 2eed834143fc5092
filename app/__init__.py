"""The application factory."""

import os

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: settings from the environment (or `test_config`), extensions, blueprints."""
    app = Flask(__name__, instance_relative_config=True)
    from app import config

    app.config.from_mapping(config.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    from app.auth import passwords
    from app.ops import security, structured_logs, unavailable

    structured_logs.init_app(app)  # first: everything after may log
    security.init_app(app)
    passwords.init_app(app)  # refuses a cheap PASSWORD_HASH_METHOD outside tests
    unavailable.init_app(app)
    problem = config.secret_key_problem(app.config)
    if problem:
        # SystemExit: gunicorn, `flask worker` and `flask cron` stop with this message, exit code 1.
        raise SystemExit(f"refusing to start: {problem}")
    if app.config["SECRET_KEY"] == config.DEV_SECRET_KEY and app.config.get("REDIS_URL"):
        app.logger.warning("SECRET_KEY is not set: sessions are forgeable. Set it in production.")

    from app.ids import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is registered
    from app import cli, i18n, models, queue  # noqa: F401 (models: metadata for Alembic)
    from app.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    from app import text_input

    text_input.init_app(app)  # NUL characters in forms: a 400, not a 500 in the driver
    queue.init_app(app)
    # The domains, bottom layer first: each package's init_app registers its pages and
    # connects its receivers of app.signals (receivers of one signal run in this order).
    from app import (
        api,
        auth,
        calls,
        cases,
        escalation,
        inbox,
        late_fees,
        ops,
        payments,
        promises,
        public,
        reports,
        sms,
    )

    for package in (auth, cases, calls, sms, escalation, inbox, payments, late_fees, promises, reports, api,
                    public, ops):
        package.init_app(app)
    cli.init_app(app)
    return app
