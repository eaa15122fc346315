"""QGIS styles (QML) written from ``hotspots.symbology``: the web map's classes, colours, labels.

Every style is a rule-based renderer whose rules are :meth:`Symbology.classify`
written as QGIS expressions, so QGIS puts each feature in the class the map gives it: ranges
with the class's own closed end (``"priority_rank" >= 11 AND "priority_rank" < 26``), text
categories on ``lower(trim(to_string(...)))``, booleans on the texts QGIS gives a Bool, an
integer or a text field, a rule for suppressed nulls and one for everything else (both only
when some feature needs them). "Everything else" is written as the negation of all other
rules, not as QGIS's ``ELSE``: QGIS 3.22's ``symbolsForFeature`` (identify, DXF export) also
returns an ELSE rule's symbol for features another rule matched. Rule keys are ``<symbology>-<class index>``, so a
feature's legend key in QGIS names its class in ``Symbology.all_classes``.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd

from hotspots import symbology as sym
from hotspots.config import QgisExportSettings

__all__ = ["QML_VERSION", "QgisExportSettings", "class_expression", "layer_styles",
           "raster_qml", "symbology_qml"]

#: the QGIS version written in QML files (the oldest we check against: Debian 12's 3.22)
QML_VERSION = "3.22.0"
PX_TO_MM = 25.4 / 96  # Leaflet's CSS pixels → millimetres


# --- expressions -----------------------------------------------------------------------------


def quoted_column(name: str) -> str:
    """A field reference in a QGIS expression."""
    return '"' + str(name).replace('"', '""') + '"'


def quoted_string(value: str) -> str:
    """A string literal in a QGIS expression (backslashes, quotes and newlines escaped)."""
    s = str(value).replace("\\", "\\\\").replace("'", "''")
    return "'" + s.replace("\n", "\\n").replace("\t", "\\t") + "'"


def number_literal(x: float) -> str:
    """A number as QGIS parses it back to the same double (whole numbers without '.0')."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _text_of(column: str) -> str:
    return f"lower(trim(to_string({quoted_column(column)})))"


def _in(column: str, values) -> str:
    return f"{_text_of(column)} IN ({', '.join(quoted_string(v) for v in values)})"


def class_expression(symbology: sym.Symbology, index: int) -> str:
    """The QGIS filter of class ``index`` of ``symbology.all_classes``: true exactly for the
    features :meth:`Symbology.classify` puts in that class."""
    s = symbology
    if s.match == "single":
        return ""
    col = quoted_column(s.column) if s.column else ""
    if index >= len(s.classes):
        if s.suppressed is not None and index == len(s.classes):
            return f"{col} IS NULL AND {_in('suppressed', sym.TRUE_TEXTS)}"
        others = [class_expression(s, i) for i in range(len(s.classes))]
        if s.suppressed is not None:
            others.append(class_expression(s, len(s.classes)))
        if not others:
            return "TRUE"
        return "NOT coalesce(" + " OR ".join(f"({e})" for e in others) + ", FALSE)"
    cls = s.classes[index]
    if s.match == "number":
        return f"{col} = {number_literal(cls.value)}"
    if s.match == "text":
        return f"{_text_of(s.column)} = {quoted_string(str(cls.value).strip().lower())}"  # type: ignore[arg-type]
    if s.match == "boolean":
        return _in(s.column, sym.TRUE_TEXTS if cls.value else sym.FALSE_TEXTS)  # type: ignore[arg-type]
    parts = []
    if math.isfinite(cls.lower):
        op = ">=" if cls.closed in ("left", "both") else ">"
        parts.append(f"{col} {op} {number_literal(cls.lower)}")
    if math.isfinite(cls.upper):
        op = "<=" if cls.closed in ("right", "both") else "<"
        parts.append(f"{col} {op} {number_literal(cls.upper)}")
    if cls.closed == "both" and cls.lower == cls.upper:
        parts = [f"{col} = {number_literal(cls.lower)}"]
    return " AND ".join(parts) or f"{col} IS NOT NULL"


# --- QML -------------------------------------------------------------------------------------


def _rgba(color: str, opacity: float = 1.0) -> str:
    r, g, b = sym.hex_to_rgb(color)
    return f"{r},{g},{b},{round(255 * opacity)}"


def _mm(px: float) -> str:
    return f"{px * PX_TO_MM:.3f}"


def _options(parent: ET.Element, values: dict[str, str]) -> None:
    opt = ET.SubElement(parent, "Option", type="Map")
    for key, val in values.items():
        ET.SubElement(opt, "Option", type="QString", name=key, value=str(val))


def _symbol(parent: ET.Element, name: str, s: sym.Symbology, cls) -> None:
    """One QGIS symbol drawing ``cls`` as the map does (Leaflet px → mm)."""
    kind = {"line": "line", "point": "marker", "polygon": "fill"}[s.geometry]
    line_alpha = s.opacity if s.geometry == "line" else 1.0
    symbol = ET.SubElement(parent, "symbol", type=kind, name=name, alpha=f"{line_alpha:g}",
                           clip_to_extent="1", force_rhr="0")
    attrs = {"enabled": "1", "locked": "0", "pass": "0"}
    if s.geometry == "line":
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleLine", **attrs})
        _options(layer, {"line_color": _rgba(cls.color), "line_width": _mm(cls.width),
                         "line_width_unit": "MM", "line_style": "solid",
                         "capstyle": "round", "joinstyle": "round"})
    elif s.geometry == "point":
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleMarker", **attrs})
        _options(layer, {"name": "circle", "color": _rgba(cls.color, s.opacity),
                         "outline_color": _rgba(s.stroke or cls.color),
                         "outline_width": _mm(s.stroke_width), "outline_width_unit": "MM",
                         "outline_style": "solid", "size": _mm(2 * cls.width),
                         "size_unit": "MM", "scale_method": "diameter"})
    else:
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleFill", **attrs})
        _options(layer, {"color": _rgba(cls.color, s.opacity),
                         "style": "solid" if s.opacity > 0 else "no",
                         "outline_color": _rgba(s.stroke or cls.color),
                         "outline_width": _mm(s.stroke_width if s.stroke else cls.width),
                         "outline_width_unit": "MM", "outline_style": "solid",
                         "joinstyle": "round"})


def _labeling(root: ET.Element, field: str, max_scale: int) -> None:
    lab = ET.SubElement(root, "labeling", type="simple")
    settings = ET.SubElement(lab, "settings", calloutType="simple")
    ts = ET.SubElement(settings, "text-style", fieldName=field, isExpression="0", fontSize="8",
                       fontSizeUnit="Point", textColor="40,40,40,255", textOpacity="1",
                       namedStyle="Regular", fontWeight="50", multilineHeight="1")
    ET.SubElement(ts, "text-buffer", bufferDraw="1", bufferSize="0.7", bufferSizeUnits="MM",
                  bufferColor="255,255,255,255", bufferOpacity="0.85", bufferJoinStyle="128",
                  bufferNoFill="1")
    ET.SubElement(settings, "placement", placement="2", placementFlags="10", dist="0",
                  distUnits="MM", priority="5", repeatDistance="0")
    # scaleMin/scaleMax are QGIS's maximum/minimum scale: 1 (zoomed in) … 1:max_scale
    ET.SubElement(settings, "rendering", scaleVisibility="1", scaleMin="1",
                  scaleMax=str(int(max_scale)), drawLabels="1", mergeLines="1", obstacle="1",
                  upsidedownLabels="0", labelPerPart="0", displayAll="0")


def _root(labels: bool) -> ET.Element:
    cats = "Symbology|Labeling" if labels else "Symbology"
    return ET.Element("qgis", version=QML_VERSION, styleCategories=cats,
                      labelsEnabled="1" if labels else "0")


def _to_text(root: ET.Element) -> str:
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode") + "\n"


def symbology_qml(symbology: sym.Symbology, frame: pd.DataFrame, *,
                  label_max_scale: int = sym.LABEL_MAX_SCALE) -> str:
    """The QML of ``symbology`` for ``frame``: a rule-based renderer with one rule per legend
    item (as :meth:`Symbology.legend` lists them for this frame's features; a single-symbol
    layer has one rule without a filter, so QGIS's legend shows the map's label too)."""
    s = symbology
    labels = s.label_field is not None and s.label_field in frame.columns
    root = _root(labels)
    rend = ET.SubElement(root, "renderer-v2", type="RuleRenderer", symbollevels="0",
                         enableorderby="0", forceraster="0")
    rules = ET.SubElement(rend, "rules", key=f"{s.key}-root")
    symbols = ET.SubElement(rend, "symbols")
    for n, (i, cls) in enumerate(s.legend(s.classify(frame))):
        rule = ET.SubElement(rules, "rule", key=f"{s.key}-{i}", symbol=str(n), label=cls.label)  # type: ignore[attr-defined]
        expression = class_expression(s, i)
        if expression:  # a single symbol: a rule without a filter (every feature)
            rule.set("filter", expression)
        _symbol(symbols, str(n), s, cls)
    if labels:
        _labeling(root, s.label_field, label_max_scale)  # type: ignore[arg-type]
    return _to_text(root)


def layer_styles(name: str, frame: pd.DataFrame, *, keys: tuple[str, ...] | None = None,
                 lang: str = "en", privacy_k: int | None = None,
                 settings: QgisExportSettings | None = None,
                 breaks=None) -> list[tuple[str, str]]:
    """(style name, QML) pairs for one layer; the first is the default. Empty if no geometry.

    ``keys`` are the layer's symbology keys, default first (``symbology.LAYER_STYLES[name]``
    when None); ``privacy_k`` words the suppressed class; labels in ``lang``; ``breaks``: the
    city's fixed class breaks (``symbology.symbology``).
    """
    settings = settings or QgisExportSettings()
    out = []
    for s in sym.layer_symbologies(name, frame, keys=keys, lang=lang, privacy_k=privacy_k,
                                   breaks=breaks):
        title = s.title or name
        out.append((title, symbology_qml(s, frame, label_max_scale=settings.label_max_scale)))
    return out


def raster_qml(values, *, units: str = "", opacity: float = sym.RASTER_OPACITY,
               colors: tuple[str, ...] | None = None, name: str = "",
               lang: str = "en") -> str:
    """QML of a discrete pseudocolour raster style with the web map's classes.

    QGIS's DISCRETE ramp gives a cell the first item whose value is ≥ the cell, so items at
    each class's upper edge reproduce the map's ``lower < v <= upper``; cells ≤ 0 get the
    transparent "0" item and NoData is not drawn, as on the map.
    """
    classes = sym.raster_classes(np.asarray(values, dtype=float), name=name, units=units,
                                 lang=lang)
    if colors is not None:
        classes = tuple(type(c)(c.lower, c.upper, c.label, colors[min(i, len(colors) - 1)],
                                c.width, c.closed) for i, c in enumerate(classes))
    root = _root(False)
    pipe = ET.SubElement(root, "pipe")
    top = classes[-1].lower if math.isinf(classes[-1].upper) else classes[-1].upper
    rend = ET.SubElement(pipe, "rasterrenderer", type="singlebandpseudocolor", band="1",
                         opacity=f"{opacity:g}", alphaBand="-1", classificationMin="0",
                         classificationMax=number_literal(top), nodataColor="")
    shader = ET.SubElement(ET.SubElement(rend, "rastershader"), "colorrampshader",
                           colorRampType="DISCRETE", classificationMode="1", clip="0")
    ET.SubElement(shader, "item", value="0", color="#ffffff", alpha="0", label="0")
    for c in classes:
        value = "inf" if math.isinf(c.upper) else repr(float(c.upper))
        ET.SubElement(shader, "item", value=value, color=c.color, alpha="255", label=c.label)
    return _to_text(root)
