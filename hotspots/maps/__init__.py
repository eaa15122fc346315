"""Interactive, self-contained Folium maps of segment results (drawing only; no statistics).

``build_map`` draws whichever layers exist — Gi* classes, rates per 100 m, priority segments,
dark gaps, lamps, green areas, boundary, density rasters, incidents per ISO week on a week
slider and week-over-week hot-segment status (weekly runs), and (only when passed) clustered
incident points — each switchable in the layer control, with a legend section per layer.
Tooltips show an allow-list of fields (``layers.SEGMENT_FIELDS``…), escaped in the browser.
``save_map`` writes one HTML file; offline (the default) it inlines Leaflet and refuses to
write a page that would fetch anything from the network.
"""

from __future__ import annotations

import html as _html
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import symbology as sym
from hotspots._errors import ValidationError
from hotspots.maps.layers import (
    GAP_FIELDS,
    GREEN_FIELDS,
    INCIDENT_FIELDS,
    LAMP_FIELDS,
    PATROL_FIELDS,
    SEGMENT_FIELDS,
    CompactLayer,
    Dataset,
    line_style,
    point_style,
    polygon_style,
    prepare_frame,
)
from hotspots.maps.legend import (
    Attribution,
    Legend,
    PaintMarker,
    Title,
    classes_section,
    line_section,
    point_section,
    polygon_section,
)
from hotspots.maps.offline import check_offline, embed_assets
from hotspots.maps.raster_overlay import raster_overlay
from hotspots.maps.weekly_layer import WeeklyLayer, week_columns

__all__ = ["build_map", "map_html", "save_map"]

#: named online basemaps (need a connection; the default is no basemap)
BASEMAPS = {"osm": ("OpenStreetMap", None)}

RASTER_TITLES = {"kde": "Incident density (KDE)", "lamp_density": "Lamp density"}


def build_map(
    segments: gpd.GeoDataFrame,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    lamps: gpd.GeoDataFrame | None = None,
    dark_gaps: gpd.GeoDataFrame | None = None,
    green_areas: gpd.GeoDataFrame | None = None,
    incidents: gpd.GeoDataFrame | None = None,
    patrol: gpd.GeoDataFrame | None = None,
    rasters: dict[str, object] | None = None,
    weekly: pd.DataFrame | None = None,
    title: str = "hotspots",
    subtitle: str | None = None,
    offline: bool = True,
    basemap: str | None = None,
    attribution: str | None = None,
    privacy_k: int | None = None,
    simplify_m: float = 0.5,
    extra: dict[str, gpd.GeoDataFrame] | None = None,
) -> folium.Map:
    """A map of the segment results and every overlay given (None or empty: not drawn).

    ``basemap``: None (no tiles, works offline), ``"osm"`` (OpenStreetMap tiles, needs a
    connection) or a tile URL template such as ``"tiles/{z}/{x}/{y}.png"`` (tiles the user
    supplies beside the HTML).

    ``weekly``: incidents per segment and ISO week (index ``segment_id``, one column per week
    named '2026_W41' or '2026-W41', as the weekly run writes ``weekly_counts``) drawn
    as the "Incidents per week" layer with a week slider. A ``hot_status`` column of the
    segments (new / persistent / cooling) is drawn as its own layer.

    ``extra``: more layers by registry name (``hotspots.layers``), e.g. the plan's funded
    projects, each drawn with its registry tooltip and every symbology of its entry.

    ``privacy_k`` labels suppressed values in tooltips and legends; the map applies no privacy
    rule itself: segment columns and weekly counts must come suppressed already
    (``privacy.liaison_tables``, ``privacy.suppress_weekly_counts``), and weekly counts of
    1 … k−1 are refused.
    """
    seg = prepare_frame(segments, simplify_m=simplify_m)
    if len(seg) == 0:
        raise ValidationError("cannot draw a map of zero segments")
    fmap = folium.Map(tiles=None, prefer_canvas=True, control_scale=True, zoom_control=True)
    minx, miny, maxx, maxy = seg.total_bounds
    fmap.fit_bounds([[float(miny), float(minx)], [float(maxy), float(maxx)]])
    _add_basemap(fmap, basemap)
    if attribution:
        fmap.add_child(Attribution(attribution))
    embed_assets(fmap, offline=offline, cluster=incidents is not None and len(incidents) > 0)
    legend = Legend(position="bottomleft")
    fields = SEGMENT_FIELDS

    if boundary is not None and len(boundary):
        # draw the outline only: polygons become their boundary lines
        ds = Dataset(_outline(prepare_frame(boundary, simplify_m=simplify_m)), kind="line", fields=())
        fmap.add_child(ds)
        lyr = CompactLayer(ds, name=sym.BOUNDARY.label, classes=np.zeros(len(ds), dtype=int),
                           styles=[line_style(sym.BOUNDARY.color, sym.BOUNDARY.width)])
        fmap.add_child(lyr)
        legend.add(lyr, line_section(sym.BOUNDARY.label, [(sym.BOUNDARY.label, sym.BOUNDARY.color,
                                                           sym.BOUNDARY.width)]))

    for key, raster in (rasters or {}).items():
        if raster is None:
            continue
        name = RASTER_TITLES.get(key, str(getattr(raster, "name", key)))
        colors = sym.raster_colors(key)
        overlay, edges = raster_overlay(raster, name=_html.escape(name), show=False,
                                        colors=colors)
        fmap.add_child(overlay)
        units = str(getattr(raster, "units", "") or "")
        legend.add(overlay, classes_section(name, edges, list(colors), units))

    if green_areas is not None and len(green_areas):
        ga = prepare_frame(green_areas, simplify_m=simplify_m)
        ds = Dataset(ga, kind="polygon", fields=GREEN_FIELDS, title="name")
        fmap.add_child(ds)
        idx = (sym.category_index(ga["adopted"], sym.GREEN_CLASSES, other=1)
               if "adopted" in ga.columns else np.ones(len(ga), dtype=int))
        styles = [polygon_style(c.color) for c in sym.GREEN_CLASSES]
        lyr = CompactLayer(ds, name="Green areas", classes=idx, styles=styles, show=False)
        fmap.add_child(lyr)
        legend.add(lyr, polygon_section("Green areas", [(c.label, c.color)
                                                        for c in sym.GREEN_CLASSES]))

    seg_ds = Dataset(seg, kind="line", fields=fields, title="street_name")
    fmap.add_child(seg_ds)
    has_gi = "gi_bin" in seg.columns and seg["gi_bin"].notna().any()
    labels = {"gi_bin": {str(c.value): c.label for c in sym.GI_CLASSES}}

    if "rate_per_100m" in seg.columns:
        classes = sym.rate_classes(seg["rate_per_100m"])
        idx = sym.rate_index(seg["rate_per_100m"], classes)
        if "suppressed" in seg.columns:  # suppressed: drawn grey, value hidden
            idx = np.where(seg["suppressed"].fillna(False).to_numpy(dtype=bool) & (idx < 0), 0, idx)
        lyr = CompactLayer(seg_ds, name="Incidents per 100 m", classes=idx, show=not has_gi,
                           styles=[line_style(r.color, r.width) for r in classes], labels=labels,
                           k=privacy_k)
        fmap.add_child(lyr)
        items = [(r.label, r.color, r.width) for r in classes]
        if "suppressed" in seg.columns and seg["suppressed"].fillna(False).any():
            items[0] = (f"No incidents or fewer than {privacy_k or 'k'} (suppressed)",
                        classes[0].color, classes[0].width)
        legend.add(lyr, line_section("Incidents per 100 m of street", items))

    if has_gi:
        idx = sym.category_index(seg["gi_bin"], sym.GI_CLASSES)
        lyr = CompactLayer(seg_ds, name="Hot spots (Gi*)", classes=idx,
                           styles=[line_style(c.color, c.width, opacity=0.95)
                                   for c in sym.GI_CLASSES], labels=labels, k=privacy_k)
        fmap.add_child(lyr)
        legend.add(lyr, line_section("Hot spots (Getis-Ord Gi*)",
                                     [(c.label, c.color, c.width) for c in sym.GI_CLASSES]))

    if weekly is not None and len(weekly):
        if privacy_k:
            _check_suppressed(weekly, privacy_k)
        lyr = WeeklyLayer(seg_ds, weekly, segments.index, k=privacy_k)
        if lyr.n_segments:
            fmap.add_child(lyr)
            legend.add(lyr, line_section(
                f"Incidents in the week on the slider ({lyr.weeks[0]} – {lyr.weeks[-1]})",
                lyr.legend_items(privacy_k)))

    if "hot_status" in seg.columns and seg["hot_status"].isin(
            [c.value for c in sym.HOT_STATUS_CLASSES]).any():
        idx = sym.category_index(seg["hot_status"], sym.HOT_STATUS_CLASSES)
        lyr = CompactLayer(seg_ds, name="Hot segments, week over week", classes=idx, show=False,
                           styles=[line_style(c.color, c.width, opacity=0.95)
                                   for c in sym.HOT_STATUS_CLASSES], labels=labels, k=privacy_k)
        fmap.add_child(lyr)
        legend.add(lyr, line_section("Hot segments, this week vs last week",
                                     [(c.label, c.color, c.width)
                                      for c in sym.HOT_STATUS_CLASSES]))

    if "emerging_code" in seg.columns:
        _emerging_layer(fmap, legend, seg_ds, seg, labels, privacy_k)

    if "priority_rank" in seg.columns and seg["priority_rank"].notna().any():
        idx = sym.range_index(seg["priority_rank"], sym.PRIORITY_CLASSES)
        lyr = CompactLayer(seg_ds, name="Lighting priority", classes=idx, show=False,
                           styles=[line_style(r.color, r.width) for r in sym.PRIORITY_CLASSES],
                           labels=labels, k=privacy_k)
        fmap.add_child(lyr)
        legend.add(lyr, line_section("Lighting priority (rank)",
                                     [(r.label, r.color, r.width) for r in sym.PRIORITY_CLASSES]))

    if patrol is not None and len(patrol) and "shift" in patrol.columns:
        pt = prepare_frame(patrol, simplify_m=simplify_m)
        shifts = list(dict.fromkeys(str(v) for v in pt["shift"]))
        colors = [sym.SHIFT_COLORS[i % len(sym.SHIFT_COLORS)] for i in range(len(shifts))]
        ds = Dataset(pt, kind="line", fields=PATROL_FIELDS, title="street_name")
        fmap.add_child(ds)
        idx = np.array([shifts.index(str(v)) for v in pt["shift"]], dtype=int)
        lyr = CompactLayer(ds, name="Patrol segments by shift", classes=idx, show=False,
                           styles=[line_style(c, 7.0, opacity=0.8) for c in colors])
        fmap.add_child(lyr)
        legend.add(lyr, line_section("Patrol segments (shift)",
                                     [(f"Shift {s}", c, 7.0) for s, c in zip(shifts, colors)]))

    for name, frame in (extra or {}).items():
        if frame is not None and len(frame):
            _registry_layer(fmap, legend, name, frame, privacy_k, simplify_m)

    if dark_gaps is not None and len(dark_gaps):
        dg = prepare_frame(dark_gaps, simplify_m=simplify_m)
        ds = Dataset(dg, kind="line", fields=GAP_FIELDS, title="street_name")
        fmap.add_child(ds)
        c = sym.DARK_GAP
        lyr = CompactLayer(ds, name="Dark stretches", classes=np.zeros(len(dg), dtype=int),
                           styles=[line_style(c.color, c.width)], show=False)
        fmap.add_child(lyr)
        legend.add(lyr, line_section("Dark stretches", [(c.label, c.color, c.width)]))

    if lamps is not None and len(lamps):
        lp = prepare_frame(lamps, simplify_m=0)
        ds = Dataset(lp, kind="point", fields=LAMP_FIELDS)
        fmap.add_child(ds)
        classes = (*sym.LAMP_CLASSES, sym.LAMP_OTHER)
        idx = (sym.category_index(lp["status"], sym.LAMP_CLASSES, other=len(sym.LAMP_CLASSES))
               if "status" in lp.columns else np.full(len(lp), len(sym.LAMP_CLASSES)))
        lyr = CompactLayer(ds, name="Street lamps", classes=idx, show=False,
                           styles=[point_style(c.color, c.width) for c in classes])
        fmap.add_child(lyr)
        present = sorted(set(int(i) for i in idx))
        legend.add(lyr, point_section("Street lamps", [(classes[i].label, classes[i].color)
                                                       for i in present]))

    if incidents is not None and len(incidents):
        inc = prepare_frame(incidents, simplify_m=0)
        ds = Dataset(inc, kind="cluster", fields=INCIDENT_FIELDS)
        fmap.add_child(ds)
        lyr = CompactLayer(ds, name="Incidents (clustered)", classes=np.zeros(len(inc), dtype=int),
                           styles=[point_style(sym.INCIDENT.color)], show=False)
        fmap.add_child(lyr)
        legend.add(lyr, point_section("Incidents", [(sym.INCIDENT.label, sym.INCIDENT.color)]))

    fmap.add_child(legend)
    fmap.add_child(Title(title, subtitle=subtitle))
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    fmap.add_child(PaintMarker())
    fmap._hotspots_offline = offline  # read by map_html
    return fmap


def _registry_layer(fmap, legend, name: str, frame: gpd.GeoDataFrame, privacy_k,
                    simplify_m: float) -> None:
    """A layer drawn from its registry entry: tooltip fields, title and every symbology."""
    from hotspots.layers import spec

    entry = spec(name)
    kind = entry.geometry or "line"
    data = prepare_frame(frame, simplify_m=simplify_m if kind != "point" else 0)
    ds = Dataset(data, kind=kind, fields=entry.tooltip, title=entry.names)
    fmap.add_child(ds)
    for s in sym.layer_symbologies(name, data, privacy_k=privacy_k):
        idx = s.classify(data)
        if kind == "polygon":
            styles = [polygon_style(c.color, fill_opacity=s.opacity,
                                    stroke=s.stroke or "#2d6a2d") for c in s.all_classes]
            section = polygon_section
            items = [(c.label, c.color) for _, c in s.legend(idx)]
        elif kind == "point":
            styles = [point_style(c.color, c.width) for c in s.all_classes]
            section = point_section
            items = [(c.label, c.color) for _, c in s.legend(idx)]
        else:
            styles = [line_style(c.color, c.width, opacity=s.opacity) for c in s.all_classes]
            section = line_section
            items = [(c.label, c.color, c.width) for _, c in s.legend(idx)]
        lyr = CompactLayer(ds, name=s.title or entry.title, classes=idx, styles=styles,
                           show=False, k=privacy_k)
        fmap.add_child(lyr)
        legend.add(lyr, section(s.legend_title or entry.title, items))


def _emerging_layer(fmap, legend, seg_ds, seg, labels, privacy_k) -> None:
    """Emerging hot spots in the shared symbology (Esri's categories; suppressed grey)."""
    s = sym.symbology("emerging", seg, privacy_k=privacy_k)
    idx = s.classify(seg)
    styles = [line_style(c.color, c.width, opacity=s.opacity) for c in s.all_classes]
    lyr = CompactLayer(seg_ds, name=s.title, classes=idx, show=False, styles=styles,
                       labels=labels, k=privacy_k)
    fmap.add_child(lyr)
    legend.add(lyr, line_section(s.legend_title, [(c.label, c.color, c.width)
                                                  for _, c in s.legend(idx)]))


def _check_suppressed(weekly: pd.DataFrame, k: int) -> None:
    """A liaison map draws counts already suppressed (``privacy.suppress_weekly_counts``)."""
    cols = list(week_columns(weekly))
    values = weekly[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    small = (values > 0) & (values < k)
    if small.any():
        raise ValidationError(
            f"the weekly counts hold {int(small.sum())} values between 1 and {k - 1} for a map "
            f"with privacy_k={k}; suppress them first (hotspots.privacy.suppress_weekly_counts)")


def _add_basemap(fmap: folium.Map, basemap: str | None) -> None:
    if basemap is None or basemap == "":
        return
    if basemap in BASEMAPS:
        tiles, attr = BASEMAPS[basemap]
        folium.TileLayer(tiles, attr=attr, name="Basemap", control=True).add_to(fmap)
    elif "{z}" in basemap and "{x}" in basemap and "{y}" in basemap:
        folium.TileLayer(basemap, attr="Basemap tiles supplied by the user", name="Basemap",
                         control=True).add_to(fmap)
    else:
        raise ValidationError(
            f"unknown basemap {basemap!r}; use None (no tiles, offline), 'osm' (online) or a tile "
            "URL template with {z}/{x}/{y}"
        )


def _outline(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame[[frame.geometry.name]].copy()
    out["geometry"] = frame.geometry.boundary
    return out.set_geometry("geometry")


def _stable_ids(root) -> None:
    """Replace folium's random element ids by their order, so equal inputs give equal HTML."""
    counter = 0
    stack = [root]
    while stack:
        element = stack.pop(0)
        element._id = f"{counter:06d}"
        counter += 1
        stack.extend(element._children.values())


def map_html(fmap: folium.Map, *, offline: bool | None = None) -> str:
    """The map as one HTML page; offline pages are checked for network references."""
    offline = getattr(fmap, "_hotspots_offline", True) if offline is None else offline
    if offline:
        embed_assets(fmap, offline=True)
    _stable_ids(fmap.get_root())
    text = fmap.get_root().render()
    if offline:
        check_offline(text)
    return text


def save_map(fmap: folium.Map, path: str | Path, *, offline: bool | None = None) -> Path:
    """Write the map as one HTML file (UTF-8) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = map_html(fmap, offline=offline)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
