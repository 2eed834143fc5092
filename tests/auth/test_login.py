from datetime import timedelta

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from tests import factories as f


def test_login_and_logout(client):
    dept = f.department("TAX")
    op = f.user("op1", "operator", dept)
    response = f.login(client, op)
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "op1" in home.get_data(as_text=True)
    token = f.csrf_from(home.get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_password_is_hashed(app):
    op = f.user("op1", "admin")
    assert f.PASSWORD not in op.password_hash
    assert op.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_login_form_without_csrf_is_refused(client):
    f.user("op1", "admin")
    response = client.post("/login", data={"login": "op1", "password": f.PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # still not logged in


def test_lockout_after_repeated_failures(client, app):
    op = f.user("op1", "admin")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        f.login(client, op, password="wrong-password")
    # The right password is now refused too.
    response = f.login(client, op)
    assert response.status_code == 200
    assert client.get("/").status_code == 302
    db.session.expire_all()  # the requests changed the row in their own sessions
    user = db.session.scalar(select(User).where(User.login == "op1"))
    assert user.locked_until is not None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.locked"))
    # After the lock expires the right password works again.
    user.locked_until = user.locked_until - timedelta(hours=1)
    db.session.commit()
    assert f.login(client, op).status_code == 302


def test_bearer_token_authenticates_api_and_can_be_revoked(runner, client):
    f.user("integration", "admin")
    result = runner.invoke(args=["users", "token", "integration"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("cc_")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/cases?q=x", headers=headers).status_code == 200
    assert client.get("/api/v1/cases?q=x", headers={"Authorization": "Bearer nope"}).status_code == 401
    result = runner.invoke(args=["users", "revoke-token", token[:10]])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/cases?q=x", headers=headers).status_code == 401


def test_cli_creates_users_and_departments(runner):
    result = runner.invoke(args=[
        "departments", "create", "TAX", "税務課", "--sender-id", "MisatoTax",
        "--callback-phone", "048-555-0100", "--calling-hours", "08:30-19:00",
        "--rest-days", "sat,sun,holidays",
    ])
    assert result.exit_code == 0, result.output
    bad = runner.invoke(args=[
        "departments", "create", "BAD", "x", "--sender-id", "this-is-too-long-id",
        "--callback-phone", "048-555-0100",
    ])
    assert bad.exit_code != 0 and "sender ID" in bad.output
    result = runner.invoke(
        args=["users", "create", "sato", "--role", "operator", "--department", "TAX",
              "--password-stdin"], input="a-long-password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.login == "sato"))
    assert user.department.code == "TAX"
    assert user.department.calling_start.strftime("%H:%M") == "08:30"
    no_dept = runner.invoke(args=["users", "create", "x", "--role", "operator", "--password-stdin"],
                            input="a-long-password\n")
    assert no_dept.exit_code != 0 and "department" in no_dept.output
