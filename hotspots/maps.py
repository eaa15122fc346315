"""Interactive Folium maps of segment results (drawing only; statistics are computed elsewhere)."""

from __future__ import annotations

import html
from pathlib import Path

import branca.colormap as cm
import folium
import geopandas as gpd
import numpy as np


def segment_rate_map(
    segments: gpd.GeoDataFrame,
    *,
    value: str = "rate_per_100m",
    boundary: gpd.GeoDataFrame | None = None,
    title: str = "Incidents per 100 m of street",
) -> folium.Map:
    """A Folium map of segments coloured by ``value`` with a legend and escaped tooltips."""
    seg = segments.to_crs(4326).reset_index()
    seg["geometry"] = seg.geometry.simplify(0.00001)
    for col in ("street_name",):
        if col in seg.columns:
            seg[col] = seg[col].astype(str).map(html.escape)
    vals = seg[value].to_numpy(dtype=float)
    vmax = float(np.nanpercentile(vals[vals > 0], 99)) if (vals > 0).any() else 1.0
    cmap = cm.LinearColormap(["#ffffb2", "#fd8d3c", "#bd0026"], vmin=0.0, vmax=vmax, caption=title)
    minx, miny, maxx, maxy = seg.total_bounds
    fmap = folium.Map(tiles=None, prefer_canvas=True, control_scale=True)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    if boundary is not None:
        folium.GeoJson(boundary.to_crs(4326).__geo_interface__, name="Boundary",
                       style_function=lambda _f: {"color": "#555", "weight": 1, "fill": False}
                       ).add_to(fmap)
    keep = ["segment_id", "street_name", "count", value, "geometry"]
    keep = list(dict.fromkeys(c for c in keep if c in seg.columns))
    data = seg[keep].copy()
    data["segment_id"] = data["segment_id"].astype(str)
    data[value] = data[value].round(2)

    def style(feature):
        v = feature["properties"][value]
        return {"color": cmap(min(v, vmax)) if v > 0 else "#bbbbbb",
                "weight": 4 if v > 0 else 1.5, "opacity": 0.9}

    fields = [c for c in keep if c != "geometry"]
    folium.GeoJson(
        data.__geo_interface__, name=title, style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=[f.replace("_", " ") for f in fields]),
    ).add_to(fmap)
    cmap.add_to(fmap)
    folium.LayerControl().add_to(fmap)
    return fmap


def save_map(fmap: folium.Map, path: str | Path) -> Path:
    """Save a map as one HTML file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmap.save(str(path))
    return path
