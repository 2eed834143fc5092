"""charges: period, notice_no and the core system's fields, status; cases: extract time;
import_jobs: as_of, mode, summary; payments: kind, reverses_id

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:30:00

Existing data is carried over: every charge keeps its identity (period and notice_no ""), its
amount and becomes open; cases keep their balance (nothing is recomputed here; a case has no
extract time yet, so every payment recorded so far keeps counting against it, as it did);
every payment is confirmed.
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('charges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period', sa.String(length=16), server_default='', nullable=False))
        batch_op.add_column(sa.Column('notice_no', sa.String(length=32), server_default='', nullable=False))
        batch_op.add_column(sa.Column('assessed', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('late_fee', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('dunning_fee', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('dunning_notice_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('limitation_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=8), server_default='open', nullable=False))
        batch_op.add_column(sa.Column('row_hash', sa.LargeBinary(), nullable=True))
        batch_op.create_index(batch_op.f('ix_charges_row_hash'), ['row_hash'], unique=False)
        batch_op.drop_constraint('uq_charges_case_id_tax_type_fiscal_year', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_charges_case_id_tax_type_fiscal_year_period_notice_no'),
            ['case_id', 'tax_type', 'fiscal_year', 'period', 'notice_no'])
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extract_as_of', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('extract_on', sa.Date(), nullable=True))
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('as_of', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('mode', sa.String(length=8), server_default='delta', nullable=False))
        batch_op.add_column(sa.Column('summary', sa.JSON(), nullable=True))
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=12), server_default='confirmed', nullable=False))
        batch_op.add_column(sa.Column('reverses_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_payments_reverses_id_payments'), 'payments',
                                    ['reverses_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_payments_reverses_id'), ['reverses_id'])


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_payments_reverses_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_payments_reverses_id_payments'), type_='foreignkey')
        batch_op.drop_column('reverses_id')
        batch_op.drop_column('kind')
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_column('summary')
        batch_op.drop_column('mode')
        batch_op.drop_column('as_of')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('extract_on')
        batch_op.drop_column('extract_as_of')
    # Charges that differ only by period or notice number cannot be told apart any more: the
    # downgrade keeps the first of each (case, tax_type, fiscal_year).
    op.execute("DELETE FROM charges WHERE id NOT IN (SELECT min(id) FROM charges "
               "GROUP BY case_id, tax_type, fiscal_year)")
    with op.batch_alter_table('charges', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_charges_case_id_tax_type_fiscal_year_period_notice_no'),
                                 type_='unique')
        batch_op.create_unique_constraint('uq_charges_case_id_tax_type_fiscal_year',
                                          ['case_id', 'tax_type', 'fiscal_year'])
        batch_op.drop_index(batch_op.f('ix_charges_row_hash'))
        for column in ('row_hash', 'status', 'limitation_on', 'dunning_notice_on', 'dunning_fee', 'late_fee',
                       'assessed', 'notice_no', 'period'):
            batch_op.drop_column(column)
