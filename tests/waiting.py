"""Waiting for a state, never for a length of time: the one polling helper of the tests.

A test that waits for workers, servers or threads asks `wait_until(predicate, ...)` for the state
it needs; the timeout is only the point where the test gives up, so it is generous (a loaded
2-core machine may be ten times slower than an idle one) and costs nothing when all goes well.
"""

import time
from collections.abc import Callable

GENEROUS = 120.0  # seconds: a limit for states that take a second or two on an idle machine


def wait_until(predicate: Callable[[], object], timeout: float = GENEROUS, what: str = "a state",
               interval: float = 0.05, detail: Callable[[], object] | None = None):
    """Call `predicate` every `interval` seconds until it returns something true, and return
    that; after `timeout` seconds fail with an AssertionError naming `what` (and `detail()`,
    e.g. the messages per status, to say where it stopped)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            extra = f"; {detail()}" if detail is not None else ""
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}{extra}")
        time.sleep(interval)
