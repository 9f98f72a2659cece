"""Settings safety, SQLite concurrency, security headers, the append-only event log."""

import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, transaction

from openkreis.core import services as core
from openkreis.core.models import AppendOnlyError, Event
from openkreis.settings.base import database_config
from openkreis.settings.checks import check_production_settings

GOOD_KEY = "k" * 60


@pytest.mark.parametrize(
    ("debug", "key", "hosts", "message"),
    [
        (True, GOOD_KEY, ["kreis.example"], "DEBUG"),
        (False, "", ["kreis.example"], "SECRET_KEY"),
        (False, "insecure-dev-key-change-me" + "x" * 40, ["kreis.example"], "SECRET_KEY"),
        (False, "short", ["kreis.example"], "SECRET_KEY"),
        (False, GOOD_KEY, [], "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_unsafe_settings(debug, key, hosts, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        check_production_settings(debug, key, hosts)


def test_production_accepts_safe_settings():
    check_production_settings(False, GOOD_KEY, ["kreis.example"])


def test_production_settings_module_refuses_to_import_without_secret(monkeypatch):
    import importlib
    import sys

    monkeypatch.delenv("OPENKREIS_SECRET_KEY", raising=False)
    monkeypatch.setenv("OPENKREIS_ALLOWED_HOSTS", "kreis.example")
    sys.modules.pop("openkreis.settings.production", None)
    with pytest.raises(ImproperlyConfigured):
        importlib.import_module("openkreis.settings.production")
    sys.modules.pop("openkreis.settings.production", None)


def test_sqlite_config_uses_wal_and_immediate_transactions(tmp_path):
    config = database_config(None, tmp_path / "x.sqlite3")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    pg = database_config("postgresql://u@127.0.0.1:5432/db", tmp_path / "x.sqlite3")
    assert pg["ENGINE"] == "openkreis.core.db.postgresql"
    assert "transaction_mode" not in pg.get("OPTIONS", {})


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_never_see_database_is_locked():
    """Eight threads each write 40 transactions that read then write (the pattern that
    deadlocks SQLite's deferred transactions); every write must land."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0].lower() == "wal"
    errors: list[Exception] = []

    def writer(n: int) -> None:
        try:
            for i in range(40):
                with transaction.atomic():
                    Event.objects.filter(kind="test.concurrency").count()
                    core.record_event("test.concurrency", data={"writer": n, "i": i})
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Event.objects.filter(kind="test.concurrency").count() == 8 * 40


@pytest.mark.django_db
def test_events_are_append_only():
    event = core.record_event("test.kind", subject="case:1", data={"n": 1})
    event.data = {"n": 2}
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert Event.objects.get(pk=event.pk).data == {"n": 1}


@pytest.mark.django_db
def test_security_headers_on_public_pages(client):
    response = client.get("/leistungen/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_health_answers_without_database(client):
    assert client.get("/healthz").content == b"ok"


def test_production_without_redis_shares_one_cache_in_the_database(monkeypatch):
    """Issue 16 F4: a per-process memory cache let a TOTP code through twice with two
    gunicorn workers. Without REDIS_URL, production uses the database's cache table."""
    import importlib
    import sys

    monkeypatch.setenv("OPENKREIS_SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("OPENKREIS_ALLOWED_HOSTS", "kreis.example")
    monkeypatch.delenv("REDIS_URL", raising=False)
    from openkreis.settings import base

    default_before = dict(base.CACHES["default"])
    sys.modules.pop("openkreis.settings.production", None)
    try:
        production = importlib.import_module("openkreis.settings.production")
        assert production.CACHES["default"] == {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "openkreis_cache",
        }
        # base.CACHES (the running settings' dict too) is left as it was: a cache handler
        # reset later in this process (override_settings) would otherwise build the
        # database cache for every test after this one
        assert base.CACHES["default"] == default_before
    finally:
        sys.modules.pop("openkreis.settings.production", None)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_used_totp_code_is_refused_by_another_worker_with_the_database_cache():
    """Two workers = two cache objects on the same table: allauth marks a used TOTP code with
    cache.add, which only one of them can win."""
    from django.core.cache.backends.db import DatabaseCache

    worker_a = DatabaseCache("openkreis_cache", {})
    worker_b = DatabaseCache("openkreis_cache", {})
    key = "allauth.mfa.totp.used?user=1&code=123456"
    assert worker_a.add(key, "y", timeout=30) is True
    assert worker_b.add(key, "y", timeout=30) is False
    assert worker_b.get(key) == "y"
