"""GeoPackage (one layer per table, QGIS ``layer_styles`` included) and CSV writers."""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from hotspots._errors import OutputExistsError, ValidationError
from hotspots.export.qgis_styles import QgisExportSettings, layer_styles

__all__ = ["prepare_table", "write_csv", "write_frame", "write_geopackage", "write_layer_styles"]


def write_geopackage(
    tables: dict[str, pd.DataFrame],
    path: str | Path,
    *,
    overwrite: bool = False,
    styles: bool = True,
    lang: str = "en",
    privacy_k: int | None = None,
    settings: QgisExportSettings | None = None,
    style_keys: dict[str, tuple[str, ...]] | None = None,
    breaks=None,
) -> Path:
    """Write each table as a layer of one GeoPackage (attribute-only tables included).

    Index columns named (``segment_id``, ``incident_id``...) are written as ordinary columns;
    timestamps are written as ISO-8601 text with their UTC offset so no reader shifts them.
    The file is a GeoPackage ``settings.gpkg_version`` (1.2 by default: GDAL 3.6, the QGIS
    of Debian 12, reads it without warnings). With ``styles``, a QGIS ``layer_styles`` table
    gives every map layer the web map's classes, colours and labels in ``lang`` (QGIS applies
    the default style when the layer is opened); ``privacy_k`` words the suppressed class of
    liaison layers ("1 to k−1 incidents (suppressed)"); ``style_keys`` gives the symbology
    keys of a layer, default first (``symbology.LAYER_STYLES`` for layers not in it);
    ``breaks`` the city's fixed class breaks (``{"rate_per_100m": (…)}``, as the map's).
    """
    settings = settings or QgisExportSettings()
    _check_style_options(lang=lang, privacy_k=privacy_k, settings=settings)
    path = Path(path)
    if path.exists():
        if not overwrite:
            raise OutputExistsError(f"{path} exists; pass overwrite=True (--overwrite) to replace it")
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _no_sync_per_layer():
        _write_layers(tables, path, settings)
    if styles:
        write_layer_styles(path, {n: t for n, t in tables.items() if t is not None},
                           lang=lang, privacy_k=privacy_k, settings=settings,
                           style_keys=style_keys, breaks=breaks, flush=False)
    _fsync(path)
    return path


def _write_layers(tables: dict, path: Path, settings) -> None:
    for name, table in tables.items():
        if table is None:
            continue
        frame = prepare_table(table, keep_strings=True)
        # the version is a dataset creation option: only the first layer creates the file
        options: dict[str, Any] = ({} if path.exists() else
                                   {"dataset_options": {"VERSION": settings.gpkg_version}})
        if isinstance(frame, gpd.GeoDataFrame):
            if frame.crs is None:
                raise ValidationError(f"layer {name!r} has no CRS; cannot write it")
            layer_options = dict(options)
            if frame.empty:  # an empty layer keeps its registered geometry type for QGIS
                layer_options["geometry_type"] = _empty_geometry_type(name)
            write_frame(frame, path, layer=name, driver="GPKG", **layer_options)
        else:
            write_frame(pd.DataFrame(frame), path, layer=name, driver="GPKG", **options)


_SYNC_LOCK = threading.Lock()
_SYNC_USERS = [0]


@contextmanager
def _no_sync_per_layer():
    """SQLite without a disk flush after each of GDAL's transactions while the layers are
    written (a layer cost ~0.1 s of fsync, most of a small table's time); the finished file
    is flushed once (:func:`_fsync`). The run writes into a fresh folder swapped in whole,
    so a crash mid-write leaves nothing half-written in place."""
    with _SYNC_LOCK:
        if _SYNC_USERS[0] == 0:
            pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": "OFF"})
        _SYNC_USERS[0] += 1
    try:
        yield
    finally:
        with _SYNC_LOCK:
            _SYNC_USERS[0] -= 1
            if _SYNC_USERS[0] == 0:
                pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": None})


def _fsync(path: Path) -> None:
    """Flush a written file to the disk (once, at the end)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_frame(frame: pd.DataFrame, path: Path, **options) -> None:
    """``pyogrio.write_dataframe`` through Arrow (GDAL's columnar writer: about three times
    faster for a city's segments), falling back to the row writer for a column Arrow cannot
    carry (the same file either way)."""
    try:
        pyogrio.write_dataframe(frame, path, use_arrow=True, **options)
    except (TypeError, ValueError, NotImplementedError, ImportError) as exc:
        if "arrow" not in str(exc).lower() and not isinstance(exc, (TypeError, ImportError)):
            raise
        pyogrio.write_dataframe(frame, path, use_arrow=False, **options)


#: the GeoPackage geometry type of an empty layer, from the registry's geometry kind
_EMPTY_GEOMETRY = {"point": "Point", "line": "MultiLineString", "polygon": "MultiPolygon"}


def _empty_geometry_type(name: str) -> str:
    """Geometry type for an empty layer (``Unknown`` leaves QGIS without a renderer)."""
    from hotspots.layers import LAYERS

    spec = LAYERS.get(name)
    kind = spec.geometry if spec is not None else None
    return _EMPTY_GEOMETRY.get(kind or "", "Unknown")


def _check_style_options(*, lang, privacy_k, settings: QgisExportSettings) -> None:
    """Every problem with the style options at once (ValidationError)."""
    from dataclasses import fields

    from hotspots._settings import info
    from hotspots.symbology import TEXTS, language

    problems = []
    try:
        language(lang)
    except ValidationError:
        problems.append(f"lang: expected one of {sorted(TEXTS)} (or 'pt-BR'), got {lang!r}")
    if privacy_k is not None and (isinstance(privacy_k, bool) or not isinstance(privacy_k, int)
                                  or privacy_k < 1):
        problems.append(f"privacy_k: expected a whole number ≥ 1 or None, got {privacy_k!r}")
    for f in fields(settings):
        meta, value = info(settings, f.name), getattr(settings, f.name)
        if meta.choices is not None and value not in meta.choices:
            problems.append(f"settings.{f.name}: expected one of {list(meta.choices)}, "
                            f"got {value!r}")
        if meta.ge is not None and (not isinstance(value, int | float) or value < meta.ge):
            problems.append(f"settings.{f.name}: expected a number ≥ {meta.ge:g}, got {value!r}")
    if problems:
        raise ValidationError("cannot write the GeoPackage styles: " + "; ".join(problems))


_LAYER_STYLES_SQL = """
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
  styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))
"""


def write_layer_styles(path: str | Path, tables: dict[str, pd.DataFrame], *, lang: str = "en",
                       privacy_k: int | None = None,
                       settings: QgisExportSettings | None = None,
                       style_keys: dict[str, tuple[str, ...]] | None = None,
                       breaks=None, flush: bool = True) -> int:
    """Add QGIS's ``layer_styles`` table (QML per layer, first style default); returns rows.

    ``flush=False``: SQLite does not flush the disk at its commit (``synchronous=OFF``,
    ~0.04 s of waiting per file) because the caller flushes the finished file itself, as
    :func:`write_geopackage` does.

    Each row gets its own ``update_time``, a second apart (the last one now): QGIS 3.22's
    "Load style from database" keys the other layers' styles by that time to the second and
    lists a style once per style sharing its second.
    """
    rows = []
    with closing(sqlite3.connect(path)) as con:
        if not flush:
            con.execute("PRAGMA synchronous=OFF")
        geom_cols = dict(con.execute(
            "SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
        for name, table in tables.items():
            if name not in geom_cols:
                continue
            keys = (style_keys or {}).get(name)
            for i, (style_name, qml) in enumerate(layer_styles(
                    name, table, keys=keys, lang=lang, privacy_k=privacy_k, settings=settings,
                    breaks=breaks)):
                rows.append(("", "", name, geom_cols[name], style_name, qml, "", int(i == 0),
                             f"hotspots: {style_name}", "hotspots", ""))
        if not rows:
            return 0
        now = datetime.now(UTC).replace(microsecond=0)
        stamped = [(*row, _stamp(now - timedelta(seconds=len(rows) - 1 - i)))
                   for i, row in enumerate(rows)]
        with con:
            con.execute(_LAYER_STYLES_SQL)
            con.executemany(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui, update_time) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", stamped)
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
                "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', ?)",
                (_stamp(now),))
    return len(rows)


def _only_booleans(values: pd.Series) -> bool:
    present = values.dropna()
    return len(present) > 0 and all(isinstance(v, bool | np.bool_) for v in present.tolist())


def _stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def write_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as UTF-8 CSV (geometry dropped), index columns kept."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = prepare_table(table)
    if isinstance(frame, gpd.GeoDataFrame):
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


def _as_objects(values: pd.Series) -> pd.Series:
    """``values.astype(object)`` of a string column, each distinct text made a Python string
    once (most text columns of a layer repeat a few words: statuses, classes, streets); a
    column of mostly distinct texts is converted as it is."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if 2 * len(uniques) > len(values):
        return values.astype(object)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = np.asarray(uniques, dtype=object)
    table[-1] = values.dtype.na_value  # what astype(object) gives for a missing text
    return pd.Series(table[codes], index=values.index, name=values.name, dtype=object)


def prepare_table(table: pd.DataFrame, *, keep_strings: bool = False) -> pd.DataFrame:
    """A copy ready to write: index as columns, timestamps as ISO text, strings as objects,
    object columns holding only True/False/None as nullable booleans.

    ``keep_strings``: string columns stay as they are (the GeoPackage writer hands them to
    GDAL through Arrow, which holds them already: the same layer, without making every text
    a Python object and back — 0.05 s for a city's segments).

    The columns are told apart by their dtypes; only those to change are taken out of the
    frame (a GeoDataFrame's column costs ~0.1 ms to take out: a layer of 60 columns cost
    milliseconds before any work)."""
    frame = table
    if frame.index.name is not None or isinstance(frame.index, pd.MultiIndex):
        frame = frame.reset_index()
    frame = frame.copy()
    for col, dtype in list(frame.dtypes.items()):
        if isinstance(dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].map(lambda t: t.isoformat() if pd.notna(t) else None)
        elif str(dtype) in {"string", "str"}:
            if not keep_strings:
                frame[col] = _as_objects(frame[col])
        elif pd.api.types.is_object_dtype(dtype) and _only_booleans(frame[col]):
            # True/False/None in an object column: a GeoPackage BOOLEAN, not the texts 'True'
            frame[col] = frame[col].astype("boolean")
    return frame
