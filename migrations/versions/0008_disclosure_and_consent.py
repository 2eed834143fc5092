"""Disclosure and consent per department: phone_consents (consent and opt-outs per phone and
department), identity-verified calls, each SMS rule's generic fallback template, each message's
disclosure; untouched default templates moved to the generic text.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:30:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Copied from app.escalation.defaults as they are when this migration was written: a migration
# must not change when the app's code does. OLD_* are the defaults of migrations 0002/0003.
OLD = {
    "payment-reminder": (
        "【{department}】{name}様 {due_date}納期限の税金等 {amount}円のお支払いが確認できておりません。"
        "お問い合わせは{callback_phone}へお電話ください。（番号{case_ref}）",
        "【{department}】 Dear {name}, we have not yet received {amount} yen due on {due_date}. "
        "Please call us on {callback_phone} (ref {case_ref}).",
    ),
    "promise-reminder": (
        "【{department}】{name}様 お約束いただいたお支払いの予定日は{due_date}です。"
        "お支払い済みの場合はご容赦ください。お問い合わせは{callback_phone}へ（番号{case_ref}）",
        "【{department}】 Dear {name}, a reminder of the payment you promised for {due_date}. "
        "If you have paid, please ignore this. Questions: {callback_phone} (ref {case_ref}).",
    ),
}
NEW = {
    "payment-reminder": (
        "【{department}】ご連絡したいことがございます。{callback_phone}（受付{callback_hours}）まで"
        "お電話ください。（番号{case_ref}）お心当たりのない場合はご容赦ください。",
        "【{department}】 Please call us on {callback_phone} ({callback_hours}) about a matter for you "
        "(ref {case_ref}). If this message is not for you, please ignore it.",
    ),
    "promise-reminder": (
        "【{department}】お約束の件でご連絡いたしました。ご不明な点は{callback_phone}（受付{callback_hours}）"
        "までお電話ください。（番号{case_ref}）お心当たりのない場合はご容赦ください。",
        "【{department}】 A reminder of what we agreed. Questions: {callback_phone} ({callback_hours}) "
        "(ref {case_ref}). If this message is not for you, please ignore it.",
    ),
}
PROMISE_TRIGGERS = ("promise_due", "promise_broken")


def upgrade():
    op.create_table('phone_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('consent_on', sa.Date(), nullable=True),
    sa.Column('consent_source', sa.String(length=16), nullable=True),
    sa.Column('consent_by_id', sa.Integer(), nullable=True),
    sa.Column('consent_recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('opted_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opt_out_source', sa.String(length=16), nullable=True),
    sa.Column('opt_out_by_id', sa.Integer(), nullable=True),
    sa.Column('opt_out_lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['consent_by_id'], ['users.id'], name=op.f('fk_phone_consents_consent_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_phone_consents_department_id_departments')),
    sa.ForeignKeyConstraint(['opt_out_by_id'], ['users.id'], name=op.f('fk_phone_consents_opt_out_by_id_users')),
    sa.ForeignKeyConstraint(['phone_id'], ['phones.id'], name=op.f('fk_phone_consents_phone_id_phones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_consents')),
    sa.UniqueConstraint('phone_id', 'department_id', name=op.f('uq_phone_consents_phone_id_department_id'))
    )
    with op.batch_alter_table('phone_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_consents_department_id'), ['department_id'], unique=False)
        batch_op.create_index('uq_phone_consents_city_wide', ['phone_id'], unique=True,
                              postgresql_where=sa.text('department_id IS NULL'),
                              sqlite_where=sa.text('department_id IS NULL'))
    _carry_over_consent_and_opt_outs()
    with op.batch_alter_table('phones', schema=None) as batch_op:
        batch_op.drop_column('consent')
        batch_op.drop_column('consent_on')
        batch_op.drop_column('opted_out')
        batch_op.drop_column('opted_out_at')

    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_verified', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.create_index('ix_call_attempts_verified', ['phone_id', 'at'], unique=False,
                              postgresql_where=sa.text("identity_verified AND outcome = 'answered'"),
                              sqlite_where=sa.text("identity_verified AND outcome = 'answered'"))
    with op.batch_alter_table('escalation_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fallback_template_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_escalation_rules_fallback_template_id_sms_templates'),
                                    'sms_templates', ['fallback_template_id'], ['id'])
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disclosure', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('fallback_template_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_sms_messages_fallback_template_id_sms_templates'),
                                    'sms_templates', ['fallback_template_id'], ['id'])
    _generic_defaults()
    # The word for the action (API contract); the old word stays accepted on input.
    op.execute("UPDATE escalation_rules SET action = 'hand_over' WHERE action = 'hand_to_supervisor'")
    op.execute("UPDATE escalation_firings SET action = 'hand_over' WHERE action = 'hand_to_supervisor'")


def _carry_over_consent_and_opt_outs():
    """Nothing changes on upgrade: a phone's consent becomes the consent of every department
    that has a case of the phone's taxpayer (what the shared flag meant for each of them), and
    an opt-out (every department's, as it was) becomes the phone's city-wide row."""
    conn = op.get_bind()
    conn.execute(sa.text("""
        INSERT INTO phone_consents (phone_id, department_id, consent, consent_on, consent_source,
                                    opted_out)
        SELECT DISTINCT p.id, c.department_id, p.consent, p.consent_on,
               CASE WHEN p.consent THEN 'import' END, false
        FROM phones p JOIN cases c ON c.taxpayer_id = p.taxpayer_id
        WHERE p.consent
    """))
    conn.execute(sa.text("""
        INSERT INTO phone_consents (phone_id, department_id, consent, opted_out, opted_out_at,
                                    opt_out_source)
        SELECT p.id, NULL, false, true, p.opted_out_at, 'migrated'
        FROM phones p WHERE p.opted_out
    """))


def _generic_defaults():
    """Untouched default templates (both texts exactly the old defaults) get the generic text;
    an edited one is left alone and gets a generic sibling. Every send_sms rule gets a generic
    fallback: its own template when that is a migrated default, else the department's generic
    template of the same purpose (payment or promise reminder)."""
    conn = op.get_bind()
    now = datetime.now(UTC)
    templates = sa.table("sms_templates", *(sa.column(c) for c in (
        "id", "department_id", "name", "body_ja", "body_en", "active", "created_at", "updated_at")))
    for (dept_id,) in conn.execute(sa.text("SELECT id FROM departments ORDER BY id")).all():
        generic = {}
        for name, (old_ja, old_en) in OLD.items():
            row = conn.execute(sa.text(
                "SELECT id, body_ja, body_en FROM sms_templates WHERE department_id = :d AND name = :n"),
                {"d": dept_id, "n": name}).first()
            if row is not None and row.body_ja == old_ja and (row.body_en or "") == old_en:
                conn.execute(sa.text(
                    "UPDATE sms_templates SET body_ja = :ja, body_en = :en, updated_at = :now WHERE id = :id"),
                    {"ja": NEW[name][0], "en": NEW[name][1], "now": now, "id": row.id})
                generic[name] = row.id
                continue
            sibling = _free_name(conn, dept_id, f"{name}-generic")
            generic[name] = conn.execute(templates.insert().values(
                department_id=dept_id, name=sibling, body_ja=NEW[name][0], body_en=NEW[name][1],
                active=True, created_at=now, updated_at=now).returning(templates.c.id)).scalar_one()
        for rule_id, trigger in conn.execute(sa.text(
                "SELECT id, \"trigger\" FROM escalation_rules WHERE department_id = :d AND action = 'send_sms'"),
                {"d": dept_id}).all():
            purpose = "promise-reminder" if trigger in PROMISE_TRIGGERS else "payment-reminder"
            conn.execute(sa.text("UPDATE escalation_rules SET fallback_template_id = :t WHERE id = :id"),
                         {"t": generic[purpose], "id": rule_id})


def _free_name(conn, dept_id: int, name: str) -> str:
    candidate, n = name, 1
    while conn.execute(sa.text("SELECT 1 FROM sms_templates WHERE department_id = :d AND name = :n"),
                       {"d": dept_id, "n": candidate}).first():
        n += 1
        candidate = f"{name}-{n}"
    return candidate


def downgrade():
    op.execute("UPDATE escalation_rules SET action = 'hand_to_supervisor' WHERE action = 'hand_over'")
    op.execute("UPDATE escalation_firings SET action = 'hand_to_supervisor' WHERE action = 'hand_over'")
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sms_messages_fallback_template_id_sms_templates'),
                                 type_='foreignkey')
        batch_op.drop_column('fallback_template_id')
        batch_op.drop_column('disclosure')
    with op.batch_alter_table('escalation_rules', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_escalation_rules_fallback_template_id_sms_templates'),
                                 type_='foreignkey')
        batch_op.drop_column('fallback_template_id')
    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_call_attempts_verified')
        batch_op.drop_column('identity_verified')
    with op.batch_alter_table('phones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('consent_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('opted_out', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('opted_out_at', sa.DateTime(timezone=True), nullable=True))
    # Back to one flag per phone: consent if any department had it, opted out if any scope had it.
    conn = op.get_bind()
    conn.execute(sa.text("""
        UPDATE phones SET consent = true,
               consent_on = (SELECT max(pc.consent_on) FROM phone_consents pc
                             WHERE pc.phone_id = phones.id AND pc.consent)
        WHERE EXISTS (SELECT 1 FROM phone_consents pc WHERE pc.phone_id = phones.id AND pc.consent)
    """))
    conn.execute(sa.text("""
        UPDATE phones SET opted_out = true,
               opted_out_at = (SELECT max(pc.opted_out_at) FROM phone_consents pc
                               WHERE pc.phone_id = phones.id AND pc.opted_out)
        WHERE EXISTS (SELECT 1 FROM phone_consents pc WHERE pc.phone_id = phones.id AND pc.opted_out)
    """))
    with op.batch_alter_table('phone_consents', schema=None) as batch_op:
        batch_op.drop_index('uq_phone_consents_city_wide')
        batch_op.drop_index(batch_op.f('ix_phone_consents_department_id'))
    op.drop_table('phone_consents')
