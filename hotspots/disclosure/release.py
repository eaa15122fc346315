"""The liaison release: every layer, the week slider and the rasters a liaison receives, at once.

:func:`release_for_liaisons` runs the disclosure model (:mod:`hotspots.disclosure.model`) over
the registry's liaison layers in dependency order (a layer whose counts lie within another's
after that one), protects the week slider with the same rule, computes the liaison density
raster from the protected counts and reports what was withheld, by which rule — the privacy
section of the manifest. The map, the KML, the GeoJSON and the GeoPackage draw this and
nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from hotspots._errors import ValidationError
from hotspots.disclosure.model import LayerRelease, check_k, protect_layer, protect_weekly
from hotspots.disclosure.rules import STATUS_K, STATUS_SHORT, DisclosureSettings

__all__ = ["INCIDENT_COLUMNS", "RASTER_RULES", "RULE_TEXTS", "LiaisonRelease",
           "incident_points", "release_for_liaisons"]

#: rasters a liaison may receive and how: computed again from the protected counts, or as is
RASTER_RULES: dict[str, str] = {
    "kde": "protected_density",
    "lamp_density": "public",  # the lamp inventory's density: no incident in it
}
#: columns an incident point may carry when points are explicitly requested
INCIDENT_COLUMNS: tuple[str, ...] = ("category", "occurred_date", "segment_id", "geometry")
#: the rules in words (manifest, README)
RULE_TEXTS: dict[str, str] = {
    "count": "counts of incidents are 0 or k or more; 1 … k−1 are withheld (status k_rule)",
    "complement": "a part (night incidents, night on dark stretches, a patrol cell) is withheld "
                  "when the rest of its shown whole is 1 … k−1, and with its whole",
    "ranks": "below a withheld count of a rank order (patrol ranks) every count is withheld",
    "min_length": "segments shorter than min_length_m carry no count (status min_length)",
    "derived": "rates, shares and per-week figures are null with their counts",
    "texts": "texts built from a withheld count say so instead of the number",
    "classes": "Gi*, local Moran, night Gi* classes and emerging categories are computed "
               "again on the protected counts (each withheld count replaced by the mean of "
               "its possible values)",
    "continuous": "z-scores, p-values and network KDE values are never released (with the "
                  "street graph they solve back to counts)",
    "totals": "no total is released; the map states the incidents on the segments shown",
    "density": "the density raster is computed from the protected counts with a search "
               "radius of at least kde_min_radius_m, blank where fewer than k incidents lie "
               "within the radius, and holds only the legend classes",
}


@dataclass(frozen=True)
class LiaisonRelease:
    """What a liaison receives: ``layers`` (allow-listed, protected), ``weekly`` (the week
    slider's counts, 1 … k−1 as NaN, short segments left out), ``rasters`` and the
    ``report`` (the manifest's privacy section)."""

    layers: dict[str, pd.DataFrame]
    weekly: pd.DataFrame | None
    rasters: dict[str, object]
    k: int
    settings: DisclosureSettings
    parts: dict[str, LayerRelease] = field(default_factory=dict)
    report: dict = field(default_factory=dict)

    @property
    def shown_incidents(self) -> int | None:
        """Incidents on the segments whose count is shown (what the map may state)."""
        seg = self.layers.get("segments")
        if seg is None or "count" not in seg.columns:
            return None
        return int(pd.to_numeric(seg["count"], errors="coerce").fillna(0).sum())

    def subtitle(self, week: str | None, *, language: str = "en") -> str:
        """The liaison map's subtitle: the week, the incidents on the segments shown and the
        rule (never a total, which with the shown counts would give the hidden ones)."""
        pt = str(language).lower().startswith("pt")
        parts = []
        if week:
            parts.append(("semana " if pt else "week ") + str(week))
        shown = self.shown_incidents
        if shown is not None:
            parts.append(f"{shown} ocorrências nos segmentos com contagem" if pt
                         else f"{shown} incidents on the segments with a count")
        rule = (f"contagens abaixo de {self.k} omitidas" if pt
                else f"counts below {self.k} withheld")
        if self.settings.min_length_m:
            rule += (f", e em segmentos com menos de {self.settings.min_length_m:g} m" if pt
                     else f", and on segments shorter than {self.settings.min_length_m:g} m")
        parts.append(rule)
        return " · ".join(parts)


def _ordered(layer_names, rules_of) -> list[str]:
    """Layers whose counts lie within another layer's come after it."""
    names = list(layer_names)
    after = {n: {r.margin[0] for r in (rules_of(n) or {}).values()
                 if r.kind == "count" and r.margin} for n in names}
    done: list[str] = []
    while names:
        ready = [n for n in names if not (after[n] & set(names))]
        if not ready:
            raise ValidationError(f"disclosure rules: layers {names} depend on each other")
        done += ready
        names = [n for n in names if n not in ready]
    return done


def release_for_liaisons(
    tables: dict[str, pd.DataFrame],
    *,
    k: int = 3,
    settings: DisclosureSettings | None = None,
    protected: dict[str, pd.DataFrame] | None = None,
    statistics=None,
    weekly: pd.DataFrame | None = None,
    rasters: dict[str, object] | None = None,
    include_incident_points: bool = False,
    language: str = "en",
) -> LiaisonRelease:
    """Everything a liaison receives, protected (see the module docstring).

    Parameters
    ----------
    tables : dict of DataFrame
        The analyst's layers by registry name (``WeekResult.layers()``).
    k : int
        Threshold: counts of 1 … k−1 are withheld (k ≥ 3, or 1 for no suppression).
    settings : DisclosureSettings, optional
        Minimum unit length and density radius (defaults when None).
    protected : dict of DataFrame, optional
        Layers already released under their own rule (``WeekResult.liaison_overrides()``:
        the near-repeat zones); layers whose rules are ``protected`` come only from here.
    statistics : ReleaseStatistics, optional
        The run's statistics settings, to recompute the classes and the density raster on
        the protected counts; without it those are left out.
    weekly : DataFrame, optional
        Incidents per segment and week (``weekly_counts``), for the map's week slider.
    rasters : dict, optional
        The run's rasters by name; those without a rule in :data:`RASTER_RULES` are left out.
    include_incident_points : bool
        Add incident points (category, date, segment): an explicit widening, reported.
    language : str
        Language of rewritten texts.

    Returns
    -------
    LiaisonRelease
    """
    from hotspots.layers import LAYERS

    k = check_k(k)
    if not isinstance(include_incident_points, bool):
        raise ValidationError(
            f"include_incident_points must be true or false; got {include_incident_points!r} "
            f"({type(include_incident_points).__name__}). Incident points reach liaisons only "
            "when asked for with a real boolean.")
    settings = settings or DisclosureSettings()
    protected = dict(protected or {})
    names = [n for n in tables if not n.startswith("_") and tables[n] is not None
             and n in LAYERS and LAYERS[n].liaison is not None]
    names += [n for n in protected if n not in names and n in LAYERS
              and LAYERS[n].liaison is not None]
    parts: dict[str, LayerRelease] = {}
    layers: dict[str, pd.DataFrame] = {}
    for name in _ordered(names, lambda n: LAYERS[n].disclosure):
        spec = LAYERS[name]
        rules = dict(spec.disclosure or {})
        if not rules:
            raise ValidationError(
                f"layer {name!r} has a liaison allow-list but no disclosure rules in the layer "
                "registry; it is not released. Fix: give it disclosure= rules.")
        needs_protected = any(r.kind == "protected" for r in rules.values())
        frame = protected.get(name) if needs_protected else tables.get(name)
        if frame is None:
            continue
        recompute = None
        if statistics is not None and name == "segments":
            def recompute(p, _s=statistics):
                return _s.classes(p, k=k)
        part = protect_layer(name, frame, rules, allowed=tuple(spec.liaison or ()), k=k,
                             min_length_m=settings.min_length_m, margins=parts,
                             statistics=recompute, language=language)
        parts[name] = part
        layers[name] = part.frame
    report_widened: list[str] = []
    if include_incident_points and "incidents" in tables:
        layers["incidents"] = incident_points(tables["incidents"])
        report_widened.append("incident points (category, date, segment): "
                              "outputs.include_incident_points = true")
    if k == 1:
        report_widened.append("k = 1: no count is withheld")
    if not settings.min_length_m:
        report_widened.append("min_length_m = 0: short segments carry counts")
    seg = parts.get("segments")
    short_ids = [] if seg is None or seg.short is None else list(seg.short.index[seg.short])
    slider = None
    if weekly is not None and len(weekly):
        slider = protect_weekly(weekly, k=k, short_ids=short_ids)
    out_rasters, raster_report = _rasters(rasters or {}, statistics, seg, k=k,
                                          settings=settings)
    report = _report(parts, slider, weekly, raster_report, tables, k=k, settings=settings,
                     widened=report_widened)
    return LiaisonRelease(layers=layers, weekly=slider, rasters=out_rasters, k=k,
                          settings=settings, parts=parts, report=report)


def _rasters(rasters, statistics, seg, *, k, settings):
    from hotspots.disclosure.statistics import protected_density

    out, report = {}, {}
    for name, raster in rasters.items():
        rule = RASTER_RULES.get(name)
        if raster is None:
            continue
        if rule == "public":
            out[name] = raster
            report[name] = {"released": "as computed (no incident in it)"}
        elif rule == "protected_density" and statistics is not None \
                and statistics.density is not None and seg is not None:
            density, info = protected_density(statistics.density, seg.protected, k=k,
                                              min_radius_m=settings.kde_min_radius_m)
            if density is not None:
                out[name] = density
            report[name] = info
        else:
            report[name] = {"released": False,
                            "why": "no disclosure rule" if rule is None
                            else "no statistics to compute it from the protected counts"}
    return out, report


def _report(parts, slider, weekly, rasters, tables, *, k, settings, widened) -> dict:
    from hotspots.layers import LAYERS

    layers = {}
    for name, part in parts.items():
        layers[name] = {"rows": len(part.frame), "withheld": part.withheld,
                        "left_out": list(part.left_out)}
        if part.counts is not None and len(part.status.columns):
            layers[name]["units_shorter_than_min_length"] = part.short_units
            first = part.status.columns[0]
            shown = part.status[first] == ""
            layers[name]["units_with_counts"] = int(shown.sum())
            layers[name]["units_without_counts"] = int((~shown).sum())
    week_report = None
    if weekly is not None and len(weekly):
        from hotspots.weekly import week_columns

        cols = list(week_columns(weekly))
        values = weekly[cols].to_numpy(dtype=float)
        small = (values >= 1) & (values <= k - 1)
        week_report = {
            "cells": int(values.size), "withheld_k_rule": int(small[
                weekly.index.isin(slider.index)].sum()) if slider is not None else 0,
            "segments_left_out_min_length": int((~weekly.index.isin(
                slider.index)).sum()) if slider is not None else 0,
        }
    analyst_only = sorted(n for n in tables if n in LAYERS and LAYERS[n].liaison is None)
    return {
        "k": k,
        "min_length_m": settings.min_length_m,
        "kde_min_radius_m": settings.kde_min_radius_m,
        "statuses": {STATUS_K: "withheld to protect counts below k",
                     STATUS_SHORT: "withheld: the segment is shorter than min_length_m"},
        "rules": dict(RULE_TEXTS),
        "layers": layers,
        "weekly": week_report,
        "rasters": rasters,
        "analyst_only_layers": analyst_only,
        "widened": widened,
    }


def incident_points(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Incident points reduced to category, date (no time) and segment — only when asked for."""
    if not isinstance(incidents, gpd.GeoDataFrame):
        raise ValidationError("incident points need a GeoDataFrame with point geometry")
    out = gpd.GeoDataFrame(
        {"category": incidents["category"].astype(str).to_numpy()
         if "category" in incidents.columns else None},
        geometry=incidents.geometry.to_numpy(), crs=incidents.crs,
    )
    if "occurred_at" in incidents.columns:
        out["occurred_date"] = pd.Series(incidents["occurred_at"]).map(
            lambda t: t.date().isoformat() if pd.notna(t) else None).to_numpy()
    if "segment_id" in incidents.columns:
        out["segment_id"] = incidents["segment_id"].to_numpy()
    return out[[c for c in INCIDENT_COLUMNS if c in out.columns]]
