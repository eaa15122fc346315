"""Synthetic cities with a known intervention effect, for tests, the coverage experiment and demos."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import segments as segments_mod
from hotspots import weights as weights_mod
from hotspots.intervention import areas as areas_mod

__all__ = ["SyntheticCity", "grid_segments", "synthetic_city"]

CATEGORIES = ("furto", "roubo", "lesão corporal")


@dataclass(frozen=True)
class SyntheticCity:
    """A grid city, its incidents and lighting interventions with a known effect.

    ``night_rate``/``day_rate`` are the base weekly rates per segment (before week effects);
    ``week_effect`` the common multiplier of each week; night incidents on treated segments are
    multiplied by ``treated_effect`` from their start week on, and those on buffer segments by
    ``buffer_effect`` (day incidents are never changed). ``expected`` holds the expected night
    count of every (segment, week) with the effects, ``expected_null`` without them.
    """

    segments: gpd.GeoDataFrame
    incidents: pd.DataFrame
    interventions: pd.DataFrame
    night_rate: np.ndarray
    day_rate: np.ndarray
    week_effect: np.ndarray
    weeks: pd.DatetimeIndex
    treated_effect: float
    buffer_effect: float
    buffer_m: float
    expected: np.ndarray
    expected_null: np.ndarray


def grid_segments(n_x: int, n_y: int, *, block_m: float = 100.0,
                  origin: tuple[float, float] = (370_000.0, 6_485_000.0),
                  crs: str = "EPSG:31982") -> gpd.GeoDataFrame:
    """Segments of a regular street grid of ``n_x`` × ``n_y`` blocks (via build_segments)."""
    x0, y0 = origin
    xs = x0 + block_m * np.arange(n_x + 1)
    ys = y0 + block_m * np.arange(n_y + 1)
    lines = [shapely.LineString([(x, y) for x in xs]) for y in ys]
    lines += [shapely.LineString([(x, y) for y in ys]) for x in xs]
    names = [f"Rua {i + 1}" for i in range(len(ys))] + [f"Avenida {i + 1}" for i in range(len(xs))]
    streets = gpd.GeoDataFrame({"name": names}, geometry=lines, crs=crs)
    return segments_mod.build_segments(streets, name_column="name")


def synthetic_city(
    *,
    n_x: int = 30,
    n_y: int = 30,
    weeks: int = 104,
    first_week: str = "2024-01-01",
    n_projects: int = 6,
    cohort_weeks: tuple[int, ...] = (40, 52, 64),
    treated_effect: float = 0.7,
    buffer_effect: float = 1.1,
    buffer_m: float = 100.0,
    mean_night_rate: float = 0.08,
    day_to_night: float = 1.5,
    overdispersion: float | None = None,
    timezone: str = "America/Sao_Paulo",
    seed: int = 0,
    segments: gpd.GeoDataFrame | None = None,
) -> SyntheticCity:
    """A synthetic city with lighting projects starting in staggered weeks.

    Each project is a segment drawn among the fifth with the highest night rate plus the
    segments sharing an end point with it; projects are given the start weeks of
    ``cohort_weeks`` in turn. Buffer = segments within ``buffer_m`` along the streets of a
    treated segment (as :func:`hotspots.intervention.areas.exposure`). Counts are Poisson (or
    gamma–Poisson with shape 1/``overdispersion`` per cell) around base rate × week effect ×
    effect; each incident gets a time in its week, a category and ``is_night``.
    """
    rng = np.random.default_rng(seed)
    segs = grid_segments(n_x, n_y) if segments is None else segments
    n = len(segs)
    shape = 0.7
    night_rate = rng.gamma(shape, mean_night_rate / shape, size=n)
    day_rate = night_rate * day_to_night * rng.lognormal(0.0, 0.3, size=n)
    t = np.arange(weeks)
    week_effect = (1 + 0.2 * np.sin(2 * np.pi * t / 52.0)) * np.exp(-0.002 * t)
    week_effect *= rng.lognormal(0.0, 0.05, size=weeks)

    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", weights_mod.IslandsWarning)
            contig = weights_mod.to_sparse(weights_mod.network_contiguity(segs), segs.index)
    hot = np.flatnonzero(night_rate >= np.quantile(night_rate, 0.8))
    seeds = rng.choice(hot, size=min(n_projects, len(hot)), replace=False)
    start = np.full(n, np.nan)
    for p, s in enumerate(seeds):
        members = np.r_[s, contig[[s]].indices]
        g = cohort_weeks[p % len(cohort_weeks)]
        free = members[np.isnan(start[members])]
        start[free] = g
    treated = np.flatnonzero(~np.isnan(start))
    weeks_idx = pd.date_range(first_week, periods=weeks, freq="7D")
    tw = pd.Series(start[treated], index=segs.index[treated])
    expo = areas_mod.exposure(segs, tw, mode="distance", buffer_m=buffer_m)
    sw = expo["spill_week"].to_numpy()

    base_n = night_rate[:, None] * week_effect[None, :]
    mult = np.ones((n, weeks))
    post_t = ~np.isnan(start)[:, None] & (t[None, :] >= np.nan_to_num(start, nan=1e9)[:, None])
    post_b = (np.isnan(start) & ~np.isnan(sw))[:, None] & (
        t[None, :] >= np.nan_to_num(sw, nan=1e9)[:, None])
    mult[post_t] *= treated_effect
    mult[post_b] *= buffer_effect
    mu_night = base_n * mult
    mu_day = day_rate[:, None] * week_effect[None, :]
    y_night = _draw(rng, mu_night, overdispersion)
    y_day = _draw(rng, mu_day, overdispersion)
    incidents = _incidents(rng, y_night, y_day, segs.index, weeks_idx, timezone)
    interventions = pd.DataFrame({
        "intervention_id": [f"IL-{i:03d}" for i in range(len(treated))],
        "segment_id": segs.index[treated],
        "kind": "new_lights",
        "start": [str((weeks_idx[0] + pd.Timedelta(weeks=int(g))).date()) for g in start[treated]],
    })
    return SyntheticCity(segments=segs, incidents=incidents, interventions=interventions,
                         night_rate=night_rate, day_rate=day_rate, week_effect=week_effect,
                         weeks=weeks_idx, treated_effect=treated_effect,
                         buffer_effect=buffer_effect, buffer_m=buffer_m, expected=mu_night,
                         expected_null=base_n)


def _draw(rng, mu, overdispersion):
    if overdispersion:
        k = 1.0 / overdispersion
        mu = rng.gamma(k, mu / k)
    return rng.poisson(mu)


def _incidents(rng, y_night, y_day, seg_ids, weeks, timezone) -> pd.DataFrame:
    parts = []
    for counts, night in ((y_night, True), (y_day, False)):
        seg, wk = np.nonzero(counts)
        rep = counts[seg, wk]
        seg, wk = np.repeat(seg, rep), np.repeat(wk, rep)
        day = rng.integers(0, 7, size=len(seg))
        hour = rng.uniform(19, 29, size=len(seg)) % 24 if night else rng.uniform(8, 17, size=len(seg))
        parts.append(pd.DataFrame({"seg": seg, "week": wk, "day": day, "hour": hour,
                                   "is_night": night}))
    frame = pd.concat(parts, ignore_index=True)
    local = (weeks[frame["week"].to_numpy()] + pd.to_timedelta(frame["day"], unit="D")
             + pd.to_timedelta(frame["hour"] * 3600, unit="s").dt.floor("s"))
    frame = frame.sample(frac=1.0, random_state=int(rng.integers(0, 2**31 - 1)))
    local = local[frame.index]
    out = pd.DataFrame({
        "segment_id": seg_ids[frame["seg"].to_numpy()],
        "occurred_at": pd.DatetimeIndex(local).tz_localize(
            timezone, ambiguous=np.zeros(len(local), dtype=bool), nonexistent="shift_forward"),
        "category": rng.choice(CATEGORIES, size=len(frame)),
        "is_night": frame["is_night"].to_numpy(),
    })
    out.index = pd.Index([f"SIM-{i:07d}" for i in range(len(out))], name="incident_id")
    return out
