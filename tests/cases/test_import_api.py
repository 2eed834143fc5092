import io

from redis import Redis
from sqlalchemy import func, select

from app.cases.models import Case, ImportJob
from app.extensions import db
from app.queue import AppSimpleWorker
from tests import factories as f
from tests.cases.import_files import csv_bytes, row
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL


def token_headers(runner, login: str) -> dict:
    result = runner.invoke(args=["users", "token", login])
    assert result.exit_code == 0, result.output
    return {"Authorization": f"Bearer {result.output.strip()}"}


def upload(client, headers, content: bytes, name="cases.csv"):
    return client.post("/api/v1/imports", headers=headers,
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def work(monkeypatch):
    # The worker builds its own app from the environment when it has no app context.
    monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL)
    monkeypatch.setenv("REDIS_URL", TEST_REDIS_URL)
    worker = AppSimpleWorker(["imports"], connection=Redis.from_url(TEST_REDIS_URL))
    assert worker.work(burst=True)


def test_api_upload_runs_as_a_job_and_reports_errors(client, runner, monkeypatch):
    f.department("TAX")
    f.user("mgr", "manager")
    headers = token_headers(runner, "mgr")
    response = upload(client, headers, csv_bytes(row(), row(case_ref="C2", taxpayer_ref="T2",
                                                              due_date="31/05/2025")))
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["status"] == "queued" and body["errors"] == []
    import_id = body["id"]
    assert client.get(f"/api/v1/imports/{import_id}", headers=headers).get_json()["status"] == "queued"

    work(monkeypatch)

    status = client.get(f"/api/v1/imports/{import_id}", headers=headers).get_json()
    assert status.pop("mode") == "delta" and status.pop("as_of")  # the start of the import
    assert status.pop("summary") == {
        "charges": {"new": 1, "changed": 0, "closed": 0, "closed_absent": 0, "settled_unknown": 0},
        "cases": {"opened": 1, "reopened": 0, "closed": 0},
        "payments_applied": {"count": 0, "amount": 0}}
    assert status == {
        "id": import_id, "status": "done", "filename": "cases.csv", "total": 2, "imported": 1,
        "message": None,
        "errors": [{"line": 3, "column": "due_date", "message": "due_date must be a date YYYY-MM-DD"}],
    }
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_api_upload_needs_a_non_empty_file(client, runner):
    f.user("mgr", "manager")
    headers = token_headers(runner, "mgr")
    response = client.post("/api/v1/imports", headers=headers, data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "file" in response.get_json()["error"]
    response = upload(client, headers, b"")
    assert response.status_code == 400 and response.get_json()["error"] == "the file is empty"
    assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 0


def test_operator_gets_403(client, runner):
    tax = f.department("TAX")
    f.user("op", "operator", tax)
    headers = token_headers(runner, "op")
    assert upload(client, headers, csv_bytes(row())).status_code == 403
    assert client.get("/api/v1/imports/1", headers=headers).status_code == 403
    f.login(client, f.user("op2", "operator", tax))
    assert client.get("/imports").status_code == 403


def test_supervisor_rows_of_another_department_are_errors_and_imports_are_scoped(
        client, runner, monkeypatch):
    tax, water = f.department("TAX"), f.department("WATER")
    f.user("boss", "supervisor", tax)
    f.user("waterboss", "supervisor", water)
    headers = token_headers(runner, "boss")
    response = upload(client, headers, csv_bytes(row(), row(case_ref="W1", taxpayer_ref="T9",
                                                            department="WATER")))
    import_id = response.get_json()["id"]
    work(monkeypatch)
    status = client.get(f"/api/v1/imports/{import_id}", headers=headers).get_json()
    assert (status["status"], status["imported"]) == ("done", 1)
    assert [(e["line"], e["column"]) for e in status["errors"]] == [(3, "department")]
    other = token_headers(runner, "waterboss")
    assert client.get(f"/api/v1/imports/{import_id}", headers=other).status_code == 404


def test_upload_page_redirects_to_the_progress_page(client, monkeypatch):
    f.department("TAX")
    admin = f.user("adm", "admin")
    f.login(client, admin)
    page = client.get("/imports")
    assert page.status_code == 200
    token = f.csrf_from(page.get_data(as_text=True))
    no_csrf = client.post("/imports", data={"file": (io.BytesIO(csv_bytes(row())), "a.csv")},
                          content_type="multipart/form-data")
    assert no_csrf.status_code == 400
    response = client.post("/imports", data={"csrf_token": token,
                                             "file": (io.BytesIO(csv_bytes(row(), row(name=""))), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    location = response.headers["Location"]
    import_id = int(location.rsplit("/", 1)[1])
    queued = client.get(location).get_data(as_text=True)
    assert f'data-status-url="/api/v1/imports/{import_id}"' in queued and "imports.js" in queued
    # The page polls the API with its session cookie (GET: no CSRF token needed).
    assert client.get(f"/api/v1/imports/{import_id}").get_json()["status"] == "queued"
    work(monkeypatch)
    done = client.get(location).get_data(as_text=True)
    assert 'id="import-errors"' in done and "missing name" in done
    assert "a.csv" in client.get("/imports").get_data(as_text=True)


def test_cli_import(runner, tmp_path):
    f.department("TAX")
    path = tmp_path / "cases.csv"
    path.write_bytes(csv_bytes(row(), row(case_ref="C2", taxpayer_ref="T2", phone="123"),
                               encoding="cp932"))
    result = runner.invoke(args=["cases", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert "imported 1 of 2 rows" in result.output
    assert "line 3, column phone: not a valid phone number" in result.output
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(row()))
    result = runner.invoke(args=["cases", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "imported 1 of 1 rows" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"case_ref,name\nC1,x\n")
    result = runner.invoke(args=["cases", "import", str(bad)])
    assert result.exit_code == 1
    assert "missing header columns: taxpayer_ref, department" in result.output
