"""The disclosure attacker: everything a liaison folder releases, turned against its hidden counts.

An auditor's tool (used by the test suite; it reads nothing but what it is given). It knows
the published rule (counts of 1 … k−1 are withheld, a part is withheld when it or its
complement in a shown whole is 1 … k−1, units shorter than the minimum carry no count) and
the software (Kerckhoffs): it rebuilds the street graph from the released geometry. Attacks:

- ``cross_format``: a value hidden in the GeoPackage but present in another format (GeoJSON,
  KML balloon, map payload, patrol cards);
- ``same_row``: exact relations learnt on the rows where the target is shown —
  target = a · g · h^p for released numbers g, h of the same row (rates, shares, per-week
  figures, scores) — applied to the rows where it is hidden;
- ``text``: the n-th number of a released text equals the target on every shown row (reason
  and guidance texts) — read off the hidden rows;
- ``totals``: a labelled total ("548 incidents", or shift totals from shares of a shift)
  minus the shown cells, with each hidden cell's bounds, pins a hidden cell;
- ``ranks``: a hidden value between two shown values of the same rank order;
- ``partition``: the cells of one row (count ⊇ night ⊇ night on dark stretches; a segment's
  patrol cells within its count) enumerated under the published rule: one completion left;
- ``linear``: a continuous statistic of every segment (a Gi* z of counts or of rates per
  100 m) solved with the street graph as a linear system in the hidden counts, the mean and
  the standard deviation;
- ``weekly``: the week slider against the segments layer (the analysed week is the same cell).

A cell is *recovered* when an attack gives its exact value with certainty and it equals the
truth. :func:`small_cells_shown` lists the derived small cells (a shown whole minus its shown
part, 1 … k−1), which the rule must also prevent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hotspots.disclosure.read import Release
from hotspots.disclosure.rules import STATUS_SHORT

__all__ = ["AttackReport", "attack", "small_cells_shown"]

#: count cells of each layer an attacker is after, and the whole each is a part of
COUNT_FIELDS: dict[str, tuple[str, ...]] = {
    "segments": ("count", "night_count", "night_dark_count"),
    "patrol": ("incidents",),
}
PART_OF = {"night_count": "count", "night_dark_count": "night_count"}
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?)(?![\w])")
_TOTAL = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,\u202f\u00a0 ]\d{3})+|\d+)\s+"
                    r"(?:incidents|ocorrências)\b")


@dataclass(frozen=True)
class AttackReport:
    """What the attacker got: every hidden cell, the ones recovered and by which attack."""

    hidden: pd.DataFrame  #: layer, key, field, truth
    recovered: pd.DataFrame  #: layer, key, field, value, truth, attack
    small_shown: pd.DataFrame  #: layer, key, cell, value (derived small cells released)

    @property
    def n_recovered(self) -> int:
        """Hidden cells recovered exactly (each counted once)."""
        if not len(self.recovered):
            return 0
        return int(self.recovered.drop_duplicates(["layer", "key", "field"]).shape[0])

    def by_attack(self) -> dict[str, int]:
        """Recovered cells per attack (a cell may be recovered by several)."""
        if not len(self.recovered):
            return {}
        return {str(k): int(v) for k, v in self.recovered.drop_duplicates(
            ["layer", "key", "field", "attack"])["attack"].value_counts().items()}

    def by_field(self) -> dict[str, int]:
        """Hidden cells per field (``layer.field``)."""
        if not len(self.hidden):
            return {}
        return {str(k): int(v) for k, v in
                (self.hidden["layer"] + "." + self.hidden["field"]).value_counts().items()}


def attack(release: Release, truth: dict[str, pd.DataFrame], *, k: int,
           weekly_truth: pd.DataFrame | None = None) -> AttackReport:
    """Run every attack on ``release`` and score it against ``truth``.

    Parameters
    ----------
    release : Release
        The liaison folder (:func:`hotspots.disclosure.read.read_release`).
    truth : dict of DataFrame
        The analyst's layers (``segments`` indexed by ``segment_id``; ``patrol`` with
        ``shift``/``segment_id`` columns) holding the true values.
    k : int
        The release's threshold.
    weekly_truth : DataFrame, optional
        The analyst's ``weekly_counts`` (index ``segment_id``, one column per week).

    Returns
    -------
    AttackReport
    """
    truth = {name: _truth_keyed(name, frame) for name, frame in truth.items()}
    hidden = _hidden(release, truth, weekly_truth)
    found: list[dict] = []
    for name in COUNT_FIELDS:
        gpkg = release.layer(name)
        if gpkg is None:
            continue
        merged = _merged(release, name)
        found += _cross_format(release, name)
        found += _same_row(merged, name)
        found += _text(merged, name)
        found += _partition(merged, name, k, release)
        if name == "patrol":
            found += _ranks(merged, k)
    found += _totals(release, k)
    found += _linear(release, k)
    found += _weekly(release)
    rec = pd.DataFrame(found, columns=["layer", "key", "field", "value", "attack"])
    if len(hidden) and len(rec):
        rec = rec.merge(hidden, on=["layer", "key", "field"], how="inner")
        rec = rec[np.isclose(rec["value"].astype(float), rec["truth"].astype(float))]
    else:
        rec = pd.DataFrame(columns=["layer", "key", "field", "value", "attack", "truth"])
    return AttackReport(hidden=hidden, recovered=rec.reset_index(drop=True),
                        small_shown=small_cells_shown(release, k=k))


# --- truth and hidden cells -------------------------------------------------------------------


def _truth_keyed(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(frame)
    if name == "patrol":
        f = frame.reset_index(drop=frame.index.name is None)
        return f.set_index(["shift", "segment_id"])
    if frame.index.name != "segment_id" and "segment_id" in frame.columns:
        return frame.set_index("segment_id")
    return frame


def _hidden(release: Release, truth: dict, weekly_truth) -> pd.DataFrame:
    rows = []
    for name, fields in COUNT_FIELDS.items():
        gpkg, true = release.layer(name), truth.get(name)
        if gpkg is None or true is None:
            continue
        common = gpkg.index.intersection(true.index)
        for f in fields:
            if f not in true.columns:
                continue
            t = pd.to_numeric(true.loc[common, f], errors="coerce")
            shown = (pd.to_numeric(gpkg.loc[common, f], errors="coerce")
                     if f in gpkg.columns else pd.Series(np.nan, index=common))
            hid = t.notna() & shown.isna()
            rows += [{"layer": name, "key": key, "field": f, "truth": float(v)}
                     for key, v in t[hid].items()]
    if weekly_truth is not None:
        wt = weekly_truth.copy()
        if "segment_id" in wt.columns:
            wt = wt.set_index("segment_id")
        wt.columns = [str(c).replace("_", "-") for c in wt.columns]
        shown = release.weekly
        for week in wt.columns:
            t = pd.to_numeric(wt[week], errors="coerce")
            t = t[t > 0]  # a zero the slider does not draw is shown as no incident
            if shown is not None and week in shown.columns:
                s = shown[week].reindex(t.index)
            else:
                s = pd.Series(np.nan, index=t.index)
            rows += [{"layer": "weekly", "key": (key, week), "field": "week_count",
                      "truth": float(v)} for key, v in t[s.isna()].items()]
    return pd.DataFrame(rows, columns=["layer", "key", "field", "truth"])


def _merged(release: Release, name: str) -> pd.DataFrame:
    """The GeoPackage rows of ``name`` with every other format's extra columns joined."""
    layer = release.layer(name)
    if layer is None:
        return pd.DataFrame()
    base = layer.copy()
    base = base[~base.index.duplicated()]
    for fmt, frame in release.formats_of(name).items():
        if fmt == "gpkg":
            continue
        frame = frame[~frame.index.duplicated()]
        extra = [c for c in frame.columns if c not in base.columns]
        if extra:
            base = base.join(frame[extra].add_prefix(f"{fmt}:"), how="left")
            base = base.rename(columns={f"{fmt}:{c}": c for c in extra
                                        if c not in base.columns})
    return base


def _rec(layer, key, field, value, attack_name):
    return {"layer": layer, "key": key, "field": field, "value": float(value),
            "attack": attack_name}


def _is_int(v: float, tol: float = 0.02) -> bool:
    return bool(np.isfinite(v) and abs(v - round(v)) <= tol and round(v) >= 0)


# --- attacks -------------------------------------------------------------------------------


def _cross_format(release: Release, name: str) -> list[dict]:
    gpkg = release.layer(name)
    out: list[dict] = []
    if gpkg is None:
        return out
    for fmt, frame in release.formats_of(name).items():
        if fmt == "gpkg":
            continue
        for f in COUNT_FIELDS[name]:
            if f not in frame.columns:
                continue
            other = pd.to_numeric(frame[f], errors="coerce")
            other = other[~other.index.duplicated()]
            base = (pd.to_numeric(gpkg[f], errors="coerce") if f in gpkg.columns
                    else pd.Series(np.nan, index=gpkg.index))
            base = base[~base.index.duplicated()].reindex(other.index)
            leak = other.notna() & base.isna()
            out += [_rec(name, key, f, v, f"cross_format:{fmt}") for key, v in other[leak].items()]
    return out


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    cols = {}
    for c in frame.columns:
        if str(c).endswith("_id") or c in ("shift_rank",):
            continue
        v = pd.to_numeric(frame[c], errors="coerce")
        if v.notna().sum() >= 3 and v.nunique() > 1:
            cols[c] = v.astype(float)
    return pd.DataFrame(cols, index=frame.index)


def _same_row(frame: pd.DataFrame, name: str) -> list[dict]:
    nums = _numeric(frame)
    cols = list(nums.columns)
    mat = nums.to_numpy(dtype=float)
    keys = frame.index
    out = []
    for f in COUNT_FIELDS[name]:
        target = (pd.to_numeric(frame[f], errors="coerce").to_numpy(dtype=float)
                  if f in frame.columns else np.full(len(frame), np.nan))
        hidden = np.isnan(target)
        if not hidden.any() or (~hidden).sum() < 3:
            continue
        feats = [i for i, c in enumerate(cols) if c != f]
        with np.errstate(all="ignore"):
            for gi in feats:
                for hi in [None, *feats]:
                    if hi == gi:
                        continue
                    for p in ((0,) if hi is None else (-1, 1)):
                        base = mat[:, gi] * (1.0 if hi is None else mat[:, hi] ** p)
                        ok = ~hidden & np.isfinite(base) & (base != 0)
                        # a relation is learnt only where both sides vary (no constant fits)
                        if ok.sum() < 5 or np.ptp(base[ok]) == 0 or np.ptp(target[ok]) == 0:
                            continue
                        a = float(np.median(target[ok] / base[ok]))
                        if a == 0 or not np.allclose(target[ok], a * base[ok], rtol=1e-3,
                                                     atol=1e-3):
                            continue
                        pred = a * base
                        sel = np.flatnonzero(hidden & np.isfinite(pred))
                        label = cols[gi] + ("" if hi is None else f"*{cols[hi]}^{p}")
                        out += [_rec(name, keys[i], f, round(pred[i]), f"same_row:{label}")
                                for i in sel if _is_int(pred[i])]
    return out


def _text(frame: pd.DataFrame, name: str) -> list[dict]:
    texts = [c for c in frame.columns
             if (pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c]))
             and frame[c].map(lambda v: isinstance(v, str) and bool(_NUMBER.search(v))).sum()
             >= 3]
    out = []
    for c in texts:
        numbers = frame[c].map(lambda v: [float(x.replace(",", "."))
                                          for x in _NUMBER.findall(v)] if isinstance(v, str)
                               else [])
        for f in COUNT_FIELDS[name]:
            target = (pd.to_numeric(frame[f], errors="coerce") if f in frame.columns
                      else pd.Series(np.nan, index=frame.index))
            shown, hidden = target.notna(), target.isna()
            for j in range(8):
                has = numbers.map(len) > j
                sel = shown & has
                if sel.sum() < 3:
                    continue
                if all(numbers[i][j] == target[i] for i in target.index[sel]):
                    out += [_rec(name, key, f, numbers[key][j], f"text:{c}[{j}]")
                            for key in target.index[hidden & has]]
    return out


def _labelled_totals(release: Release) -> list[float]:
    """Totals the release states in words ("548 incidents") in any text: the map's, the
    README, the patrol cards, the KML folder names, the styles."""
    out = []
    for key in release.texts:
        for m in _TOTAL.finditer(release.texts.get(key, "")):
            digits = re.sub(r"[^\d]", "", m.group(1))
            if digits:
                out.append(float(digits))
    return sorted(set(out))


def _shift_totals(release: Release) -> list[float]:
    """Incidents per shift from shares of a shift (incidents / share), when released."""
    patrol = release.layer("patrol")
    if patrol is None or not {"incidents", "share_of_shift", "shift"} <= set(patrol.columns):
        return []
    inc = pd.to_numeric(patrol["incidents"], errors="coerce")
    share = pd.to_numeric(patrol["share_of_shift"], errors="coerce")
    tot = (inc / share).where(share > 0)
    by = tot.groupby(patrol["shift"].to_numpy()).median().dropna()
    return [float(round(by.sum()))] if len(by) else []


def _bounds(status: pd.Series | None, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = np.ones(n), np.full(n, float(k - 1))
    if status is not None:
        short = (status.fillna("").astype(str) == STATUS_SHORT).to_numpy()
        lo[short], hi[short] = 0.0, np.inf
    return lo, hi


def _pin(keys, lo, hi, total, layer, field, attack_name) -> list[dict]:
    out: list[dict] = []
    if not len(keys) or not np.isfinite(total):
        return out
    slo = lo.sum()
    finite = np.isfinite(hi)
    n_open, shi = int((~finite).sum()), float(hi[finite].sum())
    for i, key in enumerate(keys):
        # the others' upper bound: unbounded while another hidden cell is unbounded
        others_hi = np.inf if n_open - (not finite[i]) > 0 else shi - (hi[i] if finite[i]
                                                                        else 0.0)
        mn = max(lo[i], total - others_hi)
        mx = min(hi[i], total - (slo - lo[i]))
        if np.isfinite(mn) and mn == mx:
            out.append(_rec(layer, key, field, mn, attack_name))
    return out


def _totals(release: Release, k: int) -> list[dict]:
    seg = release.layer("segments")
    if seg is None or "count" not in seg.columns:
        return []
    shown = pd.to_numeric(seg["count"], errors="coerce")
    hid = shown[shown.isna()].index
    status = seg["count_status"].reindex(hid) if "count_status" in seg.columns else None
    lo, hi = _bounds(status, len(hid), k)
    out = []
    for total in {*_labelled_totals(release), *_shift_totals(release)}:
        rest = total - float(shown.sum())
        if rest < lo.sum() or rest > hi.sum():
            continue  # not the total of this layer
        out += _pin(list(hid), lo, hi, rest, "segments", "count", "totals")
    return out


def _ranks(frame: pd.DataFrame, k: int) -> list[dict]:
    if not {"shift", "shift_rank", "incidents"} <= set(frame.columns):
        return []
    out = []
    for _, g in frame.groupby(frame["shift"].to_numpy()):
        g = g.sort_values("shift_rank")
        vals = pd.to_numeric(g["incidents"], errors="coerce").to_numpy(dtype=float)
        for i in np.flatnonzero(np.isnan(vals)):
            above = vals[:i][~np.isnan(vals[:i])]
            below = vals[i + 1:][~np.isnan(vals[i + 1:])]
            hi = min(above[-1] if len(above) else np.inf, k - 1.0)
            lo = max(below[0] if len(below) else 1.0, 1.0)
            if lo == hi:
                out.append(_rec("patrol", g.index[i], "incidents", lo, "ranks"))
    return out


def _status(frame: pd.DataFrame, field: str) -> pd.Series:
    col = f"{field}_status"
    if col in frame.columns:
        return frame[col].fillna("").astype(str)
    return pd.Series("", index=frame.index)


def _partition(frame: pd.DataFrame, name: str, k: int, release: Release) -> list[dict]:
    """Enumerate the count cells of each row (a hidden part within its shown whole, else
    0 … 4k) under the published rule (strict) and under any rule of its family (relaxed)."""
    if name != "segments":
        return _patrol_margin(frame, k, release)
    fields = [f for f in COUNT_FIELDS[name] if f in frame.columns]
    if not fields:
        return []
    vals = pd.DataFrame({f: pd.to_numeric(frame[f], errors="coerce") for f in fields},
                        index=frame.index)
    short = np.zeros(len(frame), dtype=bool)
    for f in fields:
        short |= (_status(frame, f) == STATUS_SHORT).to_numpy()
    todo = vals.isna().any(axis=1).to_numpy() & ~short  # a short unit hides every count
    if not todo.any():
        return []
    # rows with the same shown values and the same hidden cells have the same completions:
    # enumerate each distinct row once (a city has a few dozen, not one per segment)
    sig = vals[todo].fillna(-1.0).astype(np.int64)
    groups = sig.groupby(list(sig.columns), sort=False).groups
    out = []
    for values, keys in groups.items():
        values = dict(zip(fields, np.atleast_1d(values)))
        hidden = [f for f in fields if values[f] < 0]
        axes = []
        for f in fields:
            whole = PART_OF.get(f)
            cap = int(values[whole]) if whole in values and values[whole] >= 0 else 4 * k
            axes.append(np.arange(cap + 1) if f in hidden else np.array([int(values[f])]))
        grid = dict(zip(fields, (g.ravel() for g in np.meshgrid(*axes, indexing="ij"))))
        for strict in (True, False):
            ok = _consistent(grid, hidden, fields, k, strict=strict)
            for f in hidden:
                pinned = np.unique(grid[f][ok])
                if len(pinned) == 1:
                    out += [_rec("segments", key, f, pinned[0],
                                 "partition" if strict else "partition:relaxed")
                            for key in keys]
    return out


def _consistent(grid: dict, hidden: list[str], fields: list[str], k: int, *,
                strict: bool) -> np.ndarray:
    """Which candidate rows give the withheld cells seen? ``strict``: under the published
    rule exactly (a part is withheld iff it or its rest is small or its whole is withheld);
    else only "a withheld cell has one of those reasons, a shown cell is not small" (what
    any rule of this family does, e.g. an older one)."""
    n = len(next(iter(grid.values())))
    ok = np.ones(n, dtype=bool)
    hide: dict[str, np.ndarray] = {}
    for f in fields:
        v = grid[f]
        small = (v >= 1) & (v <= k - 1)
        whole = PART_OF.get(f)
        if whole is not None and whole in grid:
            ok &= v <= grid[whole]
            by_whole = hide[whole]
            rest = grid[whole] - v
            h = small | by_whole | (~by_whole & (rest >= 1) & (rest <= k - 1))
        else:
            h = small
        hide[f] = h
        if strict:
            ok &= h == (f in hidden)
        elif f in hidden:
            ok &= h
        else:
            ok &= ~small
    return ok


def _patrol_margin(frame: pd.DataFrame, k: int, release: Release) -> list[dict]:
    """A segment's patrol cells lie within its count (segments layer): one hidden cell, its
    segment's count shown and every other cell of the segment shown, and no other shift
    possible (three shifts covering the day) → the cell is the difference."""
    seg = release.layer("segments")
    if seg is None or "count" not in seg.columns or "incidents" not in frame.columns:
        return []
    shifts = frame.index.get_level_values(0).unique()
    counts = pd.to_numeric(seg["count"], errors="coerce")
    inc = pd.to_numeric(frame["incidents"], errors="coerce")
    out = []
    by_seg = inc.groupby(level=1)
    for sid, cells in by_seg:
        if sid not in counts.index or pd.isna(counts[sid]) or cells.isna().sum() != 1:
            continue
        if len(cells) != len(shifts):
            continue  # the segment is not in the top of every shift: the rest is unknown
        value = counts[sid] - cells.sum()
        out.append(_rec("patrol", cells.index[cells.isna()][0], "incidents", value, "partition"))
    return out


def _linear(release: Release, k: int) -> list[dict]:
    """Solve each continuous segment statistic as a Gi* z of the hidden counts."""
    import warnings

    import geopandas as gpd

    seg = release.layer("segments")
    geo: Any = release.geometry.get("segments")
    if seg is None or geo is None or seg.index.name != "segment_id":
        return []
    geo = gpd.GeoDataFrame(geo[~geo.index.duplicated()], geometry="geometry")
    geo = geo.assign(length_m=geo.geometry.length)
    from hotspots import weights

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            w = weights.network_contiguity(geo)
        except Exception:  # a layer the graph cannot be built from
            return []
    adj = w.sparse.tocsr().astype(float)
    ids = pd.Index(w.unique_ids)
    length = (pd.to_numeric(seg["length_m"], errors="coerce").reindex(ids).to_numpy()
              if "length_m" in seg.columns else geo.geometry.length.reindex(ids).to_numpy())
    out = []
    stats = [c for c in seg.columns if c not in ("segment_id",) and pd.to_numeric(
        seg[c], errors="coerce").nunique() > 20 and pd.to_numeric(
        seg[c], errors="coerce").min() < 0]
    for zcol in stats:
        z = pd.to_numeric(seg[zcol], errors="coerce").reindex(ids).to_numpy(dtype=float)
        if np.isnan(z).any():
            continue
        for f in ("count", "night_count"):
            if f not in seg.columns:
                continue
            counts = pd.to_numeric(seg[f], errors="coerce").reindex(ids).to_numpy(dtype=float)
            for rate in (False, True):
                scale = 100.0 / length if rate else np.ones(len(ids))
                sol = _solve_gi(adj, z, counts * scale)
                if sol is None:
                    continue
                hid = np.flatnonzero(np.isnan(counts))
                est = sol / scale[hid]
                out += [_rec("segments", ids[i], f, round(v), f"linear:{zcol}")
                        for i, v in zip(hid, est) if _is_int(v, 0.05)]
    return out


def _solve_gi(adj, z: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """Hidden y from Gi* z: (W*y)_i − W_i·ȳ − z_i·c_i·s = 0 for every i (W* with the
    diagonal), linear in (y_hidden, ȳ, s); None when the system does not fit exactly."""
    n = len(y)
    hid = np.isnan(y)
    if not hid.any() or hid.sum() > n - 3:
        return None
    wstar = adj + np.eye(n) if n <= 3000 else None
    if wstar is None:
        return None
    card = np.asarray(wstar.sum(axis=1)).ravel()
    c = np.sqrt(card * (n - card) / (n - 1.0))
    a = np.column_stack([wstar[:, hid], -card, -z * c])
    b = -(wstar[:, ~hid] @ y[~hid])
    if a.shape[0] < a.shape[1] + 3:
        return None
    sol, *_ = np.linalg.lstsq(a, b, rcond=None)
    resid = a @ sol - b
    if not np.allclose(resid, 0.0, atol=1e-6 * max(1.0, np.abs(b).max())):
        return None
    # an unknown is pinned only when no direction of the null space moves it (two hidden
    # segments with the same neighbourhood are known only as a sum)
    _, sv, vt = np.linalg.svd(a, full_matrices=True)
    rank = int((sv > sv.max() * 1e-10).sum())
    null = vt[rank:]
    pinned = np.all(np.abs(null) < 1e-8, axis=0) if len(null) else np.ones(a.shape[1], bool)
    out = sol[: int(hid.sum())].copy()
    out[~pinned[: int(hid.sum())]] = np.nan
    return out


def _weekly(release: Release) -> list[dict]:
    """The week slider shows the analysed week's count where the segments layer hides it,
    or the segments layer shows a week the slider hides."""
    seg, wk = release.layer("segments"), release.weekly
    if seg is None or wk is None or not len(wk.columns) or "count" not in seg.columns:
        return []
    last = wk.columns[-1]
    count = pd.to_numeric(seg["count"], errors="coerce")
    out = []
    for key, v in wk[last].items():
        if key in count.index and pd.isna(count[key]) and pd.notna(v):
            out.append(_rec("segments", key, "count", v, "weekly"))
        if key in count.index and pd.notna(count[key]) and pd.isna(v):
            out.append(_rec("weekly", (key, last), "week_count", count[key], "weekly"))
    return out


def small_cells_shown(release: Release, *, k: int) -> pd.DataFrame:
    """Derived cells of 1 … k−1 the release shows: a shown whole minus its shown part
    (incidents by day = count − night count; at night on lit stretches = night − dark)."""
    rows = []
    seg = release.layer("segments")
    if seg is not None:
        for part, whole in PART_OF.items():
            if part in seg.columns and whole in seg.columns:
                diff = (pd.to_numeric(seg[whole], errors="coerce")
                        - pd.to_numeric(seg[part], errors="coerce"))
                bad = diff.between(1, k - 1)
                rows += [{"layer": "segments", "key": key, "cell": f"{whole}-{part}",
                          "value": float(v)} for key, v in diff[bad].items()]
    return pd.DataFrame(rows, columns=["layer", "key", "cell", "value"])
