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
    from app.ops import security, structured_logs, unavailable

    structured_logs.init_app(app)  # first: everything after may log
    security.init_app(app)
    unavailable.init_app(app)
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
    from app.escalation import hooks as escalation_hooks

    escalation_hooks.init_app(app)

    from app.api import views as api_views
    from app.auth import views as auth_views
    from app.calls import views as calls_views
    from app.cases import views as cases_views
    from app.escalation import views as escalation_views
    from app.ops import views as ops_views
    from app.promises import views as promises_views
    from app.public import views as public_views
    from app.reports import views as reports_views
    from app.sms import sandbox_views, template_views, webhooks

    for module in (auth_views, cases_views, calls_views, public_views, api_views, escalation_views,
                   template_views, sandbox_views, webhooks, reports_views, promises_views, ops_views):
        module.init_app(app)
    cli.init_app(app)
    return app
