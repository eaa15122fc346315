"""GeoJSON per layer (RFC 7946: EPSG:4326, 6 decimals) for web tools and phones."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio

from hotspots._errors import ValidationError
from hotspots.export.gpkg import prepare_table


def write_geojson(frame: gpd.GeoDataFrame, path: str | Path, *, precision: int = 6) -> Path:
    """Write one layer as RFC 7946 GeoJSON in EPSG:4326 (index columns kept as properties)."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ValidationError(f"GeoJSON needs a GeoDataFrame; got {type(frame).__name__}")
    if frame.crs is None:
        raise ValidationError(f"{path}: the layer has no CRS; cannot convert to EPSG:4326")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    data = prepare_table(frame).to_crs(4326)
    pyogrio.write_dataframe(data, path, driver="GeoJSON",
                            layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": str(precision),
                                           "WRITE_NAME": "NO"})
    return path
