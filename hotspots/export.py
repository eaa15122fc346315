"""Writing result tables to files: GeoPackage (one layer per table) and CSV."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from hotspots._errors import OutputExistsError, ValidationError


def write_geopackage(
    tables: dict[str, pd.DataFrame],
    path: str | Path,
    *,
    overwrite: bool = False,
) -> Path:
    """Write each table as a layer of one GeoPackage (attribute-only tables included).

    Index columns named (``segment_id``, ``incident_id``...) are written as ordinary columns;
    timestamps are written as ISO-8601 text with their UTC offset so no reader shifts them.
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
        frame = _prepare(table)
        if isinstance(frame, gpd.GeoDataFrame):
            if frame.crs is None:
                raise ValidationError(f"layer {name!r} has no CRS; cannot write it")
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
        else:
            pyogrio.write_dataframe(pd.DataFrame(frame), path, layer=name, driver="GPKG")
    return path


def write_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as UTF-8 CSV (geometry dropped), index columns kept."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = _prepare(table)
    if isinstance(frame, gpd.GeoDataFrame):
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


def _prepare(table: pd.DataFrame) -> pd.DataFrame:
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
