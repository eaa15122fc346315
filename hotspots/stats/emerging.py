"""Emerging Hot Spot Analysis on the street network, faithful to Esri (ArcGIS Pro) definitions.

Pipeline of :func:`emerging_hot_spots`: space-time cube (segment × ISO week or month, END_TIME
aligned, zeros included; :mod:`hotspots.stats.spacetime`) → Gi* of every bin with space-time
neighbours and Benjamini–Hochberg over the bins (:mod:`hotspots.stats.spacetime_gistar`) →
Mann–Kendall on each segment's z series and on its counts (:mod:`hotspots.stats.mann_kendall`)
→ Esri's 17 categories (:mod:`hotspots.stats.emerging_categories`), a sentence per segment in
English and Portuguese, and how the categories shift for α ∈ {0.01, 0.05, 0.10}.

What liaisons may receive (decided here; the export allow-list is :data:`EMERGING_LIAISON_COLUMNS`):
categories are not counts, but they are derived from counts, so

- per-bin z/p (``EmergingResult.gi``) and the final step's z/p are *analyst only*: the z of one
  time step over all segments is a known linear function of the counts of that step and the K
  before it (the street graph is public), so together they can be solved for the counts;
- the Mann–Kendall columns on the raw counts (``emerging_count_trend_*``) are *analyst only*:
  on a segment with one incident in the window they reveal the week it happened;
- a category, the number of hot/cold steps, the final bin and the trend of z are released, but
  they derive from the incidents of the segment's neighbourhood: an island segment with a
  single incident can be a "New Hot Spot" in a small cube, which discloses that count. So every
  released emerging column is nulled when ``emerging_nbhd_count`` (incidents on the segment and
  its spatial neighbours over the analysed steps; analyst only) is 1 … k−1: merge
  :data:`EMERGING_COUNT_DERIVED` into ``privacy.COUNT_DERIVED``. Zero stays visible (a cold or
  empty neighbourhood identifies nobody).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hotspots._errors import ValidationError, problems_message
from hotspots._settings import build_section
from hotspots.config import EmergingSettings
from hotspots.stats.emerging_categories import (
    CATEGORIES,
    category_labels,
    classify,
    explain,
    ninety_percent_count,
)
from hotspots.stats.mann_kendall import mann_kendall
from hotspots.stats.spacetime import SpaceTimeCube, space_time_cube
from hotspots.stats.spacetime_gistar import (
    SpaceTimeGiStar,
    space_time_gi_star,
    spatial_neighbourhood,
)

__all__ = [
    "ALPHA_SENSITIVITY",
    "EMERGING_ANALYST_ONLY",
    "EMERGING_COLUMNS",
    "EMERGING_COUNT_DERIVED",
    "EMERGING_LIAISON_COLUMNS",
    "MIN_STEPS",
    "EmergingResult",
    "EmergingSettings",
    "became",
    "emerging_hot_spots",
]

#: ArcGIS needs at least ten time steps for Emerging Hot Spot Analysis (``minNumTimeCube``)
MIN_STEPS = 10
#: significance levels of the stability table (bins and trend at the same level)
ALPHA_SENSITIVITY = (0.01, 0.05, 0.10)

#: columns of :attr:`EmergingResult.frame`, in order
EMERGING_COLUMNS = (
    "emerging_code",
    "emerging_category",
    "emerging_category_pt",
    "emerging_n_hot",
    "emerging_n_cold",
    "emerging_final_bin",
    "emerging_final_z",
    "emerging_final_p",
    "emerging_trend",
    "emerging_trend_z",
    "emerging_trend_p",
    "emerging_trend_tau",
    "emerging_count_trend_z",
    "emerging_count_trend_p",
    "emerging_count_trend_tau",
    "emerging_stable",
    "emerging_nbhd_count",
    "emerging_explanation_en",
    "emerging_explanation_pt",
)
#: columns for analysts only (see the module docstring): per-step z/p, trends of raw counts, and
#: the neighbourhood count that drives the suppression
EMERGING_ANALYST_ONLY = (
    "emerging_final_z",
    "emerging_final_p",
    "emerging_count_trend_z",
    "emerging_count_trend_p",
    "emerging_count_trend_tau",
    "emerging_nbhd_count",
)
#: emerging columns a liaison/public export may carry (see the module docstring)
EMERGING_LIAISON_COLUMNS = tuple(c for c in EMERGING_COLUMNS if c not in EMERGING_ANALYST_ONLY)
#: for ``privacy.COUNT_DERIVED``: a neighbourhood count of 1 … k−1 nulls every released column
EMERGING_COUNT_DERIVED: dict[str, tuple[str, ...]] = {
    "emerging_nbhd_count": EMERGING_LIAISON_COLUMNS,
}


@dataclass(frozen=True)
class EmergingResult:
    """Emerging hot spots of every segment, with the cube, the bins and the parameters.

    ``frame`` (indexed by ``segment_id``, aligned to the segments given) has the columns of
    :data:`EMERGING_COLUMNS`. ``cube`` holds the counts and values per step; ``gi`` the
    per-bin z, p, FDR-adjusted p and bins (T × n arrays; analyst only); ``sensitivity`` the
    number of segments per category (rows, legend order) for α ∈ :data:`ALPHA_SENSITIVITY`
    (columns; bins and trend at that α); ``parameters`` everything needed to reproduce it.
    """

    frame: pd.DataFrame
    cube: SpaceTimeCube
    gi: SpaceTimeGiStar
    sensitivity: pd.DataFrame
    settings: EmergingSettings
    parameters: dict = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Segments per category (English names, legend order, zeros included)."""
        vc = self.frame["emerging_code"].value_counts()
        return {c.name: int(vc.get(c.code, 0)) for c in CATEGORIES}

    def bins_long(self) -> pd.DataFrame:
        """One row per bin: segment_id, step, count, value, z, p, p_adj, bin (analyst only)."""
        t_steps, n = self.cube.counts.shape
        return pd.DataFrame({
            "segment_id": np.tile(np.asarray(self.cube.segment_ids), t_steps),
            "step": np.repeat(self.cube.steps["label"].to_numpy(), n),
            "count": self.cube.counts.ravel(),
            "value": self.cube.values.ravel(),
            "gi_z": self.gi.z.ravel(),
            "gi_p": self.gi.p.ravel(),
            "gi_p_adj": self.gi.p_adj.ravel(),
            "gi_bin": self.gi.bins.ravel(),
        })


def emerging_hot_spots(
    incidents: pd.DataFrame,
    segments: pd.DataFrame,
    w,
    *,
    end: pd.Timestamp,
    settings: EmergingSettings | None = None,
    n_jobs: int | None = None,
    explain_texts: bool = True,
) -> EmergingResult:
    """Emerging Hot Spot Analysis of geocoded incidents on street segments.

    Parameters
    ----------
    incidents : DataFrame
        Geocoded incidents (index ``incident_id``): ``segment_id`` and tz-aware
        ``occurred_at``.
    segments : DataFrame or GeoDataFrame
        Indexed by ``segment_id``; ``length_m`` (m) for ``variable="rate_per_100m"``.
    w : libpysal Graph or W
        Spatial weights on the segments (``hotspots.weights.network_contiguity`` or
        ``network_distance_band``); only who neighbours whom is used (binary weights, the
        segment itself added; row-standardised in the sfdep-compatible mode).
    end : pandas.Timestamp
        Tz-aware end of the analysis (exclusive), e.g. the Monday 00:00 after the reported
        week; the last analysed step is the last complete one (END_TIME alignment).
    settings : EmergingSettings, optional
        Defaults: 52 ISO weeks, K = 1, entire-cube window, rate per 100 m, α = 0.05 for bins
        and trend, FDR on.
    n_jobs : int, optional
        Numba threads for the permutations of the sfdep-compatible mode.
    explain_texts : bool
        Write the per-segment sentences (pt and en); False leaves them empty (e.g. for the
        previous week's categories, which only decide what *became* new).

    Returns
    -------
    EmergingResult

    Notes
    -----
    Categories follow :func:`hotspots.stats.emerging_categories.classify` (Esri's wording,
    every open case resolved there). A bin is hot when its p (Benjamini–Hochberg adjusted over
    all T·n bins when ``fdr``) is ≤ ``alpha_bins`` and z > 0; the trend is Mann–Kendall on the
    segment's series of bin z-scores, significant at ``alpha_trend``.

    The sfdep-compatible mode (``settings.sfdep_compatible``, see
    :meth:`EmergingSettings.sfdep_defaults`) computes what R sfdep's
    ``emerging_hotspot_analysis`` and PyEhsa compute: the individual-time-step window,
    row-standardised weights including the segment itself, and the permutation pseudo p
    (neighbourhoods redrawn from all bins of the cube, ``simulations`` times, seeded), without
    FDR; its Gi* equals PyEhsa's to machine precision. The categories still follow Esri's
    rules above, not sfdep's predicates (which, e.g., never call a location with a cold
    history New, test Intensifying on any significant bin, require ``gs[n] < 0`` for
    Historical Hot and do not require a hot final step for Sporadic); and the permutation p
    differs from R's draw by draw (other random numbers), so categories near the threshold
    can differ from R's run even where the rules agree.
    """
    settings = EmergingSettings() if settings is None else settings
    _check_settings(settings)
    s = settings
    sfdep = s.sfdep_compatible
    cube = space_time_cube(incidents, segments, end=end, step=s.time_step, n_steps=s.n_steps,
                           variable=s.variable, partial_step=s.partial_step)
    if cube.incidents_in_window == 0:
        raise ValidationError(
            f"emerging_hot_spots: no incident in the {cube.n_steps} {s.time_step}s from "
            f"{cube.steps['start'].iloc[0]:%Y-%m-%d} to {cube.steps['end'].iloc[-1]:%Y-%m-%d} "
            f"({cube.incidents_before} before, {cube.incidents_after} after the end); check "
            "`end` or the incidents read"
        )
    gi = space_time_gi_star(
        cube.values, w, segment_ids=cube.segment_ids, k=s.neighborhood_time_step,
        window="individual_time_step" if sfdep else s.global_window,
        weights="row_standardized" if sfdep else "binary",
        permutations=s.simulations if sfdep else 0, seed=s.seed,
        fdr=False if sfdep else s.fdr, n_jobs=n_jobs,
    )
    trend = mann_kendall(gi.z.T)
    count_trend = mann_kendall(cube.counts.T)
    rules: dict = {"ninety_percent_rule": s.ninety_percent_rule,
             "sporadic_requires_final": s.sporadic_requires_final}

    positive, negative = gi.z > 0, gi.z < 0
    known: dict[tuple[float, float], np.ndarray] = {}

    def codes_at(alpha_bins: float, alpha_trend: float) -> np.ndarray:
        key = (float(alpha_bins), float(alpha_trend))
        if key not in known:  # the run's own alphas are usually one of the sensitivity ones
            sig = gi.p_bins <= alpha_bins
            known[key] = classify(sig & positive, sig & negative, trend.z, trend.p,
                                  alpha_trend=alpha_trend, **rules)
        return known[key]

    codes = codes_at(s.alpha_bins, s.alpha_trend)
    by_alpha = {a: codes_at(a, a) for a in ALPHA_SENSITIVITY}
    sensitivity = pd.DataFrame(
        {a: pd.Series(c).value_counts().reindex([x.code for x in CATEGORIES], fill_value=0)
         .to_numpy() for a, c in by_alpha.items()},
        index=pd.Index([x.name for x in CATEGORIES], name="emerging_category"),
    )
    sensitivity.columns.name = "alpha"
    stable = np.all([c == by_alpha[ALPHA_SENSITIVITY[0]] for c in by_alpha.values()], axis=0)
    frame = _frame(cube, gi, trend, count_trend, codes, stable, w, s, texts=explain_texts)
    params = _parameters(cube, gi, s)
    return EmergingResult(frame=frame, cube=cube, gi=gi, sensitivity=sensitivity,
                          settings=s, parameters=params)


def became(
    current: pd.Series,
    previous: pd.Series,
    *,
    categories: tuple[str, ...] = ("New Hot Spot", "Intensifying Hot Spot"),
) -> pd.Index:
    """Segments whose category is now one of ``categories`` and was something else before.

    For the bulletin ("segments that became New/Intensifying this week"): pass this week's and
    last week's ``emerging_category`` columns; segments absent last week count as changed.
    """
    known = {c.name for c in CATEGORIES}
    unknown = [c for c in categories if c not in known]
    if unknown:
        raise ValidationError(f"became: unknown categories {unknown}; use Esri's names, e.g. "
                              "'New Hot Spot'")
    before = previous.reindex(current.index)
    mask = current.isin(categories) & (before != current)
    return current.index[mask.to_numpy()]


def _frame(cube, gi, trend, count_trend, codes, stable, w, s, *, texts: bool = True
           ) -> pd.DataFrame:
    last = -1
    final_bin = gi.bins[last]
    sig = gi.p_bins <= s.alpha_bins
    n_hot = (sig & (gi.z > 0)).sum(axis=0)
    n_cold = (sig & (gi.z < 0)).sum(axis=0)
    final_state = np.where(sig[last] & (gi.z[last] > 0), 1, np.where(sig[last] & (gi.z[last] < 0),
                                                                      -1, 0))
    trend_sig = trend.p <= s.alpha_trend
    direction = np.where(trend_sig & (trend.z > 0), "rising",
                         np.where(trend_sig & (trend.z < 0), "falling", "none"))
    nbhd = spatial_neighbourhood(w, cube.segment_ids) @ cube.counts.sum(axis=0)
    blank = np.full(len(codes), "", dtype=object)
    text = {lang: (explain(codes, n_hot, n_cold, final_state, trend.z, trend.p,
                           n_steps=cube.n_steps, step=cube.step, alpha_trend=s.alpha_trend,
                           language=lang) if texts else blank) for lang in ("en", "pt")}
    frame = pd.DataFrame(
        {
            "emerging_code": codes.astype(np.int8),
            "emerging_category": category_labels(codes, language="en"),
            "emerging_category_pt": category_labels(codes, language="pt"),
            "emerging_n_hot": n_hot.astype(np.int64),
            "emerging_n_cold": n_cold.astype(np.int64),
            "emerging_final_bin": final_bin.astype(np.int8),
            "emerging_final_z": gi.z[last],
            "emerging_final_p": gi.p[last],
            "emerging_trend": direction,
            "emerging_trend_z": trend.z,
            "emerging_trend_p": trend.p,
            "emerging_trend_tau": trend.tau,
            "emerging_count_trend_z": count_trend.z,
            "emerging_count_trend_p": count_trend.p,
            "emerging_count_trend_tau": count_trend.tau,
            "emerging_stable": stable,
            "emerging_nbhd_count": np.asarray(nbhd).astype(np.int64),
            "emerging_explanation_en": text["en"],
            "emerging_explanation_pt": text["pt"],
        },
        index=cube.segment_ids.copy(),
    )
    frame.index.name = "segment_id"
    return frame


def _parameters(cube: SpaceTimeCube, gi: SpaceTimeGiStar, s: EmergingSettings) -> dict:
    return {
        "settings": dataclasses.asdict(s),
        "window": gi.window,
        "weights": f"{gi.weights}, segment itself included",
        "neighborhood_time_step": gi.k,
        "first_steps": f"the first {gi.k} step(s) have truncated neighbourhoods (fewer steps)"
        if gi.k else "none (K = 0)",
        "inference": gi.inference,
        "permutations": gi.permutations,
        "seed": gi.seed if gi.permutations else None,
        "fdr": gi.fdr,
        "p_adjust": "Benjamini-Hochberg over all bins" if gi.fdr else "none",
        "alpha_bins": s.alpha_bins,
        "alpha_trend": s.alpha_trend,
        "ninety_percent_steps": ninety_percent_count(cube.n_steps, s.ninety_percent_rule),
        "trend_test": "Mann-Kendall on each segment's Gi* z series (tie-corrected variance, "
                      "continuity correction, two-sided); also on raw counts",
        "alpha_sensitivity": list(ALPHA_SENSITIVITY),
        "degenerate_bins": int(gi.degenerate.sum()),
        "cube": cube.summary(),
    }


def _check_settings(settings: EmergingSettings) -> None:
    if not isinstance(settings, EmergingSettings):
        raise ValidationError(
            f"emerging_hot_spots: settings must be an EmergingSettings, got "
            f"{type(settings).__name__}"
        )
    _, problems = build_section(EmergingSettings, dataclasses.asdict(settings),
                                section="emerging")
    if settings.sfdep_compatible and 1.0 / (settings.simulations + 1) > settings.alpha_bins:
        problems.append(
            f"emerging.simulations: with {settings.simulations} permutations the smallest "
            f"pseudo p is 1/{settings.simulations + 1} = {1 / (settings.simulations + 1):.3f}, "
            f"above alpha_bins = {settings.alpha_bins}, so no bin could ever be significant; "
            f"use at least {int(np.ceil(1 / settings.alpha_bins)) - 1} simulations"
        )
    if problems:
        raise ValidationError(problems_message("invalid Emerging Hot Spot settings:", problems))
