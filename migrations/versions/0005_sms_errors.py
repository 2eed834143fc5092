"""sms_messages.errors: failed attempts counted apart from throttled ones

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('errors', sa.Integer(), server_default='0', nullable=False))
    # Messages waiting for a retry keep their budget: their past attempts may all have been
    # throttles, which no longer count.


def downgrade():
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_column('errors')
