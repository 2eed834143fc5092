"""The case's SMS in GET /api/v1/cases/<id> and on the case screen."""

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.sms.models import SmsStatus
from app.sms.receipts import apply_receipt, handle_inbound
from tests import factories as f
from tests.sms.receipt_helpers import LONG_JA, NOW, dlr, inbound, minutes, queued_message, sent_message


def token_headers(runner, login: str) -> dict:
    result = runner.invoke(args=["users", "token", login])
    assert result.exit_code == 0, result.output
    return {"Authorization": f"Bearer {result.output.strip()}"}


@pytest.fixture
def setup(app, runner):
    dept = f.department("TAX")
    f.user("op", "operator", dept)
    case = f.case(dept)
    delivered = sent_message(case, LONG_JA)
    for part in delivered.parts:
        apply_receipt(dlr(part.provider_message_id), NOW + minutes(1))
    failed = sent_message(case)
    apply_receipt(dlr(failed.parts[0].provider_message_id, "failed", "6"), NOW + minutes(2))
    suppressed = queued_message(case)
    suppressed.status, suppressed.reason = SmsStatus.SUPPRESSED, "paid"
    db.session.commit()
    ids = {"case": case.id, "delivered": delivered.id, "failed": failed.id, "suppressed": suppressed.id,
           "part_ids": [p.provider_message_id for p in delivered.parts],
           "failed_part": failed.parts[0].provider_message_id}
    return ids, token_headers(runner, "op")


def test_the_case_lists_its_sms_newest_first_with_the_contract_fields(client, setup):
    ids, headers = setup
    response = client.get(f"/api/v1/cases/{ids['case']}", headers=headers)
    assert response.status_code == 200
    sms = response.get_json()["sms"]
    assert [m["id"] for m in sms] == [ids["suppressed"], ids["failed"], ids["delivered"]]
    suppressed, failed, delivered = sms
    assert {"id", "status", "to", "sender", "text", "provider_message_id", "error"} <= set(delivered)
    assert delivered["status"] == "delivered" and delivered["to"] == "+819012345678"
    assert delivered["sender"] == "TAX" and delivered["text"] == LONG_JA
    assert delivered["provider_message_id"] == ids["part_ids"][0]
    assert delivered["provider_message_ids"] == ids["part_ids"]
    assert delivered["error"] is None and delivered["segments"] == 2 and delivered["encoding"] == "ucs2"
    assert delivered["delivered_at"] == (NOW + minutes(1)).isoformat()
    assert failed["status"] == "failed" and failed["provider_message_id"] == ids["failed_part"]
    assert failed["error"] == {"code": "6", "text": "Anti-spam rejection", "reason": None}
    assert suppressed["status"] == "suppressed" and suppressed["provider_message_id"] is None
    assert suppressed["error"] == {"code": None, "text": None, "reason": "paid"}
    assert suppressed["reason"] == "paid" and suppressed["sent_at"] is None


def test_the_case_screen_shows_sms_and_replies_on_the_timeline(client, setup):
    ids, _headers = setup
    handle_inbound(inbound("STOP"), NOW + minutes(3))
    db.session.commit()
    f.login(client, db.session.scalar(select(User).where(User.login == "op")))
    html = client.get(f"/cases/{ids['case']}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html.count('data-testid="timeline-sms"') == 3
    assert 'data-label="delivered"' in html and 'data-label="failed"' in html
    assert "SMS delivered" in html and "SMS failed" in html and "SMS not sent" in html
    assert "市税のお支払いについてのお知らせです。" in html
    assert '<span class="badge bad" data-testid="sms-error">6: Anti-spam rejection</span>' in html
    assert 'data-testid="sms-reason">nothing owed</span>' in html
    assert 'data-testid="timeline-sms_reply"' in html and "SMS opt-out received" in html
    assert 'href="/sandbox/phone?number=%2B819012345678"' in html
