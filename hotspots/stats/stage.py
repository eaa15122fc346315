"""The pipeline's statistics stage: weights, Gi*, local Moran and the incident KDE of a run."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import weights as weights_mod
from hotspots._errors import ValidationError
from hotspots.stats.gistar import GI_COLUMNS, bin_counts, gi_star
from hotspots.stats.kde import default_radius_m, kde
from hotspots.stats.moran import LISA_COLUMNS, local_moran
from hotspots.stats.nkde import network_kde, segment_density

#: the variable Gi* and local Moran run on. Rates per 100 m, not counts: a long segment would
#: otherwise collect incidents (and look hot) by its length alone; the rate is what the
#: observatory compares between streets. ``gi_variable = "count"`` switches to raw counts.
DEFAULT_VARIABLE = "rate_per_100m"
#: segments below this many, or no incident at all, and the statistics are skipped with a reason
MIN_SEGMENTS = 30


def stats_stage(ctx) -> None:
    """Weights on ``ctx.tables["segments"]``, Gi* and local Moran columns, and the KDE raster.

    Adds ``gi_*`` and ``lisa_*`` columns to the segments table, the weights to
    ``ctx.tables["_weights"]`` (reused for other Gi* runs of the same week), the planar KDE of
    the incidents clipped to the boundary to ``ctx.rasters["kde"]`` (analysis CRS, incidents per
    km²) and ``ctx.summary["statistics"]`` / ``ctx.summary["gi_parameters"]``. Writes no file.
    Settings (RunConfig): ``weights`` (contiguity | distance_band | knn), ``weights_distance_m``,
    ``weights_k``, ``gi_variable``, ``gi_permutations``, ``gi_bin_p``, ``fdr``, ``kde_radius_m``,
    ``kde_cell_size_m``, ``kde_kernel``, ``nkde_bandwidth_m`` (0 skips), ``nkde_lixel_m``; the
    seed is ``config.seed``. The ``nkde`` column is the discontinuous quartic network KDE in
    incidents per km of street, the length-weighted mean over the segment's lixels (its share
    of the kernel mass per km, so the column sums, × length, to the incidents within reach).
    """
    config = ctx.config
    seg = ctx.tables["segments"]
    seed = int(config.seed)
    variable = getattr(config, "gi_variable", DEFAULT_VARIABLE)
    permutations = int(getattr(config, "gi_permutations", 999))
    fdr = bool(getattr(config, "fdr", True))
    bin_p = getattr(config, "gi_bin_p", "analytic")
    summary: dict = {
        "seed": seed,
        "variable": variable,
        "permutations": permutations,
        "fdr": fdr,
        "bin_p": bin_p,
    }
    ctx.summary["statistics"] = summary
    if variable not in seg.columns:
        raise ValidationError(
            f"statistics: gi_variable={variable!r} is not a column of the segments table; use "
            "'rate_per_100m' (default) or 'count'"
        )
    reason = _skip_reason(seg, variable)
    if reason:
        summary["skipped"] = reason
    else:
        w, wdesc, islands = build_weights(seg, config)
        ctx.tables["_weights"] = w
        summary.update(
            {
                "weights": wdesc,
                "islands": len(islands),
                "island_ids": [int(i) for i in islands[:20]],
            }
        )
        y = seg[variable].astype(float)
        gi = gi_star(y, w, permutations=permutations, seed=seed, fdr=fdr, bin_p=bin_p)
        lisa = local_moran(y, w, permutations=max(permutations, 99), seed=seed, fdr=fdr)
        add = gi.frame.join(lisa.frame)
        ctx.tables["segments"] = seg.drop(
            columns=[c for c in add.columns if c in seg.columns]
        ).join(add)
        summary["gi_bins"] = gi.counts()
        summary["gi_bins_nofdr"] = bin_counts(gi.frame["gi_bin_nofdr"])
        summary["lisa_classes"] = lisa.counts()
        summary["neighbours_mean"] = round(float(gi.frame["gi_nneighbors"].mean() - 1), 3)
        ctx.summary["gi_parameters"] = {
            "weights": wdesc,
            "variable": variable,
            "permutations": permutations,
            "fdr": fdr,
            "bin_p": bin_p,
            "seed": seed,
            "columns": list(GI_COLUMNS) + list(LISA_COLUMNS),
        }
    summary["kde"] = _kde(ctx)
    summary["nkde"] = _nkde(ctx)


def build_weights(seg: gpd.GeoDataFrame, config) -> tuple[object, str, list]:
    """The configured segment weights, a description, and the islands (ids with no neighbour)."""
    kind = getattr(config, "weights", "contiguity")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", weights_mod.IslandsWarning)
        if kind == "contiguity":
            w = weights_mod.network_contiguity(seg)
            desc = "network contiguity (shared end points)"
        elif kind == "distance_band":
            dist = getattr(config, "weights_distance_m", None)
            if dist is None:
                dist = weights_mod.default_network_distance_m(seg)
                how = "ArcGIS default: every segment ≥ 1 neighbour"
            else:
                how = "configured"
            w = weights_mod.network_distance_band(seg, distance_m=dist)
            desc = f"network distance band {dist:.1f} m ({how})"
        elif kind == "knn":
            k = int(getattr(config, "weights_k", 8))
            w = weights_mod.knn(seg, k=k)
            desc = f"{k} nearest segments (midpoints)"
        else:
            raise ValidationError(
                f"statistics: weights={kind!r}; use 'contiguity', 'distance_band' or 'knn'"
            )
    islands: list = []
    for rec in caught:
        if isinstance(rec.message, weights_mod.IslandsWarning):
            islands.extend(rec.message.islands)
        else:  # pragma: no cover - pass other warnings on
            warnings.warn_explicit(rec.message, rec.category, rec.filename, rec.lineno)
    return w, desc, islands


def _skip_reason(seg: pd.DataFrame, variable: str) -> str | None:
    if len(seg) < MIN_SEGMENTS:
        return f"only {len(seg)} segments; hot-spot statistics need at least {MIN_SEGMENTS}"
    values = seg[variable].to_numpy(dtype=float)
    if not np.isfinite(values).all():
        return f"{variable} has missing values"
    if np.ptp(values) == 0:
        return f"every segment has the same {variable} ({values[0]:g}): no pattern to test"
    return None


def _kde(ctx) -> dict:
    """Planar KDE of the run's incidents into ctx.rasters['kde']; returns what it did."""
    config = ctx.config
    inc = ctx.tables.get("incidents")
    if not isinstance(inc, gpd.GeoDataFrame) or inc.geometry.name not in inc.columns:
        return {"skipped": "no incident geometries"}
    pts = inc.geometry[inc.geometry.notna() & ~inc.geometry.is_empty]
    pts = pts[pts.geom_type == "Point"]
    if len(pts) < 2:
        return {"skipped": f"{len(pts)} incident points; the KDE needs at least 2"}
    seg = ctx.tables["segments"]
    if pts.crs != seg.crs:
        pts = pts.to_crs(seg.crs)
    boundary = ctx.tables.get("boundary")
    if boundary is not None and (len(boundary) == 0 or boundary.crs != seg.crs):
        boundary = boundary.to_crs(seg.crs) if len(boundary) else None
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    radius = getattr(config, "kde_radius_m", None)
    try:
        if radius is None:
            radius = default_radius_m(xy)
        extent = None if boundary is not None else tuple(seg.total_bounds)
        raster = kde(
            pts,
            radius_m=radius,
            cell_size_m=getattr(config, "kde_cell_size_m", None),
            kernel=getattr(config, "kde_kernel", "quartic"),
            units="per_km2",
            boundary=boundary,
            extent=extent,
            name="kde",
        )
    except ValidationError as exc:
        return {"skipped": str(exc)}
    ctx.rasters["kde"] = raster
    valid = raster.array[raster.valid_mask()]
    return {
        "points": len(pts),
        "radius_m": round(float(radius), 2),
        "radius_rule": "configured"
        if getattr(config, "kde_radius_m", None)
        else "ArcGIS default 0.9·min(SD, √(1/ln2)·Dm)·n^-0.2",
        "cell_size_m": round(float(raster.transform.a), 3),
        "shape": list(raster.shape),
        "kernel": getattr(config, "kde_kernel", "quartic"),
        "units": raster.units,
        "max": round(float(valid.max()), 3) if len(valid) else None,
        "clipped_to_boundary": boundary is not None,
    }


def _nkde(ctx) -> dict:
    """Network KDE of the geocoded incidents into the segments' ``nkde`` column (per km)."""
    config = ctx.config
    bandwidth = float(getattr(config, "nkde_bandwidth_m", 300.0) or 0.0)
    if bandwidth <= 0:
        return {"skipped": "nkde_bandwidth_m = 0"}
    inc = ctx.tables.get("incidents")
    cols = {"segment_id", "position_m"}
    if inc is None or not cols <= set(inc.columns):
        return {"skipped": "incidents carry no segment_id/position_m"}
    events = inc[["segment_id", "position_m"]].dropna()
    if len(events) == 0:
        return {"skipped": "no geocoded incident with a position along its segment"}
    seg = ctx.tables["segments"]
    lixel = float(getattr(config, "nkde_lixel_m", 10.0))
    try:
        res = network_kde(seg, events, bandwidth_m=bandwidth, lixel_length_m=lixel, units="per_km",
                          resolution_m=lixel / 10.0)
    except ValidationError as exc:
        return {"skipped": str(exc)}
    ctx.tables["segments"] = seg.assign(nkde=segment_density(res).reindex(seg.index))
    lix = res.lixels
    return {
        "events": res.n_events,
        "without_position": int(len(inc) - len(events)),
        "bandwidth_m": bandwidth,
        "lixel_m": lixel,
        "lixels": len(lix),
        "method": "discontinuous (Okabe–Sugihara equal split)",
        "kernel": res.kernel,
        "units": res.units,
        "segment_value": "length-weighted mean over lixels",
        "mass_kept": round(float((lix["density"] * lix["length_m"]).sum()) / 1000.0, 3),
        "max": round(float(lix["density"].max()), 3),
    }
