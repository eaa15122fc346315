"""Where to act first: lighting ranking with reasons, budget selection, green-area candidates, patrols."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots._errors import ValidationError

__all__ = [
    "HOT_WEIGHT", "KOPER_REVISIT_H", "KOPER_VISIT_MIN", "Plan", "green_candidates",
    "lighting_priority", "parse_shift_window", "patrol_guidance", "select_under_budget"
]

#: Gi* bin -> confidence wording
_CONF = {3: "99 %", 2: "95 %", 1: "90 %"}
#: extra weight of a Gi* hot spot in the lighting score: 1 + HOT_WEIGHT × bin / 3
HOT_WEIGHT = 0.5
#: Koper (1995): stops of about 10–15 minutes; revisit at random at least every two hours
KOPER_VISIT_MIN = (10, 15)
KOPER_REVISIT_H = 2.0


@dataclass(frozen=True)
class Plan:
    """A ranked list of candidates, the budget selection and its totals."""

    frame: pd.DataFrame  #: ranked candidates (rank 1 first) with reasons and selected_in_budget
    budget: dict  #: budgets used (None = no budget)
    totals: dict = field(default_factory=dict)


def select_under_budget(values, costs, *, budget: float) -> np.ndarray:
    """Greedy knapsack: take items by value per unit cost while they fit; True = selected.

    Items are taken in order of value/cost (ties: higher value, then input order), skipping
    those that no longer fit; the result is compared with the best single item that fits and
    the better of the two is returned (the classic ½-approximation; exact when ratios order
    the optimum, as with equal costs). Items with zero value are never selected; zero-cost
    items with value always are.
    """
    values = np.asarray(values, dtype=float)
    costs = np.asarray(costs, dtype=float)
    if values.shape != costs.shape:
        raise ValidationError("values and costs must have the same length")
    if not np.isfinite(budget) or budget < 0:
        raise ValidationError(f"budget={budget!r}: must be a finite number ≥ 0")
    if (costs < 0).any() or not np.isfinite(costs).all():
        raise ValidationError("costs must be finite and ≥ 0")
    useful = values > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(costs > 0, values / costs, np.inf)
    order = np.lexsort((np.arange(len(values)), -values, -ratio))
    chosen = np.zeros(len(values), dtype=bool)
    spent = 0.0
    for i in order:
        if useful[i] and spent + costs[i] <= budget + 1e-9:
            chosen[i] = True
            spent += costs[i]
    fits = useful & (costs <= budget + 1e-9)
    if fits.any():
        best = int(np.flatnonzero(fits)[np.argmax(values[fits])])
        if values[best] > values[chosen].sum():
            chosen[:] = False
            chosen[best] = True
    return chosen


#: words of the plain-language reasons, per report language ("en", "pt")
_WORDS: dict[str, dict[str, Any]] = {
    "en": {
        "night incident": ("night incident", "night incidents"), "week": ("week", "weeks"),
        "incident": ("incident", "incidents"), "segment": ("segment", "segments"),
        "broken lamp": ("broken lamp", "broken lamps"),
        "Gi* hot segment": ("Gi* hot segment", "Gi* hot segments"),
        "night-time Gi*": "night-time Gi*", "Gi*": "Gi*", "hot": "{label} {conf} hot",
        "lighting": "{nights} in {weeks} ({dark} on unlit stretches), {gap:.0f} m unlit "
                    "({pct:.0f} % of the segment)",
        "repair": "; {broken} within reach: repair first",
        "unnamed": "unnamed {kind}", "green area": "green area",
        "green": "{label} ({kind}, {area:,.0f} m², not adopted): {n} ({night} at night) on "
                 "{segs} within {radius:g} m",
        "green hot": ", {hot} (≥ 95 %)",
        "patrol": "{visits} unpredictable stops of {lo}–{hi} min between {a:02d}:00 and "
                  "{b:02d}:00 (at least one every {every:g} h): {n} in this window in {weeks}",
    },
    "pt": {
        "night incident": ("ocorrência noturna", "ocorrências noturnas"),
        "week": ("semana", "semanas"), "incident": ("ocorrência", "ocorrências"),
        "segment": ("segmento", "segmentos"),
        "broken lamp": ("lâmpada apagada", "lâmpadas apagadas"),
        "Gi* hot segment": ("segmento quente no Gi*", "segmentos quentes no Gi*"),
        "night-time Gi*": "Gi* noturno", "Gi*": "Gi*", "hot": "{label}: ponto quente {conf}",
        "lighting": "{nights} em {weeks} ({dark} em trechos sem iluminação), {gap:.0f} m sem "
                    "iluminação ({pct:.0f} % do segmento)",
        "repair": "; {broken} ao alcance: consertar primeiro",
        "unnamed": "{kind} sem nome", "green area": "área verde",
        "green": "{label} ({kind}, {area:,.0f} m², não adotada): {n} ({night} à noite) em "
                 "{segs} a até {radius:g} m",
        "green hot": ", {hot} (≥ 95 %)",
        "patrol": "{visits} paradas imprevisíveis de {lo}–{hi} min entre {a:02d}:00 e "
                  "{b:02d}:00 (ao menos uma a cada {every:g} h): {n} nesta janela em {weeks}",
    },
}


def _words(language: str) -> dict:
    if language not in _WORDS:
        raise ValidationError(f"language={language!r}: reasons are written in {sorted(_WORDS)}")
    return _WORDS[language]


def _gi_phrase(row: pd.Series, words: dict | None = None) -> tuple[int, str]:
    words = words or _WORDS["en"]
    for col, key in (("night_gi_bin", "night-time Gi*"), ("gi_bin", "Gi*")):
        if col in row.index and pd.notna(row[col]) and row[col] > 0:
            b = int(row[col])
            return b, words["hot"].format(label=words[key], conf=_CONF[b])
    return 0, ""


def _plural(n: float, word: str, words: dict | None = None) -> str:
    n = int(n)
    one, many = (words or _WORDS["en"])[word]
    return f"{n} {one if n == 1 else many}"


def lighting_priority(
    segments: pd.DataFrame,
    *,
    weeks: float,
    budget_m: float | None = None,
    budget_lamps: int | None = None,
    language: str = "en",
) -> Plan:
    """Rank segments for new lighting; choose a set under a budget of metres and/or lamps.

    Needs per-segment ``night_count``, ``night_dark_count`` (night incidents on dark stretches),
    ``dark_gap_m``, ``dark_fraction``, ``lamps_needed`` and optionally ``gi_bin``,
    ``night_gi_bin``, ``broken_within_reach``, ``street_name``. Candidates are segments with at
    least one night incident on a dark stretch. Score = night incidents on dark stretches ×
    (1 + 0.5 × Gi* bin / 3) with the night-time Gi* bin when present, else the all-day one
    (hot bins only); ties go to the longer dark gap, then to the segment id. The budget choice is
    greedy by night incidents covered per metre of new lighting (per lamp when only
    ``budget_lamps`` is given), see :func:`select_under_budget`; with both budgets an item must
    fit both. ``weeks`` (length of the period) turns counts into a weekly expectation.
    Reasons are written in ``language`` ("en" or "pt").
    """
    words = _words(language)
    need = ["night_count", "night_dark_count", "dark_gap_m", "dark_fraction", "lamps_needed"]
    missing = [c for c in need if c not in segments.columns]
    if missing:
        raise ValidationError(f"lighting_priority: the segments table lacks {missing}; run the "
                              "overlays stage (lighting and night) first")
    if not weeks or weeks <= 0:
        raise ValidationError(f"weeks={weeks!r}: the period length in weeks must be > 0")
    cand = segments[(segments["night_dark_count"] > 0) & (segments["dark_gap_m"] > 0)].copy()
    gi = [_gi_phrase(row, words) for _, row in cand.iterrows()]
    cand["hot_bin"] = np.asarray([b for b, _ in gi], dtype=np.int64)
    cand["_gi_phrase"] = [p for _, p in gi]
    cand["priority_score"] = cand["night_dark_count"] * (1 + HOT_WEIGHT * cand["hot_bin"] / 3)
    cand["_id"] = cand.index
    cand = cand.sort_values(["priority_score", "dark_gap_m", "_id"],
                            ascending=[False, False, True]).drop(columns="_id")
    cand["priority_rank"] = np.arange(1, len(cand) + 1, dtype=np.int64)
    cand["expected_night_covered"] = cand["night_dark_count"].astype(float)
    cand["expected_night_per_week"] = cand["night_dark_count"] / weeks
    reasons = []
    wk = f"{weeks:g} " + words["week"][0 if weeks == 1 else 1]
    for _, row in cand.iterrows():
        text = words["lighting"].format(
            nights=_plural(row["night_count"], "night incident", words), weeks=wk,
            dark=int(row["night_dark_count"]), gap=row["dark_gap_m"],
            pct=100 * row["dark_fraction"])
        if row["_gi_phrase"]:
            text += f", {row['_gi_phrase']}"
        if row.get("broken_within_reach", 0) > 0:
            text += words["repair"].format(
                broken=_plural(row["broken_within_reach"], "broken lamp", words))
        reasons.append(text)
    cand["priority_reason"] = reasons
    cand = cand.drop(columns="_gi_phrase")
    chosen = np.zeros(len(cand), dtype=bool)
    if budget_m is not None or budget_lamps is not None:
        chosen = _two_budget_greedy(cand, budget_m=budget_m, budget_lamps=budget_lamps)
    cand["selected_in_budget"] = chosen
    sel = cand[chosen]
    totals = {
        "candidates": len(cand),
        "selected": int(chosen.sum()),
        "selected_dark_m": float(sel["dark_gap_m"].sum()),
        "selected_lamps": int(sel["lamps_needed"].sum()),
        "night_incidents_covered": int(sel["night_dark_count"].sum()),
        "night_incidents_covered_per_week": float(sel["night_dark_count"].sum() / weeks),
        "night_incidents_on_dark_stretches": int(segments["night_dark_count"].sum()),
        "weeks": weeks,
    }
    return Plan(frame=cand, budget={"budget_m": budget_m, "budget_lamps": budget_lamps},
                totals=totals)


def _two_budget_greedy(cand: pd.DataFrame, *, budget_m, budget_lamps) -> np.ndarray:
    values = cand["night_dark_count"].to_numpy(dtype=float)
    metres = cand["dark_gap_m"].to_numpy(dtype=float)
    lamps = cand["lamps_needed"].to_numpy(dtype=float)
    if budget_m is not None and budget_lamps is None:
        return select_under_budget(values, metres, budget=float(budget_m))
    if budget_lamps is not None and budget_m is None:
        return select_under_budget(values, lamps, budget=float(budget_lamps))
    # both: greedy by incidents per metre, each item must fit both budgets
    order = np.lexsort((np.arange(len(values)), -values, -(values / np.maximum(metres, 1e-12))))
    chosen = np.zeros(len(values), dtype=bool)
    used_m = used_l = 0.0
    for i in order:
        if used_m + metres[i] <= budget_m + 1e-9 and used_l + lamps[i] <= budget_lamps:
            chosen[i] = True
            used_m += metres[i]
            used_l += lamps[i]
    return chosen


def green_candidates(
    areas: gpd.GeoDataFrame,
    near: pd.DataFrame,
    segments: pd.DataFrame,
    *,
    radius_m: float,
    budget_areas: int | None = None,
    language: str = "en",
) -> Plan:
    """Unadopted green areas ranked by the incidents on the streets within ``radius_m``.

    Reasons are written in ``language`` ("en" or "pt").

    ``near`` is the long table (area_id, segment_id) of segments within the radius of each area
    (:func:`hotspots.overlays.green.areas_near_segments`); ``segments`` needs ``count`` and
    optionally ``night_count`` and ``gi_bin``. An incident near several areas is covered once:
    the budget choice (``budget_areas`` areas to adopt or improve) is a greedy maximum coverage
    of incidents, so ``incidents_covered`` is each chosen area's marginal gain.
    """
    words = _words(language)
    if "count" not in segments.columns:
        raise ValidationError("green_candidates: the segments table needs a 'count' column")
    unadopted = areas[~areas["adopted"].astype(bool)]
    pairs = near[near["area_id"].isin(unadopted.index)]
    count = segments["count"].reindex(pairs["segment_id"]).to_numpy(dtype=float)
    night = (segments["night_count"].reindex(pairs["segment_id"]).to_numpy(dtype=float)
             if "night_count" in segments.columns else np.zeros(len(pairs)))
    hot = (segments["gi_bin"].reindex(pairs["segment_id"]).fillna(0).to_numpy() >= 2
           if "gi_bin" in segments.columns else np.zeros(len(pairs), dtype=bool))
    agg = pd.DataFrame({"area_id": pairs["area_id"].to_numpy(), "incidents_near": count,
                        "night_near": night, "hot_segments_near": hot.astype(np.int64),
                        "segments_near": 1}).groupby("area_id").sum()
    frame = unadopted.drop(columns=[c for c in ("adopted",) if c in unadopted.columns]).join(agg)
    for col in ("incidents_near", "night_near", "hot_segments_near", "segments_near"):
        frame[col] = frame[col].fillna(0)
    frame = frame[frame["incidents_near"] > 0].copy()
    frame["_id"] = frame.index
    frame = frame.sort_values(["hot_segments_near", "incidents_near", "_id"],
                              ascending=[False, False, True]).drop(columns="_id")
    frame["candidate_rank"] = np.arange(1, len(frame) + 1, dtype=np.int64)
    # greedy maximum coverage of incidents (each segment's incidents count once): an
    # area × segment incidence matrix, the gain of every area recomputed in one product
    import scipy.sparse as sp

    if budget_areas is not None and budget_areas < 0:
        raise ValidationError(f"budget_areas={budget_areas!r}: must be ≥ 0")
    seg_ids = pd.Index(pd.unique(pairs["segment_id"]))
    rows = frame.index.get_indexer(pairs["area_id"].to_numpy())
    keep = rows >= 0
    cols = seg_ids.get_indexer(pairs["segment_id"].to_numpy()[keep])
    member = sp.csr_array((np.ones(int(keep.sum())), (rows[keep], cols)),
                          shape=(len(frame), len(seg_ids)))
    member.data[:] = 1.0  # a pair listed twice is still one membership
    weight = segments["count"].reindex(seg_ids).fillna(0).to_numpy(dtype=float)
    open_w = weight.copy()
    chosen = np.zeros(len(frame), dtype=bool)
    gain = np.zeros(len(frame))
    for _ in range(min(int(budget_areas), len(frame)) if budget_areas is not None else 0):
        gains = np.where(chosen, 0.0, member @ open_w)
        best = int(np.argmax(gains))  # the first of equal gains, in rank order
        if gains[best] <= 0:
            break
        chosen[best] = True
        gain[best] = gains[best]
        open_w[member[[best]].indices] = 0.0
    frame["selected_in_budget"] = chosen
    frame["incidents_covered"] = gain
    reasons = []
    for _, r in frame.iterrows():
        name = r.get("name")
        kind = (r.get("kind") if isinstance(r.get("kind"), str) and r.get("kind")
                else words["green area"])
        label = (name.strip() if isinstance(name, str) and name.strip()
                 else words["unnamed"].format(kind=kind))
        reasons.append(
            words["green"].format(label=label, kind=kind, area=r["area_m2"],
                                  n=_plural(r["incidents_near"], "incident", words),
                                  night=int(r["night_near"]),
                                  segs=_plural(r["segments_near"], "segment", words),
                                  radius=radius_m)
            + (words["green hot"].format(
                hot=_plural(r["hot_segments_near"], "Gi* hot segment", words))
               if r["hot_segments_near"] else ""))
    frame["candidate_reason"] = reasons
    totals = {"candidates": len(frame), "selected": int(chosen.sum()),
              "incidents_covered": float(gain.sum())}
    return Plan(frame=frame, budget={"budget_areas": budget_areas}, totals=totals)


def parse_shift_window(text: str) -> tuple[int, int]:
    """'22-06' -> (22, 6): start and end hour (local time; a window may cross midnight)."""
    try:
        a, b = (int(x) for x in str(text).replace("–", "-").split("-"))
    except ValueError:
        raise ValidationError(f"shift window {text!r}: write it as 'HH-HH', e.g. '22-06'") from None
    if not (0 <= a <= 23 and 0 <= b <= 24) or a == b % 24:
        raise ValidationError(f"shift window {text!r}: hours must be 0–24 and differ")
    return a, b % 24


def patrol_guidance(
    incidents: pd.DataFrame,
    segments: gpd.GeoDataFrame,
    *,
    shift_windows: tuple[str, ...] | list[str] = ("06-14", "14-22", "22-06"),
    top_n: int = 3,
    weeks: float = 1.0,
    language: str = "en",
) -> gpd.GeoDataFrame:
    """Top ``top_n`` segments per shift window with Koper-curve visit guidance (a map layer).

    The guidance text is written in ``language`` ("en" or "pt").

    Incidents are counted per segment by the local hour of ``occurred_at`` within each window
    (e.g. '22-06' crosses midnight); ties go to the higher ``gi_z`` when present, then the id.
    Guidance (Koper 1995): random stops of 10–15 minutes, at least one every two hours, so
    ceil(window hours / 2) visits per shift; 2–5 hot spots per shift is the usual advice.
    """
    words = _words(language)
    if top_n < 1:
        raise ValidationError(f"top_n={top_n!r}: must be ≥ 1")
    hours = incidents["occurred_at"].dt.hour.to_numpy()
    rows = []
    for win in shift_windows:
        a, b = parse_shift_window(win)
        span = (b - a) % 24
        inside = ((hours - a) % 24) < span
        counts = incidents.loc[inside, "segment_id"].value_counts()
        if counts.empty:
            continue
        total = int(inside.sum())
        tab = pd.DataFrame({"incidents": counts})
        tab["gi_z"] = (segments["gi_z"].reindex(tab.index).fillna(0.0)
                       if "gi_z" in segments.columns else 0.0)
        tab["_id"] = tab.index
        tab = tab.sort_values(["incidents", "gi_z", "_id"],
                              ascending=[False, False, True]).head(top_n)
        visits = math.ceil(span / KOPER_REVISIT_H)
        for rank, (sid, r) in enumerate(tab.iterrows(), start=1):
            name = segments.at[sid, "street_name"] if "street_name" in segments.columns else ""
            rows.append({
                "shift": f"{a:02d}–{b:02d}", "shift_rank": rank, "segment_id": sid,
                "street_name": name, "incidents": int(r["incidents"]),
                "incidents_per_week": r["incidents"] / weeks,
                "share_of_shift": r["incidents"] / total,
                "visits_per_shift": visits,
                "visit_minutes": f"{KOPER_VISIT_MIN[0]}–{KOPER_VISIT_MIN[1]}",
                "guidance": words["patrol"].format(
                    visits=visits, lo=KOPER_VISIT_MIN[0], hi=KOPER_VISIT_MIN[1], a=a, b=b,
                    every=KOPER_REVISIT_H, n=_plural(r["incidents"], "incident", words),
                    weeks=f"{weeks:g} " + words["week"][0 if weeks == 1 else 1]),
                "geometry": segments.geometry[sid],
            })
    cols = ["shift", "shift_rank", "segment_id", "street_name", "incidents", "incidents_per_week",
            "share_of_shift", "visits_per_shift", "visit_minutes", "guidance", "geometry"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry="geometry",
                            crs=segments.crs)
