"""GeoPackage (one layer per table, QGIS ``layer_styles`` included) and CSV writers."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from hotspots._errors import OutputExistsError, ValidationError
from hotspots.export.qgis_styles import layer_styles


def write_geopackage(
    tables: dict[str, pd.DataFrame],
    path: str | Path,
    *,
    overwrite: bool = False,
    styles: bool = True,
) -> Path:
    """Write each table as a layer of one GeoPackage (attribute-only tables included).

    Index columns named (``segment_id``, ``incident_id``...) are written as ordinary columns;
    timestamps are written as ISO-8601 text with their UTC offset so no reader shifts them.
    With ``styles``, a QGIS ``layer_styles`` table gives every map layer the web map's
    colours and labels (QGIS applies the default style when the layer is opened).
    """
    path = Path(path)
    if path.exists():
        if not overwrite:
            raise OutputExistsError(f"{path} exists; pass overwrite=True (--overwrite) to replace it")
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        if table is None:
            continue
        frame = prepare_table(table)
        if isinstance(frame, gpd.GeoDataFrame):
            if frame.crs is None:
                raise ValidationError(f"layer {name!r} has no CRS; cannot write it")
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
        else:
            pyogrio.write_dataframe(pd.DataFrame(frame), path, layer=name, driver="GPKG")
    if styles:
        write_layer_styles(path, {n: t for n, t in tables.items() if t is not None})
    return path


_LAYER_STYLES_SQL = """
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
  styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))
"""


def write_layer_styles(path: str | Path, tables: dict[str, pd.DataFrame]) -> int:
    """Add QGIS's ``layer_styles`` table (QML per layer, first style default); returns rows."""
    rows = []
    with closing(sqlite3.connect(path)) as con:
        geom_cols = dict(con.execute(
            "SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
        for name, table in tables.items():
            if name not in geom_cols:
                continue
            for i, (style_name, qml) in enumerate(layer_styles(name, table)):
                rows.append(("", "", name, geom_cols[name], style_name, qml, "", int(i == 0),
                             f"hotspots: {style_name}", "hotspots", ""))
        if not rows:
            return 0
        with con:
            con.execute(_LAYER_STYLES_SQL)
            con.executemany(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
                "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', ?)", (now,))
    return len(rows)


def write_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as UTF-8 CSV (geometry dropped), index columns kept."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = prepare_table(table)
    if isinstance(frame, gpd.GeoDataFrame):
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


def prepare_table(table: pd.DataFrame) -> pd.DataFrame:
    """A copy ready to write: index as columns, timestamps as ISO text, strings as objects."""
    frame = table
    if frame.index.name is not None or isinstance(frame.index, pd.MultiIndex):
        frame = frame.reset_index()
    frame = frame.copy()
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].map(lambda t: t.isoformat() if pd.notna(t) else None)
        elif str(frame[col].dtype) in {"string", "str"}:
            frame[col] = frame[col].astype(object)
    return frame
