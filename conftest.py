"""Shared fixtures: the Harz demo data is loaded once per test session."""

import pytest

from openkreis.core.testing import load_tenant


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings):
    """Each worker's test database starts as a copy of the migrated template
    (openkreis/core/testdb.py) and Django keeps it as it is (its `migrate` only checks the
    plan) instead of running every migration again; `django_db_setup` drops it at the end.
    `--reuse-db` keeps pytest-django's own behaviour."""
    if request.config.getvalue("reuse_db"):
        return True
    from django.db import connections

    from openkreis.core import testdb

    connection = connections["default"]
    name = connection.creation._get_test_db_name()
    testdb.clone_migrated(connection.settings_dict, name)
    _cloned.append((dict(connection.settings_dict), name))
    return True


_cloned: list = []


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load Landkreis Harz (with its pages) once; each test runs in a rolled-back transaction."""
    from django.db import connection, connections

    with django_db_blocker.unblock():
        load_tenant("harz", pages=True)
        # A transactional test empties every table when it ends. Mark such tests
        # django_db(transaction=True, serialized_rollback=True): Django then restores this
        # snapshot (Harz and what migrations created) at their start.
        connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    yield
    from openkreis.core import testdb

    with django_db_blocker.unblock():
        connections.close_all()
        for settings_dict, name in _cloned:
            testdb.drop(settings_dict, name)


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
