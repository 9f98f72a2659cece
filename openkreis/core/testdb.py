"""Test support: a migrated, empty database built once and cloned for every test database.

`manage.py migrate` from nothing runs ~300 migrations (ours and Wagtail's) and takes about
100 s on this project's 2-core machine. The suite needed it four times per PostgreSQL run
(each pytest worker's test database and each worker's served portal for the browser tests)
and twice per SQLite run. Now the first of them builds a template — the schema and what the
migrations themselves write, nothing else — and every test database is a copy of it:
`CREATE DATABASE … TEMPLATE …` on PostgreSQL, a file copy on SQLite. `migrate` still runs
on the copy as before; with every migration applied it only checks the plan.

The template is named by a hash of everything that can change what `migrate` writes: every
Python file of the project but its tests (migrations, models, and the code they import), the
name and version of every installed distribution (Django, Wagtail and the other apps with
migrations), and the month (a migration creates the event log's partitions for this month
and the next three). A change to any of them builds a new template; a template is never
updated in place. The three newest templates are kept (two checkouts at different commits
on one server do not rebuild each other's), older ones are dropped. One process at a time
builds, copies or drops: on PostgreSQL under an advisory lock of the server, for SQLite under
a file lock in `$OPENKREIS_TEST_CACHE` (default `~/.cache/openkreis`), where its templates are.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import importlib.metadata
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing, contextmanager
from pathlib import Path

from django.conf import settings

PREFIX = "openkreis_tpl_"
KEEP = 3
# pg_advisory_lock's key for every template operation on a server (any fixed bigint)
LOCK_KEY = 0x6F6B_7464_6201


def source_key(static: bool = False) -> str:
    """A hash of the project's Python files but its tests (`static`: and of its static
    files), the installed distributions' versions and the month."""
    digest = hashlib.sha256()
    package = Path(settings.BASE_DIR) / "openkreis"
    paths = package.rglob("*.py")
    if static:
        paths = (p for p in package.rglob("*") if p.suffix == ".py" or "static" in p.parts)
    for path in sorted(p for p in paths if p.is_file() and "tests" not in p.parts):
        digest.update(str(path.relative_to(package)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    versions = sorted(
        {
            f"{dist.metadata['Name']}=={dist.version}".lower()
            for dist in importlib.metadata.distributions()
        }
    )
    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    digest.update("\n".join([sys.version, month, *versions]).encode())
    return digest.hexdigest()[:20]


def checkout_suffix() -> str:
    """A short name for this checkout: test databases of two checkouts on one server differ."""
    return hashlib.sha256(str(Path(settings.BASE_DIR).resolve()).encode()).hexdigest()[:8]


def cache_dir() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "openkreis"
    path = Path(os.environ.get("OPENKREIS_TEST_CACHE", default))
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _file_lock():
    with open(cache_dir() / "testdb.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _is_postgres(db: dict) -> bool:
    return db["ENGINE"].endswith("postgresql")


def _conninfo(db: dict, name: str) -> str:
    from psycopg.conninfo import make_conninfo

    params = {
        "host": db.get("HOST") or None,
        "port": str(db["PORT"]) if db.get("PORT") else None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    return make_conninfo(dbname=name, **{k: v for k, v in params.items() if v})


def _pg_url(db: dict, name: str) -> str:
    """A URL for `manage.py` (DATABASE_URL); a socket folder as host is percent-encoded, as
    dj-database-url reads it."""
    from urllib.parse import quote

    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(db.get("HOST") or "localhost", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{auth}{host}{port}/{name}"


@contextmanager
def _pg_admin(db: dict):
    """An autocommit connection to the server's `postgres` database holding the server-wide
    advisory lock for template work (two runs with different cache folders share it)."""
    import psycopg

    with psycopg.connect(_conninfo(db, "postgres"), autocommit=True) as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        try:
            yield admin
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _migrate(database_url: str) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "openkreis.settings.test"}
    env["DATABASE_URL"] = database_url
    for name in ("OPENKREIS_REPLICA_URL", "DATABASE_REPLICA_URL"):
        env.pop(name, None)
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    try:
        subprocess.run(  # noqa: S603 - our own manage.py with this interpreter
            [sys.executable, manage, "migrate", "--noinput", "-v0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"migrating the test template failed:\n{exc.stderr}") from exc


def _pg_template(db: dict, admin, key: str) -> str:
    """The template's name, built first when this key has none (called under the lock)."""
    name = PREFIX + key
    rows = admin.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY oid DESC",
        [PREFIX + "%"],
    ).fetchall()
    names = [row[0] for row in rows]
    if name in names:
        return name
    building = f"{name}_building"
    admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{building}"')
    _migrate(_pg_url(db, building))
    admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    built = [n for n in names if not n.endswith("_building")]
    # the newest KEEP - 1 others stay; older ones and interrupted builds go
    for old in [n for n in names if n not in built[: KEEP - 1]]:
        admin.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
    return name


def _sqlite_template(key: str) -> Path:
    path = cache_dir() / f"migrated-{key}.sqlite3"
    if path.exists():
        return path
    building = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    _migrate(f"sqlite:///{building}")
    with closing(sqlite3.connect(building)) as conn:  # everything into the main file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    olds = sorted(cache_dir().glob("migrated-*.sqlite3"), key=lambda p: p.stat().st_mtime)
    for old in olds[: max(0, len(olds) - (KEEP - 1))]:
        old.unlink()
    building.rename(path)
    return path


def clone_migrated(db: dict, target: str) -> None:
    """Make `target` (a PostgreSQL database name, or an SQLite file path) a fresh copy of the
    migrated template for the server or engine of `db` (Django DATABASES settings),
    replacing whatever was there."""
    key = source_key()
    if _is_postgres(db):
        with _pg_admin(db) as admin:
            template = _pg_template(db, admin, key)
            admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{target}" TEMPLATE "{template}"')
        return
    with _file_lock():
        template = _sqlite_template(key)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, target)


def drop(db: dict, target: str) -> None:
    """Remove a database made by `clone_migrated`."""
    if _is_postgres(db):
        import psycopg

        with psycopg.connect(_conninfo(db, "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    else:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)


@contextmanager
def once_per_sources(kind: str, output: Path):
    """Yield whether a step that writes `output` is due: not when a marker beside it says
    the step ran for these very sources (`source_key(static=True)`) and `output` is still
    what it wrote then. Under the lock, so the second of two workers waits and skips it."""
    key = source_key(static=True)
    marker = output.parent / f".{kind}-{key}"
    with _file_lock():
        done = (
            marker.exists()
            and output.exists()
            and marker.read_text() == hashlib.sha256(output.read_bytes()).hexdigest()
        )
        yield not done
        if not done:
            for old in output.parent.glob(f".{kind}-*"):
                old.unlink()
            marker.write_text(hashlib.sha256(output.read_bytes()).hexdigest())
