"""/webhooks/vonage/status and /inbound over HTTP: signatures, replays, body formats, errors."""

import json
import logging
from urllib.parse import urlencode

import pytest

from app import clock, create_app
from app.extensions import db
from app.sms.models import InboundSms, SmsMessage, SmsStatus
from tests import factories as f
from tests.conftest import test_config as make_config
from tests.sms.receipt_helpers import (
    NOW,
    SECRET,
    audits,
    dlr,
    fresh,
    inbound,
    minutes,
    opted,
    sent_message,
    sign,
)

STATUS = "/webhooks/vonage/status"
INBOUND = "/webhooks/vonage/inbound"


@pytest.fixture
def message(app):
    return sent_message(f.case(f.department("TAX")))


@pytest.fixture
def signed(app, monkeypatch):
    """The app with a signature secret, its clock at NOW."""
    app.config["VONAGE_SIGNATURE_SECRET"] = SECRET
    app.config["VONAGE_API_KEY"] = "abcd1234"
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    return app


@pytest.fixture
def unsigned_allowed(app):
    """VONAGE_ALLOW_UNSIGNED=1: the body checks below the signature check, on their own."""
    app.config["VONAGE_ALLOW_UNSIGNED"] = True
    return app


def part_id(message) -> str:
    return message.parts[0].provider_message_id


def status_of(message) -> str:
    return fresh(SmsMessage, message.id).status


def test_a_signed_receipt_is_applied(client, signed, message):
    response = client.get(STATUS, query_string=sign(dlr(part_id(message))))
    assert response.status_code == 200 and response.get_json() == {"result": "updated"}
    assert status_of(message) == SmsStatus.DELIVERED


@pytest.mark.parametrize("method", ["sha256", "sha512", "md5"])
def test_the_signature_method_is_configurable(client, signed, message, method):
    signed.config["VONAGE_SIGNATURE_METHOD"] = method
    response = client.post(STATUS, data=sign(dlr(part_id(message)), method=method))
    assert response.status_code == 200
    assert status_of(message) == SmsStatus.DELIVERED


def test_a_forged_signature_gets_401_and_changes_nothing(client, signed, message):
    params = sign(dlr(part_id(message)))
    params["sig"] = sign(dlr(part_id(message)), secret="not-the-secret")["sig"]
    assert client.get(STATUS, query_string=params).status_code == 401
    tampered = sign(dlr(part_id(message), "accepted"))
    tampered["status"] = "delivered"  # signed as accepted, altered on the way
    assert client.post(STATUS, data=tampered).status_code == 401
    unsigned = dlr(part_id(message))
    assert client.post(STATUS, json=unsigned).status_code == 401
    assert status_of(message) == SmsStatus.SENT
    assert audits("sms.receipt") == 0


def test_a_replayed_receipt_six_minutes_old_gets_401(client, signed, message):
    old = sign(dlr(part_id(message)), at=NOW - minutes(6))
    response = client.get(STATUS, query_string=old)
    assert response.status_code == 401 and "error" in response.get_json()
    future = sign(dlr(part_id(message)), at=NOW + minutes(6))
    assert client.get(STATUS, query_string=future).status_code == 401
    assert status_of(message) == SmsStatus.SENT
    # Four minutes off is within the allowed skew.
    recent = sign(dlr(part_id(message)), at=NOW - minutes(4))
    assert client.get(STATUS, query_string=recent).status_code == 200
    assert status_of(message) == SmsStatus.DELIVERED


@pytest.mark.parametrize("timestamp",
                         ["yesterday", "9" * 4000, "-1", "1.5", "１７００００００００", "1" * 12])
def test_a_timestamp_that_is_not_a_unix_time_gets_400(client, signed, message, timestamp):
    params = sign(dlr(part_id(message)))
    params["timestamp"] = timestamp
    response = client.get(STATUS, query_string=params)
    assert response.status_code == 400 and "timestamp" in response.get_json()["error"]
    response = client.post(STATUS, json=dict(params, timestamp=int(timestamp) if timestamp.isascii()
                                             and timestamp.isdigit() else timestamp))
    assert response.status_code == 400
    assert status_of(message) == SmsStatus.SENT


def test_unsigned_webhooks_are_refused_without_a_secret_in_both_modes(client, app, message):
    for provider in ("vonage", "sandbox"):
        app.config.update(SMS_PROVIDER=provider, VONAGE_API_KEY="k", VONAGE_API_SECRET="s")
        assert client.post(STATUS, data=dlr(part_id(message))).status_code == 401
        assert client.get(STATUS, query_string=dlr(part_id(message))).status_code == 401
        response = client.post(INBOUND, data=inbound("STOP"))
        assert response.status_code == 401 and response.get_json()["error"]
        # Signed with some secret the app does not have: nothing verifies without one.
        assert client.post(INBOUND, data=sign(inbound("STOP"), at=clock.utcnow())).status_code == 401
    assert status_of(message) == SmsStatus.SENT
    assert not opted(message.phone_id)
    assert db.session.query(InboundSms).count() == 0 and audits("sms.receipt") == 0


def test_unsigned_webhooks_are_refused_with_a_secret_in_sandbox_mode(client, signed, message):
    signed.config.update(SMS_PROVIDER="sandbox")
    assert client.post(INBOUND, data=inbound("STOP")).status_code == 401
    assert client.post(STATUS, json=dlr(part_id(message))).status_code == 401
    assert client.post(INBOUND, data=sign(inbound("STOP"))).status_code == 200  # signed: applied
    assert opted(message.phone_id)


def test_allow_unsigned_accepts_unsigned_but_still_checks_a_given_signature(client, signed, message):
    signed.config["VONAGE_ALLOW_UNSIGNED"] = True
    forged = sign(dlr(part_id(message)), secret="not-the-secret")
    assert client.post(STATUS, data=forged).status_code == 401
    assert client.post(STATUS, data=dlr(part_id(message))).status_code == 200
    assert status_of(message) == SmsStatus.DELIVERED


def test_allow_unsigned_warns_at_start_and_on_the_operations_page(app, client, caplog):
    with caplog.at_level(logging.WARNING):
        create_app(make_config(VONAGE_ALLOW_UNSIGNED=True))
    assert any("VONAGE_ALLOW_UNSIGNED" in r.getMessage() for r in caplog.records)
    f.login(client, f.user("root", "admin"))
    assert 'data-testid="unsigned-webhooks"' not in client.get("/admin/ops").get_data(as_text=True)
    app.config["VONAGE_ALLOW_UNSIGNED"] = True
    assert 'data-testid="unsigned-webhooks"' in client.get("/admin/ops").get_data(as_text=True)


def test_get_form_and_json_receipts_are_all_understood(client, signed, message):
    # Each form Vonage may use, signed.
    first = part_id(message)
    assert client.get(STATUS, query_string=sign(dlr(first, "accepted"))).get_json() == {"result": "updated"}
    assert client.post(STATUS, data=sign(dlr(first, "buffered"))).get_json() == {"result": "duplicate"}
    response = client.post(STATUS, json=sign(dlr(first, "delivered")))
    assert response.status_code == 200 and response.get_json() == {"result": "updated"}
    assert status_of(message) == SmsStatus.DELIVERED


def test_signed_json_receipt(client, signed, message):
    response = client.post(STATUS, data=json.dumps(sign(dlr(part_id(message)))),
                           content_type="application/json; charset=utf-8")
    assert response.status_code == 200
    assert status_of(message) == SmsStatus.DELIVERED


def test_the_same_receipt_twice_is_answered_200_and_applied_once(client, signed, message):
    params = sign(dlr(part_id(message)))
    assert client.post(STATUS, data=params).get_json() == {"result": "updated"}
    updated_at = fresh(SmsMessage, message.id).updated_at
    retry = sign(dlr(part_id(message)))  # Vonage retries the same receipt
    assert client.post(STATUS, data=retry).get_json() == {"result": "duplicate"}
    assert audits("sms.receipt") == 1
    assert fresh(SmsMessage, message.id).updated_at == updated_at


def test_an_unknown_message_id_is_answered_200(client, signed, message):
    response = client.get(STATUS, query_string=sign(dlr("DEADBEEF00000000")))
    assert response.status_code == 200 and response.get_json() == {"result": "unknown_id"}
    assert status_of(message) == SmsStatus.SENT


@pytest.mark.parametrize("body, content_type", [
    (b'{"messageId": "0A1", "status": ', "application/json"),  # bad JSON
    (b'["0A1", "delivered"]', "application/json"),  # not an object
    (b'{"messageId": {"id": "0A1"}, "status": "delivered"}', "application/json"),  # wrong type
    (b'{"messageId": "0A1", "status": 3}', "application/json"),
    (b"\xff\xfe{}", "application/json"),  # not UTF-8
    (b"", "application/x-www-form-urlencoded"),  # empty
    (b"   ", "application/json"),
    (b"status=delivered", "application/x-www-form-urlencoded"),  # no messageId
    (b"messageId=%ff%fe&status=delivered", "application/x-www-form-urlencoded"),  # undecodable
    (b"messageId=\xff\xfe&status=delivered", "application/x-www-form-urlencoded"),
    (b"messageId=0A1&status=delivered&" + b"a=1&" * 100, "application/x-www-form-urlencoded"),
    (b"messageId=0A1&status=delivered", "text/xml"),
])
def test_a_malformed_body_gets_400_json(client, unsigned_allowed, message, body, content_type):
    response = client.post(STATUS, data=body, content_type=content_type)
    assert response.status_code == 400
    assert response.is_json and response.get_json()["error"]
    assert status_of(message) == SmsStatus.SENT


def test_a_huge_body_gets_400(client, unsigned_allowed, message):
    params = dict(dlr(part_id(message)), padding="x" * 20_000)
    response = client.post(STATUS, data=urlencode(params), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "too large" in response.get_json()["error"]
    response = client.get(STATUS, query_string=params)
    assert response.status_code == 400
    assert status_of(message) == SmsStatus.SENT


def test_an_empty_get_gets_400(client, unsigned_allowed):
    assert client.get(STATUS).status_code == 400
    assert client.get(INBOUND).status_code == 400
    assert client.get(STATUS + "?messageId=%ff&status=delivered").status_code == 400


def test_malformed_bodies_get_400_before_the_signature_check(client, signed):
    response = client.post(STATUS, data=b"{nope", content_type="application/json")
    assert response.status_code == 400


def test_webhooks_need_no_csrf_token_or_login(client, signed, message):
    # The test app has CSRF protection on: a form POST without a token still works here.
    assert client.post(STATUS, data=sign(dlr(part_id(message)))).status_code == 200


def test_a_signed_inbound_stop_opts_the_number_out(client, signed, message):
    response = client.get(INBOUND, query_string=sign(inbound("STOP")))
    assert response.status_code == 200 and response.get_json() == {"result": "opted_out"}
    assert opted(message.phone_id)
    forged = sign(inbound("hello"))
    forged["text"] = "STOP"
    assert client.post(INBOUND, json=forged).status_code == 401


def test_inbound_by_form_and_json_and_duplicates(client, unsigned_allowed):
    body = inbound("I will pay on Friday", message_id="IN-1")
    assert client.post(INBOUND, data=body).get_json() == {"result": "stored"}
    assert client.post(INBOUND, json=body).get_json() == {"result": "duplicate"}
    assert db.session.query(InboundSms).count() == 1
    bad = dict(body, msisdn="not-a-number", messageId="IN-2")
    assert client.post(INBOUND, json=bad).status_code == 400
    assert client.post(INBOUND, json={"msisdn": "819012345678"}).status_code == 400
    assert db.session.query(InboundSms).count() == 1


def test_a_warning_at_startup_when_vonage_has_no_signature_secret(app, caplog):
    # Without a secret every webhook is refused: the warning says so.
    with caplog.at_level(logging.WARNING):
        create_app(make_config(SMS_PROVIDER="vonage", VONAGE_API_KEY="k", VONAGE_API_SECRET="s"))
    assert any("VONAGE_SIGNATURE_SECRET" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        create_app(make_config(SMS_PROVIDER="vonage", VONAGE_API_KEY="k", VONAGE_API_SECRET="s",
                               VONAGE_SIGNATURE_SECRET=SECRET))
        create_app(make_config(SMS_PROVIDER="sandbox"))
    assert not any("VONAGE_SIGNATURE_SECRET" in r.getMessage() for r in caplog.records)


def test_logs_carry_no_phone_number_or_text(client, unsigned_allowed, message, caplog):
    with caplog.at_level(logging.DEBUG):
        client.get(STATUS, query_string=dlr("UNKNOWN0000000001"))
        client.post(INBOUND, data=inbound("STOP 090-1234-5678"))
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "UNKNOWN0000000001" in logged
    assert "819012345678" not in logged and "STOP" not in logged
