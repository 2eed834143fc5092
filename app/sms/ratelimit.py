"""The SMS rate limit: one token bucket shared by every worker on every host.

SMS_RATE_PER_SECOND tokens a second (Vonage's default account limit is 30 requests a second
per API key), a bucket of one token: sends are spread evenly, never in bursts, so the provider's
own limiter never sees more than the rate in any second. With Redis the bucket is a hash updated
by one Lua script (atomic, and timed by the Redis server's clock, so hosts whose clocks differ
still share one rate); without Redis (the `make run` demo) it is a lock in this process.

`acquire(timeout)` reserves the next free slot and sleeps until it comes; when the next slot is
further away than `timeout` it reserves nothing and returns False, and the caller re-schedules.
"""

import threading
import time

from flask import current_app

from app.queue import redis_connection

BUCKET_KEY = "sms:ratelimit:{provider}"

# KEYS[1] the bucket; ARGV rate (tokens/s), capacity (tokens), max wait (microseconds).
# Returns the microseconds to wait for the reserved token (0: go now), or -1 - wait when the
# wait would exceed the max (nothing reserved). Tokens may go below zero: that is a queue of
# reservations, each one 1/rate after the previous.
TOKEN_BUCKET_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * rate / 1000000)
  ts = now
end
local wait = 0
if tokens < 1 then
  wait = math.ceil((1 - tokens) * 1000000 / rate)
end
if wait > max_wait then
  return -1 - wait
end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], math.ceil(wait / 1000) + math.ceil(capacity * 1000 / rate) + 1000)
return wait
"""


class LocalBucket:
    """The same bucket for one process (REDIS_URL unset): a lock and the monotonic clock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._tokens: float | None = None
        self._ts = 0.0

    def reserve(self, rate: float, capacity: float, max_wait: float) -> tuple[bool, float]:
        with self._lock:
            now = time.monotonic()
            if self._tokens is None:
                self._tokens, self._ts = capacity, now
            if now > self._ts:
                self._tokens = min(capacity, self._tokens + (now - self._ts) * rate)
                self._ts = now
            wait = 0.0 if self._tokens >= 1 else (1 - self._tokens) / rate
            if wait > max_wait:
                return False, wait
            self._tokens -= 1
            return True, wait


def reserve(timeout: float, provider: str = "sms") -> tuple[bool, float]:
    """Reserve the next send token: (True, seconds until it is ours), or (False, seconds until
    one is free) when that is more than `timeout` away; then nothing was reserved."""
    rate = float(current_app.config["SMS_RATE_PER_SECOND"])
    if rate <= 0:
        return True, 0.0  # 0 switches the limit off
    capacity = 1.0
    connection = redis_connection()
    if connection is None:
        bucket = current_app.extensions.setdefault("sms_ratelimit", LocalBucket())
        return bucket.reserve(rate, capacity, timeout)
    script = current_app.extensions.get("sms_ratelimit_script")
    if script is None:
        # register_script falls back to EVAL when Redis lost the script (SCRIPT FLUSH, restart).
        script = current_app.extensions["sms_ratelimit_script"] = connection.register_script(
            TOKEN_BUCKET_LUA)
    micros = int(script(keys=[BUCKET_KEY.format(provider=provider)],
                        args=[rate, capacity, int(timeout * 1_000_000)]))
    if micros < 0:
        return False, (-1 - micros) / 1_000_000
    return True, micros / 1_000_000
