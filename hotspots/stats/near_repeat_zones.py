"""Near-repeat risk zones: the segments a recent incident puts at raised risk, and until when.

From a :class:`~hotspots.stats.near_repeat.NearRepeatResult` whose table shows a significant
near-repeat zone (spatial bands 1…i, each significant for its first T_i days, and perhaps the
"same location" band), every incident of the last days makes the segments within the zone's
distance of it a *risk zone* for the zone's time. This turns the Knox table into patrol guidance
for the coming days and a map layer.

Disclosure: a zone shows that an incident happened within its distance a few days before —
around a single incident the zone is a ball whose centre *is* the incident. So the analyst's
layer (:func:`risk_zones`) carries the sources; :func:`release_risk_zones` gives what a liaison or
the public may receive: only segments within reach of at least ``k`` source incidents, active
until the date up to which ``k`` of them keep it active, with no counts, distances, categories or
dates of individual incidents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse import csgraph

from hotspots._errors import ValidationError, problems_message
from hotspots.stats import _pairs
from hotspots.stats.near_repeat import NearRepeatResult, NearRepeatSettings
from hotspots.weights import _check_segments, _end_nodes

__all__ = ["RiskZones", "release_risk_zones", "risk_zones"]

_SAME_FIELDS = ("distance", "bandwidth_m", "spatial_bands", "bandwidth_days", "temporal_bands",
                "closed", "time_unit", "nrc_compatible", "per_category", "alpha")


@dataclass(frozen=True, eq=False)
class RiskZones:
    """Risk-zone segments active on ``as_of`` (``segments``) and the source detail (``sources``).

    ``segments`` (GeoDataFrame, index ``segment_id``): ``active_until`` (last local date the
    zone is active, inclusive), ``days_left`` (days from ``as_of`` through ``active_until``),
    ``source_incidents`` (distinct incidents putting it at risk), ``nearest_source_m``,
    ``zone_id`` (connected groups of zone segments sharing an end point, 1 = most sources),
    ``zone_source_incidents``, ``categories`` (with per-category tables), ``street_name`` when
    the segments have it, and the segment geometry. ``sources``: one row per (segment_id,
    incident_id) with ``distance_m``, ``active_until``, ``category``. ``reach``: the
    (distance m, days) bands used, per category key (None = overall).
    """

    segments: gpd.GeoDataFrame
    sources: pd.DataFrame
    as_of: dt.date
    reach: dict[str | None, tuple[tuple[float, float], ...]]
    parameters: dict = field(default_factory=dict)


def risk_zones(
    result: NearRepeatResult,
    incidents: pd.DataFrame,
    segments: gpd.GeoDataFrame,
    *,
    as_of: dt.date | pd.Timestamp | str,
    settings: NearRepeatSettings | None = None,
) -> RiskZones:
    """Segments at raised near-repeat risk on ``as_of``, with the window each stays active.

    Parameters
    ----------
    result : NearRepeatResult
        The Knox analysis; its significant zone(s) define the reach. With ``per_category`` each
        category's zone applies to that category's incidents; otherwise the overall zone to all.
    incidents : DataFrame
        The geocoded incidents (``occurred_at``; point geometry in the segments' CRS for planar
        distances, ``segment_id`` and ``position_m`` for network; ``category`` per category).
    segments : GeoDataFrame
        Street segments (index ``segment_id``, ``length_m``, LineStrings, metric CRS).
    as_of : date
        The day the zones are for (e.g. the end of the analysed week); incidents after it are
        ignored. A timezone-aware timestamp is read as its local date in the incidents' zone.
    settings : NearRepeatSettings, optional
        Defaults to ``result.settings``; if given it must define the same bands.

    Returns
    -------
    RiskZones
        A segment is in the zone of incident e through band (D, T) when part of it lies at
        distance d < D from e (d ≤ D with ``closed="right"``; d = 0 for the same-location band)
        — d is the distance from e to the nearest point of the segment (Euclidean, Manhattan,
        or along the streets: 0 on e's own segment, else via the nearer segment end). It stays
        active through date(e) + T − 1 days (calendar days, left-closed), + T (right-closed),
        or the local date of e + T days (elapsed days); the latest band wins.
    """
    settings = result.settings if settings is None else settings
    _check_same(settings, result.settings)
    _check_segments(segments, "risk_zones", min_segments=1)
    day = _as_date(as_of, incidents)
    tables = result.by_category if settings.per_category else {None: result.overall}
    if settings.per_category and "category" not in incidents.columns:
        raise ValidationError("risk_zones: the result has one zone per category; the incidents "
                              "need their 'category' column")
    reach = {key: tuple(tab.zone.reach()) for key, tab in tables.items()}
    parts = []
    for key, bands in reach.items():
        if not bands:
            continue
        subset = incidents if key is None else incidents[incidents["category"].astype(str) == key]
        part = _sources(subset, segments, bands, day, settings)
        if len(part):
            part["category"] = (subset["category"].astype(str).reindex(part["incident_id"])
                                .to_numpy() if "category" in subset.columns and key is None
                                else key)
            parts.append(part)
    columns = ["segment_id", "incident_id", "distance_m", "active_until", "category"]
    sources = (pd.concat(parts, ignore_index=True) if parts
               else pd.DataFrame({c: pd.Series(dtype=object) for c in columns}))
    sources = sources[columns].sort_values(["segment_id", "incident_id"], ignore_index=True)
    zone_segments = _aggregate(sources, segments, day, settings)
    return RiskZones(segments=zone_segments, sources=sources, as_of=day, reach=reach,
                     parameters={"distance": settings.distance, "closed": settings.closed,
                                 "time_unit": settings.time_unit, "as_of": day.isoformat()})


def release_risk_zones(zones: RiskZones, *, k: int = 3) -> gpd.GeoDataFrame:
    """The risk zones a liaison or the public may receive (see the module docstring).

    Only segments within reach of at least ``k`` distinct source incidents; ``active_until`` is
    the date through which at least ``k`` of them keep it active (the k-th latest), so no date,
    count, distance or category of fewer than ``k`` incidents is shown. Columns: ``segment_id``
    (index), ``street_name`` when present, ``active_until``, ``days_left``, geometry.
    """
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValidationError(f"release_risk_zones: k must be a whole number ≥ 1; got {k!r}")
    src = zones.sources.drop_duplicates(["segment_id", "incident_id"])
    src = src.sort_values(["segment_id", "active_until"], ascending=[True, False])
    rank = src.groupby("segment_id").cumcount()
    kth = src[rank == k - 1].set_index("segment_id")["active_until"]
    seg = zones.segments.loc[zones.segments.index.isin(kth.index)]
    cols = [c for c in ("street_name",) if c in seg.columns]
    out = seg[cols].copy()
    out["active_until"] = kth.reindex(out.index).to_numpy()
    out["days_left"] = [(d - zones.as_of).days + 1 for d in out["active_until"]]
    out = gpd.GeoDataFrame(out, geometry=seg.geometry, crs=seg.crs)
    return out.sort_values(["active_until"], ascending=False, kind="stable")


# --- pieces -----------------------------------------------------------------------------------


def _check_same(settings: NearRepeatSettings, used: NearRepeatSettings) -> None:
    diff = [f"{name}: {getattr(settings, name)!r} here, {getattr(used, name)!r} in the result"
            for name in _SAME_FIELDS if getattr(settings, name) != getattr(used, name)]
    if diff:
        raise ValidationError(problems_message(
            "risk_zones: the settings differ from those the near-repeat result was computed "
            "with", diff, fix="pass settings=None (the result's) or recompute the result"))


def _as_date(as_of, incidents: pd.DataFrame) -> dt.date:
    if isinstance(as_of, str):
        try:
            return dt.date.fromisoformat(as_of)
        except ValueError as exc:
            raise ValidationError(f"risk_zones: as_of={as_of!r} is not a date (YYYY-MM-DD)") \
                from exc
    if isinstance(as_of, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(as_of)
        when = incidents.get("occurred_at")
        if stamp.tzinfo is not None and when is not None and isinstance(when.dtype,
                                                                         pd.DatetimeTZDtype):
            stamp = stamp.tz_convert(when.dtype.tz)
        return stamp.date()
    if isinstance(as_of, dt.date):
        return as_of
    raise ValidationError(f"risk_zones: as_of must be a date, got {type(as_of).__name__}")


def _local_dates(when: pd.Series) -> np.ndarray:
    return when.dt.tz_localize(None).to_numpy().astype("datetime64[D]")


def _sources(incidents, segments, bands, day: dt.date, settings) -> pd.DataFrame:
    """(segment_id, incident_id, distance_m, active_until) of the recent incidents' reach."""
    when = incidents["occurred_at"]
    if not isinstance(when.dtype, pd.DatetimeTZDtype) or when.isna().any():
        raise ValidationError("risk_zones: 'occurred_at' must hold timezone-aware timestamps "
                              "with no gaps (as geocode_incidents writes them)")
    dates = _local_dates(when)
    today = np.datetime64(day, "D")
    longest = max(days for _, days in bands)
    recent = (dates <= today) & (dates >= today - np.timedelta64(int(np.ceil(longest)) + 1, "D"))
    inc = incidents.loc[recent]
    if len(inc) == 0:
        return pd.DataFrame(columns=["segment_id", "incident_id", "distance_m", "active_until"])
    max_d = max(d for d, _ in bands)
    src, seg, dist = _reach(inc, segments, max_d, settings)
    base = _local_dates(inc["occurred_at"])[src]
    stamp = inc["occurred_at"].to_numpy()[src]
    until = np.full(len(src), np.datetime64("NaT", "D"))
    for edge, days in bands:
        if edge == 0:
            inside = dist == 0
        else:
            inside = dist < edge if settings.closed == "left" else dist <= edge
        if settings.time_unit == "calendar_days":
            last = base + np.timedelta64(int(days) - (1 if settings.closed == "left" else 0), "D")
        else:
            end = pd.DatetimeIndex(stamp).tz_convert(when.dtype.tz) + pd.Timedelta(days=days)
            last = end.tz_localize(None).to_numpy().astype("datetime64[D]")
        better = inside & (np.isnat(until) | (last > until))
        until = np.where(better, last, until)
    keep = ~np.isnat(until) & (until >= today)
    return pd.DataFrame({
        "segment_id": segments.index.to_numpy()[seg[keep]],
        "incident_id": inc.index.to_numpy()[src[keep]],
        "distance_m": dist[keep],
        "active_until": [d.item() for d in until[keep]],
    })


def _reach(inc, segments, max_d: float, settings):
    """(incident row, segment row, distance to the segment's nearest point) within max_d."""
    if settings.distance == "network":
        missing = [c for c in ("segment_id", "position_m") if c not in inc.columns]
        if missing:
            raise ValidationError(f"risk_zones: network distances need {missing} on the incidents")
        seg_pos = segments.index.get_indexer(inc["segment_id"].to_numpy())
        if (seg_pos < 0).any():
            raise ValidationError(
                "risk_zones: some incidents are on segment ids absent from the segments (e.g. "
                f"{list(inc.index[seg_pos < 0][:5])}); use the segments of the geocoding")
        length = segments["length_m"].to_numpy(dtype=float)[seg_pos]
        pos = np.clip(inc["position_m"].to_numpy(dtype=float), 0.0, length)
        graph = _pairs.street_graph(segments)
        return _pairs.segment_reach(graph, seg_pos, pos, max_distance_m=max_d)
    if not isinstance(inc, gpd.GeoDataFrame) or inc.crs is None or inc.crs != segments.crs:
        raise ValidationError("risk_zones: planar distances need the incident points in the "
                              f"segments' CRS ({segments.crs}); reproject them first")
    points = inc.geometry.to_numpy()
    lines = segments.geometry.to_numpy()
    src, seg = shapely.STRtree(lines).query(points, predicate="dwithin", distance=max_d)
    if settings.distance == "euclidean":
        dist = shapely.distance(points[src], lines[seg])
    else:
        dist = _manhattan_to_lines(points[src], lines[seg])
    keep = dist <= max_d
    return src[keep].astype(np.int64), seg[keep].astype(np.int64), dist[keep]


def _manhattan_to_lines(points: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Smallest |dx| + |dy| from each point to the matching polyline (exact, vectorised).

    Along a straight piece |dx(s)| + |dy(s)| is convex and piecewise linear in s ∈ [0, 1], so its
    minimum is at an end or where dx or dy changes sign.
    """
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    same = owner[1:] == owner[:-1]
    a, b, who = coords[:-1][same], coords[1:][same], owner[:-1][same]
    p = shapely.get_coordinates(points)[who]
    d = b - a
    cand = [np.zeros(len(a)), np.ones(len(a))]
    for axis in (0, 1):
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.where(d[:, axis] != 0, (p[:, axis] - a[:, axis]) / d[:, axis], 0.0)
        cand.append(np.clip(s, 0.0, 1.0))
    best = np.full(len(a), np.inf)
    for s in cand:
        q = a + s[:, None] * d
        best = np.minimum(best, np.abs(q - p).sum(axis=1))
    out = np.full(len(lines), np.inf)
    np.minimum.at(out, who, best)
    return out


def _aggregate(sources: pd.DataFrame, segments, day: dt.date, settings) -> gpd.GeoDataFrame:
    """One row per zone segment: window, sources, nearest source, connected zone."""
    if len(sources) == 0:
        empty = segments.iloc[:0]
        out = pd.DataFrame(index=empty.index)
        for col, dtype in (("active_until", object), ("days_left", "int64"),
                           ("source_incidents", "int64"), ("nearest_source_m", "float64"),
                           ("zone_id", "int64"), ("zone_source_incidents", "int64"),
                           ("categories", object)):
            out[col] = pd.Series(dtype=dtype)
        return gpd.GeoDataFrame(out, geometry=empty.geometry, crs=segments.crs)
    grouped = sources.groupby("segment_id", sort=True)
    out = pd.DataFrame({
        "active_until": grouped["active_until"].max(),
        "source_incidents": grouped["incident_id"].nunique().astype("int64"),
        "nearest_source_m": grouped["distance_m"].min().astype(float),
        "categories": grouped["category"].agg(
            lambda c: "; ".join(sorted({str(v) for v in c if v is not None}))),
    })
    out.index.name = segments.index.name or "segment_id"
    out["days_left"] = [(d - day).days + 1 for d in out["active_until"]]
    zone = _connected(out.index, segments)
    out["zone_id"] = zone
    per_zone = sources.assign(zone_id=pd.Series(zone, index=out.index).reindex(
        sources["segment_id"]).to_numpy()).groupby("zone_id")["incident_id"].nunique()
    order = per_zone.sort_values(ascending=False, kind="stable").index
    relabel = pd.Series(np.arange(1, len(order) + 1), index=order)
    out["zone_id"] = relabel.reindex(out["zone_id"]).to_numpy()
    out["zone_source_incidents"] = per_zone.reindex(order).to_numpy()[out["zone_id"] - 1]
    if "street_name" in segments.columns:
        out.insert(0, "street_name", segments["street_name"].reindex(out.index).to_numpy())
    out = out.sort_values(["source_incidents", "active_until"], ascending=False, kind="stable")
    geom = segments.geometry.reindex(out.index)
    return gpd.GeoDataFrame(out, geometry=geom.to_numpy(), crs=segments.crs)


def _connected(ids: pd.Index, segments) -> np.ndarray:
    """Component label of each zone segment (segments sharing an end point are connected)."""
    pos = segments.index.get_indexer(ids)
    start, end, n_nodes = _end_nodes(segments)
    n = len(pos)
    rows = np.r_[np.arange(n), np.arange(n)]
    cols = n + np.r_[start[pos], end[pos]]
    g = sp.coo_array((np.ones(2 * n), (rows, cols)), shape=(n + n_nodes, n + n_nodes))
    _, labels = csgraph.connected_components(g, directed=False)
    return labels[:n]

