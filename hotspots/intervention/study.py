"""One intervention evaluation from start to end: inputs, areas, controls, classic measures and models."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import crs as crs_mod
from hotspots._errors import ValidationError, problems_message
from hotspots.config.evaluation import EvaluationSettings
from hotspots.intervention import areas as areas_mod
from hotspots.intervention import did as did_mod
from hotspots.intervention.before_after import (
    ClassicResult,
    before_after_counts,
    classic_measures,
)
from hotspots.intervention.design import (
    BUFFER,
    CONTROL,
    TREATED,
    CohortWindow,
    cohort_windows,
    stacked_rows,
)
from hotspots.intervention.inputs import (
    LIGHTING_KINDS,
    Interventions,
    prepare_interventions,
    week_start,
    weekly_panel,
)

__all__ = ["InterventionEvaluation", "Note", "evaluate_interventions"]

ROLES = {TREATED: "treated", BUFFER: "buffer", CONTROL: "control"}


@dataclass(frozen=True)
class Note:
    """Something the reader of the results must know: a code and its values (texts in pt/en)."""

    code: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InterventionEvaluation:
    """Everything an evaluation found (see :func:`evaluate_interventions`).

    Attributes
    ----------
    settings : the settings used; ``outcome`` the resolved outcome ("all"/"night"/"day").
    interventions : the validated interventions and the segments they treat.
    areas : GeoDataFrame of the study segments (index ``segment_id``): ``role``
        ("treated"/"buffer"/"control"), ``start`` (date the segment's own intervention or its
        buffer exposure starts), ``reach`` (m or hops to the nearest treated segment),
        ``length_m``, geometry.
    network : geometry of every segment (for maps).
    weeks : the Monday of each week of the panel.
    windows : one :class:`~hotspots.intervention.design.CohortWindow` per cohort evaluated.
    balance : covariate balance (see :func:`~hotspots.intervention.areas.balance_table`).
    counts : before/after counts per cohort and area.
    classic : WDQ family and WDD per cohort and pooled.
    effects : DiD effects ("treated", "buffer"; with the placebo also "night_treated",
        "day_treated", "ddd_treated" and the buffer's), columns of
        :data:`~hotspots.intervention.did.EFFECT_COLUMNS`.
    event_study : leads/lags and the pre-trend test.
    cohort_effects : the DiD of each cohort alone (index: start date, term).
    category_effects : the DiD for each category with enough incidents (index: category, term).
    trajectory : mean count per segment and week by area and week from the start
        (``etime``, ``role``, ``mean``, ``segments``).
    model : sample and fit facts of the main model.
    notes : what the reader must know (codes with values).
    """

    settings: EvaluationSettings
    outcome: str
    interventions: Interventions
    areas: gpd.GeoDataFrame
    network: gpd.GeoSeries
    weeks: pd.DatetimeIndex
    windows: tuple[CohortWindow, ...]
    balance: pd.DataFrame
    counts: pd.DataFrame
    classic: ClassicResult
    effects: pd.DataFrame
    event_study: did_mod.EventStudy
    cohort_effects: pd.DataFrame
    category_effects: pd.DataFrame
    trajectory: pd.DataFrame
    model: dict[str, Any]
    notes: tuple[Note, ...]

    def effect(self, term: str = "treated") -> dict[str, float]:
        """One row of ``effects`` as a dict (e.g. ``effect("buffer")["pct_change"]``)."""
        return self.effects.loc[term].to_dict()

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """Layers for maps and exports: ``intervention_areas`` (one row per study segment)."""
        out = self.areas.copy()
        out["start"] = out["start"].dt.strftime("%Y-%m-%d")
        return {"intervention_areas": out}

    def summary(self) -> dict[str, Any]:
        """Plain numbers for a manifest: settings, sizes, main effects, WDD/WDQ, pre-trend."""
        pooled = self.classic.table.iloc[-1]
        return {
            "settings": asdict(self.settings), "outcome": self.outcome,
            "segments": self.areas["role"].value_counts().to_dict(),
            "cohorts": [str(self.weeks[w.cohort].date()) for w in self.windows],
            "effects": {t: {k: _plain(v) for k, v in r.items()}
                        for t, r in self.effects.to_dict(orient="index").items()},
            "wdq": _plain(pooled["wdq"]), "wdq_reason": pooled["wdq_reason"],
            "wdd": _plain(pooled["wdd"]), "wdd_se": _plain(pooled["wdd_se"]),
            "pretrend_p": _plain(self.event_study.pretrend_p),
            "notes": [{"code": n.code, **{k: _plain(v) for k, v in n.values.items()}}
                      for n in self.notes],
        }


def _plain(v):
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return None if np.isnan(v) else float(v)
    if isinstance(v, float) and np.isnan(v):
        return None
    return v


def evaluate_interventions(
    incidents: pd.DataFrame,
    segments: gpd.GeoDataFrame,
    interventions: pd.DataFrame,
    *,
    settings: EvaluationSettings | None = None,
    weights=None,
    lamps: gpd.GeoDataFrame | pd.Series | None = None,
    controls: list | pd.Index | None = None,
    period: tuple | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> InterventionEvaluation:
    """Did the interventions work? Areas, matched controls, WDQ/WDD and Poisson DiD.

    Parameters
    ----------
    incidents : geocoded incidents (``segment_id``, tz-aware ``occurred_at``, ``category``,
        optional boolean ``is_night``; night is computed from local sunset/sunrise otherwise).
    segments : street segments (index ``segment_id``, LineStrings in a metric CRS, ``length_m``).
    interventions : one row per intervention with ``segment_id`` or a geometry, ``kind``,
        ``start`` and optional ``end`` (see
        :func:`~hotspots.intervention.inputs.prepare_interventions`).
    settings : :class:`EvaluationSettings` (defaults when None).
    weights : libpysal Graph over the segments for ``buffer = "hops"`` (default contiguity).
    lamps : lamp points (any CRS) or lamps per 100 m per segment, for matching on lamp density.
    controls : segment ids to use as controls instead of matching (must be outside treated and
        buffer segments).
    period : (first day, last day) of the data; default the weeks of the incidents.
    latitude, longitude : place for sunset/sunrise (default: the centre of the segments).

    Returns
    -------
    InterventionEvaluation
    """
    settings = settings or EvaluationSettings()
    _check_segments(segments)
    notes: list[Note] = []
    ivs = prepare_interventions(interventions, segments, match_distance_m=settings.match_distance_m,
                                min_overlap=settings.min_overlap, kinds=settings.kinds)
    if len(ivs.overlaps):
        notes.append(Note("overlaps", {"n": len(ivs.overlaps)}))
    panel = weekly_panel(incidents, segments, period=period, latitude=latitude,
                         longitude=longitude)
    if panel.night_computed:
        notes.append(Note("night_computed", {}))
    if panel.outside_period:
        notes.append(Note("outside_period", {"n": panel.outside_period}))
    kinds = set(ivs.treated["kind"])
    outcome = settings.outcome
    if outcome == "auto":
        outcome = "night" if kinds <= set(LIGHTING_KINDS) else "all"
    cats = tuple(settings.categories)
    unknown = [c for c in cats if c not in panel.categories]
    if unknown:
        raise ValidationError(f"evaluation.categories: {unknown} not among the incidents' "
                              f"categories {list(panel.categories)}")
    y = panel.matrix(outcome, cats)
    y_all, y_night, y_day = (panel.matrix(w, cats) for w in ("all", "night", "day"))
    n_seg, n_weeks = y.shape
    w0 = panel.weeks[0]
    treat_week = ((week_start(ivs.treated["start"]) - w0).dt.days // 7).astype(float)
    end_raw = ivs.treated["end"]
    end_week = ((week_start(end_raw.fillna(w0)) - w0).dt.days // 7).astype(float)
    end_week[end_raw.isna()] = np.nan
    expo = areas_mod.exposure(segments, treat_week, mode=settings.buffer,
                              buffer_m=settings.buffer_m, buffer_hops=settings.buffer_hops,
                              weights=weights)
    tw = expo["treat_week"].to_numpy()
    sw = expo["spill_week"].to_numpy()
    ew = np.full(n_seg, np.nan)
    ew[segments.index.get_indexer(end_week.index)] = end_week.to_numpy()
    windows, skipped = cohort_windows(
        tw, sw, ew, n_weeks, pre_weeks=settings.pre_weeks, post_weeks=settings.post_weeks,
        implementation_weeks=settings.implementation_weeks,
        equal_periods=settings.classic_equal_periods)
    for g, why in skipped:
        notes.append(Note("cohort_skipped", {"start": str((w0 + pd.Timedelta(weeks=g)).date()),
                                             "reason": why}))
    if not windows:
        raise ValidationError(
            f"interventions: no start date has at least 2 weeks of incidents before it and 1 "
            f"after (incidents cover {panel.weeks[0].date()} to "
            f"{(panel.weeks[-1] + pd.Timedelta(days=6)).date()}; starts: "
            f"{sorted({str(d.date()) for d in ivs.treated['start']})}). Give incidents that "
            "cover the periods before and after the interventions.")
    spilled_treated = int(np.sum(~np.isnan(tw) & (sw < tw)))
    if spilled_treated:
        notes.append(Note("treated_pre_spill", {"n": spilled_treated}))
    density = _lamp_density(lamps, segments, settings.lamp_reach_m)
    length = segments["length_m"].to_numpy(dtype=float)
    ctrl, balance, matched_to, note = _controls(
        y, y_all, y_night, windows, tw, sw, segments, controls, settings, length, density)
    notes += note
    counts = before_after_counts(y, windows, tw, sw, ctrl, weeks=panel.weeks)
    classic = classic_measures(y, windows, tw, sw, ctrl, length_m=length, weeks=panel.weeks,
                               area_weight=settings.wdd_area_weight, alpha=settings.alpha)
    rows = stacked_rows(windows, tw, sw, ew, ctrl,
                        implementation_weeks=settings.implementation_weeks)
    dims = {"n_weeks": n_weeks, "n_segments": n_seg}
    effects, fit = did_mod.fit_did(y, rows, alpha=settings.alpha, **dims)
    es = did_mod.event_study(y, rows, bin_weeks=settings.event_bin_weeks, alpha=settings.alpha,
                             **dims)
    if settings.placebo and kinds & set(LIGHTING_KINDS):
        plac = did_mod.night_day_placebo(y_night, y_day, rows, alpha=settings.alpha, **dims)
        effects = pd.concat([effects, plac])
    cohort_fx = (_per_cohort(y, rows, windows, panel.weeks, settings.alpha, dims)
                 if settings.by_cohort else pd.DataFrame())
    cat_fx = _per_category(panel, outcome, rows, tw, windows, settings, dims)
    model = {"n_obs": fit.n_obs, "n_segments": fit.n_clusters, "dropped_obs": fit.dropped_obs,
             "separated": list(fit.separated), "collinear": list(fit.collinear),
             "converged": fit.converged, "iterations": fit.iterations,
             "pearson_dispersion": fit.pearson_dispersion, "stacks": len(windows),
             "estimator": "stacked Poisson DiD, stack×segment and stack×week fixed effects, "
                          "clustered by segment"}
    notes += _model_notes(fit, es, effects, counts, y, windows, tw, settings)
    areas = _areas_frame(segments, expo, ctrl, matched_to, panel.weeks, settings)
    return InterventionEvaluation(
        settings=settings, outcome=outcome, interventions=ivs, areas=areas,
        network=segments.geometry, weeks=panel.weeks, windows=tuple(windows), balance=balance,
        counts=counts, classic=classic, effects=effects, event_study=es,
        cohort_effects=cohort_fx, category_effects=cat_fx,
        trajectory=_trajectory(y, rows), model=model, notes=tuple(notes))


def _check_segments(segments) -> None:
    problems = []
    if not isinstance(segments, gpd.GeoDataFrame):
        raise ValidationError(f"segments: expected a GeoDataFrame, got {type(segments).__name__}")
    if segments.crs is None:
        problems.append("the segments have no CRS (build them with build_segments)")
    else:
        try:
            crs_mod.require_metric(segments.crs, what="segments CRS")
        except ValidationError as exc:
            problems.append(str(exc))
    if "length_m" not in segments.columns:
        problems.append("a 'length_m' column is missing (from build_segments)")
    if segments.index.has_duplicates:
        problems.append(f"duplicate segment ids, e.g. {segments.index[segments.index.duplicated()][:3].tolist()}")
    if problems:
        raise ValidationError(problems_message("segments: cannot evaluate on them", problems))


def _lamp_density(lamps, segments, reach_m) -> np.ndarray | None:
    if lamps is None:
        return None
    if isinstance(lamps, pd.Series) and not isinstance(lamps, gpd.GeoSeries):
        missing = segments.index.difference(lamps.index)
        if len(missing):
            raise ValidationError(f"lamps: the lamp densities miss {len(missing)} segments "
                                  f"(e.g. {list(missing[:3])}); give one value per segment")
        return lamps.reindex(segments.index).to_numpy(dtype=float)
    from hotspots.overlays import lighting

    prepared = lighting.prepare_lamps(lamps, segments.crs)
    return lighting.lighting(segments, prepared, reach_m=reach_m).frame[
        "lights_per_100m"].to_numpy(dtype=float)


def _controls(y, y_all, y_night, windows, tw, sw, segments, given, settings, length, density):
    """Control positions, balance table, cohort each control was matched for, notes."""
    notes: list[Note] = []
    pool = np.flatnonzero(np.isnan(tw) & np.isnan(sw))
    match_on = tuple(c for c in settings.match_on if c != "lamp_density" or density is not None)
    if given is not None:
        ids = pd.Index(given)
        pos = segments.index.get_indexer(ids)
        problems = [f"segment {i!r} is not in the segments table" for i in ids[pos < 0][:10]]
        bad = pos[(pos >= 0) & ~np.isin(pos, pool)]
        problems += [f"segment {segments.index[p]!r} is treated or in a buffer" for p in bad[:10]]
        if problems:
            raise ValidationError(problems_message("controls: cannot use them", problems,
                                                   "give segments outside treated and buffer"))
        ctrl = np.unique(pos)
        notes.append(Note("controls_given", {"n": len(ctrl)}))
        matched_to = np.full(len(ctrl), -1)
    elif settings.controls == "all":
        ctrl, matched_to = pool, np.full(len(pool), -1)
    else:
        ctrl_parts, to_parts = [], []
        free = pool.copy()
        for win in windows:
            cov = areas_mod.pre_period_covariates(y, y_all, y_night, window=win.pre,
                                                  length_m=length, lamp_density=density)
            treated = np.flatnonzero(tw == win.cohort)
            k = settings.controls_per_treated
            if len(free) < k * len(treated):
                k_new = len(free) // max(len(treated), 1)
                notes.append(Note("fewer_controls", {"k": k_new, "wanted": k}))
                k = k_new
            if k == 0:
                raise ValidationError("matching: no segment is left outside the treated and "
                                      "buffer segments to serve as control; reduce the buffer")
            chosen, _to = areas_mod.match_controls(cov, treated, free, k=k, match_on=match_on)
            ctrl_parts.append(chosen)
            to_parts.append(np.full(len(chosen), win.cohort))
            free = np.setdiff1d(free, chosen)
        ctrl = np.concatenate(ctrl_parts)
        matched_to = np.concatenate(to_parts)
        order = np.argsort(ctrl)
        ctrl, matched_to = ctrl[order], matched_to[order]
    parts = {"treated": [], "pool": [], "controls": [], "buffer": []}
    for win in windows:
        cov = areas_mod.pre_period_covariates(y, y_all, y_night, window=win.pre,
                                              length_m=length, lamp_density=density)
        cov = cov[list(dict.fromkeys([*match_on, *cov.columns]))]
        own = ctrl[matched_to == win.cohort] if (matched_to == win.cohort).any() else ctrl
        parts["treated"].append(cov.iloc[np.flatnonzero(tw == win.cohort)])
        parts["pool"].append(cov.iloc[pool])
        parts["controls"].append(cov.iloc[own])
        parts["buffer"].append(cov.iloc[np.flatnonzero(np.isnan(tw) & (sw == win.cohort))])
    balance = areas_mod.balance_table(*(pd.concat(parts[k]) for k in
                                        ("treated", "pool", "controls", "buffer")))
    balance["matched_on"] = balance.index.isin(match_on) & (given is None) & (
        settings.controls == "matched")
    poor = balance.index[balance["smd_after"].abs() > 0.1].tolist()
    if poor:
        notes.append(Note("imbalance", {"covariates": poor}))
    return ctrl, balance, matched_to, notes


def _areas_frame(segments, expo, ctrl, matched_to, weeks, settings) -> gpd.GeoDataFrame:
    tw, sw = expo["treat_week"].to_numpy(), expo["spill_week"].to_numpy()
    role = np.full(len(segments), "", dtype=object)
    role[ctrl] = "control"
    role[~np.isnan(sw) & np.isnan(tw)] = "buffer"
    role[~np.isnan(tw)] = "treated"
    start_w = np.where(~np.isnan(tw), tw, sw)
    start = pd.Series(pd.NaT, index=segments.index, dtype="datetime64[ns]")
    ok = ~np.isnan(start_w)
    start[ok] = weeks[0] + pd.to_timedelta(start_w[ok] * 7, unit="D")
    keep = role != ""
    out = gpd.GeoDataFrame({"role": role, "start": start, "reach": expo["reach"],
                            "length_m": segments["length_m"]}, geometry=segments.geometry,
                           crs=segments.crs)
    mt = pd.Series(pd.NaT, index=segments.index, dtype="datetime64[ns]")
    has = matched_to >= 0
    mt.iloc[ctrl[has]] = weeks[0] + pd.to_timedelta(matched_to[has] * 7, unit="D")
    out["matched_for"] = mt
    out.attrs["reach_unit"] = "m" if settings.buffer == "distance" else "hops"
    return out[keep]


def _per_cohort(y, rows, windows, weeks, alpha, dims) -> pd.DataFrame:
    if len(windows) < 2:
        return pd.DataFrame()
    frames = []
    for s, win in enumerate(windows):
        sub = rows.select(rows.stack == s)
        fx, _ = did_mod.fit_did(y, sub, alpha=alpha, **dims)
        fx.insert(0, "cohort", str(weeks[win.cohort].date()))
        frames.append(fx.reset_index())
    return pd.concat(frames).set_index(["cohort", "term"])


def _per_category(panel, outcome, rows, tw, windows, settings, dims) -> pd.DataFrame:
    if not settings.by_category:
        return pd.DataFrame()
    frames = []
    treated = ~np.isnan(tw)
    for cat in panel.categories:
        if settings.categories and cat not in settings.categories:
            continue
        yc = panel.matrix(outcome, (cat,))
        n_t = sum(yc[treated & (tw == w.cohort), w.first:w.last + 1].sum() for w in windows)
        if n_t < settings.min_category_incidents:
            continue
        fx, _ = did_mod.fit_did(yc, rows, alpha=settings.alpha, **dims)
        fx.insert(0, "category", cat)
        frames.append(fx.reset_index())
    return pd.concat(frames).set_index(["category", "term"]) if frames else pd.DataFrame()


def _trajectory(y, rows) -> pd.DataFrame:
    frame = pd.DataFrame({"etime": rows.etime, "role": rows.role, "y": y[rows.seg, rows.week],
                          "seg": rows.seg})
    out = frame.groupby(["etime", "role"]).agg(mean=("y", "mean"), segments=("seg", "nunique"))
    out = out.reset_index()
    out["role"] = out["role"].map(ROLES)
    return out


def _model_notes(fit, es, effects, counts, y, windows, tw, settings) -> list[Note]:
    notes = []
    if fit.dropped_obs:
        notes.append(Note("dropped_obs", {"n": fit.dropped_obs}))
    if fit.separated:
        notes.append(Note("separated", {"terms": list(fit.separated)}))
    if not fit.converged:
        notes.append(Note("not_converged", {"iterations": fit.iterations}))
    n_treated = int(np.sum(~np.isnan(tw)))
    if n_treated < 30:
        notes.append(Note("few_treated", {"n": n_treated}))
    if fit.pearson_dispersion > 1.5:
        notes.append(Note("overdispersion", {"phi": round(fit.pearson_dispersion, 2)}))
    if np.isfinite(es.pretrend_p) and es.pretrend_p < settings.alpha:
        notes.append(Note("pretrend", {"p": es.pretrend_p}))
    if "day_treated" in effects.index:
        day = effects.loc["day_treated"]
        if np.isfinite(day["p"]) and day["p"] < settings.alpha:
            notes.append(Note("placebo_day", {"pct": day["pct_change"], "lo": day["ci_low_pct"],
                                              "hi": day["ci_high_pct"]}))
    # regression to the mean: treated segments far above the typical segment before the start
    ratios = []
    for w in windows:
        a, b = w.pre
        t_rate = y[tw == w.cohort, a:b].mean()
        city = y[:, a:b].mean()
        if city > 0:
            ratios.append(t_rate / city)
    if ratios and max(ratios) >= 2:
        notes.append(Note("rtm", {"ratio": round(float(max(ratios)), 1)}))
    return notes
