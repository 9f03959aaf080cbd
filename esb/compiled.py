"""Hot read queries compiled once per process instead of on every request.

Building a queryset and compiling it to SQL costs the ORM far more CPU than PostgreSQL spends running the
short, indexed queries of the request path (the submission's locked read: 1.3 ms to build and compile,
0.2 ms to run; bench/README.md). `CompiledQuery` wraps a function that builds the queryset from its
arguments; the first call of each shape (the arguments' types, and the length of a list argument) compiles it
twice — once with placeholder values to find where each argument lands in the statement's parameters, once
with the real arguments to check that substituting them gives exactly the ORM's own statement and
parameters — and keeps the SQL. Later calls substitute the arguments, run the SQL and build the rows or model
instances the way the ORM's own iterables do (same columns, converters, `select_related` objects). A shape
that does not pass the check (an argument the ORM transforms, e.g. hashed) is run
through the ORM every time: slower, never different.

Arguments are plain values (int, str, UUID, date) or lists of ints; the builder must depend on nothing else
(no settings, time or request state), since its SQL is kept for the life of the process. A string argument
used in a `contains`/`icontains` lookup is found too (the ORM sends it escaped, between `%`).
"""

from __future__ import annotations

import datetime
import itertools
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.transaction import TransactionManagementError

# Placeholder values no real argument takes: negative ids (within a 32-bit column's range, or the ORM would
# turn the lookup into "no rows"), UUIDs / strings marked as ours, and days of the year 1.
_SENTINEL_INT = -(2**31) + 100_000
_SENTINEL_UUID = 0x5E_47_1E_00 << 96
_UNCACHEABLE = object()


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    # (param index, argument index, list position or None, True when sent as a LIKE "contains" pattern)
    slots: tuple[tuple[int, int, int | None, bool], ...]
    db: str
    for_update: bool
    converters: tuple  # (column, converter functions, expression) of the columns that have any
    models: bool
    init: tuple[int, int, list[str]] | None  # model columns' start, end, attnames
    model: type[Model] | None
    populators: tuple  # select_related objects (stateless between rows)


def _sentinels(args: tuple) -> tuple[tuple, dict[Any, tuple[int, int | None]]]:
    counter = itertools.count(1)
    where: dict[Any, tuple[int, int | None]] = {}
    out: list[Any] = []
    for index, arg in enumerate(args):
        if isinstance(arg, bool):
            raise TypeError("bool arguments are not substituted")
        if isinstance(arg, int):
            value = _SENTINEL_INT - next(counter)
            where[value] = (index, None)
            out.append(value)
        elif isinstance(arg, uuid.UUID):
            value = uuid.UUID(int=_SENTINEL_UUID + next(counter))
            where[value] = (index, None)
            out.append(value)
        elif isinstance(arg, str):
            value = f"\x1esentinel-{next(counter)}\x1e"
            where[value] = (index, None)
            out.append(value)
        elif type(arg) is datetime.date:
            value = datetime.date(1, 1, 1) + datetime.timedelta(days=next(counter))
            where[value] = (index, None)
            out.append(value)
        elif isinstance(arg, list | tuple) and all(type(x) is int for x in arg):
            values = []
            for position in range(len(arg)):
                value = _SENTINEL_INT - next(counter)
                where[value] = (index, position)
                values.append(value)
            out.append(values)
        else:
            raise TypeError(f"argument of type {type(arg).__name__} is not substituted")
    return tuple(out), where


def _shape(args: tuple) -> tuple:
    return tuple(
        (len(a), all(type(x) is int for x in a)) if isinstance(a, list | tuple) else type(a) for a in args
    )


class CompiledQuery:
    """`build(*args)` returns the queryset; `rows(*args)` (for `values_list` querysets) and `objects(*args)`
    (model instances) run it with its SQL compiled once per shape and process."""

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self._build = build
        self._compiled: dict[tuple, _Compiled | object] = {}
        self._lock = threading.Lock()

    # --- compiling ------------------------------------------------------------------------------------------

    def _compile(self, args: tuple) -> _Compiled | object | None:
        try:
            placeholders, where = _sentinels(args)
            queryset = self._build(*placeholders)
            compiler = queryset.query.get_compiler(using=queryset.db)
            sql, params = compiler.as_sql()
            slots, found = [], set()
            for param_index, value in enumerate(params):
                if _hashable(value) and value in where:
                    slots.append((param_index, *where[value], False))
                    found.add(value)
                elif _is_pattern(value) and value[1:-1] in where:
                    # a contains lookup's pattern (a sentinel needs no escaping), maybe used twice
                    slots.append((param_index, *where[value[1:-1]], True))
                    found.add(value[1:-1])
            if set(where) - found:  # an argument transformed or dropped by the ORM: its place cannot be found
                return _UNCACHEABLE
            models = queryset._iterable_class is ModelIterable
            if not models and queryset._iterable_class not in (ValuesListIterable, FlatValuesListIterable):
                return _UNCACHEABLE
            converters = []
            for column, (expression, *_rest) in enumerate(compiler.select[0 : compiler.col_count]):
                functions = [
                    *compiler.connection.ops.get_db_converters(expression),
                    *expression.get_db_converters(compiler.connection),
                ]
                if functions:
                    converters.append((column, tuple(functions), expression))
            init, model, populators = None, None, ()
            if models:
                if compiler.annotation_col_map or queryset._known_related_objects:
                    return _UNCACHEABLE
                start = compiler.klass_info["select_fields"][0]
                end = compiler.klass_info["select_fields"][-1] + 1
                init = (start, end, [f[0].target.attname for f in compiler.select[start:end]])
                model = compiler.klass_info["model"]
                populators = tuple(get_related_populators(compiler.klass_info, compiler.select, queryset.db))
            connection = compiler.connection
            compiled = _Compiled(
                sql=sql,
                params=tuple(params),
                slots=tuple(slots),
                db=queryset.db,
                for_update=bool(queryset.query.select_for_update),
                converters=tuple(converters),
                models=models,
                init=init,
                model=model,
                populators=populators,
            )
        except Exception:  # whatever stops the compilation, the ORM answers every call instead
            return _UNCACHEABLE
        try:
            real = self._build(*args)
            real_sql, real_params = real.query.get_compiler(using=real.db).as_sql()
        except Exception:  # these arguments are refused (e.g. not a UUID): the ORM says so; decide next time
            return None
        # The check: the real arguments through the ORM give the same statement and parameters.
        if real_sql != sql or list(real_params) != list(_params(compiled, args, connection)):
            return _UNCACHEABLE
        return compiled

    def _get(self, args: tuple) -> _Compiled | None:
        shape = _shape(args)
        compiled = self._compiled.get(shape)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(shape)
                if compiled is None:
                    compiled = self._compile(args)
                    if compiled is not None:
                        self._compiled[shape] = compiled
        return None if compiled is None or compiled is _UNCACHEABLE else compiled

    # --- running --------------------------------------------------------------------------------------------

    def _execute(self, compiled: _Compiled, args: tuple) -> list[list]:
        connection = connections[compiled.db]
        if compiled.for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, _params(compiled, args, connection))
            rows = cursor.fetchall()
        if not compiled.converters:
            return rows
        result = []
        for row in rows:
            row = list(row)
            for column, functions, expression in compiled.converters:
                value = row[column]
                for function in functions:
                    value = function(value, expression, connection)
                row[column] = value
            result.append(row)
        return result

    def rows(self, *args: Any) -> list[tuple]:
        """The rows of a `values_list` queryset, as tuples (one-column tuples for a `flat=True` one)."""
        compiled = self._get(args)
        if compiled is None:
            return [row if isinstance(row, tuple) else (row,) for row in self._build(*args)]
        if compiled.models:
            raise TypeError("rows() is for values_list querysets; use objects()")
        return [tuple(row) for row in self._execute(compiled, args)]

    def objects(self, *args: Any) -> list[Model]:
        compiled = self._get(args)
        if compiled is None:
            return list(self._build(*args))
        if not compiled.models:
            raise TypeError("objects() is for model querysets; use rows()")
        start, end, attnames = compiled.init
        found = []
        for row in self._execute(compiled, args):
            obj = compiled.model.from_db(compiled.db, attnames, row[start:end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found

    def first(self, *args: Any) -> Model | None:
        found = self.objects(*args)
        return found[0] if found else None


def _params(compiled: _Compiled, args: tuple, connection) -> list:
    params = list(compiled.params)
    for param_index, arg_index, position, contains in compiled.slots:
        value = args[arg_index] if position is None else args[arg_index][position]
        params[param_index] = f"%{connection.ops.prep_for_like_query(value)}%" if contains else value
    return params


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _is_pattern(value: Any) -> bool:
    return isinstance(value, str) and len(value) > 2 and value[0] == value[-1] == "%"


__all__ = ["CompiledQuery"]
