"""KML for Google Earth: one folder per layer, segments styled and grouped by Gi* class."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import symbology as sym
from hotspots._errors import ValidationError
from hotspots.layers import spec

KML_NS = "http://www.opengis.net/kml/2.2"

def kml_color(color: str, alpha: int = 255) -> str:
    """'#rrggbb' → KML's aabbggrr."""
    r, g, b = sym.hex_to_rgb(color)
    return f"{alpha:02x}{b:02x}{g:02x}{r:02x}"


def _style(doc: ET.Element, style_id: str, color: str, width: float, *, fill: str | None = None,
           icon_scale: float = 0.5) -> None:
    st = ET.SubElement(doc, "Style", id=style_id)
    ls = ET.SubElement(st, "LineStyle")
    ET.SubElement(ls, "color").text = kml_color(color)
    ET.SubElement(ls, "width").text = f"{width:g}"
    ps = ET.SubElement(st, "PolyStyle")
    ET.SubElement(ps, "color").text = kml_color(fill or color, 110 if fill else 0)
    ET.SubElement(ps, "fill").text = "1" if fill else "0"
    ics = ET.SubElement(st, "IconStyle")
    ET.SubElement(ics, "color").text = kml_color(color)
    ET.SubElement(ics, "scale").text = f"{icon_scale:g}"  # no icon href: nothing to download


def _coords(coords) -> str:
    return " ".join(f"{x:.6f},{y:.6f}" for x, y in np.asarray(coords)[:, :2])


def _geometry(parent: ET.Element, geom) -> None:
    kind = geom.geom_type
    if kind.startswith("Multi") or kind == "GeometryCollection":
        multi = ET.SubElement(parent, "MultiGeometry")
        for part in geom.geoms:
            _geometry(multi, part)
    elif kind == "Point":
        ET.SubElement(ET.SubElement(parent, "Point"), "coordinates").text = _coords(geom.coords)
    elif kind in ("LineString", "LinearRing"):
        line = ET.SubElement(parent, "LineString")
        ET.SubElement(line, "tessellate").text = "1"
        ET.SubElement(line, "coordinates").text = _coords(geom.coords)
    elif kind == "Polygon":
        poly = ET.SubElement(parent, "Polygon")
        outer = ET.SubElement(ET.SubElement(poly, "outerBoundaryIs"), "LinearRing")
        ET.SubElement(outer, "coordinates").text = _coords(geom.exterior.coords)
        for ring in geom.interiors:
            inner = ET.SubElement(ET.SubElement(poly, "innerBoundaryIs"), "LinearRing")
            ET.SubElement(inner, "coordinates").text = _coords(ring.coords)


def _value_text(v) -> str | None:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float):
        return None if math.isnan(v) else f"{v:.4g}"
    return str(v)


def _placemark(folder: ET.Element, fields: list[tuple[str, str | None]], geom, style: str, *,
               name: str) -> None:
    pm = ET.SubElement(folder, "Placemark")
    ET.SubElement(pm, "name").text = name  # ElementTree escapes text: input stays text
    ET.SubElement(pm, "styleUrl").text = f"#{style}"
    ext = ET.SubElement(pm, "ExtendedData")
    for col, text in fields:
        if text is not None:
            ET.SubElement(ET.SubElement(ext, "Data", name=col), "value").text = text
    _geometry(pm, geom)


def _classes_for(name: str, frame: pd.DataFrame):
    """(list of (style id, colour, width, label, fill), class index per row) from the layer's
    default ``symbology`` — the classes, the edge rule and the extra classes of the map."""
    styles = sym.layer_symbologies(name, frame)
    if not styles:
        return [(name, sym.INCIDENT.color, sym.INCIDENT.width, spec(name).title, None)], \
            np.zeros(len(frame), int)
    s = styles[0]
    idx = s.classify(frame)
    classes = []
    for i, c in enumerate(s.all_classes):
        if s.key == "gi" and i < len(s.classes):
            style_id = f"gi{c.value:+d}".replace("+", "p").replace("-", "m")
        else:
            style_id = f"{s.key}{i}"
        label = c.label if len(s.all_classes) > 1 else spec(name).title
        if s.geometry == "polygon":
            stroke = s.stroke or c.color
            fill = c.color if s.opacity > 0 else None
            classes.append((style_id, stroke, s.stroke_width if s.stroke else c.width, label,
                            fill))
        elif s.geometry == "point":
            classes.append((style_id, c.color, 1.0, label, None))
        else:
            classes.append((style_id, c.color, c.width, label, None))
    return classes, idx


def write_kml(layers: dict[str, gpd.GeoDataFrame], path: str | Path, *,
              title: str = "hotspots") -> Path:
    """One KML document with a folder per layer (and per class); returns the path."""
    path = Path(path)
    root = ET.Element("kml", xmlns=KML_NS)
    doc = ET.SubElement(root, "Document")
    ET.SubElement(doc, "name").text = title
    for name, frame in layers.items():
        if frame is None or len(frame) == 0 or not isinstance(frame, gpd.GeoDataFrame):
            continue
        if frame.crs is None:
            raise ValidationError(f"KML layer {name!r} has no CRS; cannot convert to EPSG:4326")
        data = frame.reset_index() if frame.index.name is not None else frame
        data = data.to_crs(4326)
        classes, idx = _classes_for(name, data)
        folder = ET.SubElement(doc, "Folder")
        ET.SubElement(folder, "name").text = spec(name).title
        names = (data["street_name"] if "street_name" in data.columns
                 else data["name"] if "name" in data.columns else None)
        names = None if names is None else names.tolist()
        # balloon texts column by column (row-wise pandas access is ~100x slower)
        fields = [c for c in spec(name).kml if c in data.columns]
        texts = {c: [_value_text(v) for v in data[c].tolist()] for c in fields}
        geoms = np.asarray(data.geometry.values, dtype=object)
        for ci, (style_id, color, width, label, fill) in enumerate(classes):
            sel = np.flatnonzero(idx == ci)
            if sel.size == 0:
                continue
            _style(doc, f"{name}-{style_id}", color, width, fill=fill)
            sub = ET.SubElement(folder, "Folder") if len(classes) > 1 else folder
            if len(classes) > 1:
                ET.SubElement(sub, "name").text = label
            for i in sel:
                geom = geoms[i]
                if geom is None or geom.is_empty:
                    continue
                text = "" if names is None else _value_text(names[i]) or ""
                _placemark(sub, [(c, texts[c][i]) for c in fields], geom,
                           f"{name}-{style_id}", name=text or label)
    # Styles must come before folders for some readers: move them to the top
    styles = [el for el in doc if el.tag == "Style"]
    for el in styles:
        doc.remove(el)
    for i, el in enumerate(styles, start=1):
        doc.insert(i, el)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
