"""What every browser test shares: the test app served over HTTP and Chromium's flags."""

import threading

import pytest
from werkzeug.serving import make_server

from app import clock
from tests import factories as f

# Debian's chromium as root, headless, with no calls home (this machine has no internet).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture
def live_server(app, monkeypatch):
    """The test app over HTTP on a free port; 'now' is Monday 2026-11-16, inside calling hours."""
    monkeypatch.setattr(clock, "utcnow", lambda: f.WORKDAY_MORNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
