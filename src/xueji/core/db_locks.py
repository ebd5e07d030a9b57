"""How long a write waits for another writer's lock, on SQLite (a deployment's single file).

SQLite lets one writer at a time; the others wait up to the connection's busy timeout (the
settings' 20 seconds, right for a page) and then fail with "database is locked". A background job
has no one waiting on it and would rather wait than fail, while its progress reports should never
wait at all. PostgreSQL locks rows, not the database: there this changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


def _busy_timeout(milliseconds: int | None = None) -> int:
    with connection.cursor() as cursor:
        if milliseconds is not None:
            cursor.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
        cursor.execute("PRAGMA busy_timeout")
        return int(cursor.fetchone()[0])


@contextmanager
def lock_wait(seconds: float) -> Iterator[None]:
    """Inside, a write waits up to ``seconds`` for another writer (0: not at all)."""
    if connection.vendor != "sqlite":
        yield
        return
    before = _busy_timeout()
    _busy_timeout(int(seconds * 1000))
    try:
        yield
    finally:
        _busy_timeout(before)
