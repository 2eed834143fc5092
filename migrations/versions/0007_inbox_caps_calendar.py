"""Reply inbox per department, contact caps per number, closures, retention (issue 10b)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closures', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('phones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wrong_person_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('callback_requested_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('flag', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('payment_reminders_paused_until', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index('ix_cases_callback', ['department_id', 'callback_requested_at'], unique=False,
                              postgresql_where=sa.text("status = 'open' AND callback_requested_at IS NOT NULL"),
                              sqlite_where=sa.text("status = 'open' AND callback_requested_at IS NOT NULL"))
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_deleted_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cap_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('daily_cap_exempt', sa.Boolean(), server_default=sa.text('false'),
                                      nullable=False))
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_sms_messages_cap', ['to_e164', 'cap_day'], unique=False)
    with op.batch_alter_table('inbound_sms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('classification', sa.String(length=16), server_default='other',
                                      nullable=False))
        batch_op.add_column(sa.Column('state', sa.String(length=12), server_default='new', nullable=False))
        batch_op.add_column(sa.Column('handled_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key('fk_inbound_sms_department_id_departments', 'departments',
                                    ['department_id'], ['id'])
        batch_op.create_foreign_key('fk_inbound_sms_handled_by_id_users', 'users', ['handled_by_id'], ['id'])
        batch_op.create_index('ix_inbound_sms_inbox', ['department_id', 'state', 'received_at'], unique=False)
    op.create_table(
        'inbox_settings',
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('auto_ack_template_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['auto_ack_template_id'], ['sms_templates.id']),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id']),
        sa.PrimaryKeyConstraint('department_id'),
    )
    # Existing messages count for the caps on the day they were made (UTC date: close enough
    # for a one-off), and existing replies go to the department whose sender ID they were sent
    # to, else to the department that last texted that number; the rest stay unrouted.
    op.execute("UPDATE sms_messages SET cap_day = CAST(COALESCE(sent_at, created_at) AS DATE)")
    op.execute("""
        UPDATE inbound_sms SET department_id = (
            SELECT d.id FROM departments d WHERE d.sender_id = inbound_sms."to" ORDER BY d.id LIMIT 1)
        WHERE opt_out = false""")
    op.execute("""
        UPDATE inbound_sms SET department_id = (
            SELECT m.department_id FROM sms_messages m WHERE m.to_e164 = inbound_sms.msisdn
            ORDER BY m.id DESC LIMIT 1)
        WHERE opt_out = false AND department_id IS NULL""")
    # Old replies were never read in an inbox: they start as done, not as a wall of "new".
    op.execute("UPDATE inbound_sms SET state = 'done'")


def downgrade():
    op.drop_table('inbox_settings')
    with op.batch_alter_table('inbound_sms', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_sms_inbox')
        batch_op.drop_constraint('fk_inbound_sms_handled_by_id_users', type_='foreignkey')
        batch_op.drop_constraint('fk_inbound_sms_department_id_departments', type_='foreignkey')
        for column in ('purged_at', 'handled_at', 'handled_by_id', 'state', 'classification', 'department_id'):
            batch_op.drop_column(column)
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_messages_cap')
        for column in ('purged_at', 'daily_cap_exempt', 'cap_day'):
            batch_op.drop_column(column)
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_column('content_deleted_at')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_callback')
        for column in ('payment_reminders_paused_until', 'flag', 'callback_requested_at'):
            batch_op.drop_column(column)
    with op.batch_alter_table('phones', schema=None) as batch_op:
        batch_op.drop_column('wrong_person_at')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_column('closures')
