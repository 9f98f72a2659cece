"""The fixed-window counter every rate limit uses (core.ratelimit): counts per window, a new
window starts at one, and with Redis a hit is one round trip (no EXISTS before the INCR)."""

import datetime as dt
import uuid

import pytest
import redis
from django.core.cache import caches
from django.test import override_settings
from django.utils import timezone

from openkreis.core import ratelimit

# a database of its own (the benches use 10-14, the Celery tests 11 and 13); the tests remove
# only their own keys, as two test workers or a bench may share the server
REDIS_URL = "redis://127.0.0.1:6379/9"
REDIS_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "test-ratelimit",
    }
}
MEMORY_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "test-ratelimit",
    }
}


@pytest.fixture(params=["redis", "memory"])
def cache_kind(request):
    if request.param == "redis":
        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except redis.ConnectionError:  # make test starts one; a bare pytest run may have none
            pytest.skip("no Redis on 127.0.0.1:6379")
        settings = REDIS_CACHE
    else:
        settings = MEMORY_CACHE
    with override_settings(CACHES=settings):
        yield request.param
        if request.param == "redis":
            client = redis.Redis.from_url(REDIS_URL)
            keys = client.keys("test-ratelimit:*")
            if keys:
                client.delete(*keys)
        else:
            caches["default"].clear()


def _at(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_counts_hits_within_a_window_and_starts_again_in_the_next(cache_kind, monkeypatch):
    key = f"t:{uuid.uuid4()}"
    start = dt.datetime(2026, 12, 7, 10, 0, 5, tzinfo=dt.UTC)
    _at(monkeypatch, start)
    assert [ratelimit.window_count(key, 3600) for _ in range(3)] == [1, 2, 3]
    _at(monkeypatch, start + dt.timedelta(minutes=59))
    assert ratelimit.window_count(key, 3600) == 4
    _at(monkeypatch, start + dt.timedelta(hours=1))  # the next hour: a window of its own
    assert ratelimit.window_count(key, 3600) == 1
    assert ratelimit.window_count(f"{key}:other", 3600) == 1  # keys do not share counts
    # the stored count reads back through Django's cache API as a number
    window = int((start + dt.timedelta(hours=1)).timestamp() // 3600)
    assert caches["default"].get(f"{key}:{window}") == 1


def test_redis_hit_is_one_round_trip_and_the_key_expires_after_its_window(cache_kind, monkeypatch):
    if cache_kind != "redis":
        pytest.skip("Redis only")
    sent = []
    original = redis.connection.AbstractConnection.send_packed_command

    def send(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    key = f"t:{uuid.uuid4()}"
    _at(monkeypatch, dt.datetime(2026, 12, 7, 10, 0, 5, tzinfo=dt.UTC))  # mid-window
    assert ratelimit.window_count(key, 60) == 1  # connects first, outside the count
    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", send)
    assert ratelimit.window_count(key, 60) == 2
    assert ratelimit.window_count(key, 60) == 3
    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", original)
    # one write to the socket per hit (Django's cache.incr sends EXISTS, then INCR)
    assert len(sent) == 2
    client = redis.Redis.from_url(REDIS_URL)
    (redis_key,) = client.keys(f"*{key}*")
    assert 60 < client.ttl(redis_key) <= 70  # the window and a little more, then gone


def test_a_window_opened_by_djangos_cache_api_counts_on(cache_kind, monkeypatch):
    key = f"t:{uuid.uuid4()}"
    now = dt.datetime(2026, 12, 7, 10, 30, tzinfo=dt.UTC)
    _at(monkeypatch, now)
    window = int(now.timestamp() // 3600)
    caches["default"].add(f"{key}:{window}", 5, 3700)
    assert ratelimit.window_count(key, 3600) == 6


@pytest.mark.django_db
def test_the_database_cache_keeps_the_window_for_its_whole_length(monkeypatch):
    """Production without Redis: the cache table. A count stays for the window and a little
    more, not for the cache's default five minutes (Django's incr writes it back with those)."""
    from openkreis.core.models import CacheEntry

    database = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "openkreis_cache",
        }
    }
    with override_settings(CACHES=database):
        key = f"t:{uuid.uuid4()}"
        assert [ratelimit.window_count(key, 3600) for _ in range(3)] == [1, 2, 3]
        (entry,) = CacheEntry.objects.filter(cache_key__contains=key)
        left = (entry.expires - timezone.now()).total_seconds()
        assert 3600 < left <= 3700
