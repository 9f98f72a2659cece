"""Shared fixtures: the Harz demo data is loaded once per test session."""

import warnings

import pytest

from openkreis.core.testing import load_tenant


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """PostgreSQL test databases carry a short name of the checkout besides pytest-xdist's
    worker: two checkouts testing on one server (a CI clone beside a working copy) never
    replace each other's databases."""
    from django.db import connections

    from openkreis.core import testdb

    for alias in connections:
        connection = connections[alias]
        test = connection.settings_dict.setdefault("TEST", {})
        if connection.vendor == "postgresql" and not test.get("MIRROR"):
            name = connection.creation._get_test_db_name()
            test["NAME"] = f"{name}_{testdb.checkout_suffix()}"


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings):
    """Each worker's test database starts as a copy of the migrated template
    (openkreis/core/testdb.py) and Django keeps it as it is (its `migrate` only checks the
    plan) instead of running every migration again; it is dropped when the session ends.
    `--reuse-db` and `--create-db` keep pytest-django's own behaviour."""
    if request.config.getvalue("reuse_db") or request.config.getvalue("create_db"):
        return request.config.getvalue("reuse_db")
    from django.db import connections

    from openkreis.core import testdb

    connection = connections["default"]
    settings_dict, name = dict(connection.settings_dict), connection.creation._get_test_db_name()
    testdb.clone_migrated(settings_dict, name)

    def drop():
        connections.close_all()
        try:
            testdb.drop(settings_dict, name)
        except Exception as exc:  # noqa: BLE001 - the next run replaces it anyway
            warnings.warn(f"test database {name} not dropped: {exc!r}", stacklevel=1)

    request.addfinalizer(drop)
    return True


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load Landkreis Harz (with its pages) once; each test runs in a rolled-back transaction."""
    from django.db import connection

    with django_db_blocker.unblock():
        load_tenant("harz", pages=True)
        # A transactional test empties every table when it ends. Mark such tests
        # django_db(transaction=True, serialized_rollback=True): Django then restores this
        # snapshot (Harz and what migrations created) at their start.
        connection._test_serialized_contents = connection.creation.serialize_db_to_string()


@pytest.fixture
def broker(request):
    """Celery with a broker and no worker (memory://, or the URL given with indirect
    parametrisation): tasks wait in their queue instead of running at once."""
    from openkreis import celery_app

    url = getattr(request, "param", "memory://")
    old = {
        "task_always_eager": celery_app.conf.task_always_eager,
        "broker_url": celery_app.conf.broker_url,
    }
    celery_app.conf.update(task_always_eager=False, broker_url=url)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield url
    celery_app.conf.update(**old)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def harz(db):
    from openkreis.core.models import Tenant

    return Tenant.objects.get(slug="harz")


@pytest.fixture(autouse=True)
def fresh_search_index():
    """Search indexes are cached per process; tests change the catalogue freely."""
    from openkreis.catalog.search import backend
    from openkreis.core import setupcache
    from openkreis.core.services import forget_cached_tenant
    from openkreis.portal import views as portal_views

    forget_cached_tenant()
    setupcache.clear_all()  # ids of rolled-back rows come again (SQLite)
    portal_views._recent_fragments.clear()
    portal_views._recent_pages.clear()
    backend.reset()
    backend.recheck_seconds = 0
    yield
    backend.reset()


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the default language, as when it runs alone: a request to /en/…
    activates English in the test's thread and Django leaves it active afterwards, so a later
    test in the same worker would reverse() English URLs and read English lazy texts."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
