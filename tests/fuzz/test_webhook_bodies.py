"""Vonage webhook bodies that are empty, huge, wrongly encoded, not objects or forged: a 400 or a
401 with a JSON error, never a 500, and nothing in the database changes (tests/sms/test_webhooks.py
has the ordinary malformed bodies; these are the ones that used to reach the driver or crash)."""

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app import clock
from app.audit.models import AuditEvent
from app.cases.models import PhoneConsent
from app.extensions import db
from app.sms.models import InboundSms, SmsMessage, SmsPart
from app.sms.webhooks import MAX_BODY_BYTES
from tests import factories as f
from tests.fuzz import DERANDOMIZE
from tests.sms.receipt_helpers import API_KEY, NOW, SECRET, dlr, inbound, sent_message, sign

STATUS, INBOUND = "/webhooks/vonage/status", "/webhooks/vonage/inbound"
FUZZ = settings(max_examples=40, deadline=None, database=None, derandomize=DERANDOMIZE,
                suppress_health_check=list(HealthCheck))


@pytest.fixture
def message(app):
    return sent_message(f.case(f.department("TAX")))


@pytest.fixture
def signed(app, monkeypatch):
    app.config.update(VONAGE_SIGNATURE_SECRET=SECRET, VONAGE_API_KEY=API_KEY)
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    return app


def snapshot() -> tuple:
    """Everything a webhook may change: replies, audit rows, opt-outs, message and part states."""
    db.session.expire_all()
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return (count(InboundSms), count(AuditEvent),
            db.session.execute(select(PhoneConsent.phone_id, PhoneConsent.department_id,
                                      PhoneConsent.opted_out).order_by(PhoneConsent.id)).all(),
            db.session.execute(select(SmsMessage.id, SmsMessage.status, SmsMessage.delivered_at)
                               .order_by(SmsMessage.id)).all(),
            db.session.execute(select(SmsPart.id, SmsPart.status).order_by(SmsPart.id)).all())


def refused(response, *codes) -> None:
    assert response.status_code in codes, response.get_data(as_text=True)
    assert response.is_json and response.get_json()["error"]


def part_id(message) -> str:
    return message.parts[0].provider_message_id


def _deep(levels: int) -> bytes:
    return b'{"a": ' * levels + b"1" + b"}" * levels


@pytest.mark.parametrize("url", [STATUS, INBOUND])
@pytest.mark.parametrize("body, content_type", [
    (_deep(5000), "application/json"),  # json.loads raised RecursionError: was a 500
    (b'[' * 5000, "application/json"),
    (b'{"messageId": "0A1\\u0000", "status": "delivered", "msisdn": "819012345678"}', "application/json"),
    (b'{"messageId": "\\ud800", "status": "delivered", "msisdn": "819012345678"}', "application/json"),
    (b'{"text": "STOP\\u0000", "messageId": "IN1", "msisdn": "819012345678"}', "application/json"),
    (b"text=STOP%00&messageId=IN1&msisdn=819012345678", "application/x-www-form-urlencoded"),
    (b"null", "application/json"), (b'"STOP"', "application/json"), (b"17", "application/json"),
    (b"\xef\xbb\xbf{}", "application/json"),  # a BOM is not JSON
    ("text=停止&msisdn=819012345678".encode("cp932"), "application/x-www-form-urlencoded"),
    (b"\x00" * 100, "application/octet-stream"),
    (b"x" * (MAX_BODY_BYTES + 1), "application/x-www-form-urlencoded"),  # over the 16 KiB cap
])
def test_bodies_the_database_cannot_take_get_400_and_change_nothing(client, message, url, body,
                                                                    content_type):
    before = snapshot()
    refused(client.post(url, data=body, content_type=content_type), 400)
    assert snapshot() == before


@pytest.mark.parametrize("url", [STATUS, INBOUND])
def test_nul_in_a_get_query_string_gets_400(client, message, url):
    before = snapshot()
    refused(client.get(url + "?messageId=IN%00&msisdn=819012345678&text=STOP&status=delivered"), 400)
    assert snapshot() == before


def test_a_huge_body_streamed_without_content_length_is_cut_at_the_cap(client, message):
    """A chunked upload (no Content-Length) of 256 KiB: read up to the cap only, then 400."""
    before = snapshot()
    body = b"messageId=" + part_id(message).encode() + b"&status=delivered&pad=" + b"x" * 256 * 1024
    response = client.post(STATUS, input_stream=io.BytesIO(body),
                           headers={"Content-Type": "application/x-www-form-urlencoded",
                                    "Transfer-Encoding": "chunked"},
                           environ_overrides={"CONTENT_LENGTH": "", "wsgi.input_terminated": True})
    refused(response, 400)
    assert "too large" in response.get_json()["error"] and snapshot() == before


def test_a_non_ascii_signature_is_a_401_not_a_crash(client, signed, message):
    params = sign(inbound("STOP"))
    params["sig"] = "é" * len(params["sig"])  # compare_digest raised TypeError on non-ASCII
    before = snapshot()
    refused(client.post(INBOUND, json=params), 401)
    refused(client.post(INBOUND, data=params), 401)
    assert snapshot() == before


def test_signed_bodies_with_unstorable_text_get_400(client, signed, message):
    before = snapshot()
    body = json.dumps(sign(inbound("STOP"))).replace('"STOP"', '"\\ud800STOP"')
    refused(client.post(INBOUND, data=body, content_type="application/json"), 400)
    refused(client.post(STATUS, json=sign(dlr(part_id(message) + "\x00"))), 400)
    assert snapshot() == before


@pytest.mark.parametrize("url", [STATUS, INBOUND])
def test_forged_or_unsigned_requests_never_change_anything(client, signed, message, url):
    """Any body at all without a valid signature: 400 (unreadable) or 401, and no change."""
    before = snapshot()
    content_types = st.sampled_from(["application/json", "application/x-www-form-urlencoded", "",
                                     "text/plain", "multipart/form-data; boundary=x"])

    @FUZZ
    @given(body=st.binary(max_size=2048), content_type=content_types, forged=st.booleans())
    def post(body, content_type, forged):
        if forged:  # a well-formed receipt/reply whose signature was made with another secret
            params = sign(dlr(part_id(message)) if url == STATUS else inbound("STOP"), secret="guess")
            body = json.dumps(params).encode()
            content_type = "application/json"
        refused(client.post(url, data=body, content_type=content_type), 400, 401)

    post()
    assert snapshot() == before


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)
FIELDS = ["messageId", "status", "err-code", "client-ref", "msisdn", "to", "text", "price",
          "network-code", "message-timestamp", "timestamp", "type", "keyword"]


@pytest.mark.parametrize("url", [STATUS, INBOUND])
def test_unsigned_json_objects_of_any_shape_are_answered_without_a_5xx(client, message, url):
    """VONAGE_ALLOW_UNSIGNED=1 (the parsing below the signature check): any JSON object gets 200
    (applied or ignored) or 400. Without it every unsigned body is refused (tests/sms/test_webhooks.py)."""
    client.application.config["VONAGE_ALLOW_UNSIGNED"] = True

    @FUZZ
    @given(params=st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), JSON_VALUES, max_size=8))
    def post(params):
        before = snapshot()
        response = client.post(url, json=params)
        assert response.status_code in (200, 400), response.get_data(as_text=True)
        if response.status_code == 400:
            assert response.get_json()["error"] and snapshot() == before

    post()
