"""The symbology of each layer: classes, the rule that puts a feature in one, and the look.

One :class:`Symbology` per way of drawing a layer ("gi", "rate", "hot_status", "lamps"...): its
classes in legend order, the column it classifies, how a value is matched to a class
(``match``), and two extra classes that keep every feature visible — ``suppressed`` (the value
is null because a count below k was suppressed) and ``missing`` (null, or no class matches).
:meth:`Symbology.classify` is *the* rule: each feature gets the first class that matches it.
The web map draws ``all_classes[i]`` for each feature, the QGIS styles write the same rule as
expressions (``hotspots.export.qgis_styles``), the KML groups placemarks by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots._errors import ValidationError
from hotspots.layers import LAYERS
from hotspots.symbology.classes import (
    BACKGROUND_COLOR,
    BOUNDARY,
    DARK_GAP,
    FILL_OPACITY,
    GI_CLASSES,
    GREEN_CANDIDATE,
    GREEN_CLASSES,
    GREEN_UNKNOWN,
    HOT_STATUS_CLASSES,
    INCIDENT,
    LAMP_CLASSES,
    LAMP_OTHER,
    MATCHES,
    MISSING_COLOR,
    NOT_HOT,
    POLYGON_STROKE,
    SHIFT_COLORS,
    SHIFT_WIDTH,
    SUPPRESSED_COLOR,
    Category,
    is_null,
    is_true,
    normal_text,
    rate_classes,
    truthy,
)
from hotspots.symbology.texts import text
from hotspots.symbology.texts import translated as _tr

__all__ = ["LAYER_STYLES", "Symbology", "layer_symbologies", "suppressible_columns",
           "symbology"]


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
                hit = ~taken & is_null(values) & is_true(frame["suppressed"])
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
            return normal_text(values).to_numpy(dtype=object)
        return truthy(values)

    def _hits(self, prepared, cls) -> np.ndarray:
        if self.match == "range":
            return cls.contains(prepared)
        if self.match == "boolean":
            return np.fromiter((v is cls.value for v in prepared), dtype=bool,
                               count=len(prepared))
        return np.asarray(prepared == cls.value, dtype=bool)

    def legend(self, index) -> tuple[tuple[int, Any], ...]:
        """(index into ``all_classes``, class) of each legend item for features classed
        ``index`` (from :meth:`classify`), in legend order."""
        present = set(np.asarray(index, dtype=np.int64).tolist())
        items = []
        for i, cls in enumerate(self.all_classes):
            always = i < len(self.classes) and not self.present_only
            if always or i in present:
                items.append((i, cls))
        return tuple(items)


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
    norm = normal_text(raw)
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
              privacy_k: int | None = None, geometry: str | None = None,
              breaks=None) -> Symbology:
    """The symbology ``key`` for ``frame`` (data-dependent classes — rate breaks, shifts — are
    computed from it; the same frame must be given to the map and to the exports).

    Keys: gi, rate, hot_status, emerging, lamps, green, patrol, dark_gaps,
    boundary, incidents, green_candidates, plan_lighting, plan_repair_lamps, plan_green, and
    "default" (one blue line/point/polygon). ``privacy_k``
    only words the suppressed class ("1 to k−1 incidents"); ``geometry`` ('line', 'point',
    'polygon') is read from the frame's geometries when it has any, else taken as given;
    ``breaks`` (a mapping with ``rate_per_100m``: the city's fixed breaks,
    :mod:`hotspots.symbology.breaks`) replaces the data-driven rate classes.
    """
    geometry = _geometry(frame) or geometry
    label = _label_field(frame) if geometry == "line" else None
    flagged = "suppressed" in frame.columns
    suppressible = suppressible_columns() if flagged else frozenset()

    def sup(column: str) -> Category | None:
        return _suppressed(lang, privacy_k) if column in suppressible else None

    t = lambda k: text(k, lang)  # noqa: E731
    if key == "gi":
        return Symbology("gi", t("gi"), t("gi.legend"), geometry, "gi_bin", "number",  # type: ignore[arg-type]
                         tuple(_tr(c, lang) for c in GI_CLASSES), _missing("gi", lang), sup("gi_bin"),
                         opacity=0.95, label_field=label)
    if key == "rate":
        fixed = None if not breaks else breaks.get("rate_per_100m")
        classes = rate_classes(frame["rate_per_100m"] if "rate_per_100m" in frame.columns
                               else [], lang=lang,
                               breaks=None if fixed is None else tuple(fixed))
        return Symbology("rate", t("rate"), t("rate.legend"), geometry, "rate_per_100m",  # type: ignore[arg-type]
                         "range", classes, _missing("rate", lang), sup("rate_per_100m"),
                         label_field=label)
    if key == "hot_status":
        return Symbology("hot_status", t("hot_status"), t("hot_status.legend"), geometry,  # type: ignore[arg-type]
                         "hot_status", "text",
                         tuple(_tr(c, lang) for c in (*HOT_STATUS_CLASSES, NOT_HOT)),
                         _missing("hot_status", lang), sup("hot_status"), opacity=0.95,
                         label_field=label)
    if key == "lamps":
        return Symbology("lamps", t("lamps"), t("lamps"), geometry, "status", "text",  # type: ignore[arg-type]
                         tuple(_tr(c, lang) for c in LAMP_CLASSES), _tr(LAMP_OTHER, lang),
                         None, opacity=0.95, stroke="#333333", stroke_width=0.6,
                         present_only=True)
    if key == "green":
        return Symbology("green", t("green"), t("green"), geometry, "adopted", "boolean",  # type: ignore[arg-type]
                         tuple(_tr(c, lang) for c in GREEN_CLASSES), _tr(GREEN_UNKNOWN, lang),
                         None, opacity=FILL_OPACITY, stroke=POLYGON_STROKE, stroke_width=1.0)
    if key == "patrol":
        return Symbology("patrol", t("patrol"), t("patrol.legend"), geometry, "shift", "text",  # type: ignore[arg-type]
                         _shift_classes(frame, lang),
                         _missing("patrol", lang, BACKGROUND_COLOR, SHIFT_WIDTH), None,
                         opacity=0.8, label_field=label)
    if key == "emerging":
        from hotspots.stats.emerging_categories import CATEGORIES

        pt = lang.startswith("pt")
        classes = tuple(Category(c.code, c.name_pt if pt else c.name, c.color,  # type: ignore[misc]
                                 4.0 if c.code else 1.5) for c in CATEGORIES)
        return Symbology("emerging", t("emerging"), t("emerging.legend"), geometry,  # type: ignore[arg-type]
                         "emerging_code", "number", classes, _missing("emerging", lang),
                         sup("emerging_code"), opacity=0.95, present_only=True,
                         label_field=label)
    if key == "plan_lighting":
        classes = (Category("repair", "", "#f28e2b", 6.0, "plan_lighting.repair"),  # type: ignore[assignment]
                   Category("new_lights", "", "#ffd92f", 6.0, "plan_lighting.new_lights"))
        return Symbology("plan_lighting", t("plan_lighting"), t("plan_lighting"), geometry,  # type: ignore[arg-type]
                         "kind", "text", tuple(_tr(c, lang) for c in classes),
                         _missing("plan_lighting", lang), None, opacity=0.9,
                         present_only=True, label_field=label)
    if key == "plan_repair_lamps":
        classes = (Category(True, "", "#f28e2b", 5.0, "plan_repair_lamps.true"),  # type: ignore[assignment]
                   Category(False, "", "#bdbdbd", 4.0, "plan_repair_lamps.false"))
        return Symbology("plan_repair_lamps", t("plan_repair_lamps"), t("plan_repair_lamps"),
                         geometry, "funded", "boolean", tuple(_tr(c, lang) for c in classes),  # type: ignore[arg-type]
                         _missing("plan_repair_lamps", lang), None, opacity=0.95,
                         stroke="#333333", stroke_width=0.6, present_only=True)
    if key == "near_repeat":
        cls = Category(None, "", "#7b3294", 5.0, "near_repeat.item")
        return Symbology("near_repeat", t("near_repeat"), t("near_repeat"), geometry, None,  # type: ignore[arg-type]
                         "single", (_tr(cls, lang),), opacity=0.8, label_field=label)
    if key == "plan_green":
        cls = Category(None, "", "#31a354", 1.0, "plan_green.item")
        return Symbology("plan_green", t("plan_green"), t("plan_green"), geometry, None,  # type: ignore[arg-type]
                         "single", (_tr(cls, lang),), opacity=FILL_OPACITY,
                         stroke=POLYGON_STROKE, stroke_width=1.5)
    single = {"dark_gaps": (DARK_GAP, 0.9, None, 1.0),
              "boundary": (BOUNDARY, 0.0, BOUNDARY.color, BOUNDARY.width),
              "incidents": (INCIDENT, 0.95, "#333333", 0.6),
              "green_candidates": (GREEN_CANDIDATE, FILL_OPACITY, POLYGON_STROKE, 1.0)}
    if key in single:
        cls, opacity, stroke, stroke_width = single[key]
        return Symbology(key, t(key), t(key), geometry, None, "single", (_tr(cls, lang),),  # type: ignore[arg-type]
                         opacity=opacity, stroke=stroke, stroke_width=stroke_width,
                         label_field=label)
    if key == "default":
        return Symbology("default", "", "", geometry, None, "single",  # type: ignore[arg-type]
                         (Category(None, "", "#3182bd", 2.0),), stroke="#2171b5",
                         label_field=label)
    raise ValidationError(f"unknown symbology {key!r}; use one of gi, rate, "
                          "hot_status, lamps, green, patrol, dark_gaps, boundary, incidents, "
                          "green_candidates, default")


#: symbologies of each output layer, the default first (each used only if its column exists)
LAYER_STYLES: dict[str, tuple[str, ...]] = {n: s.styles for n, s in LAYERS.items() if s.styles}
_NEEDS = {"gi": "gi_bin", "rate": "rate_per_100m", "hot_status": "hot_status",
          "emerging": "emerging_code"}


def layer_symbologies(name: str, frame: pd.DataFrame, *, keys: tuple[str, ...] | None = None,
                      lang: str = "en", privacy_k: int | None = None,
                      breaks=None) -> tuple[Symbology, ...]:
    """Every symbology of layer ``name`` (default first); () for a table without geometry.

    ``keys``: the symbology keys of the layer in order (a layer registry's entry); None
    takes ``LAYER_STYLES[name]`` ("default" for a layer not listed). A classified symbology
    is offered only when its column exists, and Gi* is the default only when some segment has
    a Gi* bin (else rates come first, as on the map).
    """
    geometry = _geometry(frame)
    if geometry is None and isinstance(frame, gpd.GeoDataFrame) and name in LAYERS:
        geometry = LAYERS[name].geometry  # an empty layer keeps its registered geometry
    if geometry is None:
        return ()
    wanted = LAYER_STYLES.get(name, ("default",)) if keys is None else tuple(keys)
    shown = [k for k in wanted if k not in _NEEDS or _NEEDS[k] in frame.columns]
    if "gi" in shown and not frame["gi_bin"].notna().any() and "rate" in shown:
        shown.remove("gi")
        shown.insert(1, "gi")
    if not shown:
        shown = ["default"]
    return tuple(symbology(k, frame, lang=lang, privacy_k=privacy_k, geometry=geometry,
                           breaks=breaks)
                 for k in shown)


def _geometry(frame: pd.DataFrame) -> str | None:
    """'line', 'point' or 'polygon' for a GeoDataFrame (None for attribute tables); a mixed
    layer is drawn as lines if it has any, else as points if it has any."""
    if not isinstance(frame, gpd.GeoDataFrame):
        return None
    try:
        geom = frame.geometry
    except AttributeError:  # no active geometry column
        return None
    types = set(np.unique(shapely.get_type_id(np.asarray(geom.values))).tolist())
    for kind, ids in (("line", {1, 2, 5}), ("point", {0, 4}), ("polygon", {3, 6})):
        if types & ids:
            return kind
    return None
