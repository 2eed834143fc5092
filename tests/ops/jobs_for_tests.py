"""Jobs the operations tests enqueue: one that fails until a Redis key says otherwise."""

from app.queue import redis_connection


def fail_unless_allowed(key: str) -> str:
    """Raise until `key` exists in Redis; then mark `key:done` and succeed."""
    connection = redis_connection()
    if not connection.exists(key):
        raise RuntimeError("failing on purpose (operations test)")
    connection.set(f"{key}:done", "1")
    return "done"
