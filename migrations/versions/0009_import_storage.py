"""The imported tables' storage: cases keep a fifth of each page free; charges.row_hash unindexed

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 03:40:00

- PostgreSQL: `cases` fillfactor 80. Cases are updated all day (claims, calls, balances) and by
  every import of another day (the extract time of each case it lists). An update that changes
  no indexed column and finds room on its page is a heap-only (HOT) update: none of the table's
  seven indexes is touched. With full pages (the default fillfactor of 100) every such update
  wrote all of them. New pages follow the setting; older pages as they are rewritten. (SQLite
  has no fillfactor.)
- `charges.row_hash` loses its index: the import now finds the rows a file repeats with one
  join of the file's hashes against all charges (app.cases.unchanged_rows), which reads the
  table, not the index, while each new or changed charge paid for a random insert into it.
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE cases SET (fillfactor = 80)")
    with op.batch_alter_table('charges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charges_row_hash'))


def downgrade():
    with op.batch_alter_table('charges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charges_row_hash'), ['row_hash'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE cases RESET (fillfactor)")
