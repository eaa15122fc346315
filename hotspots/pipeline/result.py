"""What a run computed, held once: the steps' results, the output layers and the run summary."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import pandas as pd

from hotspots._json import strict_json
from hotspots.config import RunConfig
from hotspots.pipeline.inputs import Inputs
from hotspots.pipeline.overlays import Overlays
from hotspots.pipeline.plans import Planning
from hotspots.pipeline.spacetime import Emerging, NearRepeat
from hotspots.pipeline.statistics import Statistics
from hotspots.pipeline.steps import Comparison, Counts, Evaluation, Geocoded, week_summary
from hotspots.weekly import WeekWindow

__all__ = ["WeekResult"]


@dataclass(frozen=True)
class WeekResult:
    """The results of every step of one run (a week, or every incident for ``demo``/``snap``).

    Nothing here is recomputed: :meth:`layers` joins the per-segment columns of the steps into
    the segments layer and names the output layers; :meth:`summary` builds the numbers of the
    run once, for the manifest, the command line and the bulletin.
    """

    config: RunConfig
    inputs: Inputs
    geocoded: Geocoded
    window: WeekWindow | None
    counts: Counts
    statistics: Statistics
    overlays: Overlays
    patrol: gpd.GeoDataFrame
    patrol_summary: dict
    planning: Planning
    comparison: Comparison | None
    evaluation: Evaluation
    emerging: Emerging | None = None
    near_repeat: NearRepeat | None = None
    #: why the week was not compared with a previous one (None when it was, or not weekly)
    comparison_skipped: str | None = None
    #: step name → rows of each table it produced (for the manifest)
    step_counts: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def week(self) -> str | None:
        """The analysed ISO week ('2026-W47'), None for an all-incidents run."""
        return None if self.window is None else self.window.week.label

    @property
    def incidents(self) -> gpd.GeoDataFrame:
        """The analysed incidents (the week's, for a weekly run) with the overlay flags."""
        return self.overlays.incidents

    @cached_property
    def segments(self) -> gpd.GeoDataFrame:
        """Every segment with every per-segment column of the run (counts, Gi*, LISA, network
        KDE, lighting, night, green, priority, week-over-week)."""
        seg = self.counts.segments
        parts = [self.statistics.columns, self.overlays.columns]
        if self.comparison is not None:
            parts.append(self.comparison.columns)
        if self.emerging is not None and self.emerging.columns is not None:
            parts.append(self.emerging.columns)
        for part in parts:
            if part is None or part.shape[1] == 0:
                continue
            seg = seg.drop(columns=[c for c in part.columns if c in seg.columns]).join(part)
        return seg

    def layers(self) -> dict[str, pd.DataFrame]:
        """The output layers by name (GeoDataFrames in the analysis CRS, or tables)."""
        inp, ov, cmp = self.inputs, self.overlays, self.comparison
        plan = self.planning.layers()
        out: dict[str, pd.DataFrame | None] = {
            "boundary": inp.boundary_analysis,
            "incidents": self.incidents,
            "rejects": self.geocoded.rejects,
            "segments": self.segments,
            "counts_by_category": self.counts.by_category,
            "counts_by_week": self.counts.by_week,
            "lamps": ov.lamps,
            "dark_gaps": ov.dark_gaps,
            "green_areas": ov.green_areas,
            "plan_lighting": plan.get("plan_lighting"),
            "plan_repair_lamps": plan.get("plan_repair_lamps"),
            "plan_green": plan.get("plan_green"),
            "patrol": self.patrol,
            "weekly_counts": None if cmp is None else cmp.weekly_counts,
            "weekly_totals": None if cmp is None else cmp.weekly_totals,
            "near_repeat_zones": self._zones(),
            "street_pieces": None if inp.streets is None else _pieces(inp.streets),
            "street_rejects": (None if inp.streets is None or not len(inp.streets.street_rejects)
                               else inp.streets.street_rejects),
        }
        return {k: v for k, v in out.items() if v is not None}

    def _zones(self):
        nr = self.near_repeat
        return None if nr is None or nr.zones is None else nr.zones.segments

    def liaison_overrides(self) -> dict[str, pd.DataFrame]:
        """Layers a liaison receives in a form of their own (not the analyst's, filtered): the
        near-repeat risk zones reached by k or more incidents."""
        nr = self.near_repeat
        if nr is None or nr.released is None:
            return {}
        return {"near_repeat_zones": nr.released}

    # --- issue 13 (disclosure): the liaison release, computed once per run -------------------
    @cached_property
    def liaison(self):
        """What police liaisons receive (``hotspots.pipeline.release.release_for``): layers,
        week slider and rasters under the disclosure rules, and the privacy report."""
        from hotspots.pipeline.release import release_for

        return release_for(self)
    # --- end issue 13 ----------------------------------------------------------------------

    def rasters(self) -> dict[str, object]:
        """The output rasters by name: crime KDE and lamp density (when computed)."""
        out = {"kde": self.statistics.kde, "lamp_density": self.overlays.lamp_density}
        return {k: v for k, v in out.items() if v is not None}

    @cached_property
    def class_breaks(self):
        """The class breaks of the maps, QGIS styles and KML (fixed for the city: the config's
        ``[outputs] rate_breaks`` / ``count_breaks``, else derived from a long window of weekly
        data; an all-incidents run derives them from its own rates)."""
        from hotspots.symbology.breaks import ClassBreaks, class_breaks, quantile_breaks

        out = self.config.outputs
        if self.window is None:
            if out.rate_breaks:
                return ClassBreaks(tuple(out.rate_breaks), tuple(out.count_breaks) or (1,),
                                   {"en": "from the config", "pt": "da configuração"})
            return ClassBreaks(quantile_breaks(self.segments["rate_per_100m"]),
                               tuple(out.count_breaks) or (1,),
                               {"en": "quintiles of this run's rates (every incident)",
                                "pt": "quintis das taxas desta execução (todas as ocorrências)"})
        return class_breaks(self.geocoded.incidents, self.inputs.segments["length_m"],
                            end=self.window.week.end, weeks=out.class_breaks_weeks,
                            timezone=self.config.parameters.timezone,
                            rate_breaks=tuple(out.rate_breaks),
                            count_breaks=tuple(out.count_breaks))

    @property
    def map_breaks(self) -> dict[str, list]:
        """The fixed class breaks as the maps, QGIS styles and KML take them: the breaks of
        the rates and the lower bounds of the weekly counts (the summary's ``class_breaks``)."""
        breaks = self.summary_dict["class_breaks"]
        return {"rate_per_100m": breaks["rate_per_100m"]["breaks"],
                "weekly_counts": breaks["weekly_counts"]["lower_bounds"]}

    @cached_property
    def street_labels(self) -> tuple[list, list[str]]:
        """Where the base maps write the street names (:func:`hotspots.maps.street_labels` of
        the segments): the analyst's and the liaison's maps draw the same streets, so both
        take these (computed once in the process writing them)."""
        from hotspots.maps.base import street_labels

        return street_labels(self.segments)

    @cached_property
    def card_streets(self):
        """The patrol cards' cross streets and street names over the run's segments
        (:func:`hotspots.patrol_cards.card_streets`): the analyst's and the liaison's cards
        show the same network, computed once (both are written by one task)."""
        from hotspots.patrol_cards import card_streets

        patrol = self.patrol
        return card_streets(self.segments, patrol["segment_id"] if "segment_id" in patrol
                            else [])

    @cached_property
    def card_maps(self) -> dict:
        """The patrol cards' shift maps drawn so far in this run, by shift
        (:class:`hotspots.patrol_cards.ShiftMap`): the liaison's cards show the analyst's shifts
        and take a map that fits instead of drawing it again (both card sets are written by
        one task, ``outputs.GROUPS``)."""
        return {}

    @cached_property
    def category_changes(self) -> pd.DataFrame | None:
        """This week's incidents by category against last week and the weeks before, with the
        exact conditional Poisson test (weekly runs with a previous week; else None)."""
        win = self.window
        if win is None or len(win.weeks) < 2 or "category" not in win.window.columns:
            return None
        from hotspots.stats.rate_change import category_changes

        return category_changes(win.window, win.weeks)

    @cached_property
    def summary_dict(self) -> dict:
        """See :meth:`summary`."""
        s: dict = dict(self.geocoded.summary())
        if self.inputs.streets is not None:
            st = self.inputs.streets
            choice = st.crs_choice
            s["unit"] = {
                "unit": st.unit, "merge_across_name_change": st.merge_across_name_change,
                "counts": st.counts,
                "length_m": _lengths(self.inputs.segments["length_m"]),
                "crs_reason": None if choice is None else choice.reason,
                "crs_note": None if choice is None else {
                    "en": choice.note("en"), "pt": choice.note("pt-BR")},
            }
        if self.window is not None:
            s.update(week_summary(self.window))
        s["concentration"] = self.counts.concentration
        s["top_segments"] = self.counts.top_segments
        s["statistics"] = self.statistics.summary
        if self.statistics.gi is not None:
            s["gi_parameters"] = self.statistics.gi.parameters()
        s.update(self.overlays.summary)
        s["planning"] = self.planning.summary
        s["patrol"] = self.patrol_summary
        if self.comparison is not None:
            s["week_over_week"] = self.comparison.summary
        elif self.comparison_skipped:
            s["week_over_week_skipped"] = self.comparison_skipped
        if self.emerging is not None:
            s["emerging"] = self.emerging.summary
        if self.near_repeat is not None:
            s["near_repeat"] = self.near_repeat.summary
        s["class_breaks"] = self.class_breaks.as_dict()
        changes = self.category_changes
        if changes is not None:
            s["by_category"] = [
                {"category": cat, **{k: (v.item() if hasattr(v, "item") else v)
                                     for k, v in row.items()}}
                for cat, row in zip(changes.index, changes.to_dict("records"))]
        s["concentration_weisburd"] = self.evaluation.concentration
        if self.evaluation.hot_spots is not None:
            s["evaluation"] = self.evaluation.hot_spots
        s["privacy"] = self.liaison.report  # issue 13: the manifest's privacy section
        return s

    def summary(self) -> dict:
        """The run's numbers: records read/used/rejected, the week, concentration, statistics,
        overlays, priorities, week-over-week change and evaluation (plain JSON values)."""
        return strict_json(copy.deepcopy(self.summary_dict))


def _pieces(streets) -> pd.DataFrame:
    """The piece → segment mapping (analyst layer ``street_pieces``)."""
    cols = [c for c in ("segment_id", "order", "reversed", "offset_m", "length_m",
                        "consolidated_away", "geometry") if c in streets.pieces.columns]
    return streets.pieces[cols]


def _lengths(length: pd.Series) -> dict:
    """Length distribution of the unit of analysis (metres)."""
    if not len(length):
        return {}
    q = length.quantile([0.0, 0.25, 0.5, 0.75, 1.0]).round(2)
    return {"min": float(q.iloc[0]), "q1": float(q.iloc[1]), "median": float(q.iloc[2]),
            "q3": float(q.iloc[3]), "max": float(q.iloc[4]),
            "total": round(float(length.sum()), 1)}
