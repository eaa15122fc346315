"""The urbanism step: lighting (lamps, dark stretches), night-time and green areas per segment."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import aggregate
from hotspots.config import OverlaySettings
from hotspots.overlays import green as green_mod
from hotspots.overlays import lighting as light_mod
from hotspots.overlays import night as night_mod
from hotspots.pipeline.statistics import GiRun
from hotspots.raster import Raster

__all__ = ["Overlays", "overlays_step"]


@dataclass(frozen=True)
class Overlays:
    """Per-segment lighting/night/green columns, the overlay layers and the flagged incidents."""

    columns: pd.DataFrame  #: night_count, night_share, lighting, night Gi*, green columns
    incidents: gpd.GeoDataFrame  #: the incidents with ``is_night`` and ``on_dark_stretch``
    lamps: gpd.GeoDataFrame | None
    dark_gaps: gpd.GeoDataFrame | None
    green_areas: gpd.GeoDataFrame | None
    green_near: pd.DataFrame | None  #: green area × segment pairs within the walking radius
    lamp_density: Raster | None
    weeks: int  #: ISO weeks spanned by the incidents (for per-week rates)
    summary: dict = field(default_factory=dict)  #: lighting, night, green


def overlays_step(
    segments: gpd.GeoDataFrame,
    counted: pd.DataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    lamps: gpd.GeoDataFrame | None,
    green_areas: gpd.GeoDataFrame | None,
    lit: pd.Series | None,
    boundary: gpd.GeoDataFrame | None,
    crime_kde: Raster | None,
    gi: GiRun | None,
    gi_fallback: Callable[[], GiRun] | None = None,
    settings: OverlaySettings,
    timezone: str,
    lamps_source: str = "lamps",
    green_source: str = "green areas",
) -> Overlays:
    """Lighting (lamps in reach, dark gaps), night-time incidents and green areas per segment.

    Parameters
    ----------
    segments : GeoDataFrame
        The street segments (analysis CRS).
    counted : DataFrame
        Per-segment ``count`` (and ``length_m``) of the analysed period.
    incidents : GeoDataFrame
        Geocoded incidents of the period (``segment_id``, ``position_m``, ``occurred_at``).
    lamps, green_areas : GeoDataFrame or None
        The layers as read (any CRS); prepared and reprojected here.
    lit : Series or None
        OSM ``lit`` tag per segment, used when there is no lamp inventory.
    boundary : GeoDataFrame or None
        Study area in the analysis CRS (the lamp-density raster is clipped to it).
    crime_kde : Raster or None
        The crime KDE, whose grid the lamp density reuses.
    gi : GiRun or None
        The week's Gi* settings, used for the night-time Gi*.
    gi_fallback : callable, optional
        Makes Gi* settings when ``gi`` is None (the statistics step was skipped) and a
        night-time Gi* is due; without it there is no night-time Gi* then.
    settings : OverlaySettings
        The ``[overlays]`` section.
    timezone : str
        Local time zone (night = between local sunset and sunrise).
    lamps_source, green_source : str
        Names of the lamp and green-area inputs, for error messages.

    Returns
    -------
    Overlays
        The per-segment columns, the prepared layers and the incidents flagged ``is_night``
        and ``on_dark_stretch``.
    """
    crs = segments.crs
    index = counted.index
    add = pd.DataFrame(index=index)
    summary_l: dict = {"reach_m": settings.lamp_reach_m}

    incidents = incidents.copy()
    lon, lat = night_mod.study_lonlat(segments)
    incidents["is_night"] = night_mod.is_night(incidents["occurred_at"], latitude=lat,
                                               longitude=lon, timezone=timezone)
    night = incidents["is_night"].fillna(False).astype(bool)
    night_count = incidents.loc[night, "segment_id"].value_counts().reindex(
        index, fill_value=0).astype(np.int64)
    add["night_count"] = night_count
    total = counted["count"]
    add["night_share"] = np.where(total > 0, night_count / total.where(total > 0, 1), np.nan)
    weeks = aggregate.period_weeks(incidents["occurred_at"])
    summary_n = {"latitude": round(lat, 5), "longitude": round(lon, 5), "timezone": timezone,
                 "night_incidents": int(night.sum()),
                 "night_share": float(night.mean()) if len(night) else None, "weeks": weeks}

    lamps_out = gaps = density = None
    if lamps is not None:
        prepared = light_mod.prepare_lamps(lamps, crs, source=lamps_source)
        res = light_mod.lighting(segments, prepared, reach_m=settings.lamp_reach_m,
                                 spacing_m=settings.lamp_spacing_m)
        for col in light_mod.LIGHTING_COLUMNS:
            add[col] = res.frame[col].reindex(index)
        gaps = res.gaps
        keep = [c for c in ("lamp_id", "status", "lumens", "power") if c in prepared.columns]
        lamps_out = prepared[[*keep, "working", "geometry"]].reset_index(drop=True)
        position = incidents.get("position_m", pd.Series(np.nan, index=incidents.index))
        dark_pos = light_mod.on_dark_stretch(incidents["segment_id"], position, gaps)
        incidents["on_dark_stretch"] = dark_pos
        add["night_dark_count"] = incidents.loc[night & dark_pos, "segment_id"].value_counts(
        ).reindex(index, fill_value=0).astype(np.int64)
        length = counted["length_m"].sum()
        summary_l.update({
            "source": "lamps", "lamps": len(prepared), "working": int(prepared["working"].sum()),
            "broken": int((~prepared["working"]).sum()),
            "street_m": round(float(length), 1),
            "dark_m": round(float(res.frame["dark_gap_m"].sum()), 1),
            "dark_share": float(res.frame["dark_gap_m"].sum() / length) if length else None,
            "dark_stretches": len(gaps),
            "segments_fully_dark": int((res.frame["dark_fraction"] > 1 - 1e-9).sum()),
        })
        density, summary_l["lamp_density"] = _lamp_density(prepared, crime_kde, boundary)
    elif lit is not None:
        fb = light_mod.lighting_from_lit_tag(segments, lit)
        for col in ("dark_gap_m", "dark_fraction", "longest_dark_gap_m"):
            add[col] = fb[col].reindex(index)
        add["lamps_needed"] = np.ceil(add["dark_gap_m"].fillna(0) / (
            settings.lamp_spacing_m or 2 * settings.lamp_reach_m)).astype(np.int64)
        dark_seg = add["dark_gap_m"].fillna(0) > 0
        add["night_dark_count"] = np.where(dark_seg, night_count, 0)
        summary_l.update({"source": "OSM lit tag", "dark_m": float(add["dark_gap_m"].sum()),
                          "unknown_segments": int(add["dark_gap_m"].isna().sum())})
    else:
        summary_l["source"] = "none (no lamps input, no lit tag)"

    ok, why = night_mod.enough_for_night_gi(night_count,
                                            min_incidents=settings.night_gi_min_incidents)
    summary_n["night_gi"] = why if ok else f"not computed: {why}"
    if ok and gi is None and gi_fallback is not None:
        gi = gi_fallback()
    if ok and gi is not None:
        # only z and the bins are kept: permutations only when they decide the bins
        night_perms = gi.permutations if gi.bin_p == "permutation" else 0
        res_gi = gi.run(night_count.reindex(segments.index).astype(float),
                        permutations=night_perms)
        add["night_gi_z"] = res_gi.frame["gi_z"].reindex(index)
        add["night_gi_bin"] = res_gi.frame["gi_bin"].reindex(index)
        summary_n["night_gi_parameters"] = {
            "weights": gi.weights_description, "permutations": night_perms,
            "fdr": gi.fdr, "seed": gi.seed, "y": "night counts"}
        summary_n["night_gi_hot_99"] = int((add["night_gi_bin"] == 3).sum())

    summary_g: dict = {"radius_m": settings.green_walk_radius_m}
    areas = near = None
    if green_areas is not None:
        areas = green_mod.prepare_green_areas(green_areas, crs, source=green_source)
        acc = green_mod.green_access(segments, areas, radius_m=settings.green_walk_radius_m)
        for col in green_mod.GREEN_COLUMNS:
            add[col] = acc.frame[col].reindex(index)
        near = green_mod.areas_near_segments(segments, areas,
                                             radius_m=settings.green_walk_radius_m)
        summary_g.update({
            "areas": len(areas), "adopted": int(areas["adopted"].sum()),
            "area_m2": round(float(areas["area_m2"].sum()), 1),
            "median_dist_green_m": round(float(add["dist_green_m"].median()), 1),
            "segments_within_radius": int((add["dist_green_m"]
                                           <= settings.green_walk_radius_m).sum()),
        })
    return Overlays(columns=add, incidents=incidents, lamps=lamps_out, dark_gaps=gaps,
                    green_areas=areas, green_near=near, lamp_density=density, weeks=weeks,
                    summary={"lighting": summary_l, "night": summary_n, "green": summary_g})


def _lamp_density(lamps: gpd.GeoDataFrame, crime_kde: Raster | None,
                  boundary: gpd.GeoDataFrame | None) -> tuple[Raster | None, str]:
    """KDE of working lamps (lamps per km²) on the crime KDE's grid; says what it did."""
    from hotspots.stats.kde import kde

    working = lamps[lamps["working"]]
    if len(working) < 2:
        return None, "skipped: fewer than 2 working lamps"
    options: dict = {"boundary": boundary if boundary is not None and len(boundary) else None}
    if crime_kde is not None:
        options["cell_size_m"] = abs(crime_kde.transform.a)
        options["extent"] = crime_kde.bounds
    raster = kde(working.geometry, units="per_km2", name="lamp_density", **options)
    raster = dataclasses.replace(raster, units="working lamps per km²", name="lamp_density")
    return raster, f"KDE of {len(working)} working lamps ({raster.units})"
