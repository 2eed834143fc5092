"""Security headers on every response, pages that satisfy their own CSP (no inline scripts,
handlers or style attributes; the charts' <style> carries the nonce), Secure cookies on https."""

import re

import pytest
from sqlalchemy import select

from app import create_app
from app.escalation.models import EscalationRule
from app.extensions import db
from app.sms.models import SmsTemplate
from tests import factories as f
from tests.conftest import test_config as config_for_tests
from tests.reports import dataset

INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.I)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)


def nonce_of(response) -> str:
    match = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert match
    return match.group(1)


def test_every_response_has_the_headers(client):
    for path in ("/login", "/healthz", "/static/app.css", "/no-such-page"):
        response = client.get(path)
        response.close()  # the static file's handle
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp
        assert "default-src 'self'" in csp and "object-src 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_nonce_changes_per_response(client):
    assert nonce_of(client.get("/login")) != nonce_of(client.get("/login"))


def _pages(data) -> list[str]:
    rule = db.session.scalar(select(EscalationRule).where(EscalationRule.department_id == data.tax.id))
    template = db.session.scalar(select(SmsTemplate).where(SmsTemplate.department_id == data.tax.id))
    case = f.case(data.tax)
    return ["/", f"/cases/{case.id}", "/reports?from=2026-11-01&to=2026-11-30&department=TAX",
            "/reports/archive", "/escalation/rules?department=TAX", f"/escalation/rules/{rule.id}",
            "/sms/templates?department=TAX", f"/sms/templates/{template.id}", "/sandbox/phone",
            "/imports", "/departments", "/escalation/handed-over?department=TAX", "/admin/ops", "/senders"]


@pytest.mark.parametrize("login", ["admin", "sup"])
def test_pages_need_nothing_the_policy_forbids(client, login):
    data = dataset.build()
    if login == "admin":
        f.user("admin", "admin")
    pages = _pages(data)
    f.login(client, db.session.scalar(select(f.User).where(f.User.login == login)))
    styles = 0
    for path in pages:
        response = client.get(path)
        if login == "sup" and path == "/admin/ops":
            assert response.status_code == 403
            continue
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert not INLINE_HANDLER.search(html), (path, INLINE_HANDLER.search(html).group(0))
        assert not STYLE_ATTRIBUTE.search(html), (path, STYLE_ATTRIBUTE.search(html).group(0))
        assert not INLINE_SCRIPT.search(html), (path, INLINE_SCRIPT.search(html).group(0))
        nonce = nonce_of(response)
        for tag in re.findall(r"<style[^>]*>", html):
            assert f'nonce="{nonce}"' in tag, (path, tag)
            styles += 1
    assert styles == 3  # the report's three charts


def session_cookie(response) -> str:
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


def test_session_cookie_is_secure_over_https(app, client):  # client: isolated requests
    http = app.test_client().get("/login")
    assert "Secure" not in session_cookie(http)
    https = app.test_client().get("/login", base_url="https://localhost")
    assert "; Secure" in session_cookie(https)
    assert "HttpOnly" in session_cookie(https) and "SameSite=Lax" in session_cookie(https)


def test_forwarded_proto_counts_only_behind_a_trusted_proxy(app, client):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    assert "Secure" not in session_cookie(app.test_client().get("/login", headers=forwarded))
    proxied = create_app(config_for_tests(TRUST_PROXY_HOPS=1))
    response = proxied.test_client().get("/login", headers=forwarded)
    assert "; Secure" in session_cookie(response)
    with proxied.app_context():
        db.engine.dispose()
