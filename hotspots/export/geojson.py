"""GeoJSON per layer (RFC 7946: EPSG:4326, 6 decimals, exterior rings counter-clockwise).

Written in one pass with vectorised serialisers — GEOS writes the geometries
(``shapely.to_geojson``), pandas the properties (one JSON object per line) — so a city's 20,000
segments take a fraction of a second; the content is what GDAL's RFC 7946 writer gives
(``tests/test_export.py`` reads both back and compares them).
"""

from __future__ import annotations

from itertools import repeat
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots._errors import ValidationError
from hotspots.export.files import write_text_atomic
from hotspots.export.gpkg import prepare_table
from hotspots.wgs84 import Wgs84Cache, to_wgs84

__all__ = ["write_geojson"]

_START, _END = "\u0001start", "\u0001end"


def write_geojson(frame: gpd.GeoDataFrame, path: str | Path, *, precision: int = 6,
                  wgs84: Wgs84Cache | None = None) -> Path:
    """Write one layer as RFC 7946 GeoJSON in EPSG:4326 (index columns kept as properties).

    ``wgs84``: the run's shared reprojections (:mod:`hotspots.wgs84`; None: the open run
    cache if any), so a layer already reprojected by another writer is not reprojected again.
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ValidationError(f"GeoJSON needs a GeoDataFrame; got {type(frame).__name__}")
    if frame.crs is None:
        raise ValidationError(f"{path}: the layer has no CRS; cannot convert to EPSG:4326")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = to_wgs84(prepare_table(frame), cache=wgs84)
    geom_name = data.geometry.name
    geoms = np.asarray(data.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    ok = geoms.copy()
    ok[missing] = None
    # RFC 7946 §3.1.6; orient_polygons copies every geometry: called only when there are
    # polygons (it leaves points and lines as they are)
    if np.isin(shapely.get_type_id(ok), (3, 6, 7)).any():
        ok = shapely.orient_polygons(ok, exterior_cw=False)
    ok = shapely.transform(ok, lambda xy: np.round(xy, precision))
    geometry = shapely.to_geojson(ok)
    props = pd.DataFrame(data.drop(columns=geom_name))
    for col, dtype in list(props.dtypes.items()):  # ±inf written as null, as NaN is
        if pd.api.types.is_float_dtype(dtype):
            values = props[col].to_numpy(dtype=float)
            if np.isinf(values).any():
                props[col] = props[col].where(np.isfinite(values))
    shapes = [g if g is not None else "null" for g in geometry.tolist()]
    if not len(props):
        inner: list[str] = []
    elif props.shape[1] == 0:
        inner = [""] * len(props)
    else:
        # one pandas serialisation for every row's properties between two marker keys, split
        # where one row's end marker meets the next row's start marker (a marker cannot be
        # forged by data: a quote inside a string value comes out escaped, never after a ",")
        props.insert(0, _START, 0)
        props[_END] = 0
        records = props.to_json(orient="records", date_format="iso", double_precision=15,
                                force_ascii=False)
        start, end = '{"\\u0001start":0,', ',"\\u0001end":0}'
        inner = records[1 + len(start):-1 - len(end)].split(end + "," + start)
    features = list(map("".join, zip(repeat('\n{"type":"Feature","geometry":'), shapes,
                                     repeat(',"properties":{'), inner, repeat("}}"))))
    if not features:
        return write_text_atomic(path, '{"type":"FeatureCollection","features":[\n]}\n')
    # the collection's head and end put on the first and last feature: the file's text is
    # then built by one join, without copying it whole once more
    features[0] = '{"type":"FeatureCollection","features":[' + features[0]
    features[-1] += "\n]}\n"
    text = ",".join(features)
    return write_text_atomic(path, text)
