"""The offline base map: the city's own streets (names as labels at close zoom), parks, water.

Drawn from the segments of the run, under every analysis layer, always on and independent of
them; it needs no tile and no network. Parks are the run's green areas; water (rivers, lakes,
the lagoon: polygons or lines) is drawn when the caller has a water layer. Street names are placed along each named street (one
label per ~400 m of merged street, turned along it), shown from zoom 16 inwards.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from jinja2 import Template

from hotspots.maps.layers import SCALE, Dataset, safe_json
from hotspots.maps.offline import RawMacros
from hotspots.wgs84 import get_parts

__all__ = ["BaseMap", "label_anchors", "street_labels"]

#: look of the base map: light casing of every street and a pale green for parks
STREET_COLOR = "#bdb9ad"
STREET_WIDTH = 3.0
PARK_COLOR = "#dcebd2"
WATER_COLOR = "#c6dbef"
WATER_LINE_WIDTH = 4.0
LABEL_ZOOM = 16
LABEL_SPACING_M = 400.0
LABEL_MIN_M = 60.0
MAX_LABELS = 400


def label_anchors(segments: gpd.GeoDataFrame, *, spacing_m: float = LABEL_SPACING_M,
                  min_length_m: float = LABEL_MIN_M) -> tuple[pd.DataFrame, list[str]]:
    """Where the names of the streets go, in the segments' CRS (metres).

    The segments of one name are merged into lines; a line at least ``min_length_m`` long
    gets a label in its middle, longer ones one every ``spacing_m``; the angle follows the
    street (between −90° and 90°: the text is never upside down). Returns a frame (x, y,
    angle, length of the merged line, name index), longest lines first, and the names.
    """
    empty = pd.DataFrame({"x": [], "y": [], "angle": [], "length": [], "name": []})
    if "street_name" not in segments.columns or len(segments) == 0:
        return empty, []
    names = segments["street_name"].astype("string").fillna("").str.strip()
    ok = (names != "").to_numpy()
    if not ok.any():
        return empty, []
    frame = segments.loc[ok]
    codes, uniques = pd.factorize(names[ok].to_numpy(), sort=True)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    parts, owner = get_parts(geoms)
    keep = shapely.get_type_id(parts) == 1
    parts, owner = parts[keep], owner[keep]
    if len(parts) == 0:
        return empty, [str(u) for u in uniques]
    lines_code = codes[owner]
    order = np.argsort(lines_code, kind="stable")
    multi = shapely.multilinestrings(parts[order], indices=lines_code[order])
    present = np.unique(lines_code)
    pieces, which = shapely.get_parts(shapely.line_merge(multi), return_index=True)
    name_of = present[which]
    length = shapely.length(pieces)
    long_enough = length >= min_length_m
    pieces, name_of, length = pieces[long_enough], name_of[long_enough], length[long_enough]
    n_labels = np.maximum(1, np.floor(length / spacing_m)).astype(int)
    rep = np.repeat(np.arange(len(pieces)), n_labels)
    k = np.arange(len(rep)) - np.repeat(np.cumsum(n_labels) - n_labels, n_labels)
    at = (k + 0.5) / n_labels[rep] * length[rep]
    lines = pieces[rep]
    mid = shapely.line_interpolate_point(lines, at)
    a = shapely.line_interpolate_point(lines, np.maximum(at - 8.0, 0))
    b = shapely.line_interpolate_point(lines, np.minimum(at + 8.0, length[rep]))
    angle = -np.degrees(np.arctan2(shapely.get_y(b) - shapely.get_y(a),
                                   shapely.get_x(b) - shapely.get_x(a)))
    angle = np.where(angle > 90, angle - 180, np.where(angle < -90, angle + 180, angle))
    out = pd.DataFrame({"x": shapely.get_x(mid), "y": shapely.get_y(mid), "angle": angle,
                        "length": length[rep], "name": name_of[rep]})
    out = out[np.isfinite(out["angle"])].sort_values("length", ascending=False, kind="stable")
    return out.reset_index(drop=True), [str(u) for u in uniques]


def street_labels(segments: gpd.GeoDataFrame, *, spacing_m: float = LABEL_SPACING_M,
                  min_length_m: float = LABEL_MIN_M) -> tuple[list[list[float]], list[str]]:
    """Label anchors of named streets for the web map: ([lat·1e5, lng·1e5, angle° (screen,
    clockwise), name index], names), longest streets first (:func:`label_anchors`)."""
    frame = segments
    if len(frame) and not frame.crs.is_projected:
        frame = frame.to_crs(frame.estimate_utm_crs())
    anchors, names = label_anchors(frame, spacing_m=spacing_m, min_length_m=min_length_m)
    if not len(anchors):
        return [], names
    pts = gpd.GeoSeries(shapely.points(anchors["x"], anchors["y"]), crs=frame.crs).to_crs(4326)
    lat = np.rint(pts.y.to_numpy() * SCALE).astype(np.int64)
    lng = np.rint(pts.x.to_numpy() * SCALE).astype(np.int64)
    angle = np.round(anchors["angle"].to_numpy(), 1)
    name = anchors["name"].to_numpy(dtype=np.int64)
    return [[int(a), int(b), float(c), int(d)] for a, b, c, d in
            zip(lat.tolist(), lng.tolist(), angle.tolist(), name.tolist())], names


class BaseMap(RawMacros):
    """The street network (and parks, water) under every layer, with street-name labels.

    ``water``: a Dataset of kind 'polygon' (lakes, the lagoon, wide rivers) or 'line'
    (streams), drawn first, under the parks and the streets."""

    _template = Template(
        "{% macro script(this, kwargs) %}hsBase({{ this._parent.get_name() }}, "
        "{{ this.dataset.get_name() }}, {{ this.spec }}, "
        "{{ this.parks.get_name() if this.parks is not none else 'null' }}, "
        "{{ this.water.get_name() if this.water is not none else 'null' }});{% endmacro %}"
    )

    def __init__(self, dataset: Dataset, labels: tuple[list, list[str]], *,
                 parks: Dataset | None = None, water: Dataset | None = None):
        super().__init__()
        self._name = "hs_base"
        self.dataset = dataset
        self.parks = parks
        self.water = water
        anchors, names = labels
        self.spec = safe_json({"labels": anchors, "names": names, "zoom": LABEL_ZOOM,
                               "max": MAX_LABELS, "casing": STREET_COLOR,
                               "width": STREET_WIDTH, "park": PARK_COLOR,
                               "water": WATER_COLOR, "water_width": WATER_LINE_WIDTH,
                               "water_kind": None if water is None else water.kind})
