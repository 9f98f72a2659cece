"""Read replicas (issue 26, docs/scaling.md "Read replicas"): the router sends the desk's and the
cockpit's reads to the replica and everything else to the primary, with read-your-writes.

The test settings define "replica" as a TEST MIRROR of the test database (a second connection to
the same database); the router is switched on here only. The last test gives the replica a
database of its own, a copy of the primary taken in the middle of the test, and proves that the
inbox shows what that copy holds, not what the primary holds."""

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, router, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from openkreis.cases.models import Case
from openkreis.cases.tests.factories import open_demo_case
from openkreis.core.dbrouter import PIN_COOKIE, REPLICA_ALIAS, replica_reads
from openkreis.core.models import Event
from openkreis.core.testing import login_staff, make_staff

ROUTED = override_settings(
    DATABASE_ROUTERS=["openkreis.core.dbrouter.ReplicaRouter"],
    MIDDLEWARE=[
        "openkreis.core.dbrouter.ReplicaMiddleware",
        *settings.MIDDLEWARE,
    ],
)
BOTH = ["default", "replica"]
# transactional: the mirror connection sees only committed rows
COMMITTED = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=BOTH)


def tables(queries) -> str:
    return " ".join(q["sql"] for q in queries)


# No query reaches the replica here, so the test needs only "default" (a test transaction on a
# mirror as well would wait for the primary's write lock on SQLite: one file, two connections).
@pytest.mark.django_db
@ROUTED
def test_reads_go_to_the_replica_only_inside_a_scope_and_never_after_a_write():
    assert router.db_for_read(Case) == DEFAULT_DB_ALIAS  # no scope: a task, a command
    with replica_reads():
        assert router.db_for_read(Case) == REPLICA_ALIAS
        with transaction.atomic():  # may be followed by a write that depends on the read
            assert router.db_for_read(Case) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Case) == REPLICA_ALIAS
        assert router.db_for_write(Event) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Case) == DEFAULT_DB_ALIAS  # read-your-writes
    with replica_reads(enabled=False):
        assert router.db_for_read(Case) == DEFAULT_DB_ALIAS
    assert router.db_for_write(Case) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(REPLICA_ALIAS, "cases") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "cases") is True


@pytest.mark.django_db
def test_without_the_router_the_replica_is_never_read():
    with replica_reads():
        assert router.db_for_read(Case) == DEFAULT_DB_ALIAS


@COMMITTED
@ROUTED
def test_inbox_reads_the_replica_and_a_write_pins_the_browser_to_the_primary(client):
    user, secret = make_staff("replica-desk", "fahrerlaubnisbehoerde", "caseworker")
    case = open_demo_case()
    login_staff(client, user, secret)
    assert PIN_COOKIE in client.cookies  # logging in wrote (session, last login)
    del client.cookies[PIN_COOKIE]

    with (
        CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        response = client.get("/sachbearbeitung/?tab=new")
    assert response.status_code == 200
    assert case.file_number in response.content.decode()
    assert '"cases_case"' in tables(on_replica.captured_queries)
    assert '"cases_case"' not in tables(on_primary.captured_queries)
    assert PIN_COOKIE not in response.cookies  # a list read writes nothing

    # a page that is not a list reads the primary
    with CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica:
        assert client.get(f"/sachbearbeitung/vorgang/{case.pk}/").status_code == 200
    assert on_replica.captured_queries == []

    # claiming writes: the answer pins this browser to the primary for a few seconds
    response = client.post(f"/sachbearbeitung/vorgang/{case.pk}/schritt/", {"step": "claim"})
    assert response.status_code == 302
    assert response.cookies[PIN_COOKIE]["max-age"] == 10
    with CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica:
        page = client.get("/sachbearbeitung/?tab=mine").content.decode()
    assert on_replica.captured_queries == []
    assert case.file_number in page


@COMMITTED
@ROUTED
def test_a_replica_database_of_its_own_answers_the_inbox(client):
    """A real second database: a copy of the primary taken mid-test (a replica that has not
    caught up yet), with a change made there only. The inbox shows the copy's rows; after a
    write the same browser sees the primary's."""
    if connection.vendor != "postgresql":
        pytest.skip("CREATE DATABASE … TEMPLATE: PostgreSQL only")
    import psycopg
    from psycopg import sql

    user, secret = make_staff("replica-own", "fahrerlaubnisbehoerde", "caseworker")
    seen = open_demo_case()
    login_staff(client, user, secret)
    del client.cookies[PIN_COOKIE]

    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    copy_name = f"{primary['NAME']}_replica"
    admin = {
        "host": primary["HOST"] or None,
        "port": primary["PORT"] or None,
        "user": primary["USER"] or None,
        "password": primary["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    connections.close_all()  # CREATE DATABASE … TEMPLATE needs the template without sessions
    with psycopg.connect(**admin) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy_name))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(copy_name), sql.Identifier(primary["NAME"])
            )
        )
    replica = connections[REPLICA_ALIAS]
    mirrored = replica.settings_dict  # the mirror shares the primary's dict: replace, not edit
    replica.settings_dict = {**mirrored, "NAME": copy_name}
    try:
        unseen = open_demo_case()  # written after the copy: the replica lags behind
        with replica.cursor() as cursor:  # a change the replica holds and the primary does not
            cursor.execute(
                "UPDATE cases_case SET applicant_name = %s WHERE id = %s",
                ["Replika Leserin", seen.pk],
            )
        assert Case.objects.using(DEFAULT_DB_ALIAS).get(pk=seen.pk).applicant_name != (
            "Replika Leserin"
        )

        page = client.get("/sachbearbeitung/?tab=new").content.decode()
        assert "Replika Leserin" in page and seen.file_number in page
        assert unseen.file_number not in page

        response = client.post(f"/sachbearbeitung/vorgang/{seen.pk}/schritt/", {"step": "claim"})
        assert response.status_code == 302 and PIN_COOKIE in response.cookies
        page = client.get("/sachbearbeitung/?tab=new").content.decode()
        assert unseen.file_number in page and "Replika Leserin" not in page
    finally:
        replica.close()
        replica.settings_dict = mirrored
        with psycopg.connect(**admin) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy_name))
            )
