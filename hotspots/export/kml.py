"""KML for Google Earth: a folder per layer and class, named placemarks, a Schema and balloons.

Every layer gets a ``Schema`` (its registry's KML fields with their labels in words) and a
``BalloonStyle`` template showing those fields in plain words; placemarks are named after
their place and class ("Rua X — Hot spot 99 %") and carry their values in ``SchemaData``,
already written as the language writes them (decimal comma, "sim"/"não", "suppressed (fewer
than 3)"). Classes, colours and labels are the shared symbology's (as the map and QGIS). The
document is written as text in one pass (no element tree): 20,000 segments take well under a
second.
"""

from __future__ import annotations

import itertools
import math
import re
import string
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr, unescape

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import i18n
from hotspots import symbology as sym
from hotspots._errors import ValidationError
from hotspots._texts import each
from hotspots.layers import Field, spec
from hotspots.symbology.classes import is_true
from hotspots.wgs84 import Wgs84Cache, get_parts, to_wgs84

__all__ = ["balloon_html", "kml_color", "write_kml"]

KML_NS = "http://www.opengis.net/kml/2.2"
#: fields shown only as a note on suppressed values, never as a row of their own
_HIDDEN = ("suppressed",)


def kml_color(color: str, alpha: int = 255) -> str:
    """'#rrggbb' → KML's aabbggrr."""
    r, g, b = sym.hex_to_rgb(color)
    return f"{alpha:02x}{b:02x}{g:02x}{r:02x}"


def _label(column: str, lang: str) -> str:
    key = f"fields.{column}"
    return i18n.text(key, lang) if i18n.has(key) else column


def _kind(name: str, column: str) -> Field:
    """How a KML field is written: the registry tooltip's kind, else from the column."""
    if column in ("gi_p_adj", "gi_p"):
        return Field(column, column, "p", 3)
    for f in spec(name).tooltip:
        if f.column == column:
            return f
    kinds = {"gi_z": ("num", 2), "length_m": ("num", 0),
             "segment_id": ("text", 0), "lamp_id": ("text", 0), "funded": ("bool", 0),
             "adopted": ("bool", 0), "cost": ("num", 0), "rank": ("int", 0),
             "visits_per_shift": ("int", 0), "days_left": ("int", 0)}
    kind, dec = kinds.get(column, ("text", 0))
    return Field(column, column, kind, dec)


def _take(table: list[str], codes: np.ndarray) -> list[str]:
    """``[table[c] for c in codes]`` in numpy (``codes`` of -1 take the last entry)."""
    choices = np.empty(len(table), dtype=object)
    choices[:] = table
    return choices[codes].tolist()


def _texts(values: pd.Series, field: Field, lang: str, suppressed: np.ndarray | None,
           k: int | None) -> list[str]:
    """The text of each value of one column in ``lang``, XML-escaped ('' for a missing
    value); numbers and words need no escaping, text values are escaped once per distinct
    value."""
    t = i18n.translator(lang)
    out: list[str] = []
    kind, dec = field.kind, field.decimals
    if kind in ("num", "int", "pct", "p", "class"):
        nums = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        if kind == "pct":
            out = i18n.numbers(nums, lang, digits=dec, scale=100.0, suffix=" %")
        elif kind == "p":
            small = "&lt; " + i18n.number(0.001, lang, digits=3)
            out = i18n.numbers(nums, lang, digits=3)
            for i in np.flatnonzero(nums < 0.001).tolist():
                out[i] = small
        elif kind == "class" and field.column == "gi_bin":
            # the bin of each value as int() takes it (towards zero); -3…3 named, else ''
            gi = [t(f"legend.gi.{b}") for b in range(-3, 4)] + [""]
            whole = np.trunc(np.where(np.isfinite(nums), nums, 99.0))
            out = _take(gi, np.where(np.abs(whole) <= 3, whole + 3, -1).astype(np.int64))
        else:
            out = i18n.numbers(nums, lang, digits=0 if kind in ("int", "class") else dec)
    elif kind == "bool":
        truth = sym.truthy(values)
        # truthy gives only True, False and None: == picks the same rows as `is`
        codes = np.where(truth == True, 0, np.where(truth == False, 1, 2))  # noqa: E712
        out = _take([t("words.yes"), t("words.no"), ""], codes)
    else:
        labels = {"hot_status": "words.status.", "status": "words.lamp.",
                  "lisa_class": "words.lisa."}.get(field.column)
        # a string column is factorised as it is (by pyarrow), not made Python objects first
        codes, uniques = pd.factorize(
            values if isinstance(values.dtype, pd.StringDtype) else values.astype(object),
            use_na_sentinel=True)
        shown = [str(v) for v in uniques.tolist()]  # one text per distinct value
        if labels:
            shown = [t(key) if i18n.has(key := labels + text.strip().lower()) else text
                     for text in shown]
        elif field.column in _status_columns():
            # why a liaison value is empty, in the words the map's popup uses
            why = {"min_length": t("map.js.withheld_short")}
            if k:
                why["k_rule"] = t("words.withheld_k", k=k)
            shown = [why.get(text.strip(), text) for text in shown]
        out = _take([*each(escape, shown), ""], codes)
    if suppressed is not None and k:
        from hotspots.maps.layers import SUPPRESSIBLE

        if field.column in SUPPRESSIBLE:
            note = escape(t("words.suppressed", k=k))
            for i in np.flatnonzero(suppressed).tolist():
                if not out[i]:
                    out[i] = note
    return out


def _status_columns() -> set[str]:
    """The liaison layers' disclosure status columns (``count_status``…: 'k_rule',
    'min_length' or empty), from the layer registry as the map reads them."""
    from hotspots.maps.layers import STATUS_OF

    return set(STATUS_OF.values())


def _coords(xy: np.ndarray) -> str:
    return " ".join(f"{x:.6f},{y:.6f}" for x, y in xy.tolist())


def _coord_chunks(xy: np.ndarray, idx: np.ndarray, n: int) -> list[str]:
    """``_coords`` of each of ``n`` chunks of ``xy`` (``idx``: the chunk of each row, sorted):
    every pair formatted by one ``%`` of a format string repeated per pair (C-level; the same
    float formatting as ``f"{x:.6f}"``) with a NUL after each chunk's last pair to split on,
    no Python code per pair and no array split. A chunk without pairs gets ''."""
    m = len(xy)
    if not m:
        return [""] * n
    args = np.empty((m, 3), dtype=object)
    args[:, :2] = xy[:, :2]
    args[:, 2] = " "
    args[np.r_[idx[1:] != idx[:-1], True], 2] = "\0"  # the end of each chunk
    chunks = (("%.6f,%.6f%s" * m) % tuple(args.ravel().tolist()))[:-1].split("\0")
    if len(chunks) == n:
        return chunks
    out = np.full(n, "", dtype=object)
    out[np.unique(idx)] = chunks
    return out.tolist()


def _wrapped(head: str, texts: list[str], tail: str) -> list[str]:
    """``[head + t + tail for t in texts]`` for texts without a NUL (coordinates): built as
    one string and split again, no Python code per text."""
    if not texts:
        return []
    return (head + (tail + "\0" + head).join(texts) + tail).split("\0")


def _simple_data(column: str, texts: list[str]) -> list[str]:
    """The ``SimpleData`` element of each (escaped) text of one column, '' for an empty text:
    all texts wrapped at once in one joined string split again (per text only if one holds
    a NUL), the empty ones blanked after."""
    head, tail = f'<SimpleData name="{column}">', "</SimpleData>"
    joined = "\0".join(texts)
    if not texts or joined.count("\0") != len(texts) - 1:
        return [head + v + tail if v else "" for v in texts]
    out = (head + joined.replace("\0", tail + "\0" + head) + tail).split("\0")
    for i in np.flatnonzero(np.fromiter(map(len, texts), dtype=np.int64,
                                        count=len(texts)) == 0).tolist():
        out[i] = ""
    return out


def _geometry_texts(geoms: np.ndarray) -> list[str | None]:
    """KML geometry of each shapely geometry (None for a missing or empty one)."""
    out = np.full(len(geoms), None, dtype=object)
    ok = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if not len(ok):
        return out.tolist()
    parts, owner = get_parts(geoms[ok])
    types = shapely.get_type_id(parts)
    texts = np.full(len(parts), "", dtype=object)
    lines = np.flatnonzero(np.isin(types, (1, 2)))
    if len(lines):
        xy, idx = shapely.get_coordinates(parts[lines], return_index=True)
        texts[lines] = _wrapped("<LineString><tessellate>1</tessellate><coordinates>",
                                _coord_chunks(xy, idx, len(lines)),
                                "</coordinates></LineString>")
    points = np.flatnonzero(types == 0)
    if len(points):
        xy, idx = shapely.get_coordinates(parts[points], return_index=True)
        texts[points] = _wrapped("<Point><coordinates>", _coord_chunks(xy, idx, len(points)),
                                 "</coordinates></Point>")
    polys = np.flatnonzero(types == 3)
    if len(polys):
        rings, ring_owner = shapely.get_rings(parts[polys], return_index=True)
        xy, idx = shapely.get_coordinates(rings, return_index=True)
        ring_text = _coord_chunks(xy, idx, len(rings))
        first = np.r_[True, ring_owner[1:] != ring_owner[:-1]]
        body: dict[int, list[str]] = {}
        for r, (o, is_outer) in enumerate(zip(ring_owner.tolist(), first.tolist())):
            tag = "outerBoundaryIs" if is_outer else "innerBoundaryIs"
            body.setdefault(o, []).append(f"<{tag}><LinearRing><coordinates>{ring_text[r]}"
                                          f"</coordinates></LinearRing></{tag}>")
        for o, j in enumerate(polys.tolist()):
            texts[j] = "<Polygon>" + "".join(body.get(o, [])) + "</Polygon>"
    if len(parts) == len(ok):  # one part per geometry: its text as it is
        out[ok] = texts
        return out.tolist()
    grouped: dict[int, list[str]] = {}
    for j, o in enumerate(owner.tolist()):
        grouped.setdefault(o, []).append(texts[j])
    for o, items in grouped.items():
        out[ok[o]] = items[0] if len(items) == 1 else (
            "<MultiGeometry>" + "".join(items) + "</MultiGeometry>")
    return out.tolist()


def _balloon(name: str, fields: list[str], lang: str) -> str:
    """The balloon template of a layer: the placemark's name, then each field in words."""
    rows = "".join(f"<tr><th align=\"left\">$[{name}/{c}/displayName]</th>"
                   f"<td>$[{name}/{c}]</td></tr>" for c in fields)
    heading = escape(spec(name).heading(lang))
    return (f"<h3 style=\"margin:0 0 4px\">$[name]</h3><div style=\"color:#555\">{heading}</div>"
            f"<table style=\"font-size:12px\">{rows}</table>")


def _classes_for(name: str, frame: pd.DataFrame, lang: str, privacy_k, breaks):
    """(style id, colour, width, label, fill) of each class of the layer's default symbology
    and the class of each row — the classes, the edge rule and the extra classes of the map."""
    styles = sym.layer_symbologies(name, frame, lang=lang, privacy_k=privacy_k, breaks=breaks)
    heading = spec(name).heading(lang)
    if not styles:
        return [(name, sym.INCIDENT.color, sym.INCIDENT.width, heading, None)], \
            np.zeros(len(frame), int), False
    s = styles[0]
    idx = s.classify(frame)
    classes = []
    for i, c in enumerate(s.all_classes):
        if s.key == "gi" and i < len(s.classes):
            style_id = f"gi{c.value:+d}".replace("+", "p").replace("-", "m")
        else:
            style_id = f"{s.key}{i}"
        label = c.label if len(s.all_classes) > 1 else heading
        if s.geometry == "polygon":
            classes.append((style_id, s.stroke or c.color,
                            s.stroke_width if s.stroke else c.width, label,
                            c.color if s.opacity > 0 else None))
        elif s.geometry == "point":
            classes.append((style_id, c.color, 1.0, label, None))
        else:
            classes.append((style_id, c.color, c.width, label, None))
    return classes, idx, len(s.all_classes) > 1


def _style(style_id: str, color: str, width: float, fill: str | None, balloon: str) -> str:
    poly = kml_color(fill or color, 110 if fill else 0)
    return (f"<Style id={quoteattr(style_id)}><LineStyle><color>{kml_color(color)}</color>"
            f"<width>{width:g}</width></LineStyle><PolyStyle><color>{poly}</color>"
            f"<fill>{1 if fill else 0}</fill></PolyStyle><IconStyle><color>{kml_color(color)}"
            "</color><scale>0.5</scale></IconStyle>"  # no icon href: nothing to download
            f"<BalloonStyle><text><![CDATA[{balloon}]]></text></BalloonStyle></Style>")


def _names(name: str, data: pd.DataFrame, lang: str, class_label: list[str], multi: bool,
           texts: dict[str, list[str]]) -> list[str]:
    """Placemark names: the place (street, area, lamp) and what it is, in words."""
    entry = spec(name)
    col = entry.names if entry.names in data.columns else (
        "street_name" if "street_name" in data.columns else
        "name" if "name" in data.columns else None)
    places = ([("" if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA
                else str(v).strip()) for v in data[col].astype(object).tolist()]
              if col else [""] * len(data))
    unnamed = i18n.text("words.unnamed_street", lang) if entry.geometry == "line" else ""
    heading = entry.heading(lang)
    if name == "lamps" or name == "plan_repair_lamps":
        ids = each(unescape, texts["lamp_id"]) if "lamp_id" in texts else [
            str(v) for v in data.get("lamp_id", pd.Series([""] * len(data))).tolist()]
        label = i18n.text("fields.lamp_id", lang)
        places = [f"{label} {i}".strip() for i in ids]
    template = f"kml.name.{name}"
    fill = i18n.has(template)
    keys = re.findall(r"{(\w+)}", i18n.text(template, "en")) if fill else []
    usable = fill and all(k in texts for k in keys)
    if usable:
        whats = _filled(i18n.text(template, lang),
                        {k: each(unescape, texts[k]) for k in keys}, len(places))
    else:
        whats = class_label if multi else [heading] * len(places)
    if unnamed:
        places = [place or unnamed for place in places]
    return [f"{place} — {what}" if place else what for place, what in zip(places, whats)]


def _filled(template: str, values: dict[str, list[str]], n: int) -> list[str]:
    """``template.format(**row)`` for each of the ``n`` rows of ``values`` (a list of texts
    per key): the template's literal parts and the values joined row by row in C; a
    template with format specs or conversions is formatted row by row."""
    parsed = list(string.Formatter().parse(template))
    if any(spec or conv or (key is not None and key not in values)
           for _, key, spec, conv in parsed) or not any(key for _, key, _, _ in parsed):
        return [template.format(**{k: v[i] for k, v in values.items()}) for i in range(n)]
    pieces: list = []
    for literal, key, _, _ in parsed:
        pieces.append(itertools.repeat(literal))
        if key is not None:
            pieces.append(values[key])
    return list(map("".join, zip(*pieces)))


def write_kml(layers: dict[str, gpd.GeoDataFrame], path: str | Path, *,
              title: str = "hotspots", lang: str = "en", privacy_k: int | None = None,
              breaks=None, wgs84: Wgs84Cache | None = None) -> Path:
    """One KML document with a folder per layer (and per class); returns the path.

    Parameters
    ----------
    layers : dict of GeoDataFrame
        The layers by registry name (tables without geometry are skipped).
    path : path
        The .kml file.
    title : str
        The document's name.
    lang : {'en', 'pt'}
        Language of folder names, placemark names, balloon labels and values.
    privacy_k : int, optional
        Words suppressed values ("suppressed (fewer than k)"); applies no rule itself.
    breaks : mapping, optional
        The city's fixed class breaks (as the map's and the QGIS styles').
    wgs84 : Wgs84Cache, optional
        The run's shared reprojections (:mod:`hotspots.wgs84`); None: the open run cache,
        if any.
    """
    lang = i18n.language(lang)
    path = Path(path)
    styles: list[str] = []
    schemas: list[str] = []
    folders: list[str] = []
    for name, frame in layers.items():
        if frame is None or len(frame) == 0 or not isinstance(frame, gpd.GeoDataFrame):
            continue
        if frame.crs is None:
            raise ValidationError(f"KML layer {name!r} has no CRS; cannot convert to EPSG:4326")
        data = frame.reset_index() if frame.index.name is not None else frame
        data = to_wgs84(data, cache=wgs84)
        classes, idx, multi = _classes_for(name, data, lang, privacy_k, breaks)
        fields = [c for c in spec(name).kml if c in data.columns]
        shown = [c for c in fields if c not in _HIDDEN and c != spec(name).names]
        sup = (is_true(data["suppressed"]) if "suppressed" in data.columns else None)
        texts = {c: _texts(data[c], _kind(name, c), lang, sup, privacy_k) for c in fields}
        for c in (*spec(name).hover, "shift", "shift_rank", "length_m", "active_until",
                  "what", "category", "occurred_date", "lamp_id"):
            if c in data.columns and c not in texts:
                texts[c] = _texts(data[c], _kind(name, c), lang, sup, privacy_k)
        labels = [classes[i][3] if i >= 0 else "" for i in idx.tolist()]
        names = _names(name, data, lang, labels, multi, texts)
        geoms = _geometry_texts(np.asarray(data.geometry.values, dtype=object))
        schemas.append(f"<Schema name={quoteattr(name)} id={quoteattr(name)}>" + "".join(
            f"<SimpleField type=\"string\" name={quoteattr(c)}><displayName>"
            f"{escape(_label(c, lang))}</displayName></SimpleField>" for c in fields)
            + "</Schema>")
        balloon = _balloon(name, shown, lang)
        cells = {c: _simple_data(c, texts[c]) for c in fields}
        names_xml = each(escape, names)
        drawn = np.fromiter((g is not None for g in geoms), dtype=bool, count=len(geoms))
        body = [f"<Folder><name>{escape(spec(name).heading(lang))}</name>"]
        for ci, (style_id, color, width, label, fill) in enumerate(classes):
            sel = np.flatnonzero((idx == ci) & drawn).tolist()
            if not sel:
                continue
            sid = f"{name}-{style_id}"
            styles.append(_style(sid, color, width, fill, balloon))
            if len(classes) > 1:
                body.append(f"<Folder><name>{escape(label)}</name>")
            head = (f"</name><styleUrl>#{sid}</styleUrl><ExtendedData><SchemaData "
                    f"schemaUrl=\"#{name}\">")
            # the placemarks joined in C from their parts (no per-row formatting in Python)
            body.append("".join(itertools.chain.from_iterable(zip(
                itertools.repeat("<Placemark><name>"), map(names_xml.__getitem__, sel),
                itertools.repeat(head), *(map(cells[c].__getitem__, sel) for c in fields),
                itertools.repeat("</SchemaData></ExtendedData>"), map(geoms.__getitem__, sel),
                itertools.repeat("</Placemark>")))))
            if len(classes) > 1:
                body.append("</Folder>")
        body.append("</Folder>")
        folders.extend(body)
    doc = "".join([f"<?xml version='1.0' encoding='utf-8'?>\n<kml xmlns=\"{KML_NS}\">"
                   f"<Document><name>{escape(title)}</name>", *schemas, *styles, *folders,
                   "</Document></kml>"])  # one copy of the document's text, not one per +
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc, encoding="utf-8")
    return path


_ENTITY = re.compile(r"\$\[([^\]]+)\]")


def balloon_html(kml_text: str, placemark: int = 0) -> str:
    """The balloon of the ``placemark``-th placemark as Google Earth fills it in: the style's
    BalloonStyle template with ``$[name]``, ``$[schema/field]`` and
    ``$[schema/field/displayName]`` replaced (a whole HTML page, for a browser)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(kml_text.encode("utf-8"))
    ns = {"k": KML_NS}
    marks = root.findall(".//k:Placemark", ns)
    if not marks or placemark >= len(marks):
        raise ValidationError(f"the KML has {len(marks)} placemarks; no placemark {placemark}")
    mark = marks[placemark]
    style_id = mark.findtext("k:styleUrl", default="", namespaces=ns).lstrip("#")
    template = ""
    for st in root.findall(".//k:Style", ns):
        if st.get("id") == style_id:
            template = st.findtext("k:BalloonStyle/k:text", default="", namespaces=ns)
    shown = {}
    schema_data = mark.find("k:ExtendedData/k:SchemaData", ns)
    schema = (schema_data.get("schemaUrl") or "").lstrip("#") if schema_data is not None else ""
    for sd in (schema_data.findall("k:SimpleData", ns) if schema_data is not None else []):
        shown[f"{schema}/{sd.get('name')}"] = escape(sd.text or "")
    for sc in root.findall(".//k:Schema", ns):
        if sc.get("id") == schema:
            for f in sc.findall("k:SimpleField", ns):
                shown[f"{schema}/{f.get('name')}/displayName"] = escape(
                    f.findtext("k:displayName", default="", namespaces=ns))
    shown["name"] = escape(mark.findtext("k:name", default="", namespaces=ns))
    body = _ENTITY.sub(lambda m: shown.get(m.group(1), ""), template)
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>body{font:13px "
            "sans-serif;margin:0;padding:10px;background:#fff;width:340px;border:1px solid "
            "#999;border-radius:6px}th{padding-right:10px}</style></head><body>" + body
            + "</body></html>")
