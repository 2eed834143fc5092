"""/api/v1/openapi.json against the real routes: each one described, nothing described that is not one."""

import re

from app.api.openapi import SPEC

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _routes(app) -> set[tuple[str, str]]:
    """(METHOD, OpenAPI path) of every /api/v1 rule: `<int:case_id>` becomes `{case_id}`."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        found |= {(method, path) for method in rule.methods & METHODS}
    return found


def _described(spec: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in spec["paths"].items() for method in item
            if method.upper() in METHODS}


def test_every_api_route_is_described_and_every_operation_is_a_route(app):
    routes = _routes(app)
    assert ("POST", "/api/v1/cases/{case_id}/calls") in routes  # the conversion works
    assert len(routes) >= 10
    assert routes - _described(SPEC) == set(), "routes missing from the OpenAPI description"
    assert _described(SPEC) - routes == set(), "operations that are not routes"


def test_path_parameters_match_the_placeholders():
    for path, item in SPEC["paths"].items():
        placeholders = set(re.findall(r"{([a-z_]+)}", path))
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == placeholders, path


def test_every_reference_resolves_and_every_operation_but_the_description_has_its_errors():
    text = str(SPEC)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in SPEC["components"]["schemas"], name
    for path, item in SPEC["paths"].items():
        for operation in item.values():
            if path.endswith("/openapi.json"):
                assert operation["security"] == []
            else:
                assert {"400", "401", "503"} <= set(operation["responses"]), path


def test_the_description_is_served_without_login(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert body["openapi"] == "3.0.3"
    assert body["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "a token from `flask users token LOGIN`"}
    assert set(body["paths"]) == set(SPEC["paths"])
