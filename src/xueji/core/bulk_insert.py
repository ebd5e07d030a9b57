"""Insert many rows of one model at once, for services that write in bulk (spreadsheet imports).

On PostgreSQL the rows go in with COPY, their ids reserved from the table's own sequence first so
the caller can link children to parents; elsewhere ``bulk_create`` does the same job more slowly.
The values are the model fields' own database values (``get_db_prep_save``), so a row inserted
here is the row ``save()`` would have written. This is only the transport: the calling service
has checked every rule and runs inside its one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

# Fields whose Python value psycopg sends as it is: their get_db_prep_save only re-checks the type,
# which costs more than the rest of the row. Anything else (JSON, …) goes through the field.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DateField,  # and DateTimeField: our datetimes are aware, as the field would make them
    models.DecimalField,
    models.ForeignKey,
)


def _preparers(fields: Iterable[models.Field]) -> list[tuple[str, Any]]:
    return [(f.attname, None if isinstance(f, _PLAIN) else f.get_db_prep_save) for f in fields]


def _values(obj: models.Model, preparers: list[tuple[str, Any]]) -> list[Any]:
    return [
        getattr(obj, name) if prep is None else prep(getattr(obj, name), connection)
        for name, prep in preparers
    ]


def insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert unsaved instances and set their primary keys."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
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
    _copy(meta.db_table, [meta.pk.column, *(f.column for f in fields)], rows)


def insert_history(model: type[models.Model], objs: Sequence[models.Model], *, user: Any) -> None:
    """The "+" (created) history rows of freshly inserted instances, as django-simple-history writes them."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.history.bulk_history_create(objs, default_user=user)
        return
    history = model.history.model
    tracked = history.tracked_fields
    when = timezone.now()
    user_id = getattr(user, "pk", None)
    prep = [(f.attname, f.get_db_prep_save) for f in tracked]
    rows = (
        [*(save(getattr(obj, name), connection) for name, save in prep), when, "", "+", user_id]
        for obj in objs
    )
    columns = [
        *(f.column for f in tracked),
        "history_date",
        "history_change_reason",
        "history_type",
        "history_user_id",
    ]
    _copy(history._meta.db_table, columns, rows)


def _reserve_ids(table: str, column: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(table: str, columns: list[str], rows: Iterable[list[Any]]) -> None:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    # Django wraps its own cursor calls; COPY goes to psycopg directly, so wrap its errors too
    # (a unique violation must arrive as django.db.IntegrityError, like any other insert).
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
