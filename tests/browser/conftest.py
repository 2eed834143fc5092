"""What every browser test shares: the test app served over HTTP and Chromium's flags."""


import pytest
from playwright.sync_api import expect

from app import clock
from tests import factories as f
from tests.serving import serving

# `expect(...)` waits for a state up to its own timeout (5 s by default, not the page's default):
# on a loaded machine a debounced live check and its request took longer than that (the rule
# editor's match count, seen at load 5). The waits stay waits for states; only the ceiling grows.
expect.set_options(timeout=30_000)

# Debian's chromium as root, headless, with no calls home (this machine has no internet).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture
def live_server(app, monkeypatch):
    """The test app over HTTP on a free port; 'now' is Monday 2026-11-16, inside calling hours."""
    monkeypatch.setattr(clock, "utcnow", lambda: f.WORKDAY_MORNING)
    with serving(app) as url:
        yield url


def log_in(page, base: str, login: str) -> None:
    """Log `login` in through the login form (every test user has `factories.PASSWORD`)."""
    page.goto(f"{base}/login")
    page.fill("#login", login)
    page.fill("#password", f.PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
