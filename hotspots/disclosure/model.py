"""The disclosure model, written once: one layer's columns released under their registry rules.

:func:`protect_layer` applies the rules of :mod:`hotspots.disclosure.rules` to one layer:
count cells get a status (``k_rule`` / ``min_length`` / shown), derived values follow their
counts, texts lose their numbers, classes are taken from statistics recomputed on the
*protected* counts, and every column without a rule is refused. The protected counts (every
withheld count replaced by the mean of the values the release leaves possible) are what the
recomputed statistics and the liaison density raster are computed from, so no released value
depends on the exact value of a count of 1 … k−1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots._errors import ValidationError
from hotspots.disclosure.rules import STATUS_K, STATUS_SHORT, Rule

__all__ = ["LayerRelease", "check_k", "protect_layer", "protect_weekly", "unit_lengths"]

#: how texts are rewritten when the count they state is withheld, per language
REDACTED: dict[str, dict[str, str]] = {
    "en": {STATUS_K: "number of incidents withheld (counts below {k} are protected)",
           STATUS_SHORT: "number of incidents not shown (segment shorter than {m:g} m)"},
    "pt": {STATUS_K: "número de ocorrências omitido (contagens abaixo de {k} são protegidas)",
           STATUS_SHORT: "número de ocorrências não mostrado (segmento com menos de {m:g} m)"},
}


def check_k(k) -> int:
    """``k`` as an int, or a ValidationError: a whole number ≥ 1 and not 2 (with k = 2 every
    withheld count would be known to be 1)."""
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or k < 1:
        raise ValidationError(f"privacy k must be a whole number ≥ 1; got {k!r}")
    if k == 2:
        raise ValidationError(
            "privacy k = 2 protects nothing: a withheld count would be known to be exactly 1. "
            "Use k ≥ 3 (3 is the default), or k = 1 to switch suppression off.")
    return int(k)


@dataclass(frozen=True)
class LayerRelease:
    """One layer as a liaison receives it, and what the release did to it.

    ``frame`` holds the allow-listed columns (status columns included); ``protected`` the
    layer's count columns with withheld values replaced by the mean of their possible values
    (what recomputed statistics use; never released); ``status`` the status of each count
    column ('' shown, ``k_rule``, ``min_length``); ``withheld`` the number of values withheld
    per column and status; ``left_out`` allow-listed columns not released (no statistics to
    recompute them from).
    """

    name: str
    frame: pd.DataFrame
    protected: pd.DataFrame
    status: pd.DataFrame
    withheld: dict[str, dict[str, int]] = field(default_factory=dict)
    left_out: tuple[str, ...] = ()
    #: the true counts and the units shorter than the minimum (for layers whose counts lie
    #: within this one's; never released)
    counts: pd.DataFrame | None = None
    short: pd.Series | None = None

    @property
    def short_units(self) -> int:
        """Units of the layer shorter than the minimum length."""
        return 0 if self.short is None else int(self.short.sum())


def unit_lengths(frame: pd.DataFrame) -> pd.Series | None:
    """Length in metres of each line unit (``length_m``, else the projected geometry);
    square root of the area for polygons; None for points and tables."""
    if "length_m" in frame.columns:
        return pd.to_numeric(frame["length_m"], errors="coerce").astype(float)
    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        return None
    geom = frame.geometry
    if not geom.crs.is_projected:
        geom = geom.to_crs(geom.estimate_utm_crs())
    types = set(geom.geom_type.dropna())
    if types <= {"LineString", "MultiLineString"}:
        return pd.Series(geom.length.to_numpy(), index=frame.index)
    if types <= {"Polygon", "MultiPolygon"}:
        return pd.Series(np.sqrt(geom.area.to_numpy()), index=frame.index)
    return None


def protect_layer(name: str, frame: pd.DataFrame, rules: dict[str, Rule], *,
                  allowed: tuple[str, ...], k: int, min_length_m: float,
                  margins: dict[str, LayerRelease] | None = None,
                  statistics=None, language: str = "en") -> LayerRelease:
    """Release one layer under its rules (see the module docstring).

    Parameters
    ----------
    name : str
        Registry name of the layer.
    frame : DataFrame
        The analyst's layer (index = its identity, e.g. ``segment_id``).
    rules : dict of Rule
        The registry's rules for the layer (``LayerSpec.disclosure``).
    allowed : tuple of str
        The liaison allow-list (``LayerSpec.liaison``).
    k : int
        Counts of 1 … k−1 are withheld.
    min_length_m : float
        Units shorter than this carry no count (0 = off).
    margins : dict of LayerRelease, optional
        Layers already released, for counts whose whole is in another layer.
    statistics : callable, optional
        ``statistics(protected)`` → DataFrame of recomputed statistics (columns named by the
        rules), given the protected counts (index = the layer's identity; ``_short`` marks
        units shorter than the minimum, ``_length_m`` their length). None: recomputed
        columns are left out.
    language : str
        Language of rewritten texts ('en' or 'pt').

    Returns
    -------
    LayerRelease
    """
    k = check_k(k)
    missing = [c for c in allowed if c != "geometry" and c not in rules]
    if missing:
        raise ValidationError(
            f"layer {name!r}: liaison columns {missing} have no disclosure rule in the layer "
            "registry (hotspots.layers, disclosure=); a column without a rule is never "
            "released. Fix: give each a rule (hotspots.disclosure.rules).")
    index_name = frame.index.name
    table = frame
    if index_name is not None and index_name in allowed and index_name not in table.columns:
        table = table.reset_index()
        table.index = frame.index
    margins = margins or {}
    short = _short(table, min_length_m)
    counts = [c for c, r in rules.items() if r.kind == "count" and c in table.columns]
    for c in counts:  # a cell within another layer's count shares that unit's length
        rule = rules[c]
        other = margins.get(rule.margin[0]) if rule.margin else None
        if other is not None and other.short is not None and rule.key in table.columns:
            short = short | other.short.reindex(table[rule.key].to_numpy()).fillna(
                False).to_numpy(dtype=bool)
    kstat, value, imputed = _count_status(table, rules, counts, k=k, margins=margins)
    ident = (table[index_name] if index_name is not None and index_name in table.columns
             else pd.Series(table.index, index=table.index))
    ids = pd.Index(ident.to_numpy(), name=index_name)
    protected_counts = pd.DataFrame({c: imputed[c] for c in counts}, index=ids)
    if statistics is not None and any(r.kind == "recomputed" for r in rules.values()):
        length = unit_lengths(table)
        stats = statistics(protected_counts.assign(
            _short=short, _length_m=np.nan if length is None else length.to_numpy()))
        if stats is not None:
            stats = stats.reindex(ids)
            stats.index = table.index
        statistics = stats
    else:
        statistics = None
    status = pd.DataFrame(index=table.index)
    for c in counts:
        status[c] = np.where(short & table[c].notna(), STATUS_SHORT, kstat[c])
    out: dict[str, pd.Series] = {}
    left_out: list[str] = []
    withheld: dict[str, dict[str, int]] = {}
    for col in [c for c in allowed if c != "geometry"]:
        rule = rules[col]
        if rule.kind == "status":
            continue
        if rule.kind == "public" or rule.kind == "protected":
            if col in table.columns:
                out[col] = table[col]
            continue
        if rule.kind == "count":
            if col not in table.columns:
                continue
            st = status[col]
            out[col] = _null_where(table[col], st != "")
        elif rule.kind == "derived":
            if col not in table.columns:
                continue
            st = _first_status(status, rule.sources, table.index)
            out[col] = _null_where(table[col], st != "")
        elif rule.kind == "text":
            if col not in table.columns:
                continue
            st = _first_status(status, rule.sources, table.index)
            out[col] = _redact(table[col], st, rule, k=k, min_length_m=min_length_m,
                               language=language)
        elif rule.kind == "recomputed":
            if statistics is None or rule.statistic not in statistics.columns:
                if col in table.columns:
                    left_out.append(col)
                continue
            values = statistics[rule.statistic].reindex(table.index)
            st = pd.Series("", index=table.index)
            if rule.gate is not None and rule.gate in statistics.columns:
                gate = pd.to_numeric(statistics[rule.gate].reindex(table.index),
                                     errors="coerce")
                st = pd.Series(np.where(gate.between(1, k - 1), STATUS_K, ""),
                               index=table.index)
                status[f"_{rule.gate}"] = st.to_numpy()
            out[col] = _null_where(values, st != "")
        else:  # pragma: no cover - Rule validates its kind
            raise ValidationError(f"unknown rule kind {rule.kind!r}")
        counted = st[st != ""].value_counts()
        if len(counted):
            withheld[col] = {str(s): int(n) for s, n in counted.items()}
    # status columns: one per count field (null = shown), the gated statistics', the map's flag
    for col in allowed:
        if col in rules and rules[col].kind == "status":
            field_ = col[: -len("_status")] if col.endswith("_status") else None
            if field_ in status.columns:
                out[col] = _status_column(status[field_])
            elif col == "emerging_status":
                gates = [c for c in status.columns if c.startswith("_emerging")]
                if gates:
                    out[col] = _status_column(status[gates[0]])
            elif col == "suppressed" and "count" in status.columns:
                out[col] = pd.Series(status["count"].to_numpy() == STATUS_K, index=table.index)
    cols = [c for c in allowed if c in out]
    released = pd.DataFrame({c: out[c].to_numpy() for c in cols}, index=table.index)
    geom = _geom_name(table)
    if geom is not None:
        released = gpd.GeoDataFrame(released, geometry=table.geometry.to_numpy(),
                                    crs=table.crs)
    if index_name is not None and index_name in released.columns:
        released = released.set_index(index_name)
    released.index.name = index_name
    true_counts = pd.DataFrame({c: value[c] for c in counts}, index=ids)
    status_out = status[list(counts)].copy()
    status_out.index = ids
    return LayerRelease(name=name, frame=released, protected=protected_counts,
                        status=status_out, withheld=withheld, left_out=tuple(left_out),
                        counts=true_counts, short=pd.Series(short, index=ids))


def _short(table: pd.DataFrame, min_length_m: float) -> np.ndarray:
    if not min_length_m:
        return np.zeros(len(table), dtype=bool)
    length = unit_lengths(table)
    if length is None:
        return np.zeros(len(table), dtype=bool)
    return (length.to_numpy(dtype=float) < float(min_length_m))


def _count_status(table, rules, counts, *, k, margins):
    """Status ignoring unit length (k rule only), values and protected values per count."""
    kstat: dict[str, np.ndarray] = {}
    value: dict[str, np.ndarray] = {}
    imputed: dict[str, np.ndarray] = {}
    order = _order(counts, rules)
    for c in order:
        rule = rules[c]
        v = pd.to_numeric(table[c], errors="coerce").to_numpy(dtype=float)
        st = np.where((v >= 1) & (v <= k - 1), STATUS_K, "").astype(object)
        whole = rule.sources[0] if rule.sources else None
        if whole is not None and whole in kstat:
            w, ws = value[whole], kstat[whole]
            rest = w - v
            st = np.where((ws != "") | ((rest >= 1) & (rest <= k - 1)), STATUS_K, st)
        if rule.margin is not None:
            st = _margin_status(table, v, st, rule, k=k, margins=margins)
        if rule.ranked is not None:
            st = _rank_status(table, st, rule)
            if rule.margin is not None:  # hiding below a withheld rank changes the rests
                st = _margin_status(table, v, st, rule, k=k, margins=margins)
                st = _rank_status(table, st, rule)
        kstat[c], value[c] = st, v
        imputed[c] = _impute(v, st, k=k, whole=None if whole is None else
                             (value[whole], kstat[whole], imputed[whole]))
    return kstat, value, imputed


def _order(counts, rules) -> list[str]:
    """Wholes before their parts."""
    done: list[str] = []
    pending = list(counts)
    while pending:
        for c in list(pending):
            whole = rules[c].sources[0] if rules[c].sources else None
            if whole is None or whole not in pending:
                done.append(c)
                pending.remove(c)
        if pending and all((rules[c].sources[0] in pending) for c in pending):
            raise ValidationError(f"disclosure rules: counts {pending} are parts of each other")
    return done


def _margin_status(table, v, st, rule, *, k, margins):
    """Cells of one key (e.g. a segment's patrol cells) within that key's count in another
    layer: all withheld when the whole is, or when the whole minus the shown cells is
    1 … k−1."""
    layer, col = rule.margin
    other = margins.get(layer)
    if other is None or col not in other.status.columns or rule.key not in table.columns:
        # no released whole to check against: the cells stand alone (k rule only)
        return st
    keys = table[rule.key].to_numpy()
    w = other.counts[col].reindex(keys).to_numpy(dtype=float)
    ws = other.status[col].reindex(keys).fillna(STATUS_K).to_numpy(dtype=object)
    st = np.where(ws == STATUS_K, STATUS_K, st)
    for _ in range(len(st) + 1):
        shown = pd.Series(np.where(st == "", v, 0.0)).groupby(keys).transform("sum").to_numpy()
        rest = w - shown
        bad = (st == "") & (ws == "") & (rest >= 1) & (rest <= k - 1)
        bad_keys = set(keys[bad])
        if not bad_keys:
            break
        st = np.where(np.isin(keys, list(bad_keys)), STATUS_K, st)
    return st


def _rank_status(table, st, rule):
    """Below a withheld count of a rank order, every count is withheld too (a value between
    two shown neighbours of a rank order is pinned by them)."""
    group, rank = rule.ranked
    if group not in table.columns or rank not in table.columns:
        return st
    frame = pd.DataFrame({"g": table[group].to_numpy(), "r": pd.to_numeric(
        table[rank], errors="coerce").to_numpy(), "w": st != ""})
    frame = frame.sort_values(["g", "r"], kind="stable")
    frame["below"] = frame.groupby("g")["w"].cummax()
    out = st.copy()
    out[frame.index.to_numpy()[frame["below"].to_numpy()]] = STATUS_K
    return out


def _impute(v, st, *, k, whole):
    """The mean of the values a withheld count can take given what is released."""
    out = v.copy()
    hidden = st != ""
    if not hidden.any():
        return out
    if whole is None:
        out[hidden] = k / 2.0
        return out
    w, ws, w_imp = whole
    for i in np.flatnonzero(hidden):
        if ws[i] != "" or not np.isfinite(w[i]):
            out[i] = w_imp[i] / 2.0
            continue
        cand = [x for x in range(int(w[i]) + 1) if 1 <= x <= k - 1 or 1 <= w[i] - x <= k - 1]
        out[i] = float(np.mean(cand)) if cand else k / 2.0
    return out


def _null_where(series: pd.Series, mask) -> pd.Series:
    mask = np.asarray(mask, dtype=bool)
    s = pd.Series(series.to_numpy(), index=series.index)
    if not mask.any():
        return s
    kind = s.dtype
    if pd.api.types.is_bool_dtype(kind) or pd.api.types.is_integer_dtype(kind):
        s = s.astype("float64")
    elif not (pd.api.types.is_float_dtype(kind) or pd.api.types.is_object_dtype(kind)):
        s = s.astype(object)
    s[mask] = None
    return s


def _first_status(status: pd.DataFrame, sources, index) -> pd.Series:
    st = pd.Series("", index=index, dtype=object)
    for src in sources:
        if src in status.columns:
            st = st.where(st != "", status[src])
    return st


def _status_column(st: pd.Series) -> pd.Series:
    values = st.to_numpy(dtype=object)
    return pd.Series(np.where(values != "", values, None), index=st.index, dtype=object)


def _redact(texts: pd.Series, st: pd.Series, rule: Rule, *, k, min_length_m, language):
    words = REDACTED["pt" if str(language).lower().startswith("pt") else "en"]
    out = texts.astype(object).copy()
    for i in np.flatnonzero(st.to_numpy() != ""):
        why = words[st.iloc[i]].format(k=k, m=min_length_m)
        original = out.iloc[i]
        if rule.redact == "patrol_guidance" and isinstance(original, str) and ": " in original:
            out.iloc[i] = original.rsplit(": ", 1)[0] + ": " + why
        else:
            out.iloc[i] = None
    return out


def protect_weekly(weekly: pd.DataFrame, *, k: int, short_ids=()) -> pd.DataFrame:
    """The week slider's counts: 1 … k−1 are NaN; segments shorter than the minimum length
    are left out (they carry no count)."""
    from hotspots.weekly import week_columns

    k = check_k(k)
    cols = list(week_columns(weekly))
    out = weekly.loc[~weekly.index.isin(list(short_ids)), cols].copy().astype(float)
    values = out.to_numpy()
    out[:] = np.where((values >= 1) & (values <= k - 1), np.nan, values)
    return out


def _geom_name(frame: pd.DataFrame) -> str | None:
    if isinstance(frame, gpd.GeoDataFrame):
        try:
            return frame.geometry.name
        except AttributeError:
            return None
    return None
