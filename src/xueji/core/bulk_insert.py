"""Insert many rows of one model at once, for services that write in bulk (spreadsheet imports).

The ids are taken before the rows go in, so the caller can link children to parents: on
PostgreSQL from the table's own sequence, then COPY; on SQLite under the database's write lock
(which the transaction takes first), then one prepared INSERT run for all rows. The values are the
model fields' own database values, so a row inserted here is the row ``save()`` would have
written. This is only the transport: the calling service has checked every rule and runs inside
its one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

# Fields whose Python value the driver sends as it is: their get_db_prep_save only re-checks the
# type, which costs more than the rest of the row. Dates and decimals are formatted by the field on
# SQLite (it has no such types); JSON and anything else always go through the field.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)
_PLAIN_ON_POSTGRESQL = (*_PLAIN, models.DateField, models.DecimalField)  # DateField covers DateTimeField


def _preparers(fields: Iterable[models.Field]) -> list[tuple[str, Any]]:
    plain = _PLAIN_ON_POSTGRESQL if connection.vendor == "postgresql" else _PLAIN
    return [(f.attname, None if isinstance(f, plain) else f.get_db_prep_save) for f in fields]


def _values(obj: models.Model, preparers: list[tuple[str, Any]]) -> list[Any]:
    return [
        getattr(obj, name) if prep is None else prep(getattr(obj, name), connection)
        for name, prep in preparers
    ]


def insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert unsaved instances and set their primary keys."""
    if not objs:
        return
    if connection.vendor not in ("postgresql", "sqlite"):
        model._default_manager.bulk_create(objs)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj in objs:
        for field in stamped:
            field.pre_save(obj, True)  # sets created_at / updated_at on the instance, as save() would
    for obj, pk in zip(objs, _reserve_ids(meta.db_table, meta.pk.column, len(objs)), strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    preparers = _preparers(fields)
    rows = ([obj.pk, *_values(obj, preparers)] for obj in objs)
    _write(meta.db_table, [meta.pk.column, *(f.column for f in fields)], rows)


def insert_history(model: type[models.Model], objs: Sequence[models.Model], *, user: Any) -> None:
    """The "+" (created) history rows of freshly inserted instances, as django-simple-history writes them."""
    if not objs:
        return
    # ``history`` is the manager HistoricalRecords adds to the class, which no model type declares.
    if connection.vendor not in ("postgresql", "sqlite"):
        model.history.bulk_history_create(objs, default_user=user)  # type: ignore[attr-defined]
        return
    history = model.history.model  # type: ignore[attr-defined]
    when = history._meta.get_field("history_date").get_db_prep_save(timezone.now(), connection)
    user_id = getattr(user, "pk", None)
    preparers = _preparers(history.tracked_fields)
    rows = ([*_values(obj, preparers), when, "", "+", user_id] for obj in objs)
    extra = ["history_date", "history_change_reason", "history_type", "history_user_id"]
    _write(history._meta.db_table, [*(f.column for f in history.tracked_fields), *extra], rows)


def _reserve_ids(table: str, column: str, count: int) -> list[int]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: a write that changes nothing takes the database's one write lock, which this
        # transaction then holds until it ends; no one else can insert, so the next ids are ours.
        cursor.execute(f"UPDATE {quote(table)} SET {quote(column)} = {quote(column)} WHERE 0")  # noqa: S608  # nosec B608
        cursor.execute(
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608  # nosec B608
            f"coalesce((SELECT max({quote(column)}) FROM {quote(table)}), 0))",
            [table],
        )
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def _write(table: str, columns: list[str], rows: Iterable[list[Any]]) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    if connection.vendor == "sqlite":
        marks = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", list(rows))  # noqa: S608  # nosec B608
        return
    # Django wraps its own cursor calls; COPY goes to psycopg directly, so wrap its errors too
    # (a unique violation must arrive as django.db.IntegrityError, like any other insert).
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def history_of_rows(model: type[models.Model], ids: Sequence[int], *, user: Any, reason: str = "") -> None:
    """The "~" (changed) history rows of rows just updated in bulk, copied from the table by the
    database itself (INSERT … SELECT): a set-based change (the school year's promotion) leaves each
    row the history a ``save()`` would have, without reading the rows into Python."""
    history = model.history.model  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    columns = [f.column for f in history.tracked_fields]
    when = history._meta.get_field("history_date").get_db_prep_save(timezone.now(), connection)
    source = quote(model._meta.db_table)
    target = ", ".join(
        quote(c)
        for c in [*columns, "history_date", "history_change_reason", "history_type", "history_user_id"]
    )
    copied = ", ".join(f"{source}.{quote(c)}" for c in columns)
    pk = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        for chunk in id_chunks(ids):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({target}) "  # noqa: S608 (names from _meta)  # nosec B608
                f"SELECT {copied}, %s, %s, '~', %s FROM {source} WHERE {pk} IN ({marks})",
                [when, reason, getattr(user, "pk", None), *chunk],
            )


def id_chunks(ids: Sequence[int]) -> list[list[int]]:
    """``ids`` in as few lists as one statement's parameters allow: one on PostgreSQL, runs of a
    few hundred under SQLite's limit (a few parameters left for the statement's own)."""
    size = (connection.features.max_query_params or len(ids) + 10) - 10
    return [list(ids[start : start + size]) for start in range(0, len(ids), max(size, 1))]
