"""The sandbox provider (receipts it makes itself, through apply_receipt) and the sandbox
phone page: a message sent by the real send job on a real RQ worker ends `delivered`."""


import pytest
from playwright.sync_api import expect, sync_playwright

from app import clock, queue
from app.auth.models import Department
from app.cases.models import Case, Phone
from app.extensions import db
from app.queue import rq_queue
from app.sms.models import InboundSms, SmsMessage, SmsStatus
from app.sms.providers import get_provider
from app.sms.providers.sandbox import SandboxProvider
from tests import factories as f
from tests.browser.conftest import CHROMIUM_ARGS, log_in
from tests.serving import serving
from tests.sms.receipt_helpers import LONG_JA, MOBILE, NOW, audits, fresh, opted, queued_message, work
from tests.waiting import wait_until

FAILING = "+819012340000"


@pytest.fixture
def dept(app, monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)  # inside SMS hours
    return f.department("TAX")


def send_through_the_job(case, monkeypatch, text=LONG_JA) -> SmsMessage:
    """Queue a message as a rule does and let a real RQ worker run the send job, then the
    receipts job the sandbox enqueued after the send committed."""
    message_id = queued_message(case, text).id
    work(monkeypatch)  # the worker's job ends with db.session.remove(): the test's rows detach
    return fresh(SmsMessage, message_id)


def test_the_sandbox_is_the_provider_when_no_key_is_set(app):
    assert isinstance(get_provider(), SandboxProvider) and get_provider().name == "sandbox"


def test_the_provider_accepts_one_part_per_segment_and_enqueues_receipts_after_commit(dept, monkeypatch):
    case = f.case(dept)
    message = queued_message(case, LONG_JA)
    parts = SandboxProvider({}).send(message)
    assert len(parts) == message.segments == 2
    assert all(p.provider_message_id.startswith("sandbox-") for p in parts)
    assert len({p.provider_message_id for p in parts}) == 2
    db.session.rollback()  # a send job that rolls back starts no receipts job
    assert rq_queue("sms").count == 1  # only the send job queue_sms enqueued


def test_a_message_sent_by_the_send_job_ends_delivered(dept, monkeypatch):
    case = f.case(dept)
    message = send_through_the_job(case, monkeypatch)
    assert message.status == SmsStatus.DELIVERED
    assert message.provider == "sandbox" and message.delivered_at == NOW
    assert len(message.parts) == 2 and all(p.status == SmsStatus.DELIVERED for p in message.parts)
    assert audits("sms.receipt") == 2


def test_a_number_ending_in_0000_fails_as_a_dead_number(dept, monkeypatch):
    case = f.case(dept, phones=((FAILING, "mobile", True),))
    case_id = case.id
    message = send_through_the_job(case, monkeypatch, "【TAX Division】Please call 048-555-0100.")
    assert (message.status, message.error_code) == (SmsStatus.FAILED, "3")
    phone = db.session.get(Phone, message.phone_id)
    assert not phone.usable and phone.unusable_reason == "sms_failed"
    assert db.session.get(Case, case_id).next_action_at <= NOW


# --- the sandbox phone page ------------------------------------------------------------------

def test_the_phone_shows_what_the_citizen_received(client, dept, monkeypatch):
    message = send_through_the_job(f.case(dept), monkeypatch)
    f.login(client, f.user("op", "operator", message.department))
    page = client.get("/sandbox/phone")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-testid="number-{MOBILE}"' in html
    assert "市税のお支払いについてのお知らせです。" in html and ">TAX</span>" in html
    assert '<span class="ticks" data-testid="ticks">✓✓</span>' in html
    assert 'src="/static/sandbox_phone.js"' in html and "<script>" not in html
    body = client.get("/sandbox/phone/messages", query_string={"number": MOBILE}).get_json()
    assert body["number"] == MOBILE
    [bubble] = body["messages"]
    assert bubble["incoming"] and bubble["sender"] == "TAX" and bubble["status"] == "delivered"
    assert bubble["ticks"] == "✓✓" and bubble["text"] == LONG_JA


def test_a_reply_from_the_phone_goes_through_the_inbound_code(client, dept, monkeypatch):
    case = f.case(dept)
    message = send_through_the_job(case, monkeypatch)
    waiting = queued_message(message.case)  # the next reminder, not sent yet
    f.login(client, f.user("op", "operator", message.department))
    token = f.csrf_from(client.get("/sandbox/phone").get_data(as_text=True))
    assert client.post("/sandbox/phone/reply", data={"number": MOBILE, "text": "STOP"}).status_code == 400
    response = client.post("/sandbox/phone/reply",
                           data={"number": MOBILE, "text": "ＳＴＯＰ", "csrf_token": token})
    assert response.status_code == 302
    reply = db.session.query(InboundSms).one()
    assert reply.opt_out and reply.provider_message_id.startswith("sandbox-in-")
    assert opted(message.phone_id)
    assert fresh(SmsMessage, waiting.id).status == SmsStatus.SUPPRESSED
    assert audits("sandbox.reply") == 1
    body = client.get("/sandbox/phone/messages", query_string={"number": MOBILE}).get_json()
    assert [m["incoming"] for m in body["messages"]] == [True, False]
    assert body["messages"][-1]["text"] == "ＳＴＯＰ"
    # An empty reply is refused with a message, not stored.
    client.post("/sandbox/phone/reply", data={"number": MOBILE, "text": " ", "csrf_token": token})
    assert db.session.query(InboundSms).count() == 1


def test_numbers_are_scoped_by_department(client, dept, monkeypatch):
    water_id = f.department("WATER").id
    send_through_the_job(f.case(dept), monkeypatch)
    f.login(client, f.user("w", "operator", db.session.get(Department, water_id)))
    html = client.get("/sandbox/phone").get_data(as_text=True)
    assert f'data-testid="number-{MOBILE}"' not in html and 'data-testid="sandbox-empty"' in html
    assert client.get("/sandbox/phone", query_string={"number": MOBILE}).status_code == 404
    assert client.get("/sandbox/phone/messages", query_string={"number": MOBILE}).status_code == 404
    token = f.csrf_from(html)
    assert client.post("/sandbox/phone/reply", data={"number": MOBILE, "text": "STOP",
                                                     "csrf_token": token}).status_code == 404
    assert db.session.query(InboundSms).count() == 0
    client.post("/logout", data={"csrf_token": token})
    f.login(client, f.user("m", "manager"))
    assert f'data-testid="number-{MOBILE}"' in client.get("/sandbox/phone").get_data(as_text=True)


def test_the_page_is_404_when_the_provider_is_vonage_and_needs_a_login(client, dept):
    assert client.get("/sandbox/phone").status_code == 302  # to the login page
    f.login(client, f.user("op", "operator", dept))
    assert client.get("/sandbox/phone").status_code == 200
    dept_app = client.application
    dept_app.config.update(SMS_PROVIDER="vonage", VONAGE_API_KEY="k", VONAGE_API_SECRET="s")
    assert client.get("/sandbox/phone").status_code == 404
    assert client.get("/sandbox/phone/messages").status_code == 404


@pytest.fixture
def live_server(app, dept):
    """The test app over HTTP on a free port (the clock is the test's, inside SMS hours)."""
    with serving(app) as url:
        yield url


def test_the_phone_page_refreshes_itself_and_sends_a_stop_in_a_real_browser(live_server, dept, monkeypatch):
    case = f.case(dept)
    case_id = case.id
    first = send_through_the_job(case, monkeypatch, "【TAX Division】First reminder. 048-555-0100")
    phone_id = first.phone_id
    f.user("op", "operator", first.department)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(15000)
            log_in(page, live_server, "op")
            page.goto(f"{live_server}/sandbox/phone")
            bubbles = page.get_by_test_id("bubble")
            expect(bubbles).to_have_count(1)
            expect(bubbles.first).to_contain_text("First reminder")
            expect(bubbles.first.get_by_test_id("ticks")).to_have_text("✓✓")

            # A second message is sent while the page is open: the page's poll shows it.
            queued_message(db.session.get(Case, case_id), "【TAX Division】Second reminder. 048-555-0100")
            work(monkeypatch)
            expect(bubbles).to_have_count(2)
            expect(bubbles.nth(1)).to_contain_text("Second reminder")
            expect(bubbles.nth(1).get_by_test_id("ticks")).to_have_text("✓✓")

            page.get_by_test_id("reply-text").fill("停止")
            page.get_by_test_id("reply-send").click()
            expect(bubbles).to_have_count(3)
            expect(page.locator(".bubble.out")).to_contain_text("停止")
        finally:
            browser.close()
    db.session.expire_all()
    assert opted(phone_id)


def test_without_redis_the_receipts_come_in_process_too(app, dept):
    """REDIS_URL unset (the `make run` demo): the send job and the sandbox's receipts job run
    on the in-process pool, and the message ends delivered."""
    saved, saved_url = app.extensions["jobqueue"], app.config["REDIS_URL"]
    app.config["REDIS_URL"] = None
    queue.init_app(app)
    try:
        message_id = queued_message(f.case(dept)).id
        def delivered() -> bool:
            db.session.rollback()
            return db.session.get(SmsMessage, message_id).status == SmsStatus.DELIVERED

        wait_until(delivered, what="the in-process send and its receipt")
    finally:
        app.extensions["jobqueue"]["executor"].shutdown(wait=True)
        app.extensions["jobqueue"] = saved
        app.config["REDIS_URL"] = saved_url
    assert fresh(SmsMessage, message_id).status == SmsStatus.DELIVERED
    assert rq_queue("sms").count == 0  # nothing went through Redis
