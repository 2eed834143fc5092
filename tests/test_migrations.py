from alembic.script import ScriptDirectory


def test_migrations_have_a_single_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_models_match_the_migrations(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_migrations_build_the_sqlite_demo_database(tmp_path):
    """`make run` without DATABASE_URL builds SQLite through the same migrations, up and down."""
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from tests.conftest import test_config as config_for_tests

    demo = create_app(config_for_tests(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'demo.db'}", REDIS_URL=None))
    with demo.app_context():
        from app.extensions import db

        upgrade()
        tables = set(db.inspect(db.engine).get_table_names())
        assert {"sms_messages", "escalation_rules", "promises", "payments"} <= tables
        downgrade(revision="base")
        assert "cases" not in set(db.inspect(db.engine).get_table_names())
        db.engine.dispose()
