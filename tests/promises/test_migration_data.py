"""Migration 0003 gives departments made before it the promise-reminder template and rule."""

from sqlalchemy import text


def test_existing_departments_get_the_promise_reminder(tmp_path):
    from flask_migrate import upgrade

    from app import create_app
    from app.sms.templates import template_errors
    from tests.conftest import test_config as config_for_tests

    old = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}",
                                      REDIS_URL=None))
    with old.app_context():
        from app.extensions import db

        upgrade(revision="0002")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO departments (code, name, sender_id, callback_phone, calling_start, calling_end,"
                " sms_start, sms_end, rest_days, max_calls_per_day, max_calls_per_week, created_at)"
                " VALUES ('TAX', '税務課', 'TAX', '048-555-0100', '09:00:00', '20:00:00', '09:00:00',"
                " '20:00:00', 'sun,holidays', 3, 7, '2026-01-01 00:00:00')"))
        upgrade()
        with db.engine.connect() as conn:
            rules = conn.execute(text(
                "SELECT r.trigger, r.window_days, r.action, r.active, t.name, t.body_ja, t.body_en"
                " FROM escalation_rules r JOIN sms_templates t ON t.id = r.template_id"
                " WHERE r.trigger = 'promise_due'")).all()
        db.engine.dispose()
    [(trigger, window, action, active, name, body_ja, body_en)] = rules
    assert (trigger, window, action, bool(active), name) == ("promise_due", 1, "send_sms", True,
                                                              "promise-reminder")

    class Dept:
        name, callback_phone = "税務課", "048-555-0100"

    with old.test_request_context():
        assert template_errors(body_ja, Dept) == [] and template_errors(body_en, Dept) == []
