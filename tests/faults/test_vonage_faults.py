"""Vonage misbehaving while `flask worker`s send a batch: throttled, then HTTP 500s, then
answers too slow for the SDK's timeout and answers slow but in time. Each outage lasts until every
message of the batch has met it (a state, not a length of time: on a loaded machine a fixed window
could end before the workers reach every message). The workers run with the backoff scaled down
(the 2 s/300 s backoff 0.1 s/2 s) and the provider's 10 s timeout at 2 s, so the test does not
wait minutes.

Throttles and 500s are retried until sent, each message exactly once and none `failed`. A send
whose answer never came is not retried (Vonage may have taken it: a second try could text the
citizen twice): it is `unknown` until its delivery receipt makes it `delivered`."""

import pytest

from tests.faults.helpers import (
    assert_each_sent_once,
    cases_with_mobiles,
    messages,
    queue_one_each,
    round_the_clock,
    status_counts,
    wait_until,
)
from tests.sms.workers import start_worker, stop

pytestmark = pytest.mark.slow
COUNT = 12
# Backoff capped at 2 s: each outage lasts until the slowest message met it, about one capped
# backoff. SMS_MAX_ATTEMPTS: the messages hit first retry meanwhile; the budget must outlast that
# on a slow machine (giving up after SMS_MAX_ATTEMPTS errors is tested in tests/sms).
SCALED = {"SMS_RETRY_BASE_SECONDS": 0.1, "SMS_RETRY_MAX_SECONDS": 2, "VONAGE_TIMEOUT_SECONDS": 2,
          "SMS_MAX_ATTEMPTS": 100}
SLOW_IN_TIME = 0.4  # seconds: well inside the timeout, even on a loaded machine


def listening(tmp_path, names) -> bool:
    return all("Listening on" in (tmp_path / f"{name}.log").read_text() for name in names)


def every_message_met(fake, outcome: str) -> bool:
    met = fake.outcomes_per_client_ref()
    return len(met) == COUNT and all(outcomes[outcome] for outcomes in met.values())


def settled() -> bool:
    counts = status_counts()
    return sum(counts.values()) == COUNT and not {"queued", "scheduled", "sending"} & set(counts)


def test_throttles_errors_and_timeouts_are_retried_or_resolved_and_sent_once(
        app, client, fake_vonage, tmp_path):
    names = ("w0", "w1")
    workers = [start_worker(fake_vonage, tmp_path, name, 50, burst=False, **SCALED) for name in names]
    try:
        wait_until(lambda: listening(tmp_path, names), 180, "the workers to start")
        fake_vonage.set_outage(status="1", text="Throttled")
        queue_one_each(cases_with_mobiles(round_the_clock(), COUNT))
        wait_until(lambda: every_message_met(fake_vonage, "throttled"), 180, "a throttle for each")
        fake_vonage.set_outage(http=500)
        wait_until(lambda: every_message_met(fake_vonage, "http-500"), 180, "a 500 for each")
        fake_vonage.hang_next(2, 3 * SCALED["VONAGE_TIMEOUT_SECONDS"])  # then: no answer in time
        fake_vonage.hang_next(3, SLOW_IN_TIME)  # then: slow, but within the timeout
        fake_vonage.set_outage()  # Vonage is back
        wait_until(settled, 180, "every message to be sent or resolved")
    finally:
        stop(workers)

    outcomes = [r.outcome for r in fake_vonage.requests]
    assert outcomes.count("throttled") >= COUNT and outcomes.count("http-500") >= COUNT  # all hit
    assert status_counts() == {"sent": COUNT - 2, "unknown": 2}  # nothing `failed`
    timed_out = [m for m in messages() if m.status == "unknown"]
    assert {m.reason for m in timed_out} == {"no_provider_answer"}
    assert {m.client_ref for m in timed_out} == {r.client_ref for r in fake_vonage.hanging()[:2]}

    for message in timed_out:  # Vonage took them: their receipts come
        for dlr in fake_vonage.receipts(message.client_ref):
            client.application.config["VONAGE_ALLOW_UNSIGNED"] = True  # the fake's receipts are unsigned
            assert client.post("/webhooks/vonage/status", json=dlr).status_code == 200
    assert status_counts() == {"sent": COUNT - 2, "delivered": 2}
    assert_each_sent_once(fake_vonage, messages(), allowed=("sent", "delivered"))
