"""Reading a liaison folder back as an attacker would: every format, every number, every text.

:func:`read_release` opens what a police liaison receives (``layers.gpkg``, ``*.geojson``,
``layers.kml``, the ``map.html`` payload, ``patrol_cards.html``, ``README.txt``, the GeoTIFFs)
and returns it as plain
tables keyed like the GeoPackage's layers, so :mod:`hotspots.disclosure.attack` can combine
them. Rows of the KML and of the map payload carry no ids: they are matched to the
GeoPackage's features by the first and last vertex of their geometry (EPSG:4326, 1e-5°).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["Release", "locale_number", "read_release", "release_in_memory", "vertex_keys"]

#: id columns of the liaison layers (the key of a row); patrol rows are one per shift
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "segments": ("segment_id",), "patrol": ("shift", "segment_id"),
    "near_repeat_zones": ("segment_id",), "dark_gaps": ("gap_id",), "lamps": ("lamp_id",),
    "green_areas": ("area_id",),
}
_KML_NS = {"k": "http://www.opengis.net/kml/2.2"}
_SCALE = 1e5


@dataclass(frozen=True)
class Release:
    """Everything in one liaison folder.

    ``tables`` maps ``"<format>:<layer>"`` (formats ``gpkg``, ``geojson``, ``kml``, ``map``,
    ``cards``: the patrol cards' rows, columns prefixed ``card_``; ``csv``: any CSV table)
    to a frame whose index is the GeoPackage key of the row (the layer's id columns; rows
    that match no GeoPackage feature are left out); ``weekly`` is the map's week slider
    (index = segment key, one column per week, NaN where a count is hidden); ``texts`` every
    free text (README, map title and legends, KML names); ``rasters`` the GeoTIFF values
    with their cell area in m².
    """

    folder: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    weekly: pd.DataFrame | None = None
    texts: dict[str, str] = field(default_factory=dict)
    rasters: dict[str, tuple[np.ndarray, float]] = field(default_factory=dict)
    #: the GeoPackage's geometries per layer (analysis CRS), indexed like ``tables``
    geometry: dict[str, object] = field(default_factory=dict)

    def layer(self, name: str) -> pd.DataFrame | None:
        """The GeoPackage form of layer ``name`` (the canonical one)."""
        return self.tables.get(f"gpkg:{name}")

    def formats_of(self, name: str) -> dict[str, pd.DataFrame]:
        """Every format's table of layer ``name``: format → frame."""
        return {k.split(":", 1)[0]: v for k, v in self.tables.items()
                if k.split(":", 1)[1] == name}


def read_release(folder: str | Path) -> Release:
    """Read every file of a liaison folder (see :class:`Release`)."""
    import pyogrio

    folder = Path(folder)
    tables: dict[str, pd.DataFrame] = {}
    texts: dict[str, str] = {}
    gpkg = folder / "layers.gpkg"
    anchors: dict[str, pd.DataFrame] = {}  # layer -> vertex keys of its GeoPackage rows
    geometry: dict[str, object] = {}
    if gpkg.is_file():
        for name, _geom in pyogrio.list_layers(gpkg):
            if name == "layer_styles":
                styles = pyogrio.read_dataframe(gpkg, layer=name)
                texts["gpkg:layer_styles"] = "\n".join(
                    str(v) for c in ("styleQML", "description") if c in styles
                    for v in styles[c].dropna())
                continue
            frame = pyogrio.read_dataframe(gpkg, layer=name)
            keyed = _keyed(frame, name)
            tables[f"gpkg:{name}"] = keyed.drop(columns="geometry", errors="ignore")
            if "geometry" in frame.columns and frame.crs is not None:
                anchors[name] = _anchor_table(frame, keyed.index)
                geometry[name] = frame.set_index(keyed.index)[["geometry"]]
    for path in sorted(folder.glob("*.geojson")):
        frame = pyogrio.read_dataframe(path)
        tables[f"geojson:{path.stem}"] = _keyed(frame, path.stem).drop(columns="geometry",
                                                                       errors="ignore")
    kml = folder / "layers.kml"
    if kml.is_file():
        for name, frame in _read_kml(kml, texts).items():
            keyed = _match(frame, anchors, name)
            if keyed is not None:
                tables[f"kml:{name}"] = keyed
    weekly = None
    html = folder / "map.html"
    if html.is_file():
        map_tables, weekly, map_texts = _read_map(html.read_text(encoding="utf-8"), anchors)
        tables.update(map_tables)
        texts.update(map_texts)
    cards = folder / "patrol_cards.html"
    if cards.is_file():
        page = cards.read_text(encoding="utf-8")
        texts["cards:html"] = _page_text(page)
        frame = _read_cards(page, tables.get("gpkg:patrol"))
        if frame is not None:
            tables["cards:patrol"] = frame
    for path in sorted(folder.glob("*.csv")):  # none today; any table added is attacked too
        frame = pd.read_csv(path, sep=None, engine="python", encoding="utf-8-sig")
        tables[f"csv:{path.stem}"] = _keyed(frame, path.stem)
    readme = folder / "README.txt"
    if readme.is_file():
        texts["README"] = readme.read_text(encoding="utf-8")
    for qml in folder.glob("*.qml"):
        texts[f"qml:{qml.stem}"] = qml.read_text(encoding="utf-8")
    rasters = {}
    for tif in sorted(folder.glob("*.tif")):
        import rasterio

        with rasterio.open(tif) as src:
            arr = src.read(1, masked=True).astype(float).filled(np.nan)
            rasters[tif.stem] = (arr, abs(src.transform.a * src.transform.e))
    return Release(folder=folder, tables=tables, weekly=weekly, texts=texts, rasters=rasters,
                   geometry=geometry)


def release_in_memory(layers: dict[str, pd.DataFrame], *, weekly: pd.DataFrame | None = None,
                      texts: dict[str, str] | None = None, rasters: dict | None = None
                      ) -> Release:
    """A :class:`Release` of tables not written to files (``LiaisonRelease.layers``): the
    GeoPackage form only, keyed the same way."""
    tables, geometry = {}, {}
    for name, frame in layers.items():
        flat = frame.reset_index() if frame.index.name is not None else frame
        keyed = _keyed(flat, name)
        tables[f"gpkg:{name}"] = keyed.drop(columns="geometry", errors="ignore")
        if "geometry" in keyed.columns:
            geometry[name] = keyed[["geometry"]]
    arrays = {}
    for name, r in (rasters or {}).items():
        arr = np.array(r.array, dtype=float)
        arrays[name] = (arr, abs(r.transform.a * r.transform.e))
    return Release(folder=Path("."), tables=tables, weekly=weekly, texts=dict(texts or {}),
                   rasters=arrays, geometry=geometry)


def _keyed(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    cols = [c for c in KEY_COLUMNS.get(name, ()) if c in frame.columns]
    out = pd.DataFrame(frame).copy()
    if cols:
        out.index = pd.MultiIndex.from_frame(out[cols]) if len(cols) > 1 else pd.Index(
            out[cols[0]].to_numpy(), name=cols[0])
    return out


def vertex_keys(geoms) -> np.ndarray:
    """(n, 4) int64: first and last vertex of each geometry's first part, 1e-5° (lat, lon)."""
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    out = np.full((len(geoms), 4), np.iinfo(np.int64).min, dtype=np.int64)
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            continue
        part = g.geoms[0] if hasattr(g, "geoms") else g
        if part.geom_type == "Polygon":
            part = part.exterior
        xy = shapely.get_coordinates(part)
        first, last = xy[0], xy[-1]
        out[i] = np.rint([first[1] * _SCALE, first[0] * _SCALE,
                          last[1] * _SCALE, last[0] * _SCALE]).astype(np.int64)
    return out


def _anchor_table(frame, index) -> pd.DataFrame:
    keys = vertex_keys(frame.to_crs(4326).geometry.to_numpy())
    out = pd.DataFrame(keys, columns=["a", "b", "c", "d"], index=index)
    if "shift" in frame.columns:
        out["shift"] = frame["shift"].astype(str).to_numpy()
    return out


def _match(frame: pd.DataFrame, anchors: dict[str, pd.DataFrame], name: str
           ) -> pd.DataFrame | None:
    """Rows of ``frame`` (columns a, b, c, d[, shift]) given the GeoPackage key of the row
    whose vertices are within 2e-5° of theirs (unmatched or ambiguous rows are left out)."""
    from scipy.spatial import cKDTree

    anchor = anchors.get(name)
    if anchor is None or not len(frame) or not len(anchor):
        return None
    tree = cKDTree(anchor[["a", "b", "c", "d"]].to_numpy(dtype=float))
    hits = tree.query_ball_point(frame[["a", "b", "c", "d"]].to_numpy(dtype=float), r=3.0)
    keys, rows = [], []
    for i, cand in enumerate(hits):
        if "shift" in anchor.columns and "shift" in frame.columns:
            cand = [j for j in cand if anchor["shift"].iloc[j] == str(frame["shift"].iloc[i])]
        if len(cand) == 1:
            keys.append(anchor.index[cand[0]])
            rows.append(i)
    if not rows:
        return None
    out = frame.iloc[rows].drop(columns=["a", "b", "c", "d"]).copy()
    out.index = (pd.MultiIndex.from_tuples(keys, names=anchor.index.names)
                 if isinstance(anchor.index, pd.MultiIndex)
                 else pd.Index(keys, name=anchor.index.name))
    return out


def _read_kml(path: Path, texts: dict[str, str]) -> dict[str, pd.DataFrame]:
    """KML placemarks as one table per top folder (titles in either language): the
    ``SchemaData``/``SimpleData`` and ``Data`` fields read back as numbers in the document's
    locale, the placemark's name, vertex keys."""
    from hotspots.layers import LAYERS

    by_title = {s.title: n for n, s in LAYERS.items()}
    by_title_pt = {s.title_pt: n for n, s in LAYERS.items()}
    root = ET.parse(path).getroot()
    doc = root.find("k:Document", _KML_NS)
    out: dict[str, pd.DataFrame] = {}
    names: list[str] = []
    tops = doc.findall("k:Folder", _KML_NS) if doc is not None else []
    titles = [f.findtext("k:name", default="", namespaces=_KML_NS) for f in tops]
    lang = "pt" if sum(t in by_title_pt for t in titles) > sum(t in by_title
                                                               for t in titles) else "en"
    simple, data = f"{{{_KML_NS['k']}}}SimpleData", f"{{{_KML_NS['k']}}}Data"
    for folder, title in zip(tops, titles):
        names.append(title)
        layer = by_title.get(title) or by_title_pt.get(title) or title
        rows = []
        for pm in folder.iter(f"{{{_KML_NS['k']}}}Placemark"):
            rec: dict = {"kml_name": pm.findtext("k:name", default="", namespaces=_KML_NS)}
            for sd in pm.iter(simple):
                rec[sd.get("name")] = locale_number(sd.text or "", lang)
            for d in pm.iter(data):
                rec[d.get("name")] = locale_number(
                    d.findtext("k:value", default="", namespaces=_KML_NS), lang)
            coords = next((c.text for c in pm.iter(f"{{{_KML_NS['k']}}}coordinates")), None)
            if coords:
                pts = [tuple(float(v) for v in p.split(",")[:2]) for p in coords.split()]
                (lon0, lat0), (lon1, lat1) = pts[0], pts[-1]
                rec.update(a=round(lat0 * _SCALE), b=round(lon0 * _SCALE),
                           c=round(lat1 * _SCALE), d=round(lon1 * _SCALE))
                rows.append(rec)
        for sub in folder.iter(f"{{{_KML_NS['k']}}}Folder"):
            names.append(sub.findtext("k:name", default="", namespaces=_KML_NS))
        if rows:
            out[layer] = pd.DataFrame(rows)
    texts["kml:folders"] = "\n".join(names)
    return out


_PT_NUMBER = re.compile(r"-?\d{1,3}(\.\d{3})*(,\d+)?|-?\d+(,\d+)?")
_EN_NUMBER = re.compile(r"-?\d{1,3}(,\d{3})*(\.\d+)?|-?\d+(\.\d+)?")


def _number(text: str):
    try:
        return float(text)
    except (TypeError, ValueError):
        return text


def locale_number(text: str, lang: str = "en"):
    """A number as the outputs write it in ``lang`` ('1.234,5' in pt, '1,234.5' in en,
    '25 %' a share, '< 0,001' the bound) as a float; any other text as it is."""
    t = str(text).strip().replace("\u202f", "").replace("\u00a0", " ")
    scale = 1.0
    if t.endswith("%"):
        t, scale = t[:-1].strip(), 0.01
    if t.startswith(("<", "&lt;")):
        return text
    pattern, thousands, decimal = ((_PT_NUMBER, ".", ",") if lang == "pt"
                                   else (_EN_NUMBER, ",", "."))
    if t and pattern.fullmatch(t):
        return float(t.replace(thousands, "").replace(decimal, ".")) * scale
    return _number(text)


_DATA = re.compile(r"var (hs_data_\d+) = ")
_LAYER = re.compile(r"var (hs_(?:layer|weekly)_\d+) = (hsLayer|hsWeekly)\((hs_data_\d+), ")


def _read_map(html: str, anchors: dict[str, pd.DataFrame]):
    """The map's datasets (fields decoded, rows matched to GeoPackage features), its week
    slider and every text shown (title, legends)."""
    dec = json.JSONDecoder()
    datasets: dict[str, dict] = {}
    spans = []
    for m in _DATA.finditer(html):
        datasets[m.group(1)], end = dec.raw_decode(html, m.end())
        spans.append((m.start(), end))
    specs: dict[str, list[tuple[str, dict]]] = {}
    for m in _LAYER.finditer(html):
        specs.setdefault(m.group(3), []).append((m.group(2), dec.raw_decode(html, m.end())[0]))
    tables: dict[str, pd.DataFrame] = {}
    weekly = None
    for name, data in datasets.items():
        frame = _dataset_frame(data)
        if frame is None:
            continue
        layer = _which_layer(frame, anchors)
        if layer is None:
            continue
        keyed = _match(frame, anchors, layer)
        if keyed is None:
            continue
        tables[f"map:{layer}" if f"map:{layer}" not in tables else f"map:{layer}:{name}"] = keyed
        for kind, spec in specs.get(name, []):
            if kind == "hsWeekly" and layer == "segments":
                weekly = _weekly(spec, frame, anchors)
    outside, last = [], 0
    for a, b in spans:
        outside.append(html[last:a])
        last = b
    outside.append(html[last:])
    texts = {"map:html": _visible_text("".join(outside))}
    return tables, weekly, texts


def _dataset_frame(data: dict) -> pd.DataFrame | None:
    geoms = data.get("g") or []
    if not geoms:
        return None
    cols = {}
    for col, values in (data.get("c") or {}).items():
        dictionary = (data.get("d") or {}).get(col)
        cols[col] = ([None if v is None else dictionary[v] for v in values]
                     if dictionary is not None else values)
    frame = pd.DataFrame(cols, index=range(len(geoms)))
    keys = np.array([_first_last(g) for g in geoms], dtype=np.int64)
    frame[["a", "b", "c", "d"]] = keys
    return frame


def _first_last(g) -> list[int]:
    """First and last vertex (1e-5°) of the runtime's compact geometry (first part)."""
    missing = [np.iinfo(np.int64).min] * 4
    if not g:
        return missing
    if isinstance(g[0], int | float):  # a point [lat, lng]
        return [int(g[0]), int(g[1]), int(g[0]), int(g[1])]
    part = g[0]
    while part and isinstance(part[0], list):  # polygons: the first ring
        part = part[0]
    if len(part) < 2:
        return missing
    lat, lng = int(part[0]), int(part[1])
    first = (lat, lng)
    for i in range(2, len(part), 2):
        lat += int(part[i])
        lng += int(part[i + 1])
    return [first[0], first[1], lat, lng]


def _which_layer(frame: pd.DataFrame, anchors: dict[str, pd.DataFrame]) -> str | None:
    """The GeoPackage layer most of the dataset's rows match (by vertices)."""
    from scipy.spatial import cKDTree

    best, score = None, 0
    pts = frame[["a", "b", "c", "d"]].to_numpy(dtype=float)
    for name, anchor in anchors.items():
        if not len(anchor) or (("shift" in anchor.columns) != ("shift" in frame.columns)):
            continue
        tree = cKDTree(anchor[["a", "b", "c", "d"]].to_numpy(dtype=float))
        d, _ = tree.query(pts, k=1)
        hit = int((d <= 3.0).sum())
        if hit > score:
            best, score = name, hit
    return best if score >= max(1, len(frame) // 2) else None


def _weekly(spec: dict, frame: pd.DataFrame, anchors) -> pd.DataFrame | None:
    rows = spec.get("i") or []
    weeks = spec.get("weeks") or []
    counts = spec.get("c") or []
    if not rows:
        return None
    keyed = _match(frame.assign(_row=range(len(frame))), anchors, "segments")
    if keyed is None:
        return None
    row_key = dict(zip(keyed["_row"], keyed.index))
    values = np.asarray(counts, dtype=float).reshape(len(rows), len(weeks))
    values[values < 0] = np.nan
    keep = [j for j, r in enumerate(rows) if r in row_key]
    out = pd.DataFrame(values[keep], columns=weeks,
                       index=pd.Index([row_key[rows[j]] for j in keep], name="segment_id"))
    return out


def _visible_text(html: str) -> str:
    """Every text the page shows outside the data payloads (title, subtitle, legends, labels),
    with JSON escapes decoded."""
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', html)
    out = []
    for s in strings:
        try:
            out.append(json.loads(f'"{s}"'))
        except json.JSONDecodeError:
            out.append(s)
    text = "\n".join(out)
    return re.sub(r"<[^>]+>", " ", text)


_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def _page_text(page: str) -> str:
    """The words a printed page shows (no images, styles or tags)."""
    import html as html_lib

    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<img\b[^>]*>", " ", page)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def _read_cards(page: str, patrol: pd.DataFrame | None, *, lang: str | None = None
                ) -> pd.DataFrame | None:
    """The rows of the patrol cards keyed like the GeoPackage's patrol layer (shift named in
    each card's heading, segment by its rank in the shift; numbers in ``lang``, by default the
    page's own): ``card_visits``, ``card_minutes``, ``card_week`` (the incidents-per-week
    cell, when the card has one)."""
    import html as html_lib

    if patrol is None or not len(patrol) or "shift_rank" not in patrol.columns:
        return None
    if lang is None:  # the page's own language (<html lang="pt-BR">)
        tag = re.search(r"<html[^>]*\blang=\"([A-Za-z]+)", page)
        lang = "pt" if tag and tag.group(1).lower() == "pt" else "en"
    frame = patrol.reset_index(drop=True) if isinstance(patrol.index, pd.MultiIndex) \
        else patrol
    shifts = sorted({str(v).strip() for v in frame["shift"]}, key=len, reverse=True)
    rank_of = {(str(s).strip(), int(r)): (s, sid) for s, r, sid in zip(
        frame["shift"], pd.to_numeric(frame["shift_rank"]), frame["segment_id"])}
    rows, keys = [], []
    for section in re.findall(r"<section\b.*?</section>", page, flags=re.S):
        heading = html_lib.unescape(re.sub(r"<[^>]+>", "", (re.findall(
            r"<h1>(.*?)</h1>", section, flags=re.S) or [""])[0]))
        shift = next((s for s in shifts if s in heading
                      or s.replace("-", "–") in heading), None)
        if shift is None:
            continue
        for tr in re.findall(r"<tr>(.*?)</tr>", section.split("<tbody>", 1)[-1], flags=re.S):
            cells = [html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                     for c in _CELL.findall(tr)]
            if not cells or not cells[0].isdigit() or (shift, int(cells[0])) not in rank_of:
                continue
            keys.append(rank_of[(shift, int(cells[0]))])
            rec = {"card_visits": locale_number(cells[3], lang) if len(cells) > 3 else None,
                   "card_minutes": cells[4] if len(cells) > 4 else None}
            if len(cells) > 5:
                rec["card_week"] = locale_number(cells[5], lang)
            rows.append(rec)
    if not rows:
        return None
    return pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(keys,
                                                              names=["shift", "segment_id"]))
