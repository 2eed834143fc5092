"""After logging in and after the language switch the app goes back to `next`, but only to a
path on this site: never to another host, however the path is spelt."""

import pytest

from tests.access.requests import send

OFF_SITE = ["//x.example/", "https://x.example/", "/\t/x.example/", "/\n/x.example", "/\\x.example",
            "/ /x.example", "\\\\x.example"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_stays_on_the_site(access_app, world, target):
    response = send(access_app, world, ("POST", "/language/<lang>"), "anonymous", data={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_logging_in_stays_on_the_site(access_app, world, target):
    response = send(access_app, world, ("POST", "/login"), "anonymous", query={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_path_on_the_site_is_kept(access_app, world):
    language = ("POST", "/language/<lang>")
    response = send(access_app, world, language, "anonymous", data={"next": "/search?q=1"})
    assert response.headers["Location"] == "/search?q=1"
    response = send(access_app, world, ("POST", "/login"), "anonymous", query={"next": "/reports"})
    assert response.headers["Location"] == "/reports"
