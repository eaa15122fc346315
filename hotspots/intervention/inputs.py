"""Inputs of an intervention evaluation: the interventions table (validated, matched to segments) and weekly counts."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import crs as crs_mod
from hotspots._errors import ValidationError, problems_message
from hotspots.config.evaluation import KINDS, LIGHTING_KINDS

__all__ = [
    "KINDS",
    "LIGHTING_KINDS",
    "Interventions",
    "WeeklyPanel",
    "city_location",
    "prepare_interventions",
    "weekly_panel",
]

#: kinds of intervention: new street lights, repair of existing ones, adoption of a green area,
#: focused patrol


@dataclass(frozen=True)
class Interventions:
    """Validated interventions and the segments they treat.

    ``table`` is indexed by ``intervention_id`` with ``kind``, ``start``, ``end`` (dates, ``end``
    may be NaT), ``source`` ("segment_id" or "geometry") and ``n_segments``. ``treated`` is
    indexed by ``segment_id`` with the ``intervention_id``, ``kind``, ``start`` and ``end`` that
    apply to that segment: when several interventions touch one segment the earliest start
    wins and the others are listed in ``overlaps`` (segment_id, intervention_id kept, dropped).
    """

    table: pd.DataFrame
    treated: pd.DataFrame
    overlaps: pd.DataFrame


@dataclass(frozen=True)
class WeeklyPanel:
    """Incident counts per segment and week (weeks start on Monday, local time).

    ``cells`` is a long table of the non-zero cells: ``seg`` (position in ``segment_ids``),
    ``week`` (position in ``weeks``), ``category``, ``night`` (bool) and ``count``.
    ``outside_period`` counts incidents outside the weeks of the panel (not in any cell).
    """

    segment_ids: pd.Index
    weeks: pd.DatetimeIndex
    cells: pd.DataFrame
    categories: tuple[str, ...]
    outside_period: int
    night_computed: bool

    def matrix(self, which: str = "all", categories: tuple[str, ...] | None = None) -> np.ndarray:
        """Counts (n_segments × n_weeks) of ``which`` ∈ {"all", "night", "day"} incidents.

        ``categories`` keeps only those categories (None or empty: all).
        """
        if which not in ("all", "night", "day"):
            raise ValidationError(f"which={which!r}: use 'all', 'night' or 'day'")
        c = self.cells
        keep = np.ones(len(c), dtype=bool)
        if which == "night":
            keep &= c["night"].to_numpy(dtype=bool)
        elif which == "day":
            keep &= ~c["night"].to_numpy(dtype=bool)
        if categories:
            keep &= c["category"].isin(categories).to_numpy()
        n, t = len(self.segment_ids), len(self.weeks)
        flat = c["seg"].to_numpy()[keep] * t + c["week"].to_numpy()[keep]
        out = np.bincount(flat, weights=c["count"].to_numpy()[keep], minlength=n * t)
        return out.reshape(n, t)


def week_start(dates: pd.Series) -> pd.Series:
    """Monday (naive local date) of the week of each date or local timestamp."""
    d = pd.to_datetime(dates)
    if isinstance(d.dtype, pd.DatetimeTZDtype):
        d = d.dt.tz_localize(None)
    d = d.dt.normalize()
    return d - pd.to_timedelta(d.dt.day_of_week, unit="D")


def city_location(segments: gpd.GeoDataFrame) -> tuple[float, float]:
    """(latitude, longitude) in degrees of the centre of the segments' bounding box."""
    x0, y0, x1, y1 = segments.total_bounds
    centre = gpd.GeoSeries([shapely.Point((x0 + x1) / 2, (y0 + y1) / 2)], crs=segments.crs)
    pt = centre.to_crs(4326).iloc[0]
    return float(pt.y), float(pt.x)


def weekly_panel(
    incidents: pd.DataFrame,
    segments: gpd.GeoDataFrame,
    *,
    period: tuple[dt.date | str, dt.date | str] | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> WeeklyPanel:
    """Count geocoded incidents per segment, week, category and night/day.

    Parameters
    ----------
    incidents : geocoded incidents with ``segment_id``, tz-aware ``occurred_at`` and
        ``category``; ``is_night`` (boolean) is used when present, else computed with
        :func:`hotspots.overlays.night.is_night` at ``latitude``/``longitude`` (default: the
        centre of the segments).
    segments : the segments (index ``segment_id``).
    period : first and last day of the study (dates); default: the weeks from the first to the
        last incident. Weeks run Monday to Sunday in the incidents' local time.

    Returns
    -------
    WeeklyPanel
    """
    problems = []
    for col in ("segment_id", "occurred_at", "category"):
        if col not in incidents.columns:
            problems.append(f"column {col!r} is missing (columns: {list(incidents.columns)})")
    if problems:
        raise ValidationError(problems_message("incidents: cannot count them per week", problems,
                                               "give the geocoded incidents table"))
    times = incidents["occurred_at"]
    if not isinstance(times.dtype, pd.DatetimeTZDtype):
        problems.append(f"occurred_at must be timezone-aware timestamps, got {times.dtype}")
    else:
        nat = times.isna()
        if nat.any():
            problems.append(f"{int(nat.sum())} incidents have no time (first: "
                            f"{incidents.index[nat][0]!r})")
    unknown = ~incidents["segment_id"].isin(segments.index)
    if unknown.any():
        problems.append(f"{int(unknown.sum())} incidents refer to segment ids not in the segments "
                        f"table (first: {incidents['segment_id'][unknown].iloc[0]!r})")
    if "is_night" in incidents.columns and incidents["is_night"].isna().any():
        problems.append(f"is_night is missing for {int(incidents['is_night'].isna().sum())} "
                        "incidents")
    if problems:
        raise ValidationError(problems_message(
            "incidents: cannot count them per week", problems,
            "geocode against the same segments and drop or fix the rows listed"))
    if "is_night" in incidents.columns:
        night = incidents["is_night"].to_numpy(dtype=bool)
        computed = False
    else:
        from hotspots.overlays.night import is_night

        if latitude is None or longitude is None:
            latitude, longitude = city_location(segments)
        night = is_night(times, latitude=latitude, longitude=longitude).to_numpy(dtype=bool)
        computed = True
    wk = week_start(times)
    if period is not None:
        first, last = (pd.Timestamp(p) for p in period)
        if last < first:
            raise ValidationError(f"period={period!r}: the last day is before the first")
        w0 = week_start(pd.Series([first]))[0]
        w1 = week_start(pd.Series([last]))[0]
    else:
        if len(wk) == 0:
            raise ValidationError("incidents: the table is empty; nothing to evaluate")
        w0, w1 = wk.min(), wk.max()
    weeks = pd.date_range(w0, w1, freq="7D")
    wpos = ((wk - w0).dt.days // 7).to_numpy()
    inside = (wpos >= 0) & (wpos < len(weeks))
    seg = segments.index.get_indexer(incidents["segment_id"])
    cat = incidents["category"].astype(str).to_numpy()
    frame = pd.DataFrame({"seg": seg[inside], "week": wpos[inside], "category": cat[inside],
                          "night": night[inside]})
    cells = frame.groupby(["seg", "week", "category", "night"], sort=True).size()
    cells = cells.rename("count").reset_index()
    return WeeklyPanel(segment_ids=segments.index, weeks=weeks, cells=cells,
                       categories=tuple(sorted(set(cat))), outside_period=int((~inside).sum()),
                       night_computed=computed)


def prepare_interventions(
    interventions: pd.DataFrame,
    segments: gpd.GeoDataFrame,
    *,
    match_distance_m: float = 15.0,
    min_overlap: float = 0.5,
    kinds: tuple[str, ...] = (),
) -> Interventions:
    """Validate the interventions and find the segments each one treats.

    A row names its segment in ``segment_id`` or gives a geometry (any CRS, reprojected to the
    segments'): a point treats the nearest segment within ``match_distance_m``; a line or
    polygon treats every segment with at least ``min_overlap`` of its length within
    ``match_distance_m`` of it. Required columns: ``kind`` (one of :data:`KINDS`) and ``start``
    (a date); optional ``end`` (date) and ``intervention_id`` (else the index is the id).
    ``kinds`` keeps only those kinds (empty: all). Every problem is collected and raised once.
    """
    if not isinstance(interventions, pd.DataFrame) or len(interventions) == 0:
        raise ValidationError("interventions: expected a non-empty table of interventions (a "
                              f"DataFrame or GeoDataFrame), got {type(interventions).__name__} "
                              f"with {len(interventions) if hasattr(interventions, '__len__') else 0} rows")
    frame = interventions.copy()
    if "intervention_id" in frame.columns:
        frame = frame.set_index("intervention_id")
    frame.index.name = "intervention_id"
    problems: list[str] = []
    has_geom = isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns
    if "segment_id" not in frame.columns and not has_geom:
        problems.append("neither a 'segment_id' column nor a geometry: give one of them")
    for col in ("kind", "start"):
        if col not in frame.columns:
            problems.append(f"column {col!r} is missing (columns: {list(frame.columns)})")
    if frame.index.has_duplicates:
        problems.append(f"duplicate intervention ids: {frame.index[frame.index.duplicated()][:3].tolist()}")
    if problems:
        raise ValidationError(problems_message("interventions: cannot use the table", problems,
                                               "see the expected columns above"))
    kind = frame["kind"].astype("string").str.strip().str.lower()
    bad_kind = ~kind.isin(KINDS)
    for i in frame.index[bad_kind.fillna(True).to_numpy()][:10]:
        problems.append(f"row {i!r}: kind {frame.at[i, 'kind']!r} is not one of {', '.join(KINDS)}")
    start = _dates(frame["start"])
    for i in frame.index[start.isna().to_numpy()][:10]:
        problems.append(f"row {i!r}: start {frame.at[i, 'start']!r} is not a date (YYYY-MM-DD)")
    if "end" in frame.columns:
        end = _dates(frame["end"])
        bad_end = end.isna() & frame["end"].notna() & (frame["end"].astype(str).str.strip() != "")
        for i in frame.index[bad_end.to_numpy()][:10]:
            problems.append(f"row {i!r}: end {frame.at[i, 'end']!r} is not a date (YYYY-MM-DD)")
        before = (end < start).fillna(False)
        for i in frame.index[before.to_numpy()][:10]:
            problems.append(f"row {i!r}: end {end[i].date()} is before start {start[i].date()}")
    else:
        end = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")

    seg_col = frame["segment_id"] if "segment_id" in frame.columns else pd.Series(
        pd.NA, index=frame.index, dtype=object)
    by_id = seg_col.notna().to_numpy()
    unknown = by_id & ~seg_col.isin(segments.index).to_numpy()
    for i in frame.index[unknown][:10]:
        problems.append(f"row {i!r}: segment_id {seg_col[i]} is not in the segments table")
    pairs = [pd.DataFrame({"intervention_id": frame.index[by_id & ~unknown],
                           "segment_id": seg_col[by_id & ~unknown].to_numpy()})]
    source = np.where(by_id, "segment_id", "geometry")
    need_geom = ~by_id
    if need_geom.any():
        if not has_geom:
            for i in frame.index[need_geom][:10]:
                problems.append(f"row {i!r}: no segment_id and no geometry")
        else:
            geo = gpd.GeoDataFrame(frame.loc[need_geom], geometry=frame.geometry.name)
            empty = geo.geometry.isna() | geo.geometry.is_empty
            for i in geo.index[empty.to_numpy()][:10]:
                problems.append(f"row {i!r}: no segment_id and an empty geometry")
            geo = geo[~empty]
            if len(geo) and geo.crs is None:
                problems.append("the geometries have no CRS; set it (e.g. EPSG:4326)")
            elif len(geo):
                target = crs_mod.require_metric(segments.crs, what="segments CRS")
                geo = crs_mod.to_analysis(geo, target, source="interventions")
                matched = match_geometries(geo.geometry, segments, distance_m=match_distance_m,
                                           min_overlap=min_overlap)
                none = ~geo.index.isin(matched["intervention_id"])
                for i in geo.index[none][:10]:
                    problems.append(
                        f"row {i!r}: its {geo.geometry[i].geom_type} matches no segment within "
                        f"{match_distance_m:g} m (with ≥ {min_overlap:.0%} of a segment's "
                        "length); check its position and CRS or raise match_distance_m")
                pairs.append(matched)
    if problems:
        raise ValidationError(problems_message(
            f"interventions: {len(problems)} problem(s)", problems,
            "fix the rows listed (kinds: " + ", ".join(KINDS) + "; dates as YYYY-MM-DD)"))
    table = pd.DataFrame({"kind": kind.astype(str), "start": start, "end": end,
                          "source": source}, index=frame.index)
    if kinds:
        table = table[table["kind"].isin(kinds)]
        if len(table) == 0:
            raise ValidationError(f"interventions: none of kind {', '.join(kinds)}; kinds present: "
                                  f"{sorted(set(kind.astype(str)))}")
    long = pd.concat(pairs, ignore_index=True)
    long = long[long["intervention_id"].isin(table.index)]
    long = long.join(table[["kind", "start", "end"]], on="intervention_id")
    long = long.sort_values(["segment_id", "start", "intervention_id"], kind="stable")
    first = long.drop_duplicates("segment_id", keep="first")
    dropped = long[long.duplicated("segment_id", keep="first")]
    overlaps = dropped[["segment_id", "intervention_id"]].rename(
        columns={"intervention_id": "dropped"}).join(
        first.set_index("segment_id")["intervention_id"].rename("kept"), on="segment_id")
    table["n_segments"] = first["intervention_id"].value_counts().reindex(
        table.index, fill_value=0).astype(np.int64)
    treated = first.set_index("segment_id")[["intervention_id", "kind", "start", "end"]]
    return Interventions(table=table, treated=treated.sort_index(),
                         overlaps=overlaps.reset_index(drop=True))


def match_geometries(
    geoms: gpd.GeoSeries,
    segments: gpd.GeoDataFrame,
    *,
    distance_m: float,
    min_overlap: float,
) -> pd.DataFrame:
    """(intervention_id, segment_id) pairs: segments treated by each geometry (same CRS).

    Points take the nearest segment within ``distance_m``; lines and polygons every segment
    with at least ``min_overlap`` of its length within ``distance_m`` of the geometry.
    """
    seg_geoms = segments.geometry.to_numpy()
    tree = shapely.STRtree(seg_geoms)
    values = geoms.to_numpy()
    is_point = np.isin(shapely.get_type_id(values), [0, 4])  # Point, MultiPoint
    out = []
    if is_point.any():
        pts = values[is_point]
        ids = geoms.index[is_point]
        gi, si = tree.query_nearest(pts, max_distance=distance_m, all_matches=False)
        out.append(pd.DataFrame({"intervention_id": ids[gi], "segment_id": segments.index[si]}))
    if (~is_point).any():
        shapes = values[~is_point]
        ids = geoms.index[~is_point]
        zones = shapely.buffer(shapes, distance_m)
        gi, si = tree.query(zones, predicate="intersects")
        inside = shapely.length(shapely.intersection(seg_geoms[si], zones[gi]))
        share = inside / np.maximum(shapely.length(seg_geoms[si]), 1e-9)
        ok = share >= min_overlap - 1e-9
        out.append(pd.DataFrame({"intervention_id": ids[gi[ok]],
                                 "segment_id": segments.index[si[ok]]}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(
        columns=["intervention_id", "segment_id"])


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$")


def _dates(values: pd.Series) -> pd.Series:
    """Dates (naive, midnight) from ISO strings, dates or timestamps; NaT where not a date."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_localize(None).dt.normalize()
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.dt.normalize()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for i, v in values.items():
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            continue
        if isinstance(v, str) and not _ISO_DATE.match(v.strip()):
            continue  # "12/10/2026" is 12 October in Brazil and 10 December to pandas: refuse
        try:
            ts = pd.Timestamp(v)
        except (ValueError, TypeError):
            continue
        if ts is pd.NaT:
            continue
        if ts.tzinfo is not None:
            ts = ts.tz_localize(None)
        out[i] = ts.normalize()
    return out
