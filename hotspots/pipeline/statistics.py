"""The statistics step: segment weights, Gi*, local Moran, planar KDE and network KDE of a run."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import weights as weights_mod
from hotspots._errors import ValidationError
from hotspots.config import StatisticsSettings
from hotspots.raster import Raster
from hotspots.stats.gistar import GI_COLUMNS, GiStarResult, bin_counts, gi_star
from hotspots.stats.kde import default_radius_m, kde
from hotspots.stats.moran import LISA_COLUMNS, local_moran
from hotspots.stats.nkde import network_kde, segment_density
from hotspots.stats.readiness import MIN_SEGMENTS, statistics_readiness

__all__ = ["GiRun", "Statistics", "build_weights", "statistics_step"]



@dataclass(frozen=True)
class GiRun:
    """The one set of Gi* settings every Gi* of a week uses (this week, last week, night-time).

    Weights, the variable (counts or rates per 100 m), permutations, the p-value behind the
    bins, FDR and the seed are fixed once by the statistics step and passed to every step that
    computes a Gi*, so that two weeks (or night and day) are judged by the same rule.
    """

    weights: object
    weights_description: str
    variable: str
    permutations: int
    bin_p: str
    fdr: bool
    seed: int

    def run(self, y: pd.Series, *, permutations: int | None = None) -> GiStarResult:
        """Gi* of ``y`` (indexed by segment_id) with these settings."""
        perms = self.permutations if permutations is None else permutations
        return gi_star(y, self.weights, permutations=perms, seed=self.seed, fdr=self.fdr,
                       bin_p=self.bin_p if perms or self.bin_p == "analytic" else "analytic")

    def bins_for_counts(self, counts: pd.Series, lengths_m: pd.Series) -> pd.Series | None:
        """Gi* bins of another period's counts (turned into the same variable), or None when
        Gi* is undefined for them (e.g. no incident at all)."""
        y = counts.astype(float)
        if self.variable == "rate_per_100m":
            y = y / lengths_m.reindex(y.index) * 100.0
        perms = self.permutations if self.bin_p == "permutation" else 0
        try:
            return self.run(y.rename(self.variable), permutations=perms).frame["gi_bin"]
        except ValidationError:
            return None

    def parameters(self) -> dict:
        """What the manifest and the bulletin say about these settings."""
        return {"weights": self.weights_description, "variable": self.variable,
                "permutations": self.permutations, "fdr": self.fdr, "bin_p": self.bin_p,
                "seed": self.seed, "columns": list(GI_COLUMNS) + list(LISA_COLUMNS)}


@dataclass(frozen=True)
class Statistics:
    """Per-segment statistics columns, the KDE raster, and the Gi* settings of the week."""

    columns: pd.DataFrame  #: gi_*, lisa_*, nkde (indexed by segment_id; may lack some)
    gi: GiRun | None  #: None when the statistics were skipped
    kde: Raster | None
    summary: dict = field(default_factory=dict)

    @property
    def weights(self):
        """The segment weights (None when the statistics were skipped)."""
        return None if self.gi is None else self.gi.weights


def statistics_step(
    segments: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    boundary: gpd.GeoDataFrame | None,
    settings: StatisticsSettings,
    seed: int,
) -> Statistics:
    """Weights, Gi* and local Moran on the counted segments, planar and network KDE.

    Parameters
    ----------
    segments : GeoDataFrame
        Counted segments (``count``, ``rate_per_100m``, ``length_m``), analysis CRS.
    incidents : GeoDataFrame
        Geocoded incidents of the period (points in the analysis CRS, ``segment_id``,
        ``position_m``).
    boundary : GeoDataFrame or None
        Study area in the analysis CRS; the KDE is clipped to it.
    settings : StatisticsSettings
        The ``[statistics]`` section.
    seed : int
        Seed of the permutations.

    Returns
    -------
    Statistics
        Columns ``gi_*``/``lisa_*`` (unless skipped) and ``nkde`` (incidents per km of street:
        the length-weighted mean of the discontinuous quartic network KDE over the segment's
        lixels), the KDE raster (incidents per km², clipped to the boundary), the Gi* settings.
    """
    variable = settings.variable
    summary: dict = {"seed": seed, "variable": variable, "permutations": settings.permutations,
                     "fdr": settings.fdr, "bin_p": settings.bin_p}
    columns = pd.DataFrame(index=segments.index)
    gi = None
    ready = statistics_readiness(segments, variable=variable, count_column="count",
                                 min_segments=MIN_SEGMENTS)
    summary["readiness"] = ready.as_dict()
    if not ready.ok:
        summary["skipped"] = ready.message("en")
    else:
        w, wdesc, islands = build_weights(segments, settings)
        summary.update({"weights": wdesc, "islands": len(islands),
                        "island_ids": [int(i) for i in islands[:20]]})
        gi = GiRun(weights=w, weights_description=wdesc, variable=variable,
                   permutations=settings.permutations, bin_p=settings.bin_p, fdr=settings.fdr,
                   seed=seed)
        y = segments[variable].astype(float)
        res = gi.run(y)
        lisa = local_moran(y, w, permutations=max(settings.permutations, 99), seed=seed,
                           fdr=settings.fdr)
        columns = res.frame.join(lisa.frame)
        summary["gi_bins"] = res.counts()
        summary["gi_bins_nofdr"] = bin_counts(res.frame["gi_bin_nofdr"])
        summary["lisa_classes"] = lisa.counts()
        summary["neighbours_mean"] = round(float(res.frame["gi_nneighbors"].mean() - 1), 3)
    raster, summary["kde"] = _kde(incidents, segments, boundary, settings)
    nkde, summary["nkde"] = _nkde(incidents, segments, settings)
    if nkde is not None:
        columns = columns.assign(nkde=nkde.reindex(segments.index))
    return Statistics(columns=columns, gi=gi, kde=raster, summary=summary)


def build_weights(seg: gpd.GeoDataFrame, settings: StatisticsSettings) -> tuple[object, str, list]:
    """The configured segment weights, a description, and the islands (ids with no neighbour)."""
    kind = settings.weights
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", weights_mod.IslandsWarning)
        if kind == "contiguity":
            w = weights_mod.network_contiguity(seg)
            desc = "network contiguity (shared end points)"
        elif kind == "distance_band":
            dist = settings.distance_m
            if dist is None:
                dist = weights_mod.default_network_distance_m(seg)
                how = "ArcGIS default: every segment ≥ 1 neighbour"
            else:
                how = "configured"
            w = weights_mod.network_distance_band(seg, distance_m=dist)
            desc = f"network distance band {dist:.1f} m ({how})"
        elif kind == "knn":
            w = weights_mod.knn(seg, k=settings.k)
            desc = f"{settings.k} nearest segments (midpoints)"
        else:  # pragma: no cover - the config only admits the three
            raise ValidationError(f"statistics.weights={kind!r}; use 'contiguity', "
                                  "'distance_band' or 'knn'")
    islands: list = []
    for rec in caught:
        if isinstance(rec.message, weights_mod.IslandsWarning):
            islands.extend(rec.message.islands)
        else:  # pragma: no cover - pass other warnings on
            warnings.warn_explicit(rec.message, rec.category, rec.filename, rec.lineno)
    return w, desc, islands


def contiguity_gi(segments: gpd.GeoDataFrame, settings: StatisticsSettings, seed: int) -> GiRun:
    """Gi* settings on network contiguity, for when the statistics step was skipped."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=weights_mod.IslandsWarning)
        w = weights_mod.network_contiguity(segments)
    return GiRun(weights=w, weights_description="network contiguity", variable="count",
                 permutations=settings.permutations, bin_p=settings.bin_p, fdr=settings.fdr,
                 seed=seed)


def _kde(inc, seg, boundary, settings: StatisticsSettings) -> tuple[Raster | None, dict]:
    """Planar KDE of the incidents (incidents per km²); the raster and what was done."""
    if not isinstance(inc, gpd.GeoDataFrame) or inc.geometry.name not in inc.columns:
        return None, {"skipped": "no incident geometries"}
    pts = inc.geometry[inc.geometry.notna() & ~inc.geometry.is_empty]
    pts = pts[pts.geom_type == "Point"]
    if len(pts) < 2:
        return None, {"skipped": f"{len(pts)} incident points; the KDE needs at least 2"}
    if pts.crs != seg.crs:
        pts = pts.to_crs(seg.crs)
    if boundary is not None and (len(boundary) == 0 or boundary.crs != seg.crs):
        boundary = boundary.to_crs(seg.crs) if len(boundary) else None
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    radius = settings.kde_radius_m
    try:
        if radius is None:
            radius = default_radius_m(xy)
        extent = None if boundary is not None else tuple(seg.total_bounds)
        raster = kde(pts, radius_m=radius, cell_size_m=settings.kde_cell_size_m,
                     kernel=settings.kde_kernel, units="per_km2", boundary=boundary,
                     extent=extent, name="kde")
    except ValidationError as exc:
        return None, {"skipped": str(exc)}
    valid = raster.array[raster.valid_mask()]
    return raster, {
        "points": len(pts),
        "radius_m": round(float(radius), 2),
        "radius_rule": "configured" if settings.kde_radius_m
        else "ArcGIS default 0.9·min(SD, √(1/ln2)·Dm)·n^-0.2",
        "cell_size_m": round(float(raster.transform.a), 3),
        "shape": list(raster.shape),
        "kernel": settings.kde_kernel,
        "units": raster.units,
        "max": round(float(valid.max()), 3) if len(valid) else None,
        "clipped_to_boundary": boundary is not None,
    }


def _nkde(inc, seg, settings: StatisticsSettings) -> tuple[pd.Series | None, dict]:
    """Network KDE of the geocoded incidents per segment (incidents per km of street)."""
    bandwidth = float(settings.nkde_bandwidth_m or 0.0)
    if bandwidth <= 0:
        return None, {"skipped": "nkde_bandwidth_m = 0"}
    cols = {"segment_id", "position_m"}
    if inc is None or not cols <= set(inc.columns):
        return None, {"skipped": "incidents carry no segment_id/position_m"}
    events = inc[["segment_id", "position_m"]].dropna()
    if len(events) == 0:
        return None, {"skipped": "no geocoded incident with a position along its segment"}
    lixel = float(settings.nkde_lixel_m)
    try:
        res = network_kde(seg, events, bandwidth_m=bandwidth, lixel_length_m=lixel,
                          units="per_km", resolution_m=lixel / 10.0, geometry=False)
    except ValidationError as exc:
        return None, {"skipped": str(exc)}
    lix = res.lixels
    return segment_density(res), {
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
