"""QGIS styles (QML) for exported layers and rasters, with the web map's colours and labels."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd

from hotspots import symbology as sym

QGIS_VERSION = "3.28.0"
PX_TO_MM = 0.26  # Leaflet's pixel widths → QGIS millimetres (96 dpi)


def _rgba(color: str, alpha: int = 255) -> str:
    r, g, b = sym.hex_to_rgb(color)
    return f"{r},{g},{b},{alpha}"


def _options(parent: ET.Element, values: dict[str, str]) -> None:
    opt = ET.SubElement(parent, "Option", type="Map")
    for key, val in values.items():
        ET.SubElement(opt, "Option", type="QString", name=key, value=str(val))


def _symbol(parent: ET.Element, name: str, geometry: str, color: str, width_px: float = 2.0,
            *, fill_alpha: int = 160) -> None:
    kind = {"line": "line", "point": "marker", "polygon": "fill"}[geometry]
    symbol = ET.SubElement(parent, "symbol", type=kind, name=name, alpha="1",
                           clip_to_extent="1", force_rhr="0")
    if geometry == "line":
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleLine"}, enabled="1", locked="0",
                              **{"pass": "0"})
        _options(layer, {"line_color": _rgba(color), "line_width": f"{width_px * PX_TO_MM:.2f}",
                         "line_width_unit": "MM", "line_style": "solid", "capstyle": "round",
                         "joinstyle": "round"})
    elif geometry == "point":
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleMarker"}, enabled="1",
                              locked="0", **{"pass": "0"})
        _options(layer, {"name": "circle", "color": _rgba(color),
                         "outline_color": "51,51,51,255", "outline_width": "0.15",
                         "size": f"{max(width_px, 2) * 0.6:.2f}", "size_unit": "MM"})
    else:
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleFill"}, enabled="1", locked="0",
                              **{"pass": "0"})
        _options(layer, {"color": _rgba(color, fill_alpha), "style": "solid",
                         "outline_color": _rgba(color if fill_alpha == 0 else "#2d6a2d"),
                         "outline_width": f"{max(width_px, 1) * PX_TO_MM:.2f}",
                         "outline_width_unit": "MM"})


def _qgis_root() -> ET.Element:
    return ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology")


def _to_text(root: ET.Element) -> str:
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode") + "\n"


def categorized_qml(attr: str, categories, geometry: str) -> str:
    """QML of a categorized renderer: ``categories`` are ``symbology.Category``."""
    root = _qgis_root()
    rend = ET.SubElement(root, "renderer-v2", type="categorizedSymbol", attr=attr,
                         symbollevels="0", enableorderby="0", forceraster="0")
    cats = ET.SubElement(rend, "categories")
    syms = ET.SubElement(rend, "symbols")
    for i, cat in enumerate(categories):
        value = cat.value
        if isinstance(value, bool):
            value = int(value)
        ET.SubElement(cats, "category", value="" if value is None else str(value),
                      label=cat.label, symbol=str(i), render="true")
        _symbol(syms, str(i), geometry, cat.color, cat.width)
    return _to_text(root)


def graduated_qml(attr: str, ranges, geometry: str) -> str:
    """QML of a graduated renderer: ``ranges`` are ``symbology.Range`` (inf → a huge bound)."""
    root = _qgis_root()
    rend = ET.SubElement(root, "renderer-v2", type="graduatedSymbol", attr=attr,
                         graduatedMethod="GraduatedColor", symbollevels="0",
                         enableorderby="0", forceraster="0")
    rngs = ET.SubElement(rend, "ranges")
    syms = ET.SubElement(rend, "symbols")
    for i, r in enumerate(ranges):
        upper = 1e12 if math.isinf(r.upper) else r.upper
        ET.SubElement(rngs, "range", lower=f"{r.lower:.6f}", upper=f"{upper:.6f}",
                      label=r.label, symbol=str(i), render="true")
        _symbol(syms, str(i), geometry, r.color, r.width)
    return _to_text(root)


def single_qml(geometry: str, color: str, width_px: float = 2.0, *, fill_alpha: int = 160) -> str:
    """QML of a single-symbol renderer."""
    root = _qgis_root()
    rend = ET.SubElement(root, "renderer-v2", type="singleSymbol", symbollevels="0",
                         enableorderby="0", forceraster="0")
    syms = ET.SubElement(rend, "symbols")
    _symbol(syms, "0", geometry, color, width_px, fill_alpha=fill_alpha)
    return _to_text(root)


def geometry_kind(frame: pd.DataFrame) -> str | None:
    """'line', 'point' or 'polygon' for a GeoDataFrame (None for attribute tables)."""
    geom = getattr(frame, "geometry", None)
    if geom is None or not hasattr(geom, "geom_type"):
        return None
    types = set(geom.geom_type.dropna())
    if not types:
        return None
    t = sorted(types)[0]
    return "line" if "Line" in t else "point" if "Point" in t else "polygon"


def layer_styles(name: str, frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(style name, QML) pairs for one layer; the first is the default. Empty if no geometry."""
    geometry = geometry_kind(frame)
    if geometry is None:
        return []
    cols = set(frame.columns)
    out: list[tuple[str, str]] = []
    if name in ("segments", "priority") and geometry == "line":
        if "gi_bin" in cols and name == "segments":
            out.append(("Hot spots (Gi*)", categorized_qml("gi_bin", sym.GI_CLASSES, "line")))
        if "priority_rank" in cols:
            out.append(("Lighting priority", graduated_qml("priority_rank", sym.PRIORITY_CLASSES,
                                                           "line")))
        if "rate_per_100m" in cols:
            out.append(("Incidents per 100 m", graduated_qml(
                "rate_per_100m", sym.rate_classes(frame["rate_per_100m"]), "line")))
        if name != "segments":
            out.sort(key=lambda s: s[0] != "Lighting priority")
    elif name == "lamps" and "status" in cols:
        out.append(("Street lamps", categorized_qml("status", (*sym.LAMP_CLASSES, sym.LAMP_OTHER),
                                                    geometry)))
    elif name == "green_areas" and "adopted" in cols:
        out.append(("Green areas", categorized_qml("adopted", sym.GREEN_CLASSES, geometry)))
    elif name == "dark_gaps":
        out.append(("Dark stretches", single_qml(geometry, sym.DARK_GAP.color, sym.DARK_GAP.width)))
    elif name == "boundary":
        out.append(("Study area", single_qml(geometry, sym.BOUNDARY.color, sym.BOUNDARY.width,
                                             fill_alpha=0)))
    elif name == "patrol":
        out.append(("Patrol segments", single_qml(geometry, sym.SHIFT_COLORS[0], 7.0)))
    elif name == "green_candidates":
        out.append(("Green-area candidates", single_qml(geometry, sym.GREEN_CLASSES[1].color,
                                                        1.0)))
    elif name == "incidents":
        out.append(("Incidents", single_qml(geometry, sym.INCIDENT.color, sym.INCIDENT.width)))
    if not out:
        out.append((name, single_qml(geometry, "#3182bd", 2.0)))
    return out


def raster_qml(values, *, units: str = "", opacity: float = 0.75,
               colors: tuple[str, ...] = sym.KDE_COLORS) -> str:
    """QML of a discrete pseudocolour raster style with the web map's KDE classes."""
    edges = sym.kde_breaks(np.asarray(values, dtype=float))
    root = _qgis_root()
    root.set("styleCategories", "Symbology")
    pipe = ET.SubElement(root, "pipe")
    rend = ET.SubElement(pipe, "rasterrenderer", type="singlebandpseudocolor", band="1",
                         opacity=f"{opacity}", alphaBand="-1", classificationMin="0",
                         classificationMax=f"{edges[-1]:g}", nodataColor="")
    shader = ET.SubElement(ET.SubElement(rend, "rastershader"), "colorrampshader",
                           colorRampType="DISCRETE", classificationMode="1", clip="0")
    ET.SubElement(shader, "item", value="0", color="#ffffff", alpha="0", label="0")
    for i in range(len(edges) - 1):
        upper = "inf" if i == len(edges) - 2 else f"{edges[i + 1]:g}"
        label = f"{edges[i]:g} – {edges[i + 1]:g}" + (f" {units}" if units else "")
        ET.SubElement(shader, "item", value=upper, color=colors[min(i, len(colors) - 1)],
                      alpha="255", label=label)
    return _to_text(root)
