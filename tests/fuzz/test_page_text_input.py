"""Page requests (outside the JSON API) with NUL characters in the query string, a form field
or an upload's name: a 400 before any query runs (the login form used to be a 500)."""

import io

import pytest

from app.auth.models import User
from app.extensions import db
from tests import factories as f


def test_a_nul_in_the_login_form_is_a_400_and_counts_no_failure(app, client):
    user = f.user("op1", "operator", f.department("TAX"))
    token = f.csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"login": "op1\x00", "password": "x", "csrf_token": token})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_logins == 0
    assert f.login(client, user).status_code == 302  # the form itself still works


@pytest.mark.parametrize("url", ["/senders?q=%00", "/login?next=%00", "/senders?%00=1"])
def test_a_nul_in_a_query_string_is_a_400(client, app, url):
    assert client.get(url).status_code == 400


def test_an_upload_named_with_nul_is_a_400(client, app):
    user = f.user("op1", "operator", f.department("TAX"))
    token = f.csrf_from(client.get("/login").get_data(as_text=True))

    def post(filename):
        return client.post("/login", content_type="multipart/form-data", data={
            "login": user.login, "password": f.PASSWORD, "csrf_token": token,
            "file": (io.BytesIO(b"x"), filename)})

    assert post("a\x00.csv").status_code == 400
    assert post("a.csv").status_code == 302  # the same post with a good name logs in


def test_ordinary_pages_are_unaffected(client, app):
    assert client.get("/senders").status_code == 200
    assert client.get("/login?next=/cases").status_code == 200
