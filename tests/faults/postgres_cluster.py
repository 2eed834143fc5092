"""A private PostgreSQL cluster for the fault tests (initdb into a temporary directory, run as
the `postgres` OS user on a free port), so a test may restart it without touching the shared
server the other tests use."""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.faults.redis_server import free_port

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> str | None:
    """Why a private cluster cannot be made here, or None."""
    if not (PG_BIN / "initdb").exists():
        return f"no {PG_BIN}/initdb"
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        return "initdb must run as the postgres user: needs root and runuser"
    return None


class PostgresCluster:
    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="faults-pg-"))  # not under pytest's 0700 tmp
        shutil.chown(self.directory, "postgres", "postgres")
        self.data = self.directory / "data"
        self.port = free_port()

    def url(self, database: str = "collections") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _pg(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True,
                       cwd=self.directory, timeout=60)

    def start(self) -> "PostgresCluster":
        self._pg(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                 "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self._start()
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE collections")
        return self

    def restart(self, down_seconds: float = 0.0) -> None:
        """`pg_ctl restart -m fast` (every session is cut), staying down `down_seconds` between
        the stop and the start, as a server that takes a moment to come back does."""
        pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "log"), "-w"]
        if not down_seconds:
            return self._pg(*pg_ctl, "-m", "fast", "restart")
        self._pg(*pg_ctl, "-m", "fast", "stop")
        time.sleep(down_seconds)
        self._start()

    def _start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "log"),
                 "-o", options, "-w", "start")

    def destroy(self) -> None:
        try:
            self._pg(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass  # never started, or already down
        shutil.rmtree(self.directory, ignore_errors=True)

    def log(self) -> str:
        path = self.directory / "log"
        return path.read_text(errors="replace") if path.exists() else ""
