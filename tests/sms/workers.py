"""RQ worker processes for the tests, as production runs them: `flask worker` (RQ's forking
Worker with its scheduler) in a process group of its own, pointed at the fake Vonage; or `flask
worker --simple` (RQ's SimpleWorker, no fork per job) where a test needs thousands of jobs quickly.
Also: stopping them warmly (SIGTERM), killing them as a crashed host would (SIGKILL)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.sms.conftest import API_KEY, API_SECRET

ROOT = Path(__file__).resolve().parents[2]


def worker_env(fake, rate: float, redis_url: str = TEST_REDIS_URL, database_url: str = TEST_DATABASE_URL,
               **settings) -> dict:
    """The environment of a worker sending through the real SDK to `fake`; `settings` are more
    variables (e.g. SMS_RETRY_BASE_SECONDS="0.1")."""
    return {
        **os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": database_url, "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-key-of-at-least-32-characters", "SMS_PROVIDER": "vonage",
        "VONAGE_API_KEY": API_KEY,
        "VONAGE_API_SECRET": API_SECRET, "VONAGE_REST_HOST": fake.host,
        "REQUESTS_CA_BUNDLE": fake.ca_file, "SMS_RATE_PER_SECOND": str(rate),
        "SMS_MAX_PER_NUMBER_PER_DAY": "10000", "SMS_MAX_PER_NUMBER_PER_WEEK": "10000",  # one number for all
        **{name: str(value) for name, value in settings.items()},
    }


def start_worker(fake, log_dir: Path, name: str, rate: float, burst: bool = True, simple: bool = False,
                 **env) -> subprocess.Popen:
    """A worker process serving the sms queue, in its own process group (`env`: see worker_env)."""
    command = [sys.executable, "-m", "flask", "worker", "--queues", "sms",
               *(["--burst"] * burst), *(["--simple"] * simple)]
    with open(log_dir / f"{name}.log", "ab") as log:
        return subprocess.Popen(command, cwd=ROOT, env=worker_env(fake, rate, **env), stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)


def finish(worker: subprocess.Popen, timeout: float = 300) -> int:
    """Wait for a burst worker to exit (SIGKILL after `timeout`); returns its exit code."""
    try:
        return worker.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        raise


def stop(workers: list[subprocess.Popen], timeout: float = 30) -> None:
    """Warm shutdown (SIGTERM: the job in hand finishes), then nothing of theirs left running."""
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        kill_everything(worker)


def kill_everything(worker: subprocess.Popen) -> None:
    """SIGKILL the worker, its scheduler and its work horse (RQ puts the horse in a process group
    of its own), as a crashed host would."""
    for pid in [*child_pids(worker.pid), worker.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.wait()


def child_pids(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # "pid (comm) state ppid ..."
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


def jobs_done(log_dir: Path, name: str) -> int:
    return (log_dir / f"{name}.log").read_text().count("Job OK")


class Supervised:
    """A long-running worker kept up as systemd's Restart=always does (deploy/): `up()` starts a
    new one whenever the last has exited (RQ quits on some Redis errors outside its dequeue loop).
    Tests call it while they wait, so it never matters when exactly a worker quit."""

    def __init__(self, start):
        self._start = start
        self.processes = [start()]

    def up(self) -> bool:
        if self.processes[-1].poll() is not None:
            self.processes.append(self._start())
        return True

    @property
    def restarts(self) -> int:
        return len(self.processes) - 1

    def stop(self) -> None:
        stop(self.processes)
