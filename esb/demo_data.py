"""Reading the demo data files (`demo_data/*.yaml`): parse, check the shape, resolve shared parts.

Every app's `demo.py` reads its files through here and describes what it expects with a small schema, so a
malformed entry stops the seed with one message naming the file and the key (`DemoDataError`), before
anything is written. This module knows no domain app: the apps bring their schemas.
"""

from __future__ import annotations

import copy
import datetime
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings


def data_dir() -> Path:
    return Path(settings.BASE_DIR) / "demo_data"


class DemoDataError(Exception):
    """A demo data file is missing or malformed; the message names the file and the key."""

    def __init__(self, file: str, key: str, message: str) -> None:
        self.file, self.key, self.message = file, key, message
        super().__init__(f"{file}: {key}: {message}" if key else f"{file}: {message}")


@dataclass(frozen=True)
class Where:
    """A position in a data file, for error messages: `catalog/services/X.yaml`, `form[2].fields[0].type`."""

    file: str
    path: str = ""

    def __truediv__(self, part: str | int) -> Where:
        if isinstance(part, int):
            return Where(self.file, f"{self.path}[{part}]")
        return Where(self.file, f"{self.path}.{part}" if self.path else part)

    def error(self, message: str) -> DemoDataError:
        return DemoDataError(self.file, self.path, message)


@dataclass(frozen=True)
class Key:
    """What one key of a mapping holds. `kind`: python type(s); `items`: schema of each list item (a dict
    schema or a Key); `choices`: allowed values; `check`: extra test returning an error message or ''."""

    kind: type | tuple[type, ...]
    required: bool = True
    items: dict[str, Key] | Key | None = None
    choices: Collection | None = None
    check: Callable[[Any], str] | None = None


Schema = dict[str, Key]

_TYPE_NAMES = {
    str: "text",
    int: "a whole number",
    bool: "true or false",
    list: "a list",
    dict: "a mapping",
    float: "a number",
    datetime.date: "a date (YYYY-MM-DD)",
    type(None): "empty",
}


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)


def _is(value: Any, kind: type | tuple[type, ...]) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    # YAML `yes`/`true` is a bool, and bool is an int subclass: a number field must not accept it.
    if isinstance(value, bool) and bool not in kinds:
        return False
    return isinstance(value, kinds)


def check_value(value: Any, key: Key, where: Where) -> None:
    if not _is(value, key.kind):
        raise where.error(f"must be {_type_name(key.kind)}, not {value!r}")
    if key.choices is not None and value not in key.choices:
        raise where.error(f"{value!r} is not one of: {', '.join(map(str, key.choices))}")
    if key.check is not None and (problem := key.check(value)):
        raise where.error(problem)
    if isinstance(value, list) and key.items is not None:
        for index, item in enumerate(value):
            if isinstance(key.items, dict):
                check_mapping(item, key.items, where / index)
            else:
                check_value(item, key.items, where / index)


def check_mapping(data: Any, schema: Schema, where: Where) -> dict:
    """`data` as a mapping that has every required key of `schema`, no other key, and values of the right
    kind (recursively); raises DemoDataError naming the first problem."""
    if not isinstance(data, dict):
        raise where.error(f"must be a mapping of {', '.join(schema)}, not {data!r}")
    unknown = [name for name in data if name not in schema]
    if unknown:
        raise (where / str(unknown[0])).error(f"unknown key (expected one of: {', '.join(schema)})")
    for name, key in schema.items():
        if name not in data:
            if key.required:
                raise (where / name).error("missing")
            continue
        check_value(data[name], key, where / name)
    return data


def check_keyed(data: Any, schema: Schema, where: Where, key_check: Key) -> dict[str, dict]:
    """A mapping of key → entry (people by key, businesses by Single ID…)."""
    if not isinstance(data, dict):
        raise where.error("must be a mapping of entries by key")
    for name, entry in data.items():
        check_value(name, key_check, where / str(name))
        check_mapping(entry, schema, where / str(name))
    return data


@cache
def _read(path: Path, name: str, mtime: float) -> Any:
    """The parsed file (cached by path and modification time: a step may read a file several times)."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DemoDataError(name, where, f"not valid YAML ({exc.problem})") from exc
    except yaml.YAMLError as exc:
        raise DemoDataError(name, "", f"not valid YAML ({exc})") from exc


def read(name: str, top: str | None = None) -> tuple[Any, Where]:
    """The value under the top-level key `top` of `demo_data/<name>`, or the whole document (a mapping) when
    `top` is None. A deep copy: callers may change it."""
    path = data_dir() / name
    if not path.is_file():
        raise DemoDataError(name, "", f"file not found in {data_dir()}")
    document = _read(path, name, path.stat().st_mtime_ns)
    where = Where(name)
    if top is None:
        if not isinstance(document, dict):
            raise where.error("must be a mapping")
        return copy.deepcopy(document), where
    if not isinstance(document, dict) or top not in document:
        raise where.error(f"must be a mapping with the top-level key `{top}`")
    extra = [k for k in document if k != top]
    if extra:
        raise (where / str(extra[0])).error(f"unknown top-level key (expected only `{top}`)")
    return copy.deepcopy(document[top]), where / top


def files(folder: str) -> list[str]:
    """The YAML files of a folder of demo_data, by name (one service per file, for instance)."""
    return sorted(f"{folder}/{p.name}" for p in (data_dir() / folder).glob("*.yaml"))


# --- shared parts: `use: <name>` with parameters -----------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
USE = {"use": Key(str), "with": Key(dict, required=False)}


def is_use(item: Any) -> bool:
    return isinstance(item, dict) and "use" in item


def _substitute(value: Any, params: dict, where: Where) -> Any:
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:  # "{{sla}}" alone keeps the parameter's own type (a number stays a number)
            return params[whole.group(1)] if whole.group(1) in params else _unknown(whole.group(1), where)
        return _PLACEHOLDER.sub(
            lambda m: str(params[m.group(1)]) if m.group(1) in params else _unknown(m.group(1), where), value
        )
    if isinstance(value, list):
        return [_substitute(v, params, where / i) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _substitute(v, params, where / str(k)) for k, v in value.items()}
    return value


def _unknown(name: str, where: Where):
    raise where.error(f"unknown parameter {{{{{name}}}}}")


def expand(item: dict, parts: dict[str, Any], where: Where, kind: str) -> Any:
    """The part an item `{use: name, with: {…}}` refers to, with its parameters filled in. A part may
    declare `params: {name: default}` (a default of null makes the parameter required)."""
    check_mapping(item, USE, where)
    name = item["use"]
    if name not in parts:
        raise (where / "use").error(f"unknown {kind} {name!r} (known: {', '.join(sorted(parts)) or 'none'})")
    part = copy.deepcopy(parts[name])
    declared = part.pop("params", {}) if isinstance(part, dict) else {}
    given = item.get("with") or {}
    unknown = [k for k in given if k not in declared]
    if unknown:
        raise (where / "with" / unknown[0]).error(f"{kind} {name!r} has no parameter {unknown[0]!r}")
    params = {**declared, **given}
    missing = [k for k, v in params.items() if v is None]
    if missing:
        raise (where / "with").error(f"{kind} {name!r} needs the parameter {missing[0]!r}")
    return _substitute(part, params, where)


def from_part(where: Where, kind: str, name: str, source: str) -> Where:
    """Where the items of a part land, named with the part, so an error in it can be found."""
    return Where(where.file, f"{where.path} ({kind} {name!r} of {source})")


def flatten(
    items: Iterable[Any], parts: dict[str, Any], where: Where, kind: str, source: str
) -> list[tuple[Any, Where]]:
    """A list where `use:` items that refer to a list part (a group of fields) are spliced in; each item
    comes with the position it was written at (for a part's items: the `use:` line, naming the part)."""
    out = []
    for index, item in enumerate(items):
        if is_use(item):
            value = expand(item, parts, where / index, kind)
            part_where = from_part(where / index, kind, item["use"], source)
            if isinstance(value, list):
                out.extend((v, part_where / i) for i, v in enumerate(value))
                continue
            out.append((value, part_where))
        else:
            out.append((item, where / index))
    return out


def date_text(value: Any) -> str:
    """'' when `value` is an ISO date (YAML may hand it over as a date or as text), else the problem."""
    if isinstance(value, datetime.date):
        return ""
    try:
        datetime.date.fromisoformat(str(value))
    except ValueError:
        return f"{value!r} is not a date (YYYY-MM-DD)"
    return ""


def as_date(value: Any) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))
