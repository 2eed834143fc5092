"""With a PostgreSQL DATABASE_URL the app, `flask worker` and gunicorn's import of wsgi
refuse to start without a SECRET_KEY of at least 32 characters (exit code != 0, a clear
message); the SQLite demo still starts without one."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL

ROOT = Path(__file__).resolve().parents[2]


def run(args, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    environment.update({"FLASK_APP": "wsgi", "REDIS_URL": TEST_REDIS_URL, **env})
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("key", [None, "", "short-key", "dev-only-not-secret", "x" * 31])
def test_the_worker_refuses_to_start_with_postgresql_and_no_real_key(key):
    env = {"DATABASE_URL": TEST_DATABASE_URL}
    if key is not None:
        env["SECRET_KEY"] = key
    result = run(["-m", "flask", "worker", "--burst"], **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr and "32" in result.stderr


def test_the_wsgi_app_refuses_too_and_starts_with_a_long_key():
    refused = run(["-c", "import wsgi"], DATABASE_URL=TEST_DATABASE_URL)
    assert refused.returncode != 0 and "refusing to start" in refused.stderr
    started = run(["-c", "import wsgi; print('started')"], DATABASE_URL=TEST_DATABASE_URL,
                  SECRET_KEY="k" * 32)
    assert started.returncode == 0, started.stderr
    assert "started" in started.stdout


def test_the_sqlite_demo_starts_without_a_key(tmp_path):
    result = run(["-c", "import wsgi; print('started')"], DATABASE_URL=f"sqlite:///{tmp_path / 'demo.db'}",
                 REDIS_URL="")
    assert result.returncode == 0, result.stderr


def test_make_run_keeps_one_random_key_in_instance():
    makefile = (ROOT / "Makefile").read_text()
    assert "instance/secret_key" in makefile and "token_hex(32)" in makefile
    dry = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert 'SECRET_KEY="${SECRET_KEY:-$(cat instance/secret_key)}"' in dry.stdout
