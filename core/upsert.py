"""A lean bulk upsert: one multi-row INSERT … ON CONFLICT / ON DUPLICATE KEY UPDATE per batch.

`bulk_create(update_conflicts=True)` does the same SQL but compiles every value through the
ORM (about 2 s of CPU for 10,000 products); here each column gets its converter once and the
rows are plain tuples. The conflict clause comes from Django's own backend operations, so
SQLite, MariaDB, MySQL and PostgreSQL each get their dialect. `upsert_models` and `insert_models` do the
same for model instances (each value prepared by its field), `bulk_set` the UPDATE of `bulk_update`.
"""

from functools import partial

from django.db import connections, router
from django.db.models.constants import OnConflict


def _converter(field, connection):
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    if kind == "DecimalField":
        return partial(
            connection.ops.adapt_decimalfield_value,
            max_digits=field.max_digits,
            decimal_places=field.decimal_places,
        )
    if kind == "JSONField":
        return partial(connection.ops.adapt_json_value, encoder=field.encoder)
    return None


def bulk_upsert(model, rows: list[dict], *, unique: list[str], update: list[str], batch_size: int = 1000) -> int:
    """Insert `rows` (dicts keyed by attname, all with the same keys), updating `update` on a `unique` clash."""
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    names = list(rows[0])
    fields = [model._meta.get_field(name) for name in names]
    columns = [f.column for f in fields]
    converters = [(i, c) for i, f in enumerate(fields) if (c := _converter(f, connection))]
    batch_size = _fitting(connection, batch_size, len(columns))
    unique_columns = [model._meta.get_field(name).column for name in unique]
    update_columns = [model._meta.get_field(name).column for name in update]
    suffix = _on_conflict(connection, fields, unique_columns, update_columns)

    def values(row: dict) -> list:
        out = [row[name] for name in names]
        for index, convert in converters:
            out[index] = convert(out[index])
        return out

    _insert(connection, model, columns, map(values, rows), batch_size=batch_size, suffix=suffix)
    return len(rows)


def _fitting(connection, batch_size: int, columns: int) -> int:
    """Rows to a statement: `batch_size`, fewer when the database's parameter limit needs it."""
    max_params = getattr(connection.features, "max_query_params", None) or 100_000
    return max(1, min(batch_size, max_params // columns))


def _on_conflict(connection, fields: list, unique_columns: list[str], update_columns: list[str]) -> str:
    """The backend's ON CONFLICT / ON DUPLICATE KEY clause updating `update_columns`."""
    if not connection.features.supports_update_conflicts_with_target:
        unique_columns = []  # MySQL/MariaDB: any unique key triggers the update
    return connection.ops.on_conflict_suffix_sql(fields, OnConflict.UPDATE, update_columns, unique_columns)


def _insert(connection, model, columns: list[str], rows, *, batch_size: int, suffix: str = "") -> None:
    """INSERT the rows (lists of database values, in `columns`' order), `batch_size` to a statement."""
    ops = connection.ops
    # Only quoted table/column names from the model go into the SQL text; every value is a parameter.
    table, names_sql = ops.quote_name(model._meta.db_table), ", ".join(map(ops.quote_name, columns))
    head = f"INSERT INTO {table} ({names_sql}) VALUES "  # noqa: S608
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    chunk: list[list] = []
    with connection.cursor() as cursor:
        for row in rows:
            chunk.append(row)
            if len(chunk) == batch_size:
                cursor.execute(head + ", ".join([placeholder] * len(chunk)) + " " + suffix, _flat(chunk))
                chunk = []
        if chunk:
            cursor.execute(head + ", ".join([placeholder] * len(chunk)) + " " + suffix, _flat(chunk))


def _flat(chunk: list[list]) -> list:
    return [value for row in chunk for value in row]


def bulk_set(model, objs: list, fields: list[str], *, batch_size: int = 500) -> int:
    """Write `fields` of each object by primary key: one `UPDATE … SET col = CASE pk WHEN … END` per batch.

    The SQL `bulk_update` sends, without compiling a When() per row and field through the ORM (about
    100 ms of CPU for 25 rows of 8 fields). Values go through each field's get_db_prep_save.
    """
    if not objs:
        return 0
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    columns = [meta.get_field(name) for name in fields]
    max_params = getattr(connection.features, "max_query_params", None) or 100_000
    batch_size = max(1, min(batch_size, max_params // (2 * len(columns) + 1)))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            chunk = objs[start : start + batch_size]
            whens = " ".join(["WHEN %s THEN %s"] * len(chunk))
            sets, params = [], []
            for field in columns:
                sets.append(f"{quote(field.column)} = CASE {pk} {whens} END")
                for obj in chunk:
                    params += [obj.pk, field.get_db_prep_save(getattr(obj, field.attname), connection)]
            # Only quoted table/column names from the model go into the SQL text; every value is a parameter.
            sql = f"UPDATE {table} SET {', '.join(sets)} WHERE {pk} IN ({', '.join(['%s'] * len(chunk))})"  # noqa: S608
            cursor.execute(sql, [*params, *(obj.pk for obj in chunk)])
    return len(objs)


def upsert_models(model, objs: list, unique: list[str], *, batch_size: int = 500) -> int:
    """Save model instances: insert each, or update every other column where `unique` clashes (their primary
    keys are not read back).

    The SQL of `bulk_create(update_conflicts=True)`, each value prepared by its field as bulk_create does
    (`pre_save`, `get_db_prep_save`) but without compiling every value through the ORM: laying a first sync's
    8,000 items over the VK shop cache took 1.6 s of CPU that way, while the sync's requests waited to end."""
    fields = _saved_fields(model)
    connection = connections[router.db_for_write(model)]
    unique_columns = [model._meta.get_field(name).column for name in unique]
    update_columns = [f.column for f in fields if f.column not in unique_columns]
    suffix = _on_conflict(connection, fields, unique_columns, update_columns)
    return _insert_models(connection, model, fields, objs, batch_size=batch_size, suffix=suffix)


def insert_models(model, objs: list, *, batch_size: int = 1000) -> int:
    """INSERT model instances (their primary keys are not read back): `bulk_create` without the ORM's compiling
    of every value."""
    fields = _saved_fields(model)
    connection = connections[router.db_for_write(model)]
    return _insert_models(connection, model, fields, objs, batch_size=batch_size)


def _saved_fields(model) -> list:
    """The columns an INSERT writes: every concrete field but the primary key (the database numbers the rows) and
    generated ones."""
    return [f for f in model._meta.concrete_fields if not f.primary_key and not getattr(f, "generated", False)]


def _insert_models(connection, model, fields: list, objs: list, *, batch_size: int, suffix: str = "") -> int:
    if not objs:
        return 0
    if any(hasattr(f, "get_placeholder") for f in fields):  # e.g. binary fields: their own SQL placeholder
        raise ValueError(f"{model.__name__} has a field with its own placeholder: use bulk_create")
    batch_size = _fitting(connection, batch_size, len(fields))
    rows = ([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs)
    _insert(connection, model, [f.column for f in fields], rows, batch_size=batch_size, suffix=suffix)
    return len(objs)
