"""A Redis host that silently drops connections (a dead VM, a firewall) must not hang the
request that asks for a job: enqueueing gives up after the connect timeout, and the row that
asked for the job waits for the sweep."""

import socket
import time

import pytest

from app import create_app
from app.queue import enqueue_now
from app.sms.jobs import send_sms
from tests.conftest import test_config as config_for_tests


@pytest.fixture
def black_hole():
    """A port whose accept queue is full: the kernel drops further SYNs, as a dead host would."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):  # fill the backlog; later connects hang in SYN_SENT
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        fillers.append(s)
    time.sleep(0.2)
    yield f"redis://127.0.0.1:{port}/0"
    for s in fillers:
        s.close()
    listener.close()


def test_enqueue_gives_up_on_a_silent_redis(_schema, black_hole, caplog):
    app = create_app(config_for_tests(REDIS_URL=black_hole))
    with app.app_context():
        started = time.monotonic()
        enqueue_now(send_sms, 1, queue="sms")
        waited = time.monotonic() - started
    assert 4 <= waited < 15  # the connect timeout (5 s), not the kernel's minutes of SYN retries
    assert "could not enqueue app.sms.jobs.send_sms" in caplog.text
