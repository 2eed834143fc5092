"""Migration 0008 on PostgreSQL: untouched default templates get the generic text (an edited one
is left alone and gets a generic sibling as its rules' fallback), and the per-phone consent and
opt-out flags become per-department rows, so nothing changes on upgrade."""

import pytest
from sqlalchemy import text

from tests.conftest import app_on_a_new_database

OLD_JA = ("【{department}】{name}様 {due_date}納期限の税金等 {amount}円のお支払いが確認できておりません。"
          "お問い合わせは{callback_phone}へお電話ください。（番号{case_ref}）")
EDITED_JA = "【{department}】{name}様 未納があります。{callback_phone}へお電話ください。"
DEPT = ("INSERT INTO departments (code, name, sender_id, callback_phone, calling_start, calling_end,"
        " sms_start, sms_end, rest_days, max_calls_per_day, max_calls_per_week, created_at) VALUES (:code,"
        " :name, :code, '048-555-0100', '09:00:00', '20:00:00', '09:00:00', '20:00:00', 'sun,holidays', 3, 7,"
        " now())")


@pytest.fixture
def migrated_app():
    with app_on_a_new_database("_mig0008") as app:
        yield app


def test_defaults_and_consent_are_carried_over(migrated_app):
    from flask_migrate import upgrade

    from app.escalation.defaults import PROMISE_BODY_JA, REMINDER_BODY_EN, REMINDER_BODY_JA
    from app.extensions import db

    upgrade(revision="0001")
    with db.engine.begin() as conn:
        for code, name in (("TAX", "税務課"), ("WATER", "水道課")):
            conn.execute(text(DEPT), {"code": code, "name": name})
    upgrade(revision="0005")  # 0002/0003 give both departments the old (personal) defaults
    with db.engine.begin() as conn:
        dept = {code: id_ for code, id_ in conn.execute(text("SELECT code, id FROM departments"))}
        assert conn.execute(text("SELECT count(*) FROM sms_templates WHERE body_ja = :b"),
                            {"b": OLD_JA}).scalar_one() == 2
        conn.execute(text("UPDATE sms_templates SET body_ja = :b WHERE department_id = :d AND name = "
                          "'payment-reminder'"), {"b": EDITED_JA, "d": dept["WATER"]})
        conn.execute(text("UPDATE escalation_rules SET action = 'hand_to_supervisor' WHERE department_id = :d"
                          " AND \"trigger\" = 'promise_due'"), {"d": dept["WATER"]})
        conn.execute(text("INSERT INTO taxpayers (id, taxpayer_ref, name, name_kana, address, search_key,"
                          " created_at) VALUES (1, 'T1', '山田', '', '', '', now())"))
        conn.execute(text(
            "INSERT INTO phones (id, taxpayer_id, e164, kind, position, consent, consent_on, opted_out,"
            " opted_out_at, usable) VALUES (1, 1, '+819012345678', 'mobile', 1, true, '2024-04-01', false,"
            " NULL, true), (2, 1, '+819087654321', 'mobile', 2, false, NULL, true, now(), true)"))
        for case_id, code in ((1, "TAX"), (2, "WATER")):
            conn.execute(text(
                "INSERT INTO cases (id, case_ref, taxpayer_id, department_id, status, balance, priority,"
                " promise_broken, created_at, updated_at) VALUES (:id, :ref, 1, :d, 'open', 1000, 0, false,"
                " now(), now())"), {"id": case_id, "ref": f"C{case_id}", "d": dept[code]})
    upgrade()
    with db.engine.connect() as conn:
        templates = {(r.department_id, r.name): r for r in conn.execute(text(
            "SELECT id, department_id, name, body_ja, body_en FROM sms_templates"))}
        rules = {(r.department_id, r.trigger): r for r in conn.execute(text(
            "SELECT department_id, \"trigger\", action, template_id, fallback_template_id"
            " FROM escalation_rules"))}
        consents = sorted(tuple(r) for r in conn.execute(text(
            "SELECT phone_id, department_id, consent, consent_on::text, opted_out FROM phone_consents")))
        phone_columns = {r[0] for r in conn.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'phones'"))}

    tax_reminder = templates[(dept["TAX"], "payment-reminder")]
    assert (tax_reminder.body_ja, tax_reminder.body_en) == (REMINDER_BODY_JA, REMINDER_BODY_EN)  # untouched
    assert templates[(dept["TAX"], "promise-reminder")].body_ja == PROMISE_BODY_JA
    assert rules[(dept["TAX"], "unanswered_calls")].fallback_template_id == tax_reminder.id
    water_reminder = templates[(dept["WATER"], "payment-reminder")]
    assert water_reminder.body_ja == EDITED_JA  # edited: left alone
    sibling = templates[(dept["WATER"], "payment-reminder-generic")]
    assert sibling.body_ja == REMINDER_BODY_JA
    water_rule = rules[(dept["WATER"], "unanswered_calls")]
    assert (water_rule.template_id, water_rule.fallback_template_id) == (water_reminder.id, sibling.id)
    assert rules[(dept["WATER"], "promise_due")].action == "hand_over"  # the word
    # Phone 1 consented: both departments of the taxpayer keep that consent; phone 2 had opted out.
    assert consents == [(1, dept["TAX"], True, "2024-04-01", False),
                        (1, dept["WATER"], True, "2024-04-01", False), (2, None, False, None, True)]
    assert not {"consent", "consent_on", "opted_out", "opted_out_at"} & phone_columns

    from app.escalation.defaults import edited_default
    from app.sms.models import SmsTemplate

    assert edited_default(db.session.get(SmsTemplate, water_reminder.id))
    assert not edited_default(db.session.get(SmsTemplate, tax_reminder.id))
