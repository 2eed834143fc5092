"""The inbox page, the header's unread count and the JSON API: roles, scoping, validation."""

import pytest

from app.extensions import db
from app.sms.models import InboundSms
from tests import factories as f
from tests.inbox.helpers import reply, two_departments


@pytest.fixture
def world(app):
    return two_departments()


def count_in_header(page: str) -> str:
    marker = 'data-testid="inbox-count">'
    return page.split(marker, 1)[1].split("<", 1)[0]


def test_the_header_count_rises_and_marking_done_lowers_it(client, world):
    tax, water, tax_case, _ = world
    f.login(client, f.user("op", "operator", tax))
    assert count_in_header(client.get("/").get_data(as_text=True)) == "0"
    row = reply("わかりました", to=tax.sender_id)
    reply("hello", to=water.sender_id)  # WATER's: not counted for TAX
    page = client.get("/sms/inbox").get_data(as_text=True)
    assert count_in_header(page) == "1"
    response = client.post(f"/sms/inbox/{row.id}", data={"state": "done", "csrf_token": f.csrf_from(page)})
    assert response.status_code == 302
    page = client.get("/sms/inbox").get_data(as_text=True)
    assert count_in_header(page) == "0" and 'data-state="done"' in page
    db.session.expire_all()
    assert db.session.get(InboundSms, row.id).state == "done"
    assert client.post(f"/sms/inbox/{row.id}", data={"state": "new"}).status_code == 400  # CSRF
    # Correcting the class on the page.
    client.post(f"/sms/inbox/{row.id}", data={"classification": "says_paid", "csrf_token": f.csrf_from(page)})
    db.session.expire_all()
    assert db.session.get(InboundSms, row.id).classification == "says_paid"


def test_managers_read_the_inbox_without_forms_and_get_no_count(client, world):
    tax, *_ = world
    row = reply("わかりました", to=tax.sender_id)
    f.login(client, f.user("boss", "manager"))
    page = client.get("/sms/inbox?department=TAX").get_data(as_text=True)
    assert f'data-testid="reply-{row.id}"' in page and 'data-testid="reply-done"' not in page
    assert 'data-testid="inbox-count"' not in page
    assert client.post(f"/sms/inbox/{row.id}", data={"state": "done", "csrf_token": f.csrf_from(page)}
                       ).status_code == 403


def test_the_api_lists_filters_and_updates(client, world):
    tax, water, tax_case, _ = world
    first = reply("払いました", to=tax.sender_id)
    second = reply("電話ください", to=tax.sender_id)
    theirs = reply("hello", to=water.sender_id)
    f.login(client, f.user("op", "operator", tax))
    token = f.csrf_from(client.get("/").get_data(as_text=True))
    listed = client.get("/api/v1/inbox?department=TAX").get_json()
    assert [r["id"] for r in listed] == [second.id, first.id]
    assert listed[1]["classification"] == "says_paid" and listed[1]["cases"] == [
        {"id": tax_case.id, "case_ref": tax_case.case_ref}]
    assert listed[1]["from"] == "+819012345678" and listed[1]["state"] == "new"
    headers = {"X-CSRFToken": token}
    response = client.post(f"/api/v1/inbox/{first.id}", json={"state": "assigned"}, headers=headers)
    assert response.status_code == 200 and response.get_json()["handled_by"] == "op"
    assert [r["id"] for r in client.get("/api/v1/inbox?department=TAX&state=new").get_json()] == [second.id]
    assert client.get("/api/v1/inbox?state=new").get_json()[0]["id"] == second.id  # own department by default
    bad = client.post(f"/api/v1/inbox/{first.id}", json={"state": "archived", "classification": "rude"},
                      headers=headers)
    assert bad.status_code == 422 and set(bad.get_json()["fields"]) == {"state", "classification"}
    assert client.post(f"/api/v1/inbox/{first.id}", json={}, headers=headers).status_code == 422
    assert client.post(f"/api/v1/inbox/{first.id}", json=[1], headers=headers).status_code == 400
    assert client.post(f"/api/v1/inbox/{theirs.id}", json={"state": "done"},
                       headers=headers).status_code == 404
    assert client.get("/api/v1/inbox?department=WATER").status_code == 404
    assert client.get("/api/v1/inbox?department=TAX&state=old").status_code == 400
    db.session.expire_all()
    assert db.session.get(InboundSms, first.id).state == "assigned"
    assert db.session.get(InboundSms, theirs.id).state == "new"
