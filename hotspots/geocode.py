"""Placing every incident on a street segment: coordinates are snapped, addresses matched."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import crs as crs_mod
from hotspots._errors import ValidationError
from hotspots.rejects import RejectCollector
from hotspots.snap import SegmentIndex, snap_points

GEOCODED_COLUMNS = [
    "source_row", "occurred_at", "category", "segment_id", "snap_distance_m", "position_m",
    "match_method", "match_score", "match_status",
]

#: signature of an address geocoder: (address rows, segments) -> (geocoded, rejects)
AddressGeocoder = Callable[[pd.DataFrame, gpd.GeoDataFrame], tuple[gpd.GeoDataFrame, pd.DataFrame]]


@dataclass(frozen=True)
class GeocodeResult:
    """Geocoded incidents (on segments) and the rejects of this stage, with run counts."""

    geocoded: gpd.GeoDataFrame
    rejects: pd.DataFrame
    max_distance_m: float
    counts: dict[str, int] = field(default_factory=dict)
    qa: dict | None = None


def geocode_incidents(
    incidents: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    *,
    max_distance_m: float = 50.0,
    boundary: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    address_geocoder: AddressGeocoder | None = None,
    segment_index: SegmentIndex | None = None,
) -> GeocodeResult:
    """Snap incidents with coordinates and geocode address-only ones onto ``segments``.

    ``segments`` must be in a metric CRS (the analysis CRS); incidents are reprojected into it.
    Points outside ``boundary`` (if given) and points farther than ``max_distance_m`` from any
    segment are rejected with their reason; lon/lat points that only make sense swapped are
    rejected as ``latlon_swapped``. The result's geometry is the incident's location in the
    analysis CRS.
    """
    target = crs_mod.require_metric(segments.crs, what="segments CRS")
    if incidents.crs is None and incidents.geometry.notna().any():
        raise ValidationError("incidents have coordinates but no CRS; read them with read_incidents")
    frame = incidents.copy()
    frame.index.name = "incident_id"
    frame = frame.reset_index()
    geoms = np.asarray(frame.geometry.values, dtype=object)
    has_xy = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    projected = np.full(len(frame), None, dtype=object)
    if has_xy.any():
        if incidents.crs is not None and crs_mod.as_crs(incidents.crs) == target:
            projected[has_xy] = geoms[has_xy]
        else:
            projected[has_xy] = np.asarray(
                gpd.GeoSeries(geoms[has_xy], crs=incidents.crs).to_crs(target).values
            )

    collector = RejectCollector(frame, stage="geocode")
    rejected = collector.taken  # updated in place as rows are rejected
    reject = collector.reject
    boundary_geom = _boundary_geometry(boundary, target)

    outside = np.zeros(len(frame), dtype=bool)
    if boundary_geom is not None and has_xy.any():
        inside = np.zeros(len(frame), dtype=bool)
        inside[has_xy] = shapely.intersects(boundary_geom, projected[has_xy])
        outside = has_xy & ~inside

    index = segment_index or SegmentIndex(segments)
    snapped = snap_points(np.where(has_xy & ~outside, projected, None), index,
                          max_distance_m=max_distance_m)
    far = has_xy & ~outside & (snapped.segment_index < 0)

    swapped = np.zeros(len(frame), dtype=bool)
    if incidents.crs is not None and incidents.crs.is_geographic and (outside | far).any():
        swapped = _swapped_would_fit(geoms, outside | far, incidents.crs, target, boundary_geom,
                                     index, max_distance_m)

    reject(swapped, "latlon_swapped",
           "with latitude and longitude exchanged the point falls on the street network")
    reject(outside, "outside_boundary", "the point lies outside the study-area boundary")
    far &= ~rejected
    near_d = _nearest_distance(projected, far, index)[far]
    reject(far, "beyond_max_distance",
           np.asarray([f"nearest segment is {d:.0f} m away (max {max_distance_m:g} m)"
                       for d in near_d], dtype=object))

    coord_ok = has_xy & ~rejected
    parts = []
    if coord_ok.any():
        sel = frame.loc[coord_ok]
        out = gpd.GeoDataFrame(sel.drop(columns="geometry"), geometry=projected[coord_ok], crs=target)
        out["segment_id"] = snapped.segment_id[coord_ok]
        out["snap_distance_m"] = snapped.distance_m[coord_ok]
        out["position_m"] = snapped.position_m[coord_ok]
        out["match_method"] = "coordinate"
        out["match_score"] = 100.0
        out["match_status"] = np.where(snapped.ties[coord_ok] > 1, "matched_tie", "matched")
        parts.append(out)

    address_rows = ~has_xy & ~rejected
    qa = None
    if address_rows.any():
        addr = frame.loc[address_rows].drop(columns="geometry")
        if address_geocoder is None:
            reject(address_rows, "address_unavailable",
                   "record has only an address and no address reference (address points, "
                   "ranges or metric numbering) was configured")
        else:
            matched, addr_rejects = address_geocoder(addr, segments)
            qa = getattr(address_geocoder, "last_qa", None)
            if len(addr_rejects):
                collector.extend(addr_rejects)
            if len(matched):
                parts.append(matched.to_crs(target) if matched.crs != target else matched)

    if parts:
        geocoded = pd.concat(parts)
        geocoded = gpd.GeoDataFrame(geocoded, geometry="geometry", crs=target)
    else:
        geocoded = gpd.GeoDataFrame(frame.iloc[:0].drop(columns="geometry"),
                                    geometry=gpd.GeoSeries([], crs=target), crs=target)
        for col in GEOCODED_COLUMNS:
            if col not in geocoded.columns:
                geocoded[col] = pd.Series(dtype="float64")
    geocoded = geocoded.set_index("incident_id").sort_values("source_row", kind="stable")
    geocoded["segment_id"] = geocoded["segment_id"].astype(np.int64)
    all_rejects = collector.table()
    counts = {
        "input": len(frame),
        "geocoded": len(geocoded),
        "rejected": len(all_rejects),
        "by_coordinate": int((geocoded["match_method"] == "coordinate").sum()),
        "by_address": int((geocoded["match_method"] != "coordinate").sum()),
    }
    if counts["geocoded"] + counts["rejected"] != counts["input"]:  # pragma: no cover - invariant
        raise AssertionError(f"geocode lost incidents: {counts}")
    return GeocodeResult(geocoded=geocoded, rejects=all_rejects, max_distance_m=max_distance_m,
                         counts=counts, qa=qa)


def _boundary_geometry(boundary, target):
    if boundary is None:
        return None
    if isinstance(boundary, gpd.GeoSeries):
        boundary = gpd.GeoDataFrame(geometry=boundary)
    if boundary.crs is None:
        raise ValidationError("boundary has no CRS; set it (e.g. EPSG:4326) before using it")
    geom = shapely.union_all(boundary.to_crs(target).geometry.values)
    if geom.is_empty or geom.geom_type not in {"Polygon", "MultiPolygon"}:
        raise ValidationError("boundary must contain polygons (the study area)")
    shapely.prepare(geom)
    return geom


def _nearest_distance(projected, mask, index):
    out = np.full(len(projected), np.nan)
    if mask.any():
        pairs, d = index.tree.query_nearest(projected[mask], return_distance=True, all_matches=False)
        vals = np.full(int(mask.sum()), np.nan)
        vals[pairs[0]] = d
        out[mask] = vals
    return out


def _swapped_would_fit(geoms, mask, src_crs, target, boundary_geom, index, max_distance_m):
    result = np.zeros(len(geoms), dtype=bool)
    idx = np.flatnonzero(mask)
    xy = shapely.get_coordinates(geoms[idx])
    lon, lat = xy[:, 1], xy[:, 0]
    plausible = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    if not plausible.any():
        return result
    idx, lon, lat = idx[plausible], lon[plausible], lat[plausible]
    swapped = gpd.GeoSeries(shapely.points(lon, lat), crs=src_crs).to_crs(target).values
    ok = np.isfinite(shapely.get_x(swapped))
    snapped = snap_points(np.where(ok, swapped, None), index, max_distance_m=max_distance_m)
    fits = snapped.segment_index >= 0
    if boundary_geom is not None:
        inside = np.zeros(len(idx), dtype=bool)
        inside[ok] = shapely.intersects(boundary_geom, swapped[ok])
        fits &= inside
    result[idx[fits]] = True
    return result
