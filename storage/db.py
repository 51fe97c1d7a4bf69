"""Engines and sessions: SQLite (embedded default) and PostgreSQL (production, several replicas)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def is_sqlite(engine_or_url) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(str(engine_or_url))
    return url.get_backend_name() == "sqlite"


def _sqlite_setup(engine: Engine) -> None:
    """WAL, busy timeout, foreign keys, and BEGIN IMMEDIATE so writers queue instead of failing."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        read_only = bool(conn.get_execution_options().get("read_only"))
        if conn.info.get("query_only", False) != read_only:  # a read-only unit that writes fails loudly
            conn.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
            conn.info["query_only"] = read_only
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine for a database URL with the right settings for its backend.

    SQL parameters hold customer names and words: errors never show them (`hide_parameters`).
    """
    url = normalise_url(url)
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _sqlite_setup(engine)
    else:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    return engine


@contextmanager
def transaction(engine: Engine, read_only: bool = False) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back everything on error.

    `read_only` transactions take no write lock, so on SQLite they never wait for a writer (WAL
    readers see the last commit); both engines refuse a write inside one.
    """
    bind = engine.execution_options(read_only=True, postgresql_readonly=True) if read_only else engine
    with Session(bind, expire_on_commit=False) as session:
        with session.begin():
            yield session


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a trivial query."""
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
