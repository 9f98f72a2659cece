"""Test support: a migrated, empty database built once and cloned for every test database.

`manage.py migrate` from nothing runs ~300 migrations (ours and Wagtail's) and takes about
100 s on this project's 2-core machine. The suite needed it four times per PostgreSQL run
(each pytest worker's test database and each worker's served portal for the browser tests)
and twice per SQLite run. Now the first of them builds a template — the schema and what the
migrations themselves write, nothing else — and every test database is a copy of it:
`CREATE DATABASE … TEMPLATE …` on PostgreSQL, a file copy on SQLite. `migrate` still runs
on the copy as before; with every migration applied it only checks the plan.

The template is named by a hash of everything that can change what `migrate` writes: every
Python file of the project (migrations, models, and the code they import) and the name and
version of every installed distribution (Django, Wagtail and the other apps with migrations).
A change to any of them builds a new template; a template is never updated in place. Old
templates are dropped when a new one is built. SQLite templates and the lock that lets only
one process build live in `$OPENKREIS_TEST_CACHE` (default `~/.cache/openkreis`).
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

PREFIX = "openkreis_tpl_"


def source_key(static: bool = False) -> str:
    """A hash of the project's Python files (`static`: and of its static files) and the
    installed distributions' versions."""
    digest = hashlib.sha256()
    package = Path(settings.BASE_DIR) / "openkreis"
    paths = package.rglob("*.py")
    if static:
        paths = (p for p in package.rglob("*") if p.suffix == ".py" or "static" in p.parts)
    for path in sorted(p for p in paths if p.is_file()):
        digest.update(str(path.relative_to(package)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    versions = sorted(
        {
            f"{dist.metadata['Name']}=={dist.version}".lower()
            for dist in importlib.metadata.distributions()
        }
    )
    digest.update("\n".join([sys.version, *versions]).encode())
    return digest.hexdigest()[:20]


def cache_dir() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "openkreis"
    path = Path(os.environ.get("OPENKREIS_TEST_CACHE", default))
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _locked():
    """One process at a time builds, clones or drops templates (pytest workers, two test
    runs side by side)."""
    with open(cache_dir() / "testdb.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _is_postgres(db: dict) -> bool:
    return db["ENGINE"] == "django.db.backends.postgresql"


def _pg_url(db: dict, name: str) -> str:
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{auth}{host}{port}/{name}"


def _pg_admin(db: dict):
    import psycopg

    return psycopg.connect(_pg_url(db, "postgres"), autocommit=True)


def _migrate(database_url: str) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "openkreis.settings.test"}
    env["DATABASE_URL"] = database_url
    for name in ("OPENKREIS_REPLICA_URL", "DATABASE_REPLICA_URL"):
        env.pop(name, None)
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    subprocess.run(  # noqa: S603 - our own manage.py with this interpreter
        [sys.executable, manage, "migrate", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
    )


def _pg_template(db: dict, key: str) -> str:
    """The template's name, built first when this key has none (called under the lock)."""
    name = PREFIX + key
    with _pg_admin(db) as admin:
        names = [
            row[0]
            for row in admin.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", [PREFIX + "%"]
            )
        ]
        if name in names:
            return name
        building = f"{name}_building"
        admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{building}"')
    _migrate(_pg_url(db, building))
    with _pg_admin(db) as admin:
        admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        for old in names:  # an older key's template, or a build that was interrupted
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
    with sqlite3.connect(building) as conn:  # everything into the main file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    for old in cache_dir().glob("migrated-*.sqlite3"):
        old.unlink()
    building.rename(path)
    return path


def clone_migrated(db: dict, target: str) -> None:
    """Make `target` (a PostgreSQL database name, or an SQLite file path) a fresh copy of the
    migrated template for the server or engine of `db` (Django DATABASES settings),
    replacing whatever was there."""
    key = source_key()
    with _locked():
        if _is_postgres(db):
            template = _pg_template(db, key)
            with _pg_admin(db) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{target}" TEMPLATE "{template}"')
        else:
            template = _sqlite_template(key)
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(template, target)


def drop(db: dict, target: str) -> None:
    """Remove a database made by `clone_migrated`."""
    if _is_postgres(db):
        with _pg_admin(db) as admin:
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
    with _locked():
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
