"""LOG_FORMAT=json: one JSON object per line, with the request id; no personal data, even from
a request that searched for a taxpayer by phone number and by name."""

import io
import json
import logging

import pytest
import requests

from app import create_app
from app.extensions import db
from app.ops import structured_logs
from tests import factories as f
from tests.conftest import test_config as config_for_tests
from tests.serving import serving


@pytest.fixture
def json_logs():
    stream = io.StringIO()
    handler = structured_logs.install(stream, fmt="json", level="INFO")
    yield stream
    logging.getLogger().removeHandler(handler)


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def served(app):
    with serving(app) as url:
        yield url


def test_a_search_by_phone_and_name_leaves_neither_in_the_logs(json_logs, served):
    dept = f.department("TAX")
    case = f.case(dept, phones=(("+819012345678", "mobile", True),))
    name = case.taxpayer.name
    f.user("op1", "operator", dept)
    with requests.Session() as browser:
        token = f.csrf_from(browser.get(f"{served}/login").text)
        browser.post(f"{served}/login", data={"login": "op1", "password": f.PASSWORD, "csrf_token": token})
        for query in ("090-1234-5678", name, "09012345678"):
            response = browser.get(f"{served}/search", params={"q": query})
            assert response.status_code == 200 and case.case_ref in response.text
        browser.get(f"{served}/cases/{case.id}")
    records = lines(json_logs)
    requests_logged = [r for r in records if r["logger"] == "werkzeug" and "/search" in r["message"]]
    assert len(requests_logged) == 3, records  # the request lines are there, without their query
    for record in records:
        assert {"time", "level", "logger", "message"} <= set(record)
    text = json_logs.getvalue()
    for secret in ("1234-5678", "12345678", name, "%E5%B1%B1", "q="):
        assert secret not in text, secret


def test_request_id_and_redacted_exceptions(app, json_logs):
    with app.test_request_context("/", headers={"X-Request-ID": "req-abc.123"}):
        app.preprocess_request()
        try:
            raise ValueError('duplicate key: DETAIL: Key (e164)=(+819012345678) already exists; '
                             'call 048-555-0100 or 09012345678 (job 2026-12-01 10:00, id 42)')
        except ValueError:
            logging.getLogger("app.somewhere").exception("insert failed for case %s", 42)
    [record] = lines(json_logs)
    assert record["request_id"] == "req-abc.123"
    assert record["level"] == "ERROR" and record["logger"] == "app.somewhere"
    assert record["message"] == "insert failed for case 42"
    assert "819012345678" not in record["exc_info"] and "555-0100" not in record["exc_info"]
    assert "09012345678" not in record["exc_info"]
    assert "2026-12-01 10:00, id 42" in record["exc_info"]  # dates and ids stay readable


def test_a_bad_request_id_is_replaced_and_every_response_carries_one(client):
    response = client.get("/healthz", headers={"X-Request-ID": "<script> and spaces"})
    assert response.headers["X-Request-ID"] != "<script> and spaces"
    assert len(response.headers["X-Request-ID"]) == 16


def test_log_format_json_from_the_settings(app):
    root = logging.getLogger()
    before = list(root.handlers)
    json_app = create_app(config_for_tests(LOG_FORMAT="json"))
    try:
        added = [h for h in root.handlers if h not in before]
        assert len(added) == 1 and isinstance(added[0].formatter, structured_logs.JsonFormatter)
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
        with json_app.app_context():
            db.engine.dispose()
