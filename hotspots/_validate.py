"""Shared input checks for layers: CRS into the analysis CRS, emptiness, geometry types."""

from __future__ import annotations

import geopandas as gpd

from hotspots import crs as crs_mod
from hotspots._errors import ValidationError


def prepare_layer(
    frame: gpd.GeoDataFrame,
    crs: object,
    *,
    geometry_types: tuple[str, ...],
    source: str,
    what: str,
    empty_hint: str,
) -> gpd.GeoDataFrame:
    """A copy of ``frame`` in the (metric) analysis CRS without null/empty geometries.

    Raises CRSError when the layer has no CRS, ValidationError when it is empty or holds
    geometries other than ``geometry_types`` (the message names the counts and the fix).
    """
    target = crs_mod.require_metric(crs)
    if len(frame) == 0:
        raise ValidationError(f"{source}: the {what} layer is empty; {empty_hint}")
    out = crs_mod.to_analysis(frame, target, source=source)
    out = out[out.geometry.notna() & ~out.geometry.is_empty]
    types = out.geometry.geom_type
    bad = ~types.isin(geometry_types)
    if bad.any():
        kinds = "/".join(geometry_types)
        raise ValidationError(
            f"{source}: {what} features must be {kinds}; {int(bad.sum())} features are "
            f"{types[bad].value_counts().to_dict()}. Fix: filter the layer to {kinds} features.")
    return out
