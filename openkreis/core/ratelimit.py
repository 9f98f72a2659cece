"""Fixed-window counters in the shared cache: how often a client did something in the current
minute or hour (holds, confirmations, reports, logins to a live lesson …).

One function for every page that limits a client, so the counting is written once. With Redis
(production) a hit is one round trip: INCR and EXPIRE sent together in one pipeline — Django's
`cache.incr` asks whether the key exists first, a second round trip on every hit, and at
release time every booking passes here twice (docs/scaling.md, "Appointments at release
time"). Other caches (the database's cache table without Redis, the tests' memory cache) go
through Django's cache API."""

from __future__ import annotations

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone


def window_count(key: str, seconds: int) -> int:
    """Count one more hit for `key` in the current window of `seconds` and return the hits
    of this window so far (1 for the first). The window's number is part of the cache key;
    the key lives a little longer than its window and then goes."""
    window = int(timezone.now().timestamp() // seconds)
    return _incr(f"{key}:{window}", seconds + max(10, seconds // 36))


def _incr(key: str, timeout: int) -> int:
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        # Django's Redis cache stores integers as they are, so a key opened here reads back
        # with cache.get as Django's incr would have left it.
        redis_key = cache.make_and_validate_key(key)
        client = cache._cache.get_client(redis_key, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.incr(redis_key)
        pipe.expire(redis_key, timeout)
        count, _ = pipe.execute()
        return int(count)
    try:
        count = cache.incr(key)
    except ValueError:
        if cache.add(key, 1, timeout):
            return 1
        try:
            count = cache.incr(key)  # another request opened the window meanwhile
        except ValueError:  # and it expired again in between
            cache.set(key, 1, timeout)
            return 1
    # Django's generic incr (the database cache) writes the number back with the cache's
    # default timeout (5 minutes): the window would end after a quiet spell
    cache.touch(key, timeout)
    return count
