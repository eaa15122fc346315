"""Statistics a liaison receives, computed again on the protected counts (classes and density).

The analyst's Gi* classes, local Moran classes, night Gi* classes, emerging categories and
density surface are functions of every count, the hidden ones included: released as they
are, they can be searched for the one value of a hidden count that reproduces them. The
release therefore computes them again with the run's own settings on the *protected*
counts — each withheld count replaced by the mean of the values the release leaves possible
(k/2 for a count of 1 … k−1) — so they are functions of what is released. Counts withheld
only because their unit is short enter with their value (they are not small; their classes
say "hot", never how many).

The density raster is computed from the protected segment counts spread evenly along their
segments (not from the incident points), with a search radius of at least
``DisclosureSettings.kde_min_radius_m``; every cell with fewer than k incidents within the
radius is blank, and each value is replaced by the upper edge of its legend class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hotspots._errors import ValidationError

__all__ = ["DensityInputs", "EmergingInputs", "ReleaseStatistics", "protected_density",
           "quantise"]


@dataclass(frozen=True)
class EmergingInputs:
    """What the run's emerging hot-spot analysis used: its cube, segments, weights, settings."""

    cube: Any  #: hotspots.stats.spacetime.SpaceTimeCube
    segments: pd.DataFrame
    weights: Any
    settings: Any  #: EmergingSettings (the run's, n_steps as analysed)


@dataclass(frozen=True)
class DensityInputs:
    """The run's density grid and kernel: the liaison raster is drawn on the same grid."""

    segments: Any  #: GeoDataFrame of the segments (analysis CRS)
    grid: Any  #: the analyst's hotspots.raster.Raster (transform, shape, CRS)
    radius_m: float
    kernel: str = "quartic"
    boundary: Any | None = None


@dataclass(frozen=True)
class ReleaseStatistics:
    """The run's statistics settings, to compute the released classes on protected counts.

    ``gi`` is the run's :class:`hotspots.pipeline.statistics.GiRun` (weights, variable, bins,
    FDR, seed); ``lisa_permutations`` the local Moran permutations (None: no local Moran);
    ``night_gi`` the Gi* settings of the night-time classes (None when the run computed none).
    """

    gi: Any | None = None
    lisa_permutations: int | None = None
    night_gi: Any | None = None
    emerging: EmergingInputs | None = None
    density: DensityInputs | None = None

    def classes(self, protected: pd.DataFrame, *, k: int) -> pd.DataFrame:
        """``gi_bin``, ``lisa_class``, ``night_gi_bin`` and the emerging columns of the
        protected counts (index ``segment_id``; columns ``count``, ``night_count``…)."""
        out = pd.DataFrame(index=protected.index)
        lengths = self._lengths(protected)
        if self.gi is not None and "count" in protected.columns:
            counts = protected["count"].astype(float).fillna(0.0)
            bins = self.gi.bins_for_counts(counts, lengths) if counts.sum() > 0 else None
            if bins is not None:
                out["gi_bin"] = bins.reindex(out.index)
            if self.lisa_permutations is not None and counts.sum() > 0:
                from hotspots.stats.moran import local_moran

                y = counts / lengths.reindex(counts.index) * 100.0 \
                    if self.gi.variable == "rate_per_100m" else counts
                lisa = local_moran(y.rename(self.gi.variable), self.gi.weights,
                                   permutations=self.lisa_permutations, seed=self.gi.seed,
                                   fdr=self.gi.fdr)
                out["lisa_class"] = lisa.frame["lisa_class"].reindex(out.index)
        if self.night_gi is not None and "night_count" in protected.columns:
            night = protected["night_count"].astype(float).fillna(0.0)
            if night.sum() > 0:
                perms = self.night_gi.permutations if self.night_gi.bin_p == "permutation" \
                    else 0
                res = self.night_gi.run(night, permutations=perms)
                out["night_gi_bin"] = res.frame["gi_bin"].reindex(out.index)
        if self.emerging is not None:
            em = protected_emerging(self.emerging, k=k)
            if em is not None:
                out = out.join(em.drop(columns=[c for c in em.columns if c in out.columns]))
        return out

    def _lengths(self, protected: pd.DataFrame) -> pd.Series:
        length = protected.get("_length_m")
        if length is not None and np.isfinite(length.to_numpy(dtype=float)).all():
            return length.astype(float)
        if self.gi is not None and self.gi.variable == "rate_per_100m":
            raise ValidationError("recomputing rates per 100 m needs the segments' length_m")
        return pd.Series(100.0, index=protected.index)


def protected_cube_counts(counts: np.ndarray, *, k: int) -> np.ndarray:
    """Step × segment counts with every 1 … k−1 replaced by ⌈k/2⌉ (a whole number for the
    space-time cube; the same for every hidden cell, so it says nothing about one)."""
    out = np.asarray(counts, dtype=np.int64).copy()
    out[(out >= 1) & (out <= k - 1)] = -(-k // 2)
    return out


def protected_emerging(inputs: EmergingInputs, *, k: int) -> pd.DataFrame | None:
    """The run's emerging hot-spot analysis on its cube with the small cells protected."""
    from hotspots.stats.emerging import emerging_hot_spots

    cube = inputs.cube
    counts = protected_cube_counts(cube.counts, k=k)
    t, i = np.nonzero(counts)
    reps = counts[t, i]
    starts = pd.DatetimeIndex(cube.steps["start"])
    when = (starts[np.repeat(t, reps)] + pd.Timedelta(hours=12))
    ids = np.asarray(cube.segment_ids)[np.repeat(i, reps)]
    if not len(ids):
        return None
    synthetic = pd.DataFrame({"segment_id": ids, "occurred_at": when},
                             index=pd.Index([f"p{j}" for j in range(len(ids))],
                                            name="incident_id"))
    try:
        res = emerging_hot_spots(synthetic, inputs.segments, inputs.weights, end=cube.end,
                                 settings=inputs.settings)
    except ValidationError:
        return None
    return res.frame


def protected_density(inputs: DensityInputs, protected: pd.DataFrame, *, k: int,
                      min_radius_m: float) -> tuple[object, dict]:
    """The liaison density raster (see the module docstring) and what was done.

    ``protected`` holds the protected ``count`` per segment (index ``segment_id``).
    """
    import shapely

    from hotspots.raster import Raster
    from hotspots.stats.kde import kde

    grid = inputs.grid
    cell = abs(float(grid.transform.a))
    radius = max(float(inputs.radius_m), float(min_radius_m))
    seg = inputs.segments
    counts = protected["count"].reindex(seg.index).fillna(0.0).to_numpy(dtype=float)
    keep = counts > 0
    geoms = np.asarray(seg.geometry.values, dtype=object)[keep]
    lengths = shapely.length(geoms)
    n = np.maximum(1, np.ceil(lengths / (cell / 2.0))).astype(int)
    owner = np.repeat(np.arange(len(geoms)), n)
    frac = (np.concatenate([np.arange(m) for m in n]) + 0.5) / np.repeat(n, n)
    pts = shapely.line_interpolate_point(geoms[owner], frac, normalized=True)
    xy = shapely.get_coordinates(pts)
    weights = (counts[keep] / n)[owner]
    info = {"radius_m": round(radius, 2), "run_radius_m": round(float(inputs.radius_m), 2),
            "from": "protected segment counts spread along their segments"}
    if not len(xy) or weights.sum() <= 0:
        return None, {**info, "skipped": "no incident to draw"}
    rows, cols = grid.shape
    minx, maxy = grid.transform.c, grid.transform.f
    extent = (minx, maxy - rows * cell, minx + cols * cell, maxy)
    raster = kde(xy, crs=seg.crs, weights=weights, radius_m=radius, cell_size_m=cell,
                 kernel=inputs.kernel, units="per_km2", boundary=inputs.boundary,
                 extent=extent, name=getattr(grid, "name", "kde"))
    mass = _disc_mass(xy, weights, raster, radius)
    values = np.array(raster.array, dtype=float)
    floor = mass < k
    values[floor] = np.nan
    values, edges = quantise(values)
    info.update({"cells_blank_below_k": int((floor & np.isfinite(raster.array)).sum()),
                 "classes": len(edges) - 1, "edges": [round(e, 3) for e in edges]})
    return Raster(array=values, transform=raster.transform, crs=raster.crs,
                  nodata=raster.nodata, units=raster.units, name=raster.name), info


def _disc_mass(xy: np.ndarray, weights: np.ndarray, raster, radius: float) -> np.ndarray:
    """Sum of the weights within ``radius`` of each cell centre (binned to the grid)."""
    from scipy.signal import fftconvolve

    rows, cols = raster.shape
    t = raster.transform
    cell = abs(t.a)
    c = np.floor((xy[:, 0] - t.c) / cell).astype(int)
    r = np.floor((t.f - xy[:, 1]) / cell).astype(int)
    inside = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
    binned = np.zeros((rows, cols))
    np.add.at(binned, (r[inside], c[inside]), weights[inside])
    reach = math.ceil(radius / cell)
    dy, dx = np.mgrid[-reach:reach + 1, -reach:reach + 1]
    disc = ((dx * cell) ** 2 + (dy * cell) ** 2 <= radius**2).astype(float)
    # incidents beyond the grid are not counted: near its edge more cells stay blank
    return fftconvolve(binned, disc, mode="same")


def quantise(values: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """Each positive value replaced by the upper edge of its legend class
    (``symbology.kde_breaks``; the last class by its own edge), zero and NaN kept."""
    from hotspots.symbology.classes import kde_breaks

    edges = kde_breaks(values)
    out = np.array(values, dtype=float)
    pos = np.isfinite(out) & (out > 0)
    cls = np.clip(np.searchsorted(edges[1:], out[pos], side="left"), 0, len(edges) - 2)
    out[pos] = np.asarray(edges[1:], dtype=float)[cls]
    return out, list(edges)
