"""Pipeline stages of the urbanism overlays (lighting, night, green areas) and prioritisation."""

from __future__ import annotations

import dataclasses
import importlib
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import aggregate, ingest
from hotspots import crs as crs_mod
from hotspots import prioritize as prio
from hotspots.overlays import green as green_mod
from hotspots.overlays import lighting as light_mod
from hotspots.overlays import night as night_mod


def study_lonlat(segments: gpd.GeoDataFrame) -> tuple[float, float]:
    """Longitude and latitude of the centre of the street network (for sunrise and sunset)."""
    minx, miny, maxx, maxy = segments.total_bounds
    centre = gpd.GeoSeries([shapely.Point((minx + maxx) / 2, (miny + maxy) / 2)], crs=segments.crs)
    p = centre.to_crs(crs_mod.WGS84).iloc[0]
    return float(p.x), float(p.y)


def period_weeks(occurred_at: pd.Series) -> int:
    """Number of ISO weeks from the first to the last incident (at least 1)."""
    t = occurred_at.dropna()
    if t.empty:
        return 1
    weeks = aggregate.iso_week(t)
    return max(1, len(aggregate.week_range(weeks.min(), weeks.max())))


def enough_for_night_gi(night_counts: pd.Series, *, min_incidents: int = 30) -> tuple[bool, str]:
    """Night-time Gi* is computed only with ≥ ``min_incidents`` night incidents on ≥ 30 segments
    and some variation between segments (Optimized Hot Spot Analysis' minimum of 30)."""
    total = int(night_counts.sum())
    if total < min_incidents:
        return False, f"only {total} night incidents (< {min_incidents})"
    if len(night_counts) < 30:
        return False, f"only {len(night_counts)} segments (< 30)"
    if float(night_counts.var()) == 0.0:
        return False, "every segment has the same night count"
    return True, f"{total} night incidents on {len(night_counts)} segments"


def stage_overlays(ctx) -> None:
    """Lighting (lamps, dark gaps), night-time incidents and green areas per segment."""
    config = ctx.config
    seg_table = ctx.tables["segments"]
    segments = ctx.segments
    crs = segments.crs
    add = pd.DataFrame(index=seg_table.index)
    summary_l: dict = {"reach_m": config.lamp_reach_m}

    # night-time incidents
    incidents = ctx.tables["incidents"].copy()
    lon, lat = study_lonlat(segments)
    incidents["is_night"] = night_mod.is_night(incidents["occurred_at"], latitude=lat,
                                               longitude=lon, timezone=config.timezone)
    night = incidents["is_night"].fillna(False).astype(bool)
    night_count = incidents.loc[night, "segment_id"].value_counts().reindex(
        seg_table.index, fill_value=0).astype(np.int64)
    add["night_count"] = night_count
    total = seg_table["count"] if "count" in seg_table.columns else night_count * 0
    add["night_share"] = np.where(total > 0, night_count / total.where(total > 0, 1), np.nan)
    weeks = period_weeks(incidents["occurred_at"])
    summary_n = {"latitude": round(lat, 5), "longitude": round(lon, 5),
                 "timezone": config.timezone, "night_incidents": int(night.sum()),
                 "night_share": float(night.mean()) if len(night) else float("nan"),
                 "weeks": weeks}

    # lighting
    gaps = None
    if config.lamps:
        raw = ingest.read_layer(config.lamps, layer=config.lamps_layer, what="lamp",
                                geometry_types=("Point", "MultiPoint"))
        lamps = light_mod.prepare_lamps(raw, crs, source=str(config.lamps))
        res = light_mod.lighting(segments, lamps, reach_m=config.lamp_reach_m,
                                 spacing_m=config.lamp_spacing_m)
        for col in light_mod.LIGHTING_COLUMNS:
            add[col] = res.frame[col].reindex(seg_table.index)
        gaps = res.gaps
        keep = [c for c in ("lamp_id", "status", "lumens", "power") if c in lamps.columns]
        ctx.tables["lamps"] = lamps[[*keep, "working", "geometry"]].reset_index(drop=True)
        ctx.tables["dark_gaps"] = gaps
        dark_pos = light_mod.on_dark_stretch(incidents["segment_id"],
                                             incidents.get("position_m", pd.Series(
                                                 np.nan, index=incidents.index)), gaps)
        incidents["on_dark_stretch"] = dark_pos
        add["night_dark_count"] = incidents.loc[night & dark_pos, "segment_id"].value_counts(
        ).reindex(seg_table.index, fill_value=0).astype(np.int64)
        length = seg_table["length_m"].sum()
        summary_l.update({
            "source": "lamps", "lamps": len(lamps), "working": int(lamps["working"].sum()),
            "broken": int((~lamps["working"]).sum()),
            "street_m": round(float(length), 1),
            "dark_m": round(float(res.frame["dark_gap_m"].sum()), 1),
            "dark_share": float(res.frame["dark_gap_m"].sum() / length) if length else None,
            "dark_stretches": len(gaps),
            "segments_fully_dark": int((res.frame["dark_fraction"] > 1 - 1e-9).sum()),
        })
        summary_l["lamp_density"] = _lamp_density(ctx, lamps)
    else:
        lit = _lit_tags(ctx)
        if lit is not None:
            fb = light_mod.lighting_from_lit_tag(segments, lit)
            for col in ("dark_gap_m", "dark_fraction", "longest_dark_gap_m"):
                add[col] = fb[col].reindex(seg_table.index)
            add["lamps_needed"] = np.ceil(add["dark_gap_m"].fillna(0) / (
                config.lamp_spacing_m or 2 * config.lamp_reach_m)).astype(np.int64)
            dark_seg = add["dark_gap_m"].fillna(0) > 0
            add["night_dark_count"] = np.where(dark_seg, night_count, 0)
            summary_l.update({"source": "OSM lit tag", "dark_m": float(add["dark_gap_m"].sum()),
                              "unknown_segments": int(add["dark_gap_m"].isna().sum())})
        else:
            summary_l["source"] = "none (no lamps input, no lit tag)"

    # night-time Gi*
    ok, why = enough_for_night_gi(night_count, min_incidents=config.night_gi_min_incidents)
    summary_n["night_gi"] = why if ok else f"not computed: {why}"
    if ok:
        night_gi = _night_gi(ctx, night_count)
        if night_gi is not None:
            night_gi, summary_n["night_gi_parameters"] = night_gi
            add["night_gi_z"] = night_gi["gi_z"].reindex(seg_table.index)
            add["night_gi_bin"] = night_gi["gi_bin"].reindex(seg_table.index)
            summary_n["night_gi_hot_99"] = int((add["night_gi_bin"] == 3).sum())
        else:
            summary_n["night_gi"] = "not computed: hotspots.stats.gistar not available"

    # green areas
    summary_g: dict = {"radius_m": config.green_walk_radius_m}
    if config.green_areas:
        raw = ingest.read_layer(config.green_areas, layer=config.green_areas_layer,
                                what="green area", geometry_types=("Polygon", "MultiPolygon"))
        areas = green_mod.prepare_green_areas(raw, crs, source=str(config.green_areas))
        acc = green_mod.green_access(segments, areas, radius_m=config.green_walk_radius_m)
        for col in green_mod.GREEN_COLUMNS:
            add[col] = acc.frame[col].reindex(seg_table.index)
        ctx.tables["green_areas"] = areas
        ctx.tables["_green_near"] = green_mod.areas_near_segments(
            segments, areas, radius_m=config.green_walk_radius_m)
        summary_g.update({
            "areas": len(areas), "adopted": int(areas["adopted"].sum()),
            "area_m2": round(float(areas["area_m2"].sum()), 1),
            "median_dist_green_m": round(float(add["dist_green_m"].median()), 1),
            "segments_within_radius": int((add["dist_green_m"] <= config.green_walk_radius_m).sum()),
        })

    ctx.tables["segments"] = seg_table.drop(columns=[c for c in add.columns
                                                     if c in seg_table.columns]).join(add)
    ctx.tables["incidents"] = incidents
    ctx.summary["lighting"] = summary_l
    ctx.summary["night"] = summary_n
    ctx.summary["green"] = summary_g


def stage_prioritize(ctx) -> None:
    """Lighting ranking and budget choice, green-area candidates and patrol guidance."""
    config = ctx.config
    seg = ctx.tables["segments"]
    weeks = ctx.summary.get("night", {}).get("weeks", 1)
    summary: dict = {}
    if "night_dark_count" in seg.columns:
        plan = prio.lighting_priority(seg, weeks=weeks, budget_m=config.lighting_budget_m,
                                      budget_lamps=config.lighting_budget_lamps,
                                      language=_reason_language(config))
        cols = ["street_name", "length_m", "priority_rank", "priority_score", "priority_reason",
                "night_count", "night_dark_count", "dark_gap_m", "dark_fraction",
                "longest_dark_gap_m", "lamps_needed", "expected_night_covered",
                "expected_night_per_week", "selected_in_budget"]
        for opt in ("count", "gi_z", "gi_bin", "night_gi_z", "night_gi_bin",
                    "broken_within_reach"):
            if opt in plan.frame.columns:
                cols.append(opt)
        ranked = plan.frame[[c for c in cols if c in plan.frame.columns] + ["geometry"]]
        ctx.tables["priority"] = gpd.GeoDataFrame(ranked, geometry="geometry", crs=seg.crs)
        new = seg.drop(columns=[c for c in ("priority_rank", "priority_score", "priority_reason")
                                if c in seg.columns])
        new["priority_rank"] = plan.frame["priority_rank"].reindex(new.index).astype("Int64")
        new["priority_score"] = plan.frame["priority_score"].reindex(new.index).fillna(0.0)
        reason = pd.Series("", index=new.index, dtype=object)
        reason.loc[plan.frame.index] = plan.frame["priority_reason"].astype(object)
        new["priority_reason"] = reason
        ctx.tables["segments"] = seg = new
        summary["lighting"] = {**plan.budget, **plan.totals,
                               "top": ranked["priority_reason"].head(3).tolist()}
    near = ctx.tables.pop("_green_near", None)
    if near is not None and "green_areas" in ctx.tables:
        gplan = prio.green_candidates(ctx.tables["green_areas"], near, seg,
                                      radius_m=config.green_walk_radius_m,
                                      budget_areas=config.green_budget_areas,
                                      language=_reason_language(config))
        ctx.tables["green_candidates"] = gplan.frame
        summary["green"] = {**gplan.budget, **gplan.totals,
                            "top": gplan.frame["candidate_reason"].head(3).tolist()}
    patrol = prio.patrol_guidance(ctx.tables["incidents"], seg,
                                  shift_windows=tuple(config.shift_windows),
                                  top_n=config.patrol_top_n, weeks=weeks,
                                  language=_reason_language(config))
    ctx.tables["patrol"] = patrol
    summary["patrol"] = {"shifts": list(dict.fromkeys(patrol["shift"])), "rows": len(patrol)}
    ctx.summary["priority"] = summary


def _lit_tags(ctx) -> pd.Series | None:
    """OSM ``lit`` per segment from the street layer, when it has one (no lamp inventory)."""
    config = ctx.config
    seg = ctx.segments
    if "lit" in seg.columns:
        return seg["lit"]
    if "source_index" not in seg.columns or str(config.streets).lower().endswith(".pbf"):
        return None
    try:
        streets = ingest.read_layer(config.streets, layer=config.streets_layer, what="street")
    except Exception:  # the street source is not a plain layer (e.g. PostGIS): no fallback
        return None
    if "lit" not in streets.columns:
        return None
    return pd.Series(streets["lit"].reindex(seg["source_index"]).to_numpy(), index=seg.index)


def _night_gi(ctx, night_count: pd.Series):
    """Gi* of night counts with the statistics stage's weights and settings when it ran, else
    network contiguity, 999 permutations, FDR on (None when the statistics are not there)."""
    try:
        weights = importlib.import_module("hotspots.weights")
        gistar = importlib.import_module("hotspots.stats.gistar")
    except ImportError:
        return None
    segments = ctx.segments
    params = dict(ctx.summary.get("gi_parameters", {}))
    w = ctx.tables.get("_weights")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=getattr(weights, "IslandsWarning", UserWarning))
        if w is None:
            w = weights.network_contiguity(segments)
            params["weights"] = "network contiguity"
        res = gistar.gi_star(night_count.reindex(segments.index).astype(float), w,
                             permutations=int(params.get("permutations", 999)),
                             seed=ctx.config.seed, fdr=bool(params.get("fdr", True)))
    used = {"weights": params.get("weights", "statistics stage weights"),
            "permutations": int(params.get("permutations", 999)),
            "fdr": bool(params.get("fdr", True)), "seed": ctx.config.seed, "y": "night counts"}
    return res.frame, used


def _lamp_density(ctx, lamps: gpd.GeoDataFrame) -> str:
    """KDE of working lamps (lamps per km²) into ctx.rasters['lamp_density']; says what it did."""
    try:
        kde_mod = importlib.import_module("hotspots.stats.kde")
    except ImportError:
        return "skipped: hotspots.stats.kde not available"
    working = lamps[lamps["working"]]
    raster = _call_kde(kde_mod, working, ctx)
    if raster is None:
        return "skipped: fewer than 2 working lamps"
    ctx.rasters["lamp_density"] = raster
    return f"KDE of {len(working)} working lamps ({raster.units})"


def _call_kde(kde_mod, points: gpd.GeoDataFrame, ctx):
    """Lamp KDE on the crime KDE's grid when there is one, else ArcGIS defaults in the boundary."""
    if len(points) < 2:
        return None
    crime = ctx.rasters.get("kde")
    boundary = ctx.tables.get("boundary")
    options: dict = {"boundary": boundary if boundary is not None and len(boundary) else None}
    if crime is not None and hasattr(crime, "transform"):
        options["cell_size_m"] = abs(crime.transform.a)
        options["extent"] = crime.bounds
    raster = kde_mod.kde(points.geometry, units="per_km2", name="lamp_density", **options)
    return dataclasses.replace(raster, units="working lamps per km²", name="lamp_density")


def _reason_language(config) -> str:
    """Reasons follow the report's language (pt for Portuguese bulletins, else en)."""
    return "pt" if str(getattr(config, "language", "en")).lower().startswith("pt") else "en"
