"""Declaring settings once: default, unit, doc and allowed values beside each field, and checking them.

A section of the run configuration is a frozen dataclass whose fields are declared with
:func:`setting`::

    @dataclass(frozen=True)
    class StatisticsSettings:
        permutations: int = setting(999, "permutations of the pseudo p-values", ge=0)
        fdr: bool = setting(True, "Benjamini–Hochberg on the bins")
        bandwidth_m: float | None = setting(None, "band along streets; None = ArcGIS default",
                                            unit="m", gt=0)

:func:`build_section` turns a TOML table into such a dataclass and returns *every* problem it
finds (unknown keys with the nearest name, wrong types, values out of range or not among the
choices), each as ``section.key: expected …, got …``; nothing is coerced (``"false"`` is not a
boolean, ``"8"`` is not a number). :func:`template_lines` writes the commented TOML block that
``hotspots init`` prints, from the same declarations.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["SettingInfo", "build_section", "info", "setting", "template_lines"]

_META_KEY = "hotspots"


@dataclass(frozen=True)
class SettingInfo:
    """What is declared about one setting besides its type and default."""

    doc: str
    unit: str | None = None
    choices: tuple[Any, ...] | None = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    #: a value that is written in the template as an example (commented out) instead of the default
    example: Any = None
    #: extra check: returns an error text ("must …") or None
    check: Callable[[Any], str | None] | None = None


def setting(
    default: Any = dataclasses.MISSING,
    doc: str = "",
    *,
    unit: str | None = None,
    choices: Sequence[Any] | None = None,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    example: Any = None,
    check: Callable[[Any], str | None] | None = None,
) -> Any:
    """A dataclass field carrying its documentation, unit and allowed values.

    Mutable defaults (dicts, lists) are copied per instance. ``choices`` lists the allowed
    values; ``ge``/``gt``/``le``/``lt`` bound numbers (``None`` is always allowed when the
    annotation admits it); ``check`` is an extra test returning an error text or None.
    """
    meta = {_META_KEY: SettingInfo(doc=doc, unit=unit,
                                   choices=tuple(choices) if choices is not None else None,
                                   ge=ge, gt=gt, le=le, lt=lt, example=example, check=check)}
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata=meta)
    if isinstance(default, dict | list | set):
        return dataclasses.field(default_factory=lambda d=default: type(d)(d),  # type: ignore[misc]
                                 metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def info(cls_or_obj: Any, name: str) -> SettingInfo:
    """The :class:`SettingInfo` of field ``name`` (an empty one for undeclared fields)."""
    for f in dataclasses.fields(cls_or_obj):
        if f.name == name:
            return f.metadata.get(_META_KEY, SettingInfo(doc=""))
    raise KeyError(name)


# --- type checking -------------------------------------------------------------------------


def _describe(tp: Any) -> str:
    """Human name of a type annotation: 'a number', 'true or false', 'a list of texts'…"""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        return " or ".join(_describe(a) for a in members)
    if tp is bool:
        return "true or false"
    if tp is int:
        return "a whole number"
    if tp is float:
        return "a number"
    if tp is str:
        return "a text in quotes"
    if origin in (tuple, list):
        args = typing.get_args(tp)
        return f"a list of {_plural(_describe(args[0]))}" if args else "a list"
    if origin is dict:
        _k, v = typing.get_args(tp)
        return f"a table of {_plural(_describe(v))}"
    return getattr(tp, "__name__", str(tp))


def _plural(text: str) -> str:
    return {"a text in quotes": "texts", "a number": "numbers", "a whole number": "whole numbers",
            "true or false": "true/false values"}.get(text, text)


def _shown(value: Any) -> str:
    """A received value as the user wrote it in TOML (strings quoted)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list | tuple):
        return f"a list {list(value)!r}"[:80]
    return repr(value)


def _convert(value: Any, tp: Any) -> tuple[bool, Any]:
    """(ok, value converted to the annotation's container type); no coercion between kinds."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return True, None
        for arg in args:
            if arg is type(None):
                continue
            ok, out = _convert(value, arg)
            if ok:
                return True, out
        return False, None
    if tp is Any:
        return True, value
    if tp is bool:
        return isinstance(value, bool), value
    if tp is int:
        return (isinstance(value, int) and not isinstance(value, bool)), value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False, None
        return True, float(value)
    if tp is str:
        return isinstance(value, str), value
    if origin in (tuple, list):
        if not isinstance(value, list | tuple):
            return False, None
        args = typing.get_args(tp)
        item = args[0] if args else Any
        items: list = []
        for v in value:
            ok, conv = _convert(v, item)
            if not ok:
                return False, None
            items.append(conv)
        return True, (tuple(items) if origin is tuple else items)
    if origin is dict:
        if not isinstance(value, Mapping):
            return False, None
        ktp, vtp = typing.get_args(tp)
        out_d = {}
        for k, v in value.items():
            ok_k, ck = _convert(k, ktp)
            ok_v, cv = _convert(v, vtp)
            if not (ok_k and ok_v):
                return False, None
            out_d[ck] = cv
        return True, out_d
    return isinstance(value, tp), value


def _bounds_problem(value: Any, meta: SettingInfo) -> str | None:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "a finite number"
    parts = []
    if meta.gt is not None and not value > meta.gt:
        parts.append(f"> {meta.gt:g}")
    if meta.ge is not None and not value >= meta.ge:
        parts.append(f"≥ {meta.ge:g}")
    if meta.lt is not None and not value < meta.lt:
        parts.append(f"< {meta.lt:g}")
    if meta.le is not None and not value <= meta.le:
        parts.append(f"≤ {meta.le:g}")
    if not parts:
        return None
    return "a number " + " and ".join(_range_text(meta))


def _range_text(meta: SettingInfo) -> list[str]:
    out = []
    for sym, bound in (("≥", meta.ge), (">", meta.gt), ("≤", meta.le), ("<", meta.lt)):
        if bound is not None:
            out.append(f"{sym} {bound:g}")
    return out


def build_section(
    cls: type,
    data: Mapping[str, Any] | None,
    *,
    section: str,
    other_keys: Mapping[str, str] | None = None,
) -> tuple[Any, list[str]]:
    """Build the settings dataclass ``cls`` from a TOML table; return it and every problem.

    ``other_keys`` maps keys of *other* sections to where they belong (``"[statistics]"``),
    so a key put in the wrong table is answered with its place. On problems the returned object is None.
    """
    data = {} if data is None else data
    problems: list[str] = []
    if not isinstance(data, Mapping):
        return None, [f"[{section}]: expected a table of settings, got {_shown(data)}"]
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in fields:
            problems.append(_unknown(section, key, fields, other_keys))
            continue
        tp = hints[key]
        meta = fields[key].metadata.get(_META_KEY, SettingInfo(doc=""))
        ok, conv = _convert(value, tp)
        if not ok:
            problems.append(f"{section}.{key}: expected {_describe(tp)}, got {_shown(value)}")
            continue
        if meta.choices is not None and conv is not None:
            items = conv if isinstance(conv, tuple | list) else (conv,)
            bad = [v for v in items if v not in meta.choices]
            if bad:
                allowed = ", ".join(_shown(c) for c in meta.choices)
                problems.append(f"{section}.{key}: expected one of {allowed}, got {_shown(bad[0])}")
                continue
        bound = _bounds_problem(conv, meta)
        if bound:
            problems.append(f"{section}.{key}: expected {bound}, got {_shown(value)}")
            continue
        if meta.check is not None and conv is not None:
            why = meta.check(conv)
            if why:
                problems.append(f"{section}.{key}: expected {why}, got {_shown(value)}")
                continue
        values[key] = conv
    missing = [name for name, f in fields.items()
               if name not in values and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING
               and not any(p.startswith(f"{section}.{name}:") for p in problems)]
    for name in missing:
        problems.append(f"{section}.{name}: required, not given")
    if problems:
        return None, problems
    return cls(**values), []


def _unknown(section: str, key: str, fields: Mapping[str, Any],
             other_keys: Mapping[str, str] | None) -> str:
    if other_keys and key in other_keys:
        return f"{section}.{key}: unknown in [{section}]; it belongs in {other_keys[key]}"
    near = difflib.get_close_matches(str(key), list(fields), n=1, cutoff=0.6)
    if near:
        return f"{section}.{key}: unknown setting; did you mean {near[0]!r}?"
    if other_keys:
        near_other = difflib.get_close_matches(str(key), list(other_keys), n=1, cutoff=0.75)
        if near_other:
            return (f"{section}.{key}: unknown setting; did you mean {near_other[0]!r} in "
                    f"{other_keys[near_other[0]]}?")
    return f"{section}.{key}: unknown setting (see `hotspots init` for every setting)"


# --- the commented template ------------------------------------------------------------------


def toml_value(value: Any) -> str:
    """A Python value written as TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {value!r}")


def template_lines(cls: type, *, section: str | None, width: int = 100) -> list[str]:
    """Commented TOML lines for a section: every setting with its default, unit and doc.

    Settings whose default is None are written commented out with their ``example`` (or
    without a value when there is none); the others with their default.
    """
    lines: list[str] = []
    if section:
        lines.append(f"[{section}]")
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        meta = f.metadata.get(_META_KEY, SettingInfo(doc=""))
        default = (f.default if f.default is not dataclasses.MISSING
                   else f.default_factory() if f.default_factory is not dataclasses.MISSING
                   else None)
        doc = meta.doc
        extra = []
        if meta.unit:
            extra.append(meta.unit)
        if meta.choices is not None:
            extra.append(" | ".join(str(c) for c in meta.choices))
        rng = _range_text(meta)
        if rng:
            extra.append(" ".join(rng))
        if extra:
            doc = f"{doc} [{'; '.join(extra)}]" if doc else f"[{'; '.join(extra)}]"
        for chunk in _wrap(doc, width - 2):
            lines.append(f"# {chunk}")
        if default is None or (isinstance(default, dict | list | tuple) and not default
                               and meta.example is not None):
            shown = meta.example
            if shown is None:
                lines.append(f"# {f.name} =          # ({_describe(hints[f.name])}; unset)")
            else:
                lines.append(f"# {f.name} = {toml_value(shown)}")
        else:
            lines.append(f"{f.name} = {toml_value(default)}")
    return lines


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width=width) or []
