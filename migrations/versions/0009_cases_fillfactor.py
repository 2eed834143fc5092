"""PostgreSQL: the cases table keeps a fifth of each page free (fillfactor 80)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 03:40:00

Cases are updated all day (claims, calls, balances) and by every import of another day (the
extract time of each case it lists). An update that changes no indexed column and finds room on
its page is a heap-only (HOT) update: none of the table's seven indexes is touched. With full
pages (the default fillfactor of 100) every such update wrote all of them. New pages follow the
setting; pages written before fill as they are rewritten. SQLite has no fillfactor: nothing to do.
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE cases SET (fillfactor = 80)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE cases RESET (fillfactor)")
