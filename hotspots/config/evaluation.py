"""Settings of an intervention evaluation (the ``[evaluation]`` section of a run configuration)."""

from __future__ import annotations

from dataclasses import dataclass

from hotspots._settings import setting

#: kinds of intervention
KINDS = ("new_lights", "repair", "green_area", "patrol")
#: kinds that change the lighting (the night-vs-day placebo applies to them)
LIGHTING_KINDS = ("new_lights", "repair")
#: pre-period covariates controls can be matched on
COVARIATES = ("level", "trend", "length", "night_share", "lamp_density")

__all__ = ["COVARIATES", "KINDS", "LIGHTING_KINDS", "EvaluationSettings"]


@dataclass(frozen=True)
class EvaluationSettings:
    """How interventions are evaluated: outcome, areas, controls, periods, model and report."""

    outcome: str = setting(
        "auto", "incidents counted: all, night only, day only; auto = night when every "
        "intervention is lighting (new_lights, repair), else all",
        choices=("auto", "all", "night", "day"))
    categories: tuple[str, ...] = setting(
        (), "incident categories counted (empty = every category)", example=["roubo", "furto"])
    kinds: tuple[str, ...] = setting(
        (), "evaluate only these kinds of intervention (empty = all)", choices=KINDS)
    match_distance_m: float = setting(
        15.0, "an intervention geometry treats segments within this distance", unit="m", gt=0)
    min_overlap: float = setting(
        0.5, "share of a segment's length that must lie within match_distance_m of an "
        "intervention line or polygon", gt=0, le=1)
    buffer: str = setting(
        "distance", "displacement buffer: segments within buffer_m along the streets, or "
        "within buffer_hops steps of the weights, of a treated segment",
        choices=("distance", "hops"))
    buffer_m: float = setting(200.0, "network distance of the buffer (buffer = distance)",
                              unit="m", gt=0)
    buffer_hops: int = setting(1, "steps of the buffer (buffer = hops)", ge=1)
    controls: str = setting(
        "matched", "control segments: matched on the pre-period, or all segments outside "
        "treated and buffer (controls given to evaluate_interventions override both)",
        choices=("matched", "all"))
    controls_per_treated: int = setting(5, "matched controls per treated segment", ge=1)
    match_on: tuple[str, ...] = setting(
        COVARIATES, "covariates of the matching (lamp_density only when lamps are given)",
        choices=COVARIATES)
    lamp_reach_m: float = setting(30.0, "a lamp counts for the nearest segment within this "
                                  "distance (lamp density)", unit="m", gt=0)
    pre_weeks: int = setting(52, "weeks before the start used (fewer if the data start later)",
                             unit="weeks", ge=2)
    post_weeks: int = setting(52, "weeks from the start used (fewer if the data end earlier)",
                              unit="weeks", ge=1)
    implementation_weeks: int = setting(
        0, "weeks from the start left out while the work is being done", unit="weeks", ge=0)
    classic_equal_periods: bool = setting(
        True, "WDQ/WDD on equal before and after periods (the shorter of the two), as "
        "published; false = the full periods, WDD weighted by their lengths")
    wdd_area_weight: str = setting(
        "segments", "size of an area in the WDD weights: number of segments, street length, "
        "or none (raw counts)", choices=("segments", "length", "none"))
    event_bin_weeks: int = setting(4, "width of the event-study bins", unit="weeks", ge=1)
    placebo: bool = setting(
        True, "for lighting, the night-vs-day placebo: the effect on daytime incidents and the "
        "triple difference night − day")
    by_category: bool = setting(True, "also estimate the effect for each incident category")
    by_cohort: bool = setting(True, "also estimate the effect of each start week alone (when "
                              "there are several)")
    min_category_incidents: int = setting(
        20, "categories with fewer incidents on the treated segments are not estimated", ge=1)
    alpha: float = setting(0.05, "1 − confidence level of every interval", gt=0, lt=0.5)
