"""Colours, classes, labels and the class rules shared by the web map, the QGIS styles and the KML.

One :class:`Symbology` per way of drawing a layer ("gi", "rate", "priority", "lamps"...): its
classes in legend order, the column it classifies, how a value is matched to a class
(``match``), and two extra classes that keep every feature visible — ``suppressed`` (the value
is null because a count below k was suppressed) and ``missing`` (null, or no class matches).
:meth:`Symbology.classify` is *the* rule: each feature gets the first class that matches it.
The web map draws ``all_classes[i]`` for each feature, the QGIS styles write the same rule as
expressions (``hotspots.export.qgis_styles``), the KML groups placemarks by it.

Class edges: a :class:`Range` says which end it includes (``closed``): ranks and counts are
``lower <= v < upper`` ("left"), rates per 100 m ``lower < v <= upper`` ("right", the first
class of a rate starts after the "No incidents" class ``0 <= v <= 0``).
Text categories are matched on ``str(v).strip().lower()``; booleans accept True/False, 1/0 and
the texts true/false, yes/no, sim/não, t/f, y/n (anything else is ``missing``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotspots._errors import ValidationError

__all__ = [
    "LAYER_STYLES", "MATCHES", "RASTER_OPACITY", "Category", "Range", "Symbology",
    "category_index", "count_classes", "gi_category", "kde_breaks", "language",
    "layer_symbologies", "range_index", "raster_classes", "rate_classes", "rate_index",
    "suppressible_columns", "symbology", "text", "truthy",
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


# --- texts (en / pt-BR) ----------------------------------------------------------------------

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "gi": "Hot spots (Gi*)", "gi.legend": "Hot spots (Getis-Ord Gi*)",
        "gi.3": "Hot spot 99 %", "gi.2": "Hot spot 95 %", "gi.1": "Hot spot 90 %",
        "gi.0": "Not significant", "gi.-1": "Cold spot 90 %", "gi.-2": "Cold spot 95 %",
        "gi.-3": "Cold spot 99 %", "gi.missing": "No Gi* class",
        "rate": "Incidents per 100 m", "rate.legend": "Incidents per 100 m of street",
        "rate.zero": "No incidents", "rate.missing": "No value",
        "suppressed": "Fewer than k incidents (suppressed)",
        "suppressed.k": "1 to {top} incidents (suppressed)",
        "priority": "Lighting priority", "priority.legend": "Lighting priority (rank)",
        "priority.1": "Rank 1–10", "priority.11": "Rank 11–25", "priority.26": "Rank 26–50",
        "priority.51": "Rank 51 and after", "priority.missing": "Not ranked",
        "hot_status": "Hot segments, week over week",
        "hot_status.legend": "Hot segments, this week vs last week",
        "hot_status.new": "New hot segment (hot this week, not last week)",
        "hot_status.persistent": "Persistent (hot this week and last week)",
        "hot_status.cooling": "Cooling (hot last week, not this week)",
        "hot_status.not_hot": "Not hot", "hot_status.missing": "No status",
        "lamps": "Street lamps", "lamps.working": "Lamp, working",
        "lamps.broken": "Lamp, broken", "lamps.missing": "Lamp, status unknown",
        "green": "Green areas", "green.true": "Green area, adopted",
        "green.false": "Green area, not adopted", "green.missing": "Green area, adoption unknown",
        "patrol": "Patrol segments by shift", "patrol.legend": "Patrol segments (shift)",
        "patrol.shift": "Shift {shift}", "patrol.missing": "Shift not given",
        "dark_gaps": "Dark stretches",
        "dark_gaps.item": "Dark stretch (no working lamp within reach)",
        "boundary": "Study area", "boundary.item": "Study area",
        "incidents": "Incidents", "incidents.item": "Incident",
        "green_candidates": "Green-area candidates",
        "green_candidates.item": "Green-area candidate",
        "raster.kde": "Incident density (KDE)", "raster.lamp_density": "Lamp density",
        "rate.first": "≤ {upper}", "rate.between": "{lower} – {upper}", "rate.last": "> {lower}",
    },
    "pt": {
        "gi": "Pontos quentes (Gi*)", "gi.legend": "Pontos quentes (Getis-Ord Gi*)",
        "gi.3": "Ponto quente 99 %", "gi.2": "Ponto quente 95 %", "gi.1": "Ponto quente 90 %",
        "gi.0": "Não significativo", "gi.-1": "Ponto frio 90 %", "gi.-2": "Ponto frio 95 %",
        "gi.-3": "Ponto frio 99 %", "gi.missing": "Sem classe Gi*",
        "rate": "Ocorrências por 100 m", "rate.legend": "Ocorrências por 100 m de via",
        "rate.zero": "Nenhuma ocorrência", "rate.missing": "Sem valor",
        "suppressed": "Menos de k ocorrências (suprimido)",
        "suppressed.k": "1 a {top} ocorrências (suprimido)",
        "priority": "Prioridade de iluminação",
        "priority.legend": "Prioridade de iluminação (posição)",
        "priority.1": "Posição 1–10", "priority.11": "Posição 11–25",
        "priority.26": "Posição 26–50", "priority.51": "Posição 51 em diante",
        "priority.missing": "Sem posição",
        "hot_status": "Segmentos quentes, semana a semana",
        "hot_status.legend": "Segmentos quentes, esta semana e a anterior",
        "hot_status.new": "Novo segmento quente (quente nesta semana, não na anterior)",
        "hot_status.persistent": "Persistente (quente nesta semana e na anterior)",
        "hot_status.cooling": "Esfriando (quente na semana anterior, não nesta)",
        "hot_status.not_hot": "Não quente", "hot_status.missing": "Sem situação",
        "lamps": "Luminárias", "lamps.working": "Luminária funcionando",
        "lamps.broken": "Luminária com defeito", "lamps.missing": "Luminária, situação desconhecida",
        "green": "Áreas verdes", "green.true": "Área verde adotada",
        "green.false": "Área verde não adotada", "green.missing": "Área verde, adoção desconhecida",
        "patrol": "Segmentos de patrulha por turno", "patrol.legend": "Segmentos de patrulha (turno)",
        "patrol.shift": "Turno {shift}", "patrol.missing": "Turno não informado",
        "dark_gaps": "Trechos escuros",
        "dark_gaps.item": "Trecho escuro (sem luminária funcionando ao alcance)",
        "boundary": "Área de estudo", "boundary.item": "Área de estudo",
        "incidents": "Ocorrências", "incidents.item": "Ocorrência",
        "green_candidates": "Candidatas a área verde",
        "green_candidates.item": "Candidata a área verde",
        "raster.kde": "Densidade de ocorrências (KDE)",
        "raster.lamp_density": "Densidade de luminárias",
        "rate.first": "≤ {upper}", "rate.between": "{lower} – {upper}", "rate.last": "> {lower}",
    },
}


def language(lang: str) -> str:
    """'en' or 'pt' for a language tag ('pt-BR', 'pt_BR', 'en-GB'…); anything else is an error."""
    code = str(lang).lower().replace("_", "-").split("-")[0]
    if code not in TEXTS:
        raise ValidationError(f"language {lang!r} is not supported; use 'pt' (or 'pt-BR', "
                              "português) or 'en' (English)")
    return code


def text(key: str, lang: str = "en", **values) -> str:
    """The label ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    return TEXTS[language(lang)][key].format(**values)


def number_text(x: float, lang: str = "en") -> str:
    """A class edge as legends show it (``%g``; decimal comma in Portuguese)."""
    s = f"{x:g}"
    return s.replace(".", ",") if language(lang) == "pt" else s


def _tr(cls, lang: str):
    return dataclasses.replace(cls, label=text(cls.key, lang)) if cls.key else cls


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

#: rates per 100 m: a grey "no incidents" class, then five YlOrRd classes
RATE_COLORS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
ZERO_COLOR = "#cccccc"
#: a value nulled by small-count suppression (the week slider uses the same grey)
SUPPRESSED_COLOR = "#8c8c8c"
#: null / no class matches: thin, lighter than every class colour
MISSING_COLOR = "#bdbdbd"
#: "not in this classification" (not ranked, not hot): the faint grey of the street network
BACKGROUND_COLOR = "#d9d9d9"

#: priority rank classes (rank 1 = first to light), whole ranks: lower <= rank < upper
PRIORITY_CLASSES: tuple[Range, ...] = (
    Range(1, 11, "Rank 1–10", "#54278f", 6.0, "left", "priority.1"),
    Range(11, 26, "Rank 11–25", "#756bb1", 5.0, "left", "priority.11"),
    Range(26, 51, "Rank 26–50", "#9e9ac8", 4.0, "left", "priority.26"),
    Range(51, math.inf, "Rank 51 and after", "#cbc9e2", 3.0, "left", "priority.51"),
)
NOT_RANKED = Category(None, "Not ranked", BACKGROUND_COLOR, 1.0, "priority.missing")

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

#: KDE colour ramp (low → high), transparent where the density is zero or NoData
KDE_COLORS = ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c",
              "#b10026")

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
#: weekly count classes: YlOrRd without its palest step (a thin pale line on no basemap is lost)
WEEK_COLORS = ("#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")

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


def _is_true(values) -> np.ndarray:
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


def _normal_text(values) -> pd.Series:
    return pd.Series(values, dtype=object).reset_index(drop=True).map(
        lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
        else str(v).strip().lower())


def _is_null(values) -> np.ndarray:
    return pd.isna(pd.Series(values, dtype=object).reset_index(drop=True)).to_numpy(dtype=bool)


@dataclass(frozen=True)
class Symbology:
    """How one layer is drawn: classes, the classified column, the matching rule and the look.

    ``classes`` are listed in the legend (all of them, or only those present when
    ``present_only``); ``suppressed`` and ``missing`` are listed only when some feature falls
    in them. Widths are Leaflet pixels; QGIS converts them to millimetres.
    """

    key: str
    title: str
    legend_title: str
    geometry: str  # "line", "point" or "polygon"
    column: str | None = None
    match: str = "single"
    classes: tuple = ()
    missing: Category | None = None
    suppressed: Category | None = None
    opacity: float = 0.9  # lines: stroke opacity; points/polygons: fill opacity
    stroke: str | None = None  # polygon outline / point outline colour
    stroke_width: float = 1.0
    present_only: bool = False
    label_field: str | None = None  # QGIS labels (street names) at close scales

    def __post_init__(self):
        if self.match not in MATCHES:
            raise ValidationError(f"symbology {self.key!r}: match must be one of {MATCHES}; "
                                  f"got {self.match!r}")
        if self.geometry not in ("line", "point", "polygon"):
            raise ValidationError(f"symbology {self.key!r}: geometry must be line, point or "
                                  f"polygon; got {self.geometry!r}")

    @property
    def all_classes(self) -> tuple:
        """``classes``, then ``suppressed`` and ``missing`` when defined: what an index
        returned by :meth:`classify` points into (the map's style list, in this order)."""
        return (*self.classes, *(c for c in (self.suppressed, self.missing) if c is not None))

    def classify(self, frame: pd.DataFrame) -> np.ndarray:
        """Index into ``all_classes`` for each row of ``frame`` (−1: drawn in no class).

        The first class that matches wins; a null value on a row whose ``suppressed`` column
        is true goes to ``suppressed``; everything else that matched nothing to ``missing``.
        """
        n = len(frame)
        if self.match == "single":
            return np.zeros(n, dtype=np.int64)
        values = (frame[self.column].reset_index(drop=True) if self.column in frame.columns
                  else pd.Series([None] * n, dtype=object))
        out = np.full(n, -1, dtype=np.int64)
        taken = np.zeros(n, dtype=bool)
        prepared = self._prepare(values)
        for i, cls in enumerate(self.classes):
            hit = self._hits(prepared, cls) & ~taken
            out[hit] = i
            taken |= hit
        nxt = len(self.classes)
        if self.suppressed is not None:
            if "suppressed" in frame.columns:
                hit = ~taken & _is_null(values) & _is_true(frame["suppressed"])
                out[hit] = nxt
                taken |= hit
            nxt += 1
        if self.missing is not None:
            out[~taken] = nxt
        return out

    def _prepare(self, values: pd.Series):
        if self.match in ("number", "range"):
            return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        if self.match == "text":
            return _normal_text(values).to_numpy(dtype=object)
        return truthy(values)

    def _hits(self, prepared, cls) -> np.ndarray:
        if self.match == "range":
            return cls.contains(prepared)
        if self.match == "boolean":
            return np.fromiter((v is cls.value for v in prepared), dtype=bool,
                               count=len(prepared))
        return np.asarray(prepared == cls.value, dtype=bool)

    def legend(self, index) -> tuple[tuple[int, object], ...]:
        """(index into ``all_classes``, class) of each legend item for features classed
        ``index`` (from :meth:`classify`), in legend order."""
        present = set(np.asarray(index, dtype=np.int64).tolist())
        items = []
        for i, cls in enumerate(self.all_classes):
            always = i < len(self.classes) and not self.present_only
            if always or i in present:
                items.append((i, cls))
        return tuple(items)


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


def rate_classes(values, *, n: int = 5, lang: str = "en") -> tuple[Range, ...]:
    """Graduated classes of a rate: 'No incidents' for exactly 0, then ``n`` quantile classes
    of the positive values with rounded breaks, each ``lower < v <= upper``."""
    vals = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    pos = vals[np.isfinite(vals) & (vals > 0)]
    classes = [Range(0.0, 0.0, text("rate.zero", lang), ZERO_COLOR, 1.5, "both", "rate.zero")]
    if pos.size == 0:
        return tuple(classes)
    qs = np.quantile(pos, np.linspace(0, 1, n + 1))
    breaks = sorted({nice_number(float(q)) for q in qs[1:-1]})
    breaks = [b for b in breaks if 0 < b < float(pos.max())]
    edges = [0.0, *breaks, math.inf]
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
            match = (_normal_text(series) == cat.value.strip().lower()).to_numpy(dtype=bool)
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


# --- the symbologies of each layer -----------------------------------------------------------


def _suppressed(lang: str, privacy_k: int | None) -> Category:
    label = (text("suppressed.k", lang, top=privacy_k - 1) if privacy_k and privacy_k > 1
             else text("suppressed", lang))
    return Category(None, label, SUPPRESSED_COLOR, 2.5)


def _missing(key: str, lang: str, color: str = MISSING_COLOR, width: float = 1.0) -> Category:
    return Category(None, text(f"{key}.missing", lang), color, width)


def _label_field(frame: pd.DataFrame) -> str | None:
    return "street_name" if "street_name" in frame.columns else None


def _shift_classes(frame: pd.DataFrame, lang: str) -> tuple[Category, ...]:
    if "shift" not in frame.columns:
        return ()
    raw = pd.Series(frame["shift"], dtype=object).reset_index(drop=True)
    norm = _normal_text(raw)
    first: dict[str, str] = {}
    for value, key in zip(raw.tolist(), norm.tolist()):
        if key is not None and key not in first:
            first[key] = str(value).strip()
    return tuple(Category(key, text("patrol.shift", lang, shift=shown),
                          SHIFT_COLORS[i % len(SHIFT_COLORS)], SHIFT_WIDTH)
                 for i, (key, shown) in enumerate(first.items()))


def suppressible_columns() -> frozenset[str]:
    """Columns that small-count suppression nulls (``privacy.COUNT_DERIVED``): only their
    symbologies get a "suppressed" class; elsewhere a null is just ``missing``."""
    from hotspots.privacy import COUNT_DERIVED

    return frozenset(c for cols in COUNT_DERIVED.values() for c in cols)


def symbology(key: str, frame: pd.DataFrame, *, lang: str = "en",
              privacy_k: int | None = None) -> Symbology:
    """The symbology ``key`` for ``frame`` (data-dependent classes — rate breaks, shifts — are
    computed from it; the same frame must be given to the map and to the exports).

    Keys: gi, rate, priority, hot_status, lamps, green, patrol, dark_gaps, boundary,
    incidents, green_candidates, and "default" (one blue line/point/polygon). ``privacy_k``
    only words the suppressed class ("1 to k−1 incidents").
    """
    geometry = _geometry(frame)
    label = _label_field(frame) if geometry == "line" else None
    flagged = "suppressed" in frame.columns
    suppressible = suppressible_columns() if flagged else frozenset()

    def sup(column: str) -> Category | None:
        return _suppressed(lang, privacy_k) if column in suppressible else None

    t = lambda k: text(k, lang)  # noqa: E731
    if key == "gi":
        return Symbology("gi", t("gi"), t("gi.legend"), geometry, "gi_bin", "number",
                         tuple(_tr(c, lang) for c in GI_CLASSES), _missing("gi", lang), sup("gi_bin"),
                         opacity=0.95, label_field=label)
    if key == "rate":
        classes = rate_classes(frame["rate_per_100m"] if "rate_per_100m" in frame.columns
                               else [], lang=lang)
        return Symbology("rate", t("rate"), t("rate.legend"), geometry, "rate_per_100m",
                         "range", classes, _missing("rate", lang), sup("rate_per_100m"),
                         label_field=label)
    if key == "priority":
        return Symbology("priority", t("priority"), t("priority.legend"), geometry,
                         "priority_rank", "range",
                         tuple(_tr(r, lang) for r in PRIORITY_CLASSES), _tr(NOT_RANKED, lang),
                         sup("priority_rank"), label_field=label)
    if key == "hot_status":
        return Symbology("hot_status", t("hot_status"), t("hot_status.legend"), geometry,
                         "hot_status", "text",
                         tuple(_tr(c, lang) for c in (*HOT_STATUS_CLASSES, NOT_HOT)),
                         _missing("hot_status", lang), sup("hot_status"), opacity=0.95,
                         label_field=label)
    if key == "lamps":
        return Symbology("lamps", t("lamps"), t("lamps"), geometry, "status", "text",
                         tuple(_tr(c, lang) for c in LAMP_CLASSES), _tr(LAMP_OTHER, lang),
                         None, opacity=0.95, stroke="#333333", stroke_width=0.6,
                         present_only=True)
    if key == "green":
        return Symbology("green", t("green"), t("green"), geometry, "adopted", "boolean",
                         tuple(_tr(c, lang) for c in GREEN_CLASSES), _tr(GREEN_UNKNOWN, lang),
                         None, opacity=FILL_OPACITY, stroke=POLYGON_STROKE, stroke_width=1.0)
    if key == "patrol":
        return Symbology("patrol", t("patrol"), t("patrol.legend"), geometry, "shift", "text",
                         _shift_classes(frame, lang),
                         _missing("patrol", lang, BACKGROUND_COLOR, SHIFT_WIDTH), None,
                         opacity=0.8, label_field=label)
    single = {"dark_gaps": (DARK_GAP, 0.9, None, 1.0),
              "boundary": (BOUNDARY, 0.0, BOUNDARY.color, BOUNDARY.width),
              "incidents": (INCIDENT, 0.95, "#333333", 0.6),
              "green_candidates": (GREEN_CANDIDATE, FILL_OPACITY, POLYGON_STROKE, 1.0)}
    if key in single:
        cls, opacity, stroke, stroke_width = single[key]
        return Symbology(key, t(key), t(key), geometry, None, "single", (_tr(cls, lang),),
                         opacity=opacity, stroke=stroke, stroke_width=stroke_width,
                         label_field=label)
    if key == "default":
        return Symbology("default", "", "", geometry, None, "single",
                         (Category(None, "", "#3182bd", 2.0),), stroke="#2171b5",
                         label_field=label)
    raise ValidationError(f"unknown symbology {key!r}; use one of gi, rate, priority, "
                          "hot_status, lamps, green, patrol, dark_gaps, boundary, incidents, "
                          "green_candidates, default")


#: symbologies of each output layer, the default first (each used only if its column exists)
LAYER_STYLES: dict[str, tuple[str, ...]] = {
    "segments": ("gi", "rate", "priority", "hot_status"),
    "priority": ("priority",),
    "lamps": ("lamps",),
    "green_areas": ("green",),
    "patrol": ("patrol",),
    "dark_gaps": ("dark_gaps",),
    "boundary": ("boundary",),
    "incidents": ("incidents",),
    "green_candidates": ("green_candidates",),
}
_NEEDS = {"gi": "gi_bin", "rate": "rate_per_100m", "priority": "priority_rank",
          "hot_status": "hot_status"}


def layer_symbologies(name: str, frame: pd.DataFrame, *, lang: str = "en",
                      privacy_k: int | None = None) -> tuple[Symbology, ...]:
    """Every symbology of layer ``name`` (default first); () for a table without geometry.

    A classified symbology is offered only when its column exists, and Gi* is the default
    only when some segment has a Gi* bin (else rates come first, as on the map).
    """
    if _geometry(frame) is None:
        return ()
    keys = [k for k in LAYER_STYLES.get(name, ("default",))
            if k not in _NEEDS or _NEEDS[k] in frame.columns]
    if "gi" in keys and not frame["gi_bin"].notna().any() and "rate" in keys:
        keys.remove("gi")
        keys.insert(1, "gi")
    if not keys:
        keys = ["default"]
    return tuple(symbology(k, frame, lang=lang, privacy_k=privacy_k) for k in keys)


def _geometry(frame: pd.DataFrame) -> str | None:
    """'line', 'point' or 'polygon' for a GeoDataFrame (None for attribute tables)."""
    try:
        geom = frame.geometry
    except AttributeError:
        return None
    if not hasattr(geom, "geom_type"):
        return None
    types = set(geom.geom_type.dropna())
    if not types:
        return None
    t = sorted(types)[0]
    return "line" if "Line" in t else "point" if "Point" in t else "polygon"
