"""Green areas per segment: distance to the nearest, area within a walking radius, adopted or not."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import crs as crs_mod
from hotspots._errors import ValidationError
from hotspots._validate import prepare_layer

__all__ = [
    "GREEN_COLUMNS", "GreenAccess", "areas_near_segments", "green_access", "prepare_green_areas"
]

GREEN_COLUMNS = ["dist_green_m", "green_area_within_m2", "nearest_green_id",
                 "nearest_green_adopted"]
_TRUE = frozenset({"true", "yes", "sim", "s", "1", "t", "y", "adopted", "adotada", "adotado"})


@dataclass(frozen=True)
class GreenAccess:
    """Green-area access of every segment (``frame``) and the walking radius used."""

    frame: pd.DataFrame  #: index segment_id; GREEN_COLUMNS
    radius_m: float


def prepare_green_areas(
    areas: gpd.GeoDataFrame, crs: object, *, source: str = "green areas"
) -> gpd.GeoDataFrame:
    """Green areas in the analysis CRS, valid, polygonal, with a boolean ``adopted`` (a copy).

    Invalid polygons (e.g. self-intersecting) are repaired with ``shapely.make_valid`` and a
    warning says how many; non-polygonal leftovers of the repair are dropped. Raises CRSError
    for a layer without CRS and ValidationError for an empty layer or non-polygon features.
    """
    out = prepare_layer(areas, crs, geometry_types=("Polygon", "MultiPolygon"), source=source,
                        what="green-area", empty_hint="give at least one polygon or leave the "
                        "green_areas input unset")
    geoms = out.geometry.to_numpy()
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid])
        parts, idx = shapely.get_parts(fixed, return_index=True)
        poly = np.isin(shapely.get_type_id(parts), [3, 6])
        repaired = np.array([None] * len(fixed), dtype=object)
        for i in range(len(fixed)):
            mine = parts[(idx == i) & poly]
            repaired[i] = shapely.union_all(mine) if len(mine) else None
        geoms = geoms.copy()
        geoms[invalid] = repaired
        warnings.warn(
            f"{source}: repaired {int(invalid.sum())} invalid polygon(s) with make_valid "
            f"(rows {out.index[invalid][:5].tolist()}{'…' if invalid.sum() > 5 else ''}); "
            "check them in QGIS (Vector ▸ Geometry Tools ▸ Check Validity)",
            UserWarning, stacklevel=2)
        out = out.set_geometry(geoms, crs=out.crs)
        out = out[out.geometry.notna() & ~out.geometry.is_empty]
    if "area_id" in out.columns:
        out = out.set_index("area_id", drop=True)
    out.index.name = "area_id"
    if "adopted" in out.columns:
        col = out["adopted"]
        if col.dtype == bool:
            out["adopted"] = col
        else:
            text = col.astype("string").str.strip().str.lower()
            out["adopted"] = text.isin(_TRUE).fillna(False).to_numpy(dtype=bool)
    else:
        out["adopted"] = False
    out["area_m2"] = out.geometry.area
    return out


def green_access(
    segments: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    radius_m: float = 300.0,
) -> GreenAccess:
    """Per segment: distance to the nearest green area, green area within ``radius_m``, adopted.

    ``dist_green_m`` is the shortest distance from the segment to a green area (0 when they
    touch); ``green_area_within_m2`` the area of green (overlaps counted once) within
    ``radius_m`` of the segment (the segment's buffer); ``nearest_green_adopted`` whether the
    nearest area is adopted (ties: the lowest ``area_id``). Both inputs in the analysis CRS
    (``areas`` from :func:`prepare_green_areas`).
    """
    if not np.isfinite(radius_m) or radius_m < 0:
        raise ValidationError(f"radius_m={radius_m!r}: must be a distance in metres ≥ 0")
    crs_mod.require_metric(segments.crs, what="segments CRS")
    if not crs_mod.as_crs(areas.crs).equals(crs_mod.as_crs(segments.crs)):
        raise ValidationError("green areas and segments are in different CRSs; pass the areas "
                              "through prepare_green_areas(areas, segments.crs) first")
    geoms = segments.geometry.to_numpy()
    area_geoms = areas.geometry.to_numpy()
    tree = shapely.STRtree(area_geoms)
    si, ai = tree.query_nearest(geoms, all_matches=True, return_distance=False)
    dist = shapely.distance(geoms[si], area_geoms[ai])
    pairs = pd.DataFrame({"s": si, "a": ai, "id": areas.index.to_numpy()[ai], "d": dist})
    best = pairs.sort_values(["s", "id"]).drop_duplicates("s")
    n = len(geoms)
    nearest_dist = np.full(n, np.nan)
    nearest_dist[best["s"].to_numpy()] = best["d"].to_numpy()
    nearest_id = pd.array([pd.NA] * n, dtype="Int64")
    ids = areas.index.to_numpy()
    if np.issubdtype(np.asarray(ids).dtype, np.integer):
        nearest_id[best["s"].to_numpy()] = best["id"].to_numpy()
    else:
        nearest_id = np.array([None] * n, dtype=object)
        nearest_id[best["s"].to_numpy()] = best["id"].to_numpy()
    adopted = np.zeros(n, dtype=bool)
    adopted[best["s"].to_numpy()] = areas["adopted"].to_numpy(dtype=bool)[best["a"].to_numpy()]

    # area within the radius: dissolve overlaps once, then intersect each segment's buffer
    dissolved = shapely.get_parts(shapely.union_all(area_geoms))
    within = np.zeros(n)
    if radius_m > 0 and len(dissolved):
        dtree = shapely.STRtree(dissolved)
        # only a segment within the radius of some green can have green in its buffer (the
        # buffer's vertices lie on the radius; the slack covers their rounding): buffer those
        near = np.unique(dtree.query(geoms, predicate="dwithin",
                                     distance=radius_m * (1 + 1e-9) + 1e-6)[0])
        buffers = shapely.buffer(geoms[near], radius_m, quad_segs=32)
        bi, di = dtree.query(buffers, predicate="intersects")
        # an area wholly inside the buffer contributes its own area: the overlay is needed
        # only for the areas the buffer's edge cuts (same values, a fraction of the work)
        shapely.prepare(buffers)
        inside = shapely.contains_properly(buffers[bi], dissolved[di])
        inter = shapely.area(dissolved[di])
        cut = ~inside
        inter[cut] = shapely.area(shapely.intersection(buffers[bi[cut]], dissolved[di[cut]]))
        within = np.bincount(near[bi], weights=inter, minlength=n)  # type: ignore[assignment]
    frame = pd.DataFrame({
        "dist_green_m": nearest_dist,
        "green_area_within_m2": within,
        "nearest_green_id": nearest_id,
        "nearest_green_adopted": adopted,
    }, index=segments.index)
    return GreenAccess(frame=frame, radius_m=float(radius_m))


def areas_near_segments(
    segments: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *, radius_m: float
) -> pd.DataFrame:
    """Long table (area_id, segment_id, distance_m) of every segment within ``radius_m`` of an area."""
    tree = shapely.STRtree(segments.geometry.to_numpy())
    ai, si = tree.query(areas.geometry.to_numpy(), predicate="dwithin", distance=radius_m)
    dist = shapely.distance(areas.geometry.to_numpy()[ai], segments.geometry.to_numpy()[si])
    return pd.DataFrame({"area_id": areas.index.to_numpy()[ai],
                         "segment_id": segments.index.to_numpy()[si], "distance_m": dist})
