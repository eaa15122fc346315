"""Inputs of the near-repeat analysis: validated times, categories, points or street positions."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import crs as crs_mod
from hotspots._errors import CRSError, ValidationError, problems_message
from hotspots.stats import _pairs
from hotspots.weights import _check_segments

_POSITION_TOL_M = 1e-3  # positions this far beyond a segment's ends are clipped onto it


# --- inputs -----------------------------------------------------------------------------------


def prepare(incidents, segments, settings) -> dict:
    """Validated arrays in incident_id order: times, categories, coordinates or network positions."""
    what = "near_repeat"
    if not isinstance(incidents, pd.DataFrame):
        raise ValidationError(f"{what}: expected the incidents DataFrame, got "
                              f"{type(incidents).__name__}")
    problems: list[str] = []
    if len(incidents) < 2:
        problems.append(f"need at least 2 incidents to form a pair, got {len(incidents)}")
    if incidents.index.has_duplicates:
        dup = incidents.index[incidents.index.duplicated()][:3].tolist()
        problems.append(f"the index (incident_id) has duplicates, e.g. {dup}; ids must be unique")
    try:
        order = np.argsort(incidents.index.to_numpy(), kind="stable")
    except TypeError:  # ids of mixed types: keep the given order
        order = np.arange(len(incidents))
    frame = incidents.iloc[order]
    out: dict = {"index": frame.index}
    out["t"] = _times(frame, settings, problems)
    if settings.per_category:
        if "category" not in frame.columns:
            problems.append("per_category needs a 'category' column")
        else:
            cat = frame["category"]
            if cat.isna().any():
                problems.append(f"'category' is empty for {int(cat.isna().sum())} incidents "
                                f"(e.g. {_ids(frame.index[cat.isna().to_numpy()])}); fill it")
            out["category"] = cat.astype(str).to_numpy()
    if settings.distance == "network":
        _network_inputs(frame, segments, out, problems)
    else:
        _planar_inputs(frame, out, problems)
    if problems:
        raise ValidationError(problems_message(
            f"{what}: the incidents cannot be analysed", problems,
            fix="pass the geocoded incidents (hotspots.geocode.geocode_incidents) and, for "
                "network distances, the segments they were snapped to"))
    return out


def _times(frame: pd.DataFrame, settings, problems: list[str]) -> np.ndarray:
    if "occurred_at" not in frame.columns:
        problems.append("no 'occurred_at' column (timezone-aware timestamps)")
        return np.zeros(len(frame), dtype=np.int64)
    when = frame["occurred_at"]
    if not isinstance(when.dtype, pd.DatetimeTZDtype):
        problems.append(f"'occurred_at' must hold timezone-aware timestamps (as read_incidents "
                        f"writes them), got dtype {when.dtype}")
        return np.zeros(len(frame), dtype=np.int64)
    missing = when.isna().to_numpy()
    if missing.any():
        problems.append(f"'occurred_at' is missing for {int(missing.sum())} incidents (e.g. "
                        f"{_ids(frame.index[missing])}); reject them before the analysis")
        return np.zeros(len(frame), dtype=np.int64)
    if settings.time_unit == "calendar_days":
        local = when.dt.tz_localize(None).to_numpy().astype("datetime64[D]")
        return local.astype(np.int64)
    return when.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype(
        "datetime64[s]").astype(np.int64)


def _planar_inputs(frame, out: dict, problems: list[str]) -> None:
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        problems.append("euclidean/manhattan distances need a GeoDataFrame with the incident "
                        "points (or set distance = \"network\")")
        return
    if frame.crs is None:
        problems.append("the incidents have no CRS; give them the analysis CRS (metres)")
    else:
        try:
            crs_mod.require_metric(frame.crs, what="incidents CRS")
        except CRSError as exc:
            problems.append(str(exc))
    geoms = frame.geometry.to_numpy()
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    bad |= ~bad & (shapely.get_type_id(geoms) != 0)
    if bad.any():
        problems.append(f"{int(bad.sum())} incidents have no point geometry (e.g. "
                        f"{_ids(frame.index[bad])}); every incident needs one point")
        return
    xy = shapely.get_coordinates(geoms)
    nonfinite = ~np.isfinite(xy).all(axis=1)
    if nonfinite.any():
        problems.append(f"{int(nonfinite.sum())} incidents have non-finite coordinates (e.g. "
                        f"{_ids(frame.index[nonfinite])})")
    out["xy"] = xy


def _network_inputs(frame, segments, out: dict, problems: list[str]) -> None:
    if segments is None:
        problems.append("network distances need the segments (segments=...)")
        return
    try:
        _check_segments(segments, "near_repeat", min_segments=1)
    except (ValidationError, CRSError) as exc:
        problems.append(str(exc))
        return
    for col in ("segment_id", "position_m"):
        if col not in frame.columns:
            problems.append(f"network distances need a '{col}' column (from geocoding)")
    if problems:
        return
    seg_pos = segments.index.get_indexer(frame["segment_id"].to_numpy())
    unknown = seg_pos < 0
    if unknown.any():
        problems.append(f"{int(unknown.sum())} incidents are on segment ids absent from the "
                        f"segments (e.g. incidents {_ids(frame.index[unknown])}); use the same "
                        "segments as the geocoding")
        return
    pos = pd.to_numeric(frame["position_m"], errors="coerce").to_numpy(dtype=float)
    length = segments["length_m"].to_numpy(dtype=float)[seg_pos]
    bad = ~np.isfinite(pos) | (pos < -_POSITION_TOL_M) | (pos > length + _POSITION_TOL_M)
    if bad.any():
        problems.append(f"{int(bad.sum())} incidents have a position_m outside [0, length_m] of "
                        f"their segment (e.g. {_ids(frame.index[bad])})")
        return
    out["segment_position"] = seg_pos
    out["position_m"] = np.clip(pos, 0.0, length)
    out["graph"] = _pairs.street_graph(segments)
    on_street = shapely.line_interpolate_point(segments.geometry.to_numpy()[seg_pos],
                                               out["position_m"])
    out["xy"] = shapely.get_coordinates(on_street)  # only to order the incidents in space


def _ids(index) -> list:
    return list(index[:5])


def close_pairs(prep: dict, settings, max_m: float, *, band_edges_m: np.ndarray | None = None,
                closed: str = "left") -> _pairs.ClosePairs:
    """The pairs within ``max_m`` in the settings' distance (float32 planar in NRC mode).

    ``band_edges_m``: planar pairs come with their distance band instead of their distance
    (:func:`hotspots.stats._pairs.planar_pairs`); network pairs always carry distances.
    """
    if settings.distance == "network":
        return _pairs.network_pairs(prep["graph"], prep["segment_position"], prep["position_m"],
                                    max_distance_m=max_m)
    return _pairs.planar_pairs(prep["xy"], max_distance_m=max_m, metric=settings.distance,
                               single_precision=settings.nrc_compatible,
                               band_edges_m=band_edges_m, left_closed=closed == "left")
