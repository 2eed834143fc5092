"""API tokens: only their SHA-256 is stored; a revoked token stops working at once."""

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import ApiToken
from app.auth.services import token_digest
from app.extensions import db
from tests import factories as f


def test_the_token_is_stored_hashed_and_revocable(runner, client):
    f.user("integration", "manager")
    token = runner.invoke(args=["users", "token", "integration"]).output.strip()
    db.session.expire_all()
    [row] = db.session.scalars(select(ApiToken)).all()
    assert row.token_hash == token_digest(token) and token not in (row.token_hash, row.prefix)
    assert row.prefix == token[:10] and len(token) > 40  # the prefix alone cannot be guessed into it
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/cases?q=x", headers=headers).status_code == 200
    assert runner.invoke(args=["users", "revoke-token", token[:10]]).exit_code == 0
    assert client.get("/api/v1/cases?q=x", headers=headers).status_code == 401
    db.session.expire_all()
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"token.create", "token.revoke"} <= actions
