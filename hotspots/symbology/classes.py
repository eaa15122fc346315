"""Classes of the shared symbology: categories and ranges, colours, class edges and matching.

Class edges: a :class:`Range` says which end it includes (``closed``): ranks and counts are
``lower <= v < upper`` ("left"), rates per 100 m ``lower < v <= upper`` ("right", after the
"No incidents" class ``0 <= v <= 0``), raster classes ``lower < v <= upper``.
Text categories are matched on ``str(v).strip().lower()``; booleans accept True/False, 1/0 and
the texts true/false, yes/no, sim/não, t/f, y/n (:func:`truthy`; anything else is unknown).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotspots.symbology.texts import number_text, text

__all__ = [
    "BACKGROUND_COLOR", "BOUNDARY", "DARK_GAP", "FALSE_TEXTS", "FILL_OPACITY", "GI_CLASSES",
    "GREEN_CANDIDATE", "GREEN_CLASSES", "GREEN_UNKNOWN", "HOT_STATUS_CLASSES", "INCIDENT",
    "KDE_COLORS", "LABEL_MAX_SCALE", "LAMP_CLASSES", "LAMP_OTHER", "LIGHT_COLORS", "MATCHES",
    "MISSING_COLOR", "NOT_HOT", "POLYGON_STROKE",
    "RASTER_OPACITY", "RATE_COLORS", "SHIFT_COLORS", "SHIFT_WIDTH", "SUPPRESSED_COLOR",
    "TRUE_TEXTS", "WEEK_COLORS", "WEEK_SUPPRESSED", "WEEK_ZERO", "ZERO_COLOR", "Category",
    "Range", "category_index", "count_classes", "gi_category", "hex_to_rgb", "is_null",
    "is_true", "kde_breaks", "nice_number", "normal_text", "range_index", "raster_classes",
    "raster_colors", "rate_classes", "rate_index", "truthy",
]


@dataclass(frozen=True)
class Category:
    """One class of a categorical legend: the value it matches, its label and its stroke."""

    value: object
    label: str
    color: str
    width: float = 3.0
    key: str = ""  # text id of the label (``text(key, lang)``); "" = the label is data


@dataclass(frozen=True)
class Range:
    """One class of a graduated legend between ``lower`` and ``upper``.

    ``closed`` says which ends belong to the class: "left" (``lower <= v < upper``), "right"
    (``lower < v <= upper``) or "both" (``lower <= v <= upper``). An infinite end is open.
    """

    lower: float
    upper: float
    label: str
    color: str
    width: float = 3.0
    closed: str = "left"
    key: str = ""

    def contains(self, values) -> np.ndarray:
        """Boolean array: which ``values`` (numbers, NaN never) fall in this class."""
        v = np.asarray(values, dtype=float)
        ok = np.isfinite(v)
        if math.isfinite(self.lower):
            ok &= (v >= self.lower) if self.closed in ("left", "both") else (v > self.lower)
        if math.isfinite(self.upper):
            ok &= (v <= self.upper) if self.closed in ("right", "both") else (v < self.upper)
        return ok


# --- colours and fixed classes ---------------------------------------------------------------

#: Gi* bins with ArcGIS Pro's Hot Spot Analysis colours and confidence labels
GI_CLASSES: tuple[Category, ...] = (
    Category(3, "Hot spot 99 %", "#d62f27", 5.0, "gi.3"),
    Category(2, "Hot spot 95 %", "#ed7551", 4.0, "gi.2"),
    Category(1, "Hot spot 90 %", "#fab984", 3.5, "gi.1"),
    Category(0, "Not significant", "#ffffbf", 1.5, "gi.0"),
    Category(-1, "Cold spot 90 %", "#c0ccbe", 3.0, "gi.-1"),
    Category(-2, "Cold spot 95 %", "#849eba", 3.0, "gi.-2"),
    Category(-3, "Cold spot 99 %", "#4575b5", 3.0, "gi.-3"),
)

#: rates per 100 m: a grey "no incidents" class, then five purples (a ramp of its own: never
#: confused with the red of Gi* hot spots, the browns of weekly counts or the pinks of the KDE)
RATE_COLORS = ("#cbc9e2", "#9e9ac8", "#807dba", "#6a51a3", "#3f007d")
ZERO_COLOR = "#cccccc"
#: a value nulled by small-count suppression (the week slider uses the same grey)
SUPPRESSED_COLOR = "#8c8c8c"
#: null / no class matches: thin, lighter than every class colour
MISSING_COLOR = "#bdbdbd"
#: "not in this classification" (not hot): the faint grey of the street network
BACKGROUND_COLOR = "#d9d9d9"

LAMP_CLASSES: tuple[Category, ...] = (
    Category("working", "Lamp, working", "#f5b800", 4.0, "lamps.working"),
    Category("broken", "Lamp, broken", "#525252", 4.0, "lamps.broken"),
)
LAMP_OTHER = Category(None, "Lamp, status unknown", "#9e9e9e", 4.0, "lamps.missing")

GREEN_CLASSES: tuple[Category, ...] = (
    Category(True, "Green area, adopted", "#1a9850", 1.0, "green.true"),
    Category(False, "Green area, not adopted", "#a6d96a", 1.0, "green.false"),
)
GREEN_UNKNOWN = Category(None, "Green area, adoption unknown", "#d9ef8b", 1.0, "green.missing")
#: polygons: the fill of the class at this opacity, outlined in this green
FILL_OPACITY = 0.45
POLYGON_STROKE = "#2d6a2d"

#: patrol segments, one colour per shift (in the order the shifts appear)
SHIFT_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")
SHIFT_WIDTH = 7.0

DARK_GAP = Category(None, "Dark stretch (no working lamp within reach)", "#08306b", 4.0,
                    "dark_gaps.item")
BOUNDARY = Category(None, "Study area", "#555555", 1.5, "boundary.item")
INCIDENT = Category(None, "Incident", "#7a0177", 4.0, "incidents.item")
GREEN_CANDIDATE = Category(None, "Green-area candidate", "#a6d96a", 1.0,
                           "green_candidates.item")

#: KDE colour ramp (low → high, RdPu), transparent where the density is zero or NoData
KDE_COLORS = ("#fff7f3", "#fde0dd", "#fcc5c0", "#fa9fb5", "#f768a1", "#dd3497", "#ae017e",
              "#7a0177")

#: lamp density ramp (dark → light: where the light is)
LIGHT_COLORS = ("#0c2c84", "#225ea8", "#1d91c0", "#41b6c4", "#7fcdbb", "#c7e9b4", "#edf8b1",
                "#ffffd9")
#: opacity of density rasters over the map (web map image overlay and QGIS raster layer)
RASTER_OPACITY = 0.7

#: week-over-week status of hot segments (hotspots.weekly.change_status)
HOT_STATUS_CLASSES: tuple[Category, ...] = (
    Category("new", "New hot segment (hot this week, not last week)", "#e6550d", 5.0,
             "hot_status.new"),
    Category("persistent", "Persistent (hot this week and last week)", "#a50f15", 5.0,
             "hot_status.persistent"),
    Category("cooling", "Cooling (hot last week, not this week)", "#3182bd", 4.0,
             "hot_status.cooling"),
)
NOT_HOT = Category("not hot", "Not hot", BACKGROUND_COLOR, 1.0, "hot_status.not_hot")

#: incidents per week: a segment with none that week, and a suppressed count (liaison maps)
WEEK_ZERO = Range(0, 1, "None that week", "#d4d4d4", 1.5)
WEEK_SUPPRESSED = Range(math.nan, math.nan, "Suppressed", SUPPRESSED_COLOR, 2.5)
#: weekly count classes: YlOrBr without its palest steps (browns: a ramp of its own)
WEEK_COLORS = ("#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#8c2d04")

#: street-name labels on segment layers from this scale (1:n) inwards, in QGIS
LABEL_MAX_SCALE = 10_000


def raster_colors(name: str) -> tuple[str, ...]:
    """The colour ramp of a raster by its name (the KDE ramp unless it is about lamps)."""
    return LIGHT_COLORS if "lamp" in str(name).lower() else KDE_COLORS


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """'#rrggbb' → (r, g, b)."""
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


# --- value matching (the one rule) ---------------------------------------------------------

MATCHES = ("single", "number", "text", "boolean", "range")
TRUE_TEXTS = ("true", "1", "yes", "sim", "t", "y")
FALSE_TEXTS = ("false", "0", "no", "não", "nao", "f", "n", "")


def truthy(values) -> np.ndarray:
    """Object array of True / False / None: booleans as they are, 1/0, and the texts in
    ``TRUE_TEXTS`` / ``FALSE_TEXTS`` (case and surrounding spaces ignored); else None."""
    series = pd.Series(values).reset_index(drop=True)
    if pd.api.types.is_bool_dtype(series.dtype) and not series.isna().any():
        return series.to_numpy(dtype=bool).astype(object)
    obj = series.astype(object)
    na = pd.isna(obj).to_numpy(dtype=bool)
    out = np.full(len(obj), None, dtype=object)
    codes, uniques = pd.factorize(obj[~na])  # one test per distinct value, not per row
    if len(uniques):
        answers = np.empty(len(uniques), dtype=object)
        answers[:] = [_truthy(u) for u in uniques]
        out[~na] = answers[codes]
    return out


def is_true(values) -> np.ndarray:
    """Boolean array: where :func:`truthy` says True (unknown counts as not true)."""
    return np.fromiter((v is True for v in truthy(values)), dtype=bool, count=len(values))


def _truthy(v) -> bool | None:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | float | np.integer | np.floating):
        return True if v == 1 else False if v == 0 else None  # NaN → None
    low = str(v).strip().lower()
    return True if low in TRUE_TEXTS else False if low in FALSE_TEXTS else None


def normal_text(values) -> pd.Series:
    """Values as text categories are compared: ``str(v).strip().lower()``, None for nulls."""
    obj = pd.Series(values).reset_index(drop=True).astype(object)
    na = pd.isna(obj).to_numpy(dtype=bool)
    out = np.full(len(obj), None, dtype=object)
    codes, uniques = pd.factorize(obj[~na])  # one conversion per distinct value
    if len(uniques):
        answers = np.empty(len(uniques), dtype=object)
        answers[:] = [str(u).strip().lower() for u in uniques]
        out[~na] = answers[codes]
    return pd.Series(out, dtype=object)


def is_null(values) -> np.ndarray:
    """Boolean array: where a value is None, NaN or NA."""
    return pd.isna(pd.Series(values).reset_index(drop=True)).to_numpy(dtype=bool)


# --- data-dependent classes ------------------------------------------------------------------


def gi_category(value) -> Category | None:
    """The Gi* class of a bin value (None for a missing bin)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    for cat in GI_CLASSES:
        if int(value) == cat.value:
            return cat
    return None


def nice_number(x: float) -> float:
    """Round a positive break to two significant digits (legends read better)."""
    if x <= 0 or not math.isfinite(x):
        return x
    digits = 1 - math.floor(math.log10(x))
    return round(x, digits)


def rate_classes(values, *, n: int = 5, lang: str = "en",
                 breaks: tuple[float, ...] | None = None) -> tuple[Range, ...]:
    """Graduated classes of a rate: 'No incidents' for exactly 0, then classes of the positive
    values, each ``lower < v <= upper``: between fixed ``breaks`` when given (a city's, so that
    weeks compare: :mod:`hotspots.symbology.breaks`), else at ``n`` rounded quantiles."""
    classes = [Range(0.0, 0.0, text("rate.zero", lang), ZERO_COLOR, 1.5, "both", "rate.zero")]
    if breaks is None:
        vals = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
        pos = vals[np.isfinite(vals) & (vals > 0)]
        if pos.size == 0:
            return tuple(classes)
        qs = np.quantile(pos, np.linspace(0, 1, n + 1))
        found = sorted({nice_number(float(q)) for q in qs[1:-1]})
        breaks = tuple(b for b in found if 0 < b < float(pos.max()))
    edges = [0.0, *sorted(float(b) for b in breaks if b > 0), math.inf]
    colors = RATE_COLORS if len(edges) - 1 == len(RATE_COLORS) else _spread(len(edges) - 1)
    for i in range(len(edges) - 1):
        lo, hi = edges[i], edges[i + 1]
        key = "rate.last" if math.isinf(hi) else "rate.first" if i == 0 else "rate.between"
        label = text(key, lang, lower=number_text(lo, lang), upper=number_text(hi, lang))
        classes.append(Range(lo, hi, label, colors[i], 2.5 + i * 0.6, "right"))
    return tuple(classes)


def _spread(k: int) -> tuple[str, ...]:
    idx = np.linspace(0, len(RATE_COLORS) - 1, max(k, 1)).round().astype(int)
    return tuple(RATE_COLORS[i] for i in idx)


def range_index(values, classes: tuple[Range, ...]) -> np.ndarray:
    """Index into ``classes`` (first that contains the value) for each value (−1: none)."""
    vals = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    out = np.full(vals.shape, -1, dtype=np.int64)
    for i, r in enumerate(classes):
        out[(out < 0) & r.contains(vals)] = i
    return out


def rate_index(values, classes: tuple[Range, ...]) -> np.ndarray:
    """Index into ``rate_classes`` for each value (−1 for missing); 0 is 'No incidents'."""
    return range_index(values, classes)


def category_index(values, classes: tuple[Category, ...], *, other: int = -1) -> np.ndarray:
    """Index into ``classes`` matching each value (``other`` when none matches): booleans by
    :func:`truthy`, texts case-insensitively (spaces trimmed), numbers by equality."""
    series = pd.Series(values).reset_index(drop=True)
    out = np.full(len(series), other, dtype=np.int64)
    taken = np.zeros(len(series), dtype=bool)
    for i, cat in enumerate(classes):
        if isinstance(cat.value, bool):
            match = np.fromiter((v is cat.value for v in truthy(series)), dtype=bool,
                                count=len(series))
        elif isinstance(cat.value, str):
            match = (normal_text(series) == cat.value.strip().lower()).to_numpy(dtype=bool)
        else:
            match = (pd.to_numeric(series, errors="coerce") == cat.value).fillna(False) \
                .to_numpy(dtype=bool)
        out[match & ~taken] = i
        taken |= match
    return out


def kde_breaks(values, *, n: int = len(KDE_COLORS)) -> list[float]:
    """``n + 1`` class edges for a density raster: 0, then quantiles of the positive cells."""
    vals = np.asarray(values, dtype=float)
    pos = vals[np.isfinite(vals) & (vals > 0)]
    if pos.size == 0:
        return [0.0, 1.0]
    qs = np.quantile(pos, np.linspace(0, 1, n + 1)[1:])
    edges = [0.0]
    for q in qs:
        q = nice_number(float(q))
        if q > edges[-1]:
            edges.append(q)
    if len(edges) < 2:
        edges.append(float(pos.max()))
    return edges


def raster_classes(values, *, name: str = "", units: str = "", lang: str = "en"
                   ) -> tuple[Range, ...]:
    """The classes of a density raster (``lower < v <= upper``; the last one open above):
    zero, negative and NoData cells are in none (transparent). Labels as the map's legend."""
    edges = kde_breaks(values)
    colors = raster_colors(name)
    out = []
    for i in range(len(edges) - 1):
        label = f"{number_text(edges[i], lang)} – {number_text(edges[i + 1], lang)}"
        if units:
            label += f" {units}"
        upper = math.inf if i == len(edges) - 2 else edges[i + 1]
        out.append(Range(edges[i], upper, label, colors[min(i, len(colors) - 1)], 1.0, "right"))
    return tuple(out)


def count_classes(values, *, n: int = 5, lower_bounds: tuple[int, ...] | None = None,
                  lang: str = "en") -> tuple[Range, ...]:
    """Graduated classes of whole counts ≥ 1 (``lower <= v < upper``): from fixed
    ``lower_bounds`` when given, else one class per value when there are at most ``n``
    distinct values, else ``n`` classes at rounded quantiles."""
    vals = np.asarray(pd.to_numeric(pd.Series(np.ravel(values)), errors="coerce"), dtype=float)
    pos = np.unique(np.floor(vals[np.isfinite(vals) & (vals >= 1)]))
    if lower_bounds is not None:
        lowers = sorted({float(v) for v in lower_bounds if v >= 1}) or [1.0]
        pos = np.asarray([*lowers, *pos.tolist()], dtype=float)
        pos = np.unique(pos)
        top_value = math.inf
    else:
        if pos.size == 0:
            return ()
        top_value = float(pos[-1])
        if pos.size <= n:
            lowers = [float(v) for v in pos]
        else:
            qs = np.quantile(np.floor(vals[np.isfinite(vals) & (vals >= 1)]),
                             np.linspace(0, 1, n + 1)[:-1])
            lowers = sorted({float(pos[0]), *(float(np.ceil(q)) for q in qs[1:])})
            lowers = [v for v in lowers if v <= pos[-1]]
    edges = [*lowers, math.inf]
    top = len(WEEK_COLORS) - 1
    spread = np.linspace(0, top, len(lowers)).round().astype(int) if len(lowers) > 1 else [top]
    colors = [WEEK_COLORS[i] for i in spread]
    out = []
    for i, lo in enumerate(lowers):
        hi = edges[i + 1]
        if math.isinf(hi):
            label = (f"{lo:g}" if lo == top_value
                     else text("count.or_more", lang, lower=f"{lo:g}"))
        else:
            label = f"{lo:g}" if hi - lo == 1 else f"{lo:g}–{hi - 1:g}"
        out.append(Range(lo, hi, label, colors[i], 2.5 + i * 0.6))
    return tuple(out)
