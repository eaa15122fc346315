"""The config sections of the analysis: statistics, overlays, emerging hot spots, near repeats."""

from __future__ import annotations

from dataclasses import dataclass

from hotspots._settings import setting
from hotspots.config._checks import _shifts_problem

__all__ = ["EmergingSettings", "NearRepeatSettings", "OverlaySettings", "StatisticsSettings"]


@dataclass(frozen=True)
class StatisticsSettings:
    """Segment weights, Gi*, local Moran, planar and network kernel density."""

    weights: str = setting("contiguity", "segment neighbours for Gi* and local Moran",
                           choices=("contiguity", "distance_band", "knn"))
    distance_m: float | None = setting(None, "distance band along streets when weights = "
                                       "\"distance_band\" (ArcGIS default when unset: every "
                                       "segment gets a neighbour)", unit="m", gt=0,
                                       example=250.0)
    k: int = setting(8, "neighbours when weights = \"knn\"", ge=1)
    variable: str = setting("rate_per_100m", "what Gi* and local Moran analyse",
                            choices=("rate_per_100m", "count"))
    permutations: int = setting(999, "conditional permutations for pseudo p-values "
                                "(0 = none)", ge=0)
    bin_p: str = setting("analytic", "the p-value that decides the Gi* bins",
                         choices=("analytic", "permutation"))
    fdr: bool = setting(True, "Benjamini–Hochberg false discovery rate on the Gi* bins and "
                        "local Moran classes")
    kde_kernel: str = setting("quartic", "planar KDE kernel",
                              choices=("quartic", "epanechnikov", "triangular", "gaussian"))
    kde_radius_m: float | None = setting(None, "KDE search radius (ArcGIS default when unset)",
                                         unit="m", gt=0, example=300.0)
    kde_cell_size_m: float | None = setting(None, "KDE cell size (shorter side of the extent / "
                                            "250 when unset)", unit="m", gt=0, example=20.0)
    nkde_bandwidth_m: float = setting(300.0, "network KDE bandwidth along streets (0 skips it)",
                                      unit="m", ge=0)
    nkde_lixel_m: float = setting(10.0, "network KDE lixel length", unit="m", gt=0)


@dataclass(frozen=True)
class OverlaySettings:
    """Lighting, night-time, green areas and patrol guidance (budgets and plans: [planning])."""

    lamp_reach_m: float = setting(30.0, "a lamp lights this far; farther stretches are dark",
                                  unit="m", gt=0)
    lamp_spacing_m: float | None = setting(None, "spacing of new lamps (2 × reach when unset)",
                                           unit="m", gt=0, example=60.0)
    green_walk_radius_m: float = setting(300.0, "walking radius around green areas", unit="m",
                                         gt=0)
    shift_windows: tuple[str, ...] = setting(("06-14", "14-22", "22-06"),
                                             "patrol shifts (local hours)",
                                             check=_shifts_problem)
    patrol_top_n: int = setting(3, "segments per shift (Koper: short 10–15 minute visits)",
                                ge=1)
    night_gi_min_incidents: int = setting(30, "night-time Gi* only with at least this many "
                                          "night incidents", ge=1)


@dataclass(frozen=True)
class EmergingSettings:
    """Settings of Emerging Hot Spot Analysis (one section of the run configuration).

    Esri's documentation does not state the α of the bins or of the trend, so both are
    settings (0.05 by default) and are recorded in every result. Esri's space-time Python
    utilities shipped with ArcGIS Pro define, next to the category names, ``hsSigBinValue = 1``
    (a bin counts from |Gi_Bin| ≥ 1, i.e. 90 % confidence after FDR), ``mkSigValue = .1`` and
    ``emergingNumSig = .9``; how the tool uses them is not visible there, but they suggest
    ArcGIS reads both at 0.10 — set ``alpha_bins = alpha_trend = 0.10`` to mimic that, and see
    the α-sensitivity table of each result for what it changes.
    """

    time_step: str = setting("week", "length of a time step: ISO week (Monday to Sunday) or "
                             "calendar month, in the city's time zone", choices=("week", "month"))
    n_steps: int = setting(52, "complete time steps analysed, the last one ending at the run's "
                           "end (ArcGIS needs at least 10)", unit="steps", ge=10)
    neighborhood_time_step: int = setting(
        1, "K: earlier time steps in each bin's neighbourhood (ArcGIS Neighborhood Time Step)",
        unit="steps", ge=0)
    global_window: str = setting(
        "entire_cube", "what each bin is compared with: every bin (ArcGIS default), the bins "
        "of steps t-K..t, or the bins of step t", choices=("entire_cube", "neighborhood_time_step",
                                                       "individual_time_step"))
    variable: str = setting("rate_per_100m", "analysis variable: incidents, or incidents per "
                            "100 m of segment", choices=("rate_per_100m", "count"))
    alpha_bins: float = setting(0.05, "a bin is a significant hot/cold spot when its p "
                                "(FDR-adjusted when fdr is on) is at most this", gt=0, lt=1)
    alpha_trend: float = setting(0.05, "the Mann-Kendall trend of the z-scores is significant "
                                 "when its p is at most this", gt=0, lt=1)
    fdr: bool = setting(True, "Benjamini-Hochberg over all bins of the cube (ArcGIS always "
                        "applies it in Emerging Hot Spot Analysis)")
    ninety_percent_rule: str = setting(
        "ceil", "'90 % of the time steps' as ceil(0.9 T) (52 weeks: 47) or floor (46)",
        choices=("ceil", "floor"))
    sporadic_requires_final: bool = setting(
        True, "Sporadic needs a hot final step (ArcGIS Pro wording); false: ArcMap 10.x wording")
    partial_step: str = setting(
        "drop", "an incomplete final step is never analysed: drop it, or keep its counts "
        "flagged in the cube", choices=("drop", "flag"))
    sfdep_compatible: bool = setting(
        False, "reproduce R sfdep / PyEhsa: individual time step, row-standardised weights "
        "with self, permutation p, no FDR (overrides global_window and fdr)")
    simulations: int = setting(199, "permutations of the sfdep-compatible mode", ge=1)
    seed: int = setting(20171, "seed of the permutations (sfdep-compatible mode)")

    @classmethod
    def sfdep_defaults(cls) -> EmergingSettings:
        """sfdep's ``emerging_hotspot_analysis`` defaults: k = 1, nsim = 199, threshold 0.01."""
        return cls(sfdep_compatible=True, global_window="individual_time_step", fdr=False,
                   simulations=199, alpha_bins=0.01, alpha_trend=0.01)


@dataclass(frozen=True)
class NearRepeatSettings:
    """Settings of the near-repeat (Knox) analysis."""

    distance: str = setting(
        "euclidean", "distance between two incidents: straight line, Manhattan (|dx|+|dy|) or "
        "along the streets", choices=("euclidean", "manhattan", "network"))
    bandwidth_m: float = setting(100.0, "width of each spatial band", unit="m", gt=0)
    spatial_bands: int = setting(
        3, "number of spatial bands after 'same location' (the last finite edge is "
        "bandwidth_m × spatial_bands)", ge=1, le=100)
    bandwidth_days: int = setting(7, "width of each temporal band", unit="days", ge=1)
    temporal_bands: int = setting(3, "number of temporal bands before 'more than'", ge=1, le=100)
    permutations: int = setting(
        999, "Monte Carlo permutations of the dates over the fixed locations", ge=99)
    seed: int = setting(20030, "seed of the permutations (recorded in the outputs)", ge=0)
    alpha: float = setting(0.05, "significance level of a cell (one-sided pseudo p-value)",
                           gt=0, lt=1)
    min_knox_ratio: float = setting(
        1.2, "a significant cell enters the near-repeat zone only with at least this Knox ratio "
        "(1.2 = 20 % above chance; 1 = significance alone)", ge=1)
    closed: str = setting(
        "left", "which end a band includes: left = [lower, upper) as R NearRepeat and the NRC "
        "compute, right = (lower, upper]", choices=("left", "right"))
    time_unit: str = setting(
        "calendar_days", "time between incidents: whole days between local dates (as the NRC) "
        "or the exact elapsed time", choices=("calendar_days", "elapsed_days"))
    nrc_compatible: bool = setting(
        False, "reproduce Ratcliffe's Near Repeat Calculator 1.3: its band labels, its [a−1, b) "
        "intervals and its single-precision coordinates (planar distances, calendar days)")
    per_category: bool = setting(False, "also one table per incident category")
    weeks: int = setting(52, "weeks of incidents, up to the end of the analysed week, in the "
                         "Knox table of the weekly run", unit="weeks", ge=4, le=520)
    in_weekly: bool = setting(True, "compute the near-repeat table and risk zones in every "
                              "weekly run (hotspots near-repeat computes them on request)")
    weekly_permutations: int = setting(
        99, "permutations of the table in the weekly run (its risk zones need p ≤ alpha; 99 "
        "resolve p to 0.01); `hotspots near-repeat` uses `permutations`", ge=99)
