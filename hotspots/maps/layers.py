"""Compact map layers: geometry and allow-listed fields encoded once, drawn by the JS runtime."""

from __future__ import annotations

import itertools
import json
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.map import Layer
from jinja2 import Template

from hotspots._errors import ValidationError
from hotspots.layers import Field, spec
from hotspots.maps.offline import RawMacros
from hotspots.wgs84 import Wgs84Cache, get_parts, to_wgs84

__all__ = [
    "GAP_FIELDS", "GREEN_FIELDS", "INCIDENT_FIELDS", "LAMP_FIELDS", "PATROL_FIELDS", "SCALE",
    "SEGMENT_FIELDS", "SUPPRESSIBLE", "CompactLayer", "Dataset", "encode_geometry", "encode_lines",
    "encode_points",
    "field_label", "line_style", "point_style", "polygon_style", "prepare_frame", "safe_json",
    "value_labels"
]

SCALE = 1e5  # 5 decimals of a degree ≈ 1.1 m


#: tooltip fields of each map layer: the layer registry's (an allow-list: nothing else
#: reaches the HTML)
SEGMENT_FIELDS = spec("segments").tooltip
LAMP_FIELDS = spec("lamps").tooltip
GAP_FIELDS = spec("dark_gaps").tooltip
GREEN_FIELDS = spec("green_areas").tooltip
PATROL_FIELDS = spec("patrol").tooltip
INCIDENT_FIELDS = spec("incidents").tooltip
def _status_of() -> dict[str, str]:
    """Liaison field -> its status column (``<count>_status``; a derived value shares its
    first source's), from the registry's disclosure rules."""
    from hotspots.layers import LAYERS

    out: dict[str, str] = {}
    for layer in LAYERS.values():
        for col, rule in (layer.disclosure or {}).items():
            if rule.kind == "count":
                out[col] = f"{col}_status"
            elif rule.kind == "derived" and rule.sources:
                out[col] = f"{rule.sources[0]}_status"
    return out


#: the status column saying why a liaison value is empty ('k_rule' / 'min_length')
STATUS_OF = _status_of()
#: fields nulled by small-count suppression (shown as "suppressed")
SUPPRESSIBLE = ("count", "rate_per_100m", "night_count", "night_share", "incidents",
                "incidents_per_week", "share_of_shift")


def safe_json(obj) -> str:
    """JSON that is safe inside a <script> element (no '<', '>', '&' or line separators)."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    for ch, rep in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, rep)
    return text


def _ints(coords: np.ndarray) -> list[int]:
    """(n, 2) lon/lat → delta-encoded [lat, lng, dlat, dlng, …] in 1e-5 degrees."""
    q = np.rint(coords[:, ::-1] * SCALE).astype(np.int64)
    if len(q) > 1:
        keep = np.ones(len(q), dtype=bool)
        keep[1:] = np.any(q[1:] != q[:-1], axis=1)
        q = q[keep]
    d = q.copy()
    d[1:] -= q[:-1]
    return d.ravel().tolist()


def encode_lines(geoms) -> list:
    """Many line geometries at once, same output as ``encode_geometry(g, "line")`` for each."""
    geoms = np.asarray(geoms, dtype=object)
    out: list = [None] * len(geoms)
    ok = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if len(ok) == 0:
        return out
    parts, owner = get_parts(geoms[ok])
    coords, pidx = shapely.get_coordinates(parts, return_index=True)
    q = np.rint(coords[:, ::-1] * SCALE).astype(np.int64)
    new_part = np.ones(len(q), dtype=bool)
    new_part[1:] = pidx[1:] != pidx[:-1]
    keep = new_part.copy()
    keep[1:] |= np.any(q[1:] != q[:-1], axis=1)
    q, pidx, new_part = q[keep], pidx[keep], new_part[keep]
    d = q.copy()
    d[1:] -= np.where(new_part[1:, None], 0, q[:-1])
    flat = d.ravel().tolist()
    bounds = (np.searchsorted(pidx, np.arange(len(parts) + 1)) * 2).tolist()
    chunks = [flat[a:b] for a, b in itertools.pairwise(bounds)]
    rows = ok[owner].tolist()
    if len(parts) == len(ok):  # one part per geometry (the usual street segment)
        for row, chunk in zip(rows, chunks):
            out[row] = [chunk]
        return out
    for row in ok.tolist():
        out[row] = []
    for row, chunk in zip(rows, chunks):
        out[row].append(chunk)
    return out


def encode_points(geoms) -> list:
    """Many geometries at once as points, same output as ``encode_geometry(g, "point")``
    for each (points' coordinates rounded together; other geometries one by one)."""
    geoms = np.asarray(geoms, dtype=object)
    out: list = [None] * len(geoms)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    is_point = ok & (shapely.get_type_id(geoms) == 0)
    rows = np.flatnonzero(is_point)
    if len(rows):
        xy = shapely.get_coordinates(geoms[rows])
        # round() of a float and np.rint both round half to even: the same integers
        q = np.rint(xy[:, ::-1] * SCALE).astype(np.int64).tolist()
        for r, pair in zip(rows.tolist(), q):
            out[r] = pair
    for r in np.flatnonzero(ok & ~is_point).tolist():
        out[r] = encode_geometry(geoms[r], "point")
    return out


def encode_geometry(geom, kind: str):
    """One geometry in the runtime's compact form (see assets/hotspots-map.js)."""
    if geom is None or geom.is_empty:
        return None
    if kind in ("point", "cluster"):
        if geom.geom_type != "Point":
            geom = geom.representative_point()
        return [round(geom.y * SCALE), round(geom.x * SCALE)]
    if kind == "line":
        parts = list(geom.geoms) if geom.geom_type.startswith("Multi") else [geom]
        return [_ints(shapely.get_coordinates(p)) for p in parts]
    polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    return [[_ints(shapely.get_coordinates(r)) for r in (p.exterior, *p.interiors)] for p in polys]


def _column(series: pd.Series, field: Field):
    """(values, dictionary or None) for one column, JSON-ready (NaN → null)."""
    if field.kind == "text":
        if isinstance(series.dtype, pd.StringDtype) or (
                series.dtype == object and pd.api.types.infer_dtype(series, skipna=True)
                in ("string", "empty")):
            text = series  # texts already: factorized as they are (missing ones → null)
        else:
            text = series.map(lambda v: None if v is None or (isinstance(v, float)
                                                              and np.isnan(v))
                              or v is pd.NA else str(v))
        codes, uniques = pd.factorize(text, use_na_sentinel=True)
        return _with_nulls(codes.tolist(), codes < 0), [str(u) for u in uniques]
    if field.kind == "bool":
        missing = series.isna().to_numpy()
        flags = np.zeros(len(series), dtype=bool)
        flags[~missing] = [bool(v) for v in series.to_numpy(dtype=object)[~missing]]
        return _with_nulls(flags.tolist(), missing), None
    nums = pd.to_numeric(series, errors="coerce").astype("float64")
    dec = 0 if field.kind in ("int", "class") else (field.decimals + 2 if field.kind == "pct"
                                                    else 6 if field.kind == "p"
                                                    else field.decimals)
    return round_values(nums.to_numpy(), dec), None


def round_values(values: np.ndarray, digits: int) -> list:
    """``[round(v, digits) if finite else None for v in values]`` (``round(v)``, an int,
    when ``digits`` is 0), vectorised with the very same results.

    ``round`` rounds the exact binary value half to even and returns the double nearest to
    the decimal; ``rint(v · 10^d) / 10^d`` gives that double too (an exact integer over an
    exact power of ten, one correctly rounded division) whenever the product, itself
    rounded, falls on the same side of a half as the exact product. Values whose product
    lies within 1e-6 of a half (or beyond 2^50) go to ``round`` one by one."""
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    if digits == 0:  # rint is round's half-to-even on the value itself; huge ones one by one
        big = finite & (np.abs(np.where(finite, v, 0.0)) >= 2.0 ** 52)
        ints = np.rint(np.where(finite & ~big, v, 0.0)).astype(np.int64).tolist()
        for i in np.flatnonzero(big).tolist():
            ints[i] = round(float(v[i]))
        return _with_nulls(ints, ~finite)
    scale = 10.0 ** digits
    safe = np.where(finite, v, 0.0) * scale
    near_half = np.abs(np.abs(safe - np.floor(safe)) - 0.5) < 1e-6
    risky = (near_half | (np.abs(safe) >= 2.0 ** 50)) & finite
    rounded = (np.rint(safe) / scale).tolist()
    for i in np.flatnonzero(risky).tolist():
        rounded[i] = round(float(v[i]), digits)
    return _with_nulls(rounded, ~finite)


def _with_nulls(values: list, missing: np.ndarray) -> list:
    """``values`` (a list, changed in place) with None where ``missing`` (one Python step
    per missing value, not per value)."""
    for i in np.flatnonzero(missing).tolist():
        values[i] = None
    return values


def prepare_frame(frame: gpd.GeoDataFrame, *, simplify_m: float = 0.5,
                  wgs84: Wgs84Cache | None = None) -> gpd.GeoDataFrame:
    """A copy in EPSG:4326 with the index as a column, simplified in metres when projected.

    The geometries come from ``wgs84`` (or the run's open cache, :mod:`hotspots.wgs84`) when
    they were reprojected before in this run."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ValidationError("a map layer needs a GeoDataFrame; got " + type(frame).__name__)
    if frame.crs is None:
        raise ValidationError("a map layer has no CRS; set one (e.g. frame.set_crs(...))")
    out = frame
    if out.index.name is not None and out.index.name not in out.columns:
        out = out.reset_index()
    return to_wgs84(out, simplify_m=simplify_m, cache=wgs84)


class Dataset(RawMacros):
    """Geometry and the fields of one table, written once and shared by layers that draw it."""

    _template = Template(
        "{% macro script(this, kwargs) %}var {{ this.get_name() }} = {{ this.payload }};"
        "{% endmacro %}"
    )

    def __init__(self, frame: gpd.GeoDataFrame, *, kind: str, fields: tuple[Field, ...],
                 title: str | None = None):
        super().__init__()
        self._name = "hs_data"
        self.kind = kind
        self.frame = frame
        self.fields = tuple(f for f in fields if f.column in frame.columns)
        self.title = title if title in frame.columns else None
        cols: dict[str, list] = {}
        dicts: dict[str, list] = {}
        wanted = list(self.fields)
        if self.title:
            wanted.append(Field(self.title, "", "text"))
        if "suppressed" in frame.columns:
            wanted.append(Field("suppressed", "", "bool"))
        #: per-field disclosure status of the fields shown (why a value is empty)
        self.status_of = {f.column: STATUS_OF[f.column] for f in self.fields
                          if STATUS_OF.get(f.column) in frame.columns}
        wanted += [Field(c, "", "text") for c in sorted(set(self.status_of.values()))]
        for f in wanted:
            values, dictionary = _column(frame[f.column], f)
            cols[f.column] = values
            if dictionary is not None:
                dicts[f.column] = dictionary
        geoms = (encode_lines(frame.geometry.values) if kind == "line"
                 else encode_points(frame.geometry.values) if kind in ("point", "cluster")
                 else [encode_geometry(g, kind) for g in frame.geometry])
        self.present = [g is not None for g in geoms]
        self.payload = safe_json({"g": [g if g is not None else [] for g in geoms],
                                  "c": cols, "d": dicts})

    def __len__(self) -> int:
        return len(self.frame)


def field_label(field: Field, lang: str) -> str:
    """A column's label in words in ``lang`` (the message catalogue's ``fields`` domain)."""
    from hotspots import i18n

    key = f"fields.{field.column}"
    return i18n.text(key, lang) if i18n.has(key) else field.label


def value_labels(lang: str) -> dict[str, dict[str, str]]:
    """Texts shown for coded values of text columns (week-over-week status, LISA classes,
    lamp status, Gi* bins) in ``lang``."""
    from hotspots import i18n

    t = i18n.translator(lang)
    return {
        "hot_status": {k: t(f"words.status.{k}") for k in
                       ("new", "persistent", "cooling", "not hot")},
        "lisa_class": {**{k: t(f"words.lisa.{k}") for k in ("HH", "LL", "HL", "LH", "ns")},
                       "not significant": t("words.lisa.ns")},
        "emerging_category": _emerging_names(lang),
        "status": {k: t(f"words.lamp.{k}") for k in ("working", "broken")},
        "gi_bin": {str(b): t(f"legend.gi.{b}") for b in (3, 2, 1, 0, -1, -2, -3)},
    }


def _emerging_names(lang: str) -> dict[str, str]:
    """Esri's emerging categories by their English name, in ``lang``."""
    from hotspots.stats.emerging_categories import CATEGORIES

    pt = lang.startswith("pt")
    return {c.name: (c.name_pt if pt else c.name) for c in CATEGORIES}


class CompactLayer(Layer, RawMacros):
    """A switchable layer drawing (a subset of) a Dataset with one style per class index.

    Hovering shows a compact tooltip (the feature's name, its class in this layer and the
    ``hover`` fields, at most five lines); a click opens the popup with every field.
    """

    #: the symbology the layer draws (set by ``build_map``; the top list reads its key)
    symbology: Any = None

    _template = Template(
        "{% macro script(this, kwargs) %}var {{ this.get_name() }} = hsLayer("
        "{{ this.dataset.get_name() }}, {{ this.spec }});{% endmacro %}"
    )

    def __init__(self, dataset: Dataset, *, name: str, classes, styles: list[dict],
                 show: bool = True, labels: dict | None = None, k: int | None = None,
                 lang: str = "en", hover: tuple[str, ...] = (),
                 class_labels: list[str] | None = None):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "hs_layer"
        self.dataset = dataset
        idx = np.asarray(classes, dtype=np.int64)
        idx = np.where(np.asarray(dataset.present), idx, -1)
        self.n_drawn = int((idx >= 0).sum())
        self.classes = idx
        spec = {
            "kind": dataset.kind,
            "k": idx.tolist(),
            "s": styles,
            "f": [[f.column, field_label(f, lang), f.kind, f.decimals] for f in dataset.fields],
            "h": [c for c in hover if c in dataset.frame.columns][:3],
            "cl": class_labels or [],
            "t": dataset.title,
            "labels": value_labels(lang) if labels is None else labels,
            "sup": list(SUPPRESSIBLE),
            "st": getattr(dataset, "status_of", {}),
            "kmin": k,
        }
        self.spec = safe_json(spec)


def line_style(color: str, width: float, *, opacity: float = 0.9) -> dict:
    """Leaflet path options for a line class."""
    return {"color": color, "weight": width, "opacity": opacity}


def polygon_style(color: str, *, fill_opacity: float = 0.45, stroke: str = "#2d6a2d") -> dict:
    """Leaflet path options for a polygon class."""
    return {"color": stroke, "weight": 1, "fillColor": color, "fillOpacity": fill_opacity}


def point_style(color: str, radius: float = 4.0) -> dict:
    """Leaflet circle-marker options for a point class."""
    return {"color": "#333333", "weight": 0.6, "fillColor": color, "fillOpacity": 0.95,
            "radius": radius}
