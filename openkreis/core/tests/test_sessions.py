"""Sessions with Redis (production with REDIS_URL): Django's cached_db, hardened in
core/sessions.py, reads a session from Redis and writes it to Redis and the database, so a
logged-in request asks the database one query less, and a Redis that lost its keys or does not
answer logs nobody out (docs/scaling.md, "Submissions at peak")."""

import importlib.util
import uuid

import pytest
import redis
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openkreis.settings import base

# the Redis database of the core tests (test_ratelimit.py); only this file's keys are removed
REDIS_URL = "redis://127.0.0.1:6379/9"
PREFIX = f"test-sessions-{uuid.uuid4().hex[:8]}"
CACHED_DB = "openkreis.core.sessions"
# nothing listens there: every cache call fails at once (connection refused)
DEAD_REDIS = "redis://127.0.0.1:1/0"


def _settings_with(monkeypatch, redis_url: str | None):
    """base.py loaded again as a module of its own (the running settings stay as they are)."""
    if redis_url:
        monkeypatch.setenv("REDIS_URL", redis_url)
    else:
        monkeypatch.delenv("REDIS_URL", raising=False)
    spec = importlib.util.spec_from_file_location("openkreis.settings._probe", base.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sessions_are_cached_in_redis_only_when_there_is_one(monkeypatch):
    assert _settings_with(monkeypatch, REDIS_URL).SESSION_ENGINE == CACHED_DB
    # without Redis the cache is per process (make run) or the database's table (production):
    # Django's default, sessions in the database alone
    assert not hasattr(_settings_with(monkeypatch, None), "SESSION_ENGINE")


@pytest.fixture
def redis_sessions():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:  # make test starts one; a bare pytest run may have none
        pytest.skip("no Redis on 127.0.0.1:6379")
    cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": PREFIX,
    }
    with override_settings(CACHES={**base.CACHES, "default": cache}, SESSION_ENGINE=CACHED_DB):
        yield client
    keys = client.keys(f"{PREFIX}:*")
    if keys:
        client.delete(*keys)


def _session_queries(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, sum(
        '"django_session"' in q["sql"] for q in captured.captured_queries
    )


@pytest.mark.django_db
def test_a_logged_in_page_reads_its_session_from_redis(client, django_user_model, redis_sessions):
    user = django_user_model.objects.create_user("sina", "sina@example.org", "x-Passwort-2026")
    client.force_login(user)
    url = reverse("accounts:overview")
    assert _session_queries(client, url) == (200, 0)  # logged in, the session from Redis
    # Redis lost its keys (restarted without persistence): the database still has the session
    redis_sessions.delete(*redis_sessions.keys(f"{PREFIX}:*"))
    assert _session_queries(client, url) == (200, 1)  # still logged in, read from the database
    assert _session_queries(client, url) == (200, 0)  # and in Redis again
    client.post(reverse("account_logout"))
    response = client.get(url)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def _redis_down():
    """The same settings with a Redis that does not answer."""
    cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}
    return override_settings(CACHES={**base.CACHES, "default": cache})


@pytest.mark.django_db
def test_a_redis_that_does_not_answer_leaves_the_database(
    client, django_user_model, redis_sessions
):
    """Django's cached_db fails the request when it cannot put a session read from the
    database back into Redis: every logged-in page would be a 500 while Redis is down."""
    from django.contrib.sessions.models import Session

    user = django_user_model.objects.create_user("tom", "tom@example.org", "x-Passwort-2026")
    client.force_login(user)
    key = client.session.session_key
    url = reverse("accounts:overview")
    with _redis_down():
        assert _session_queries(client, url) == (200, 1)  # logged in, from the database
        # ending the session: the cached copy cannot be removed, so nothing is (Django's
        # store deleted the row first and left a copy that logs in again once Redis answers)
        with pytest.raises(redis.ConnectionError):
            client.post(reverse("account_logout"))
        assert Session.objects.filter(session_key=key).exists()
    assert _session_queries(client, url) == (200, 0)  # Redis is back: the session is whole
    client.post(reverse("account_logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert not redis_sessions.keys(f"{PREFIX}:*{key}")  # and no copy in Redis either
    response = client.get(url)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
