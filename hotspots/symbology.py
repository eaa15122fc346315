"""Colours, classes and labels shared by the web map, the QGIS styles and the KML (one source)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Category:
    """One class of a categorical legend: the value it matches, its label and its stroke."""

    value: object
    label: str
    color: str
    width: float = 3.0


@dataclass(frozen=True)
class Range:
    """One class of a graduated legend: ``lower <= v < upper`` (the last class includes upper)."""

    lower: float
    upper: float
    label: str
    color: str
    width: float = 3.0


#: Gi* bins with ArcGIS Pro's Hot Spot Analysis colours and confidence labels
GI_CLASSES: tuple[Category, ...] = (
    Category(3, "Hot spot 99 %", "#d62f27", 5.0),
    Category(2, "Hot spot 95 %", "#ed7551", 4.0),
    Category(1, "Hot spot 90 %", "#fab984", 3.5),
    Category(0, "Not significant", "#ffffbf", 1.5),
    Category(-1, "Cold spot 90 %", "#c0ccbe", 3.0),
    Category(-2, "Cold spot 95 %", "#849eba", 3.0),
    Category(-3, "Cold spot 99 %", "#4575b5", 3.0),
)

#: rates per 100 m: a grey "no incidents" class, then five YlOrRd classes
RATE_COLORS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
ZERO_COLOR = "#cccccc"

#: priority rank classes (rank 1 = first to light)
PRIORITY_CLASSES: tuple[Range, ...] = (
    Range(1, 11, "Rank 1–10", "#54278f", 6.0),
    Range(11, 26, "Rank 11–25", "#756bb1", 5.0),
    Range(26, 51, "Rank 26–50", "#9e9ac8", 4.0),
    Range(51, math.inf, "Rank 51 and after", "#cbc9e2", 3.0),
)

LAMP_CLASSES: tuple[Category, ...] = (
    Category("working", "Lamp, working", "#f5b800", 4.0),
    Category("broken", "Lamp, broken", "#525252", 4.0),
)
LAMP_OTHER = Category(None, "Lamp, status unknown", "#9e9e9e", 4.0)

GREEN_CLASSES: tuple[Category, ...] = (
    Category(True, "Green area, adopted", "#1a9850", 1.0),
    Category(False, "Green area, not adopted", "#a6d96a", 1.0),
)

#: patrol segments, one colour per shift (in the order the shifts appear)
SHIFT_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")

DARK_GAP = Category(None, "Dark stretch (no working lamp within reach)", "#08306b", 4.0)
BOUNDARY = Category(None, "Study area", "#555555", 1.5)
INCIDENT = Category(None, "Incident", "#7a0177", 4.0)

#: KDE colour ramp (low → high), transparent where the density is zero or NoData
KDE_COLORS = ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c",
              "#b10026")

#: lamp density ramp (dark → light: where the light is)
LIGHT_COLORS = ("#0c2c84", "#225ea8", "#1d91c0", "#41b6c4", "#7fcdbb", "#c7e9b4", "#edf8b1",
                "#ffffd9")


def raster_colors(name: str) -> tuple[str, ...]:
    """The colour ramp of a raster by its name (the KDE ramp unless it is about lamps)."""
    return LIGHT_COLORS if "lamp" in str(name).lower() else KDE_COLORS


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """'#rrggbb' → (r, g, b)."""
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


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


def rate_classes(values, *, n: int = 5) -> tuple[Range, ...]:
    """Graduated classes of a rate: 'No incidents' for 0, then ``n`` quantile classes of the
    positive values with rounded breaks (the same breaks for the web map, QGIS and the legend)."""
    vals = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    pos = vals[np.isfinite(vals) & (vals > 0)]
    classes = [Range(0.0, 0.0, "No incidents", ZERO_COLOR, 1.5)]
    if pos.size == 0:
        return tuple(classes)
    qs = np.quantile(pos, np.linspace(0, 1, n + 1))
    breaks = sorted({nice_number(float(q)) for q in qs[1:-1]})
    breaks = [b for b in breaks if 0 < b < float(pos.max())]
    edges = [0.0, *breaks, math.inf]
    colors = RATE_COLORS if len(edges) - 1 == len(RATE_COLORS) else _spread(len(edges) - 1)
    for i in range(len(edges) - 1):
        lo, hi = edges[i], edges[i + 1]
        label = f"> {lo:g}" if math.isinf(hi) else (f"≤ {hi:g}" if i == 0 else f"{lo:g} – {hi:g}")
        classes.append(Range(lo, hi, label, colors[i], 2.5 + i * 0.6))
    return tuple(classes)


def _spread(k: int) -> tuple[str, ...]:
    idx = np.linspace(0, len(RATE_COLORS) - 1, max(k, 1)).round().astype(int)
    return tuple(RATE_COLORS[i] for i in idx)


def rate_index(values, classes: tuple[Range, ...]) -> np.ndarray:
    """Index into ``classes`` for each value (−1 for missing); 0 is the 'No incidents' class."""
    vals = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    out = np.full(vals.shape, -1, dtype=np.int64)
    out[vals == 0] = 0
    for i, r in enumerate(classes[1:], start=1):
        sel = np.isfinite(vals) & (vals > r.lower) & (vals <= r.upper)
        out[sel] = i
    return out


def range_index(values, classes: tuple[Range, ...]) -> np.ndarray:
    """Index into half-open ``classes`` (lower <= v < upper) for each value (−1 for missing)."""
    vals = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    out = np.full(vals.shape, -1, dtype=np.int64)
    for i, r in enumerate(classes):
        out[np.isfinite(vals) & (vals >= r.lower) & (vals < r.upper)] = i
    return out


def category_index(values, classes: tuple[Category, ...], *, other: int = -1) -> np.ndarray:
    """Index into ``classes`` matching each value by equality (``other`` when none matches)."""
    series = pd.Series(values).reset_index(drop=True)
    out = np.full(len(series), other, dtype=np.int64)
    for i, cat in enumerate(classes):
        if isinstance(cat.value, bool):
            match = series.map(lambda v, want=cat.value: _truthy(v) is want)
        elif isinstance(cat.value, str):
            match = series.astype("string").str.lower() == cat.value
        else:
            match = pd.to_numeric(series, errors="coerce") == cat.value
        out[match.fillna(False).to_numpy(dtype=bool)] = i
    return out


def _truthy(v) -> bool | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, str):
        low = v.strip().lower()
        if low in {"true", "1", "yes", "sim", "t", "y"}:
            return True
        if low in {"false", "0", "no", "não", "nao", "f", "n", ""}:
            return False
        return None
    try:
        return bool(v)
    except (TypeError, ValueError):
        return None


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


#: week-over-week status of hot segments (hotspots.weekly.change_status); "not hot" is not drawn
HOT_STATUS_CLASSES: tuple[Category, ...] = (
    Category("new", "New hot segment (hot this week, not last week)", "#e6550d", 5.0),
    Category("persistent", "Persistent (hot this week and last week)", "#a50f15", 5.0),
    Category("cooling", "Cooling (hot last week, not this week)", "#3182bd", 4.0),
)

#: incidents per week: a segment with none that week, and a suppressed count (liaison maps)
WEEK_ZERO = Range(0, 1, "None that week", "#d4d4d4", 1.5)
WEEK_SUPPRESSED = Range(math.nan, math.nan, "Suppressed", "#8c8c8c", 2.5)
#: weekly count classes: YlOrRd without its palest step (a thin pale line on no basemap is lost)
WEEK_COLORS = ("#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")


def count_classes(values, *, n: int = 5) -> tuple[Range, ...]:
    """Graduated classes of whole counts ≥ 1 (``lower <= v < upper``): one class per value when
    there are at most ``n`` distinct values, else ``n`` classes at rounded quantiles."""
    vals = np.asarray(pd.to_numeric(pd.Series(np.ravel(values)), errors="coerce"), dtype=float)
    pos = np.unique(np.floor(vals[np.isfinite(vals) & (vals >= 1)]))
    if pos.size == 0:
        return ()
    if pos.size <= n:
        lowers = [float(v) for v in pos]
    else:
        qs = np.quantile(np.floor(vals[np.isfinite(vals) & (vals >= 1)]), np.linspace(0, 1, n + 1)[:-1])
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
            label = f"{lo:g}" if lo == pos[-1] else f"{lo:g} or more"
        else:
            label = f"{lo:g}" if hi - lo == 1 else f"{lo:g}–{hi - 1:g}"
        out.append(Range(lo, hi, label, colors[i], 2.5 + i * 0.6))
    return tuple(out)
