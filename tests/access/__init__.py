"""Access: every route against every role and a foreign department (see table.py)."""
