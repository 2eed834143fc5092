"""The Vonage provider through the real SDK against the TLS fake: the wire format and how
each of Vonage's answers maps onto retry / rejected / no answer."""

from types import SimpleNamespace

import pytest

from app.sms.providers import ProviderNoAnswer, ProviderRejected, ProviderRetry, get_provider
from app.sms.providers.vonage import VonageProvider
from tests.sms.conftest import reset_provider

TO = "+819012345678"


def sms(text="[TAX] Please call 048-555-0100", to=TO, ref="ref-1"):
    return SimpleNamespace(to_e164=to, sender="TAXDEPT", text=text, client_ref=ref)


def test_sends_through_the_sdk_with_key_and_secret(app, fake_vonage):
    provider = get_provider()
    assert provider.name == "vonage" and isinstance(provider, VonageProvider)
    [part] = provider.send(sms())
    [request] = fake_vonage.requests
    assert request.params == {"to": "819012345678", "from": "TAXDEPT", "text": sms().text,
                              "client-ref": "ref-1", "type": "text"}
    assert part.provider_message_id == request.message_ids[0]
    assert (part.price, part.network) == (fake_vonage.price, fake_vonage.network)


def test_credentials_are_checked_by_the_fake(app, fake_vonage):
    get_provider().send(sms())
    assert [r.auth for r in fake_vonage.requests] == ["basic"]  # the SDK's key+secret path
    app.config["VONAGE_API_SECRET"] = "wrong"
    reset_provider(app)
    with pytest.raises(ProviderRejected) as caught:
        get_provider().send(sms())
    assert (caught.value.code, caught.value.text, caught.value.dead_number) == ("4", "Bad Credentials", False)
    assert fake_vonage.requests[-1].outcome == "bad-auth"


@pytest.mark.parametrize(("text", "kind", "parts"), [
    ("あ" * 70, "unicode", 1), ("あ" * 71, "unicode", 2), ("あ" * 134, "unicode", 2),
    ("あ" * 135, "unicode", 3), ("😀" * 35, "unicode", 1), ("a" * 160, "text", 1),
    ("a" * 161, "text", 2), ("{" * 80, "text", 1), ("{" * 81, "text", 2),
])
def test_encoding_and_parts_match_what_vonage_counts(app, fake_vonage, text, kind, parts):
    accepted = get_provider().send(sms(text))
    [request] = fake_vonage.requests
    assert (request.params["type"], request.parts, request.lossy) == (kind, parts, False)
    assert len(accepted) == parts


@pytest.mark.parametrize(("status", "text", "throttled"), [
    ("1", "Throttled", True), ("5", "Internal Error", False), ("10", "Too Many Existing Binds", False),
])
def test_retryable_statuses(app, fake_vonage, status, text, throttled):
    fake_vonage.answer_next(1, status, text)
    with pytest.raises(ProviderRetry) as caught:
        get_provider().send(sms())
    assert caught.value.throttled is throttled and caught.value.reason == f"Vonage status {status}: {text}"


@pytest.mark.parametrize(("code", "retry_after", "throttled"), [
    (429, 7, True), (429, None, True), (500, None, False), (503, 30, False),
])
def test_retryable_http_errors(app, fake_vonage, code, retry_after, throttled):
    fake_vonage.http_error_next(1, code, retry_after=retry_after)
    with pytest.raises(ProviderRetry) as caught:
        get_provider().send(sms())
    assert caught.value.throttled is throttled
    assert caught.value.retry_after == (float(retry_after) if retry_after is not None else None)


@pytest.mark.parametrize(("status", "text", "dead"), [
    ("6", "Invalid Message", True), ("7", "Number barred", True), ("33", "Number de-activated", True),
    ("9", "Partner Quota Violation", False), ("15", "Invalid Sender Address", False),
    ("3", "Invalid Parameters", False),
])
def test_permanent_statuses(app, fake_vonage, status, text, dead):
    fake_vonage.refuse_number(TO, status, text)
    with pytest.raises(ProviderRejected) as caught:
        get_provider().send(sms())
    assert (caught.value.code, caught.value.text, caught.value.dead_number) == (status, text, dead)
    assert caught.value.accepted == ()


def test_partial_failure_keeps_the_accepted_parts(app, fake_vonage):
    fake_vonage.fail_part(TO, 2, "6", "Invalid Message")
    with pytest.raises(ProviderRejected) as caught:
        get_provider().send(sms("あ" * 200))  # three parts; the third is refused
    [request] = fake_vonage.requests
    assert [p.provider_message_id for p in caught.value.accepted] == request.message_ids
    assert len(request.message_ids) == 2 and caught.value.code == "6"


def test_a_lost_answer_is_not_a_retry(app, fake_vonage):
    app.config["VONAGE_TIMEOUT_SECONDS"] = 1
    reset_provider(app)
    fake_vonage.hang_next(1, 5)
    with pytest.raises(ProviderNoAnswer):
        get_provider().send(sms())
    fake_vonage.release()
    assert len(fake_vonage.requests) == 1  # the SDK did not send it again either


def test_an_untrusted_certificate_is_a_retry_not_a_send(app, fake_vonage, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")  # back to the public CAs (certifi)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    reset_provider(app)
    with pytest.raises(ProviderRetry, match="connection failed"):
        get_provider().send(sms())
    assert fake_vonage.requests == []
