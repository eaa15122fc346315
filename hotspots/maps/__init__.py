"""Interactive, self-contained Folium maps of segment results (drawing only; no statistics).

``build_map`` draws an offline base map from the city's own streets (names as labels at close
zoom, parks) under whichever layers exist. Every layer comes from its entry in the layer
registry (:mod:`hotspots.layers`: title, tooltip fields, hover fields) and its symbologies
(:func:`hotspots.symbology.layer_symbologies`: the classes, colours, labels and class rule
QGIS and the KML use), each switchable in the layer control with a legend section; density
rasters are classed as their QGIS styles (``symbology.raster_classes``, ``RASTER_OPACITY``);
weekly runs add incidents per ISO week on a week slider. The page has a ``<title>``, a street
search, a clickable list of the top segments, a compact hover tooltip (the full table in the
popup) and, on a phone, a folded layer control and legend. Every word is in the map's
language (``hotspots.i18n``). ``save_map`` writes one HTML file; offline (the default) it
inlines Leaflet and refuses to write a page that would fetch anything from the network.
"""

from __future__ import annotations

import html as _html
from pathlib import Path
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Figure

from hotspots import i18n
from hotspots import symbology as sym
from hotspots._errors import ValidationError
from hotspots.layers import spec
from hotspots.maps.base import BaseMap, street_labels
from hotspots.maps.controls import (
    LayerSwitch,
    ScaleBar,
    Search,
    TopList,
    texts_script,
    top_segments,
)
from hotspots.maps.layers import (
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
from hotspots.wgs84 import Wgs84Cache

__all__ = ["build_map", "map_html", "save_map"]

MAX_ZOOM = 19
#: named online basemaps (need a connection; the default is the offline street base map)
BASEMAPS = {"osm": ("OpenStreetMap", None)}
#: layers drawn under the segments, then over them, in this order (the registry's names)
UNDER = ("green_areas",)
OVER = ("patrol", "plan_lighting", "plan_green", "near_repeat_zones", "dark_gaps",
        "plan_repair_lamps", "lamps", "incidents")


def build_map(
    segments: gpd.GeoDataFrame,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    lamps: gpd.GeoDataFrame | None = None,
    dark_gaps: gpd.GeoDataFrame | None = None,
    green_areas: gpd.GeoDataFrame | None = None,
    water: gpd.GeoDataFrame | None = None,
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
    lang: str = "en",
    breaks: dict | None = None,
    top_n: int = 10,
    wgs84: Wgs84Cache | None = None,
    labels: tuple[list, list[str]] | None = None,
) -> folium.Map:
    """A map of the segment results and every overlay given (None or empty: not drawn).

    ``basemap``: None (the offline base map of the city's streets only), ``"osm"``
    (OpenStreetMap tiles under it, needs a connection) or a tile URL template such as
    ``"tiles/{z}/{x}/{y}.png"`` (tiles the user supplies beside the HTML).

    ``weekly``: incidents per segment and ISO week (index ``segment_id``, one column per week
    named '2026_W41' or '2026-W41', as the weekly run writes ``weekly_counts``) drawn
    as the "Incidents per week" layer with a week slider.

    ``water``: rivers, lakes or the lagoon (polygons, or lines for streams) drawn in the base
    map under the streets when the city has such a layer; not a switchable layer.

    ``extra``: more layers by registry name (``hotspots.layers``), e.g. the plan's funded
    projects, each drawn with its registry tooltip and every symbology of its entry.

    ``breaks``: the city's fixed class breaks (``{"rate_per_100m": (…), "weekly_counts":
    (…)}``, :mod:`hotspots.symbology.breaks`), so that two weeks' maps compare; None: the
    classes follow this map's data. ``lang``: 'en' or 'pt' (every word of the page).

    ``privacy_k`` labels suppressed values in tooltips and legends; the map applies no privacy
    rule itself: segment columns and weekly counts must come suppressed already
    (``privacy.liaison_tables``, ``privacy.suppress_weekly_counts``), and weekly counts of
    1 … k−1 are refused.

    ``wgs84``: the run's shared reprojections (:mod:`hotspots.wgs84`; None: the run's open
    cache, if any), so layers another writer reprojected are not reprojected again.

    ``labels``: the base map's street-name labels as :func:`street_labels` gives them for
    these segments' streets, when the caller has them already (a run's two maps draw the
    same streets); None: computed from ``segments``.
    """
    lang = i18n.language(lang)
    seg = prepare_frame(segments, simplify_m=simplify_m, wgs84=wgs84)
    if len(seg) == 0:
        raise ValidationError("cannot draw a map of zero segments")
    fmap = folium.Map(tiles=None, prefer_canvas=True, control_scale=False, zoom_control=True)
    fmap.add_child(ScaleBar())  # metres only
    # Leaflet.markercluster needs the map's maxZoom (a tile layer would give one; offline
    # there is none): without it the incident clusters never draw
    fmap.options["max_zoom"] = MAX_ZOOM
    fmap.options["min_zoom"] = 3
    root = cast(Figure, fmap.get_root())
    root.title = _html.escape(i18n.text("map.page_title", lang, title=title))
    minx, miny, maxx, maxy = seg.total_bounds
    fmap.fit_bounds([[float(miny), float(minx)], [float(maxy), float(maxx)]])
    _add_basemap(fmap, basemap, lang)
    if attribution:
        fmap.add_child(Attribution(attribution))
    embed_assets(fmap, offline=offline, cluster=incidents is not None and len(incidents) > 0)
    root.header.add_child(texts_script(lang), name="hs_texts")
    legend = Legend(position="bottomleft")

    layers = {"green_areas": green_areas, "patrol": patrol, "dark_gaps": dark_gaps,
              "lamps": lamps, "incidents": incidents, **(extra or {})}
    layers = {k: v for k, v in layers.items() if v is not None and len(v)}
    prepared = {k: prepare_frame(v, simplify_m=0 if spec(k).geometry == "point" else simplify_m,
                                 wgs84=wgs84)
                for k, v in layers.items()}

    seg_ds = Dataset(seg, kind="line", fields=spec("segments").tooltip, title="street_name")
    fmap.add_child(seg_ds)
    parks = None
    if "green_areas" in prepared:
        parks = Dataset(prepared["green_areas"], kind="polygon",
                        fields=spec("green_areas").tooltip, title="name")
        fmap.add_child(parks)
    water_ds = None
    if water is not None and len(water):
        water_ds = _water_dataset(water, simplify_m, wgs84)
        fmap.add_child(water_ds)
    fmap.add_child(BaseMap(seg_ds, street_labels(segments) if labels is None else labels,
                        parks=parks, water=water_ds))

    for key, raster in (rasters or {}).items():
        if raster is not None:
            _raster_layer(fmap, legend, key, raster, lang)

    ctx: dict[str, Any] = {"legend": legend, "k": privacy_k, "lang": lang, "breaks": breaks}
    for name in UNDER:
        if name in prepared:
            _registry_layer(fmap, "green_areas", prepared[name], dataset=parks, **ctx)

    seg_layers = _registry_layer(fmap, "segments", seg, dataset=seg_ds, show_first=True, **ctx)

    if weekly is not None and len(weekly):
        if privacy_k:
            _check_suppressed(weekly, privacy_k)
        bounds = None if not breaks else breaks.get("weekly_counts")
        lyr = WeeklyLayer(seg_ds, weekly, segments.index, k=privacy_k, lang=lang,
                          lower_bounds=None if bounds is None else tuple(bounds))
        if lyr.n_segments:
            fmap.add_child(lyr)
            legend.add(lyr, line_section(
                sym.text("week.legend", lang, first=lyr.weeks[0], last=lyr.weeks[-1]),
                lyr.legend_items(privacy_k)))

    for name in (*OVER, *[n for n in prepared if n not in OVER and n not in UNDER]):
        if name in prepared:
            _registry_layer(fmap, name, prepared[name], **ctx)

    if boundary is not None and len(boundary):
        _boundary_layer(fmap, legend, prepare_frame(boundary, simplify_m=simplify_m, wgs84=wgs84),
                        lang)

    fmap.add_child(legend)
    fmap.add_child(Title(title, subtitle=subtitle))
    fmap.add_child(Search(seg_ds))
    if seg_layers:
        _top_list(fmap, seg_ds, seg_layers[0], seg, top_n, lang)
    fmap.add_child(LayerSwitch())
    fmap.add_child(PaintMarker())
    fmap._hotspots_offline = offline  # type: ignore[attr-defined]  # read by map_html
    return fmap


def _registry_layer(fmap, name: str, data: gpd.GeoDataFrame, *, legend, k, lang, breaks,
                    dataset: Dataset | None = None, show_first: bool = False) -> list:
    """Every symbology of one registry layer, as switchable layers sharing one dataset."""
    entry = spec(name)
    kind = entry.geometry or "line"
    if kind == "point" and name == "incidents":
        kind = "cluster"
    if dataset is None:
        dataset = Dataset(data, kind=kind, fields=entry.tooltip, title=entry.names)
        fmap.add_child(dataset)
    out = []
    for n, s in enumerate(sym.layer_symbologies(name, data, lang=lang, privacy_k=k,
                                                breaks=breaks)):
        idx = s.classify(data)
        if kind == "polygon":
            styles = [polygon_style(c.color, fill_opacity=s.opacity,
                                    stroke=s.stroke or sym.POLYGON_STROKE)
                      for c in s.all_classes]
            section = polygon_section(s.legend_title or entry.heading(lang),
                                      [(c.label, c.color) for _, c in s.legend(idx)])
        elif kind in ("point", "cluster"):
            styles = [point_style(c.color, c.width) for c in s.all_classes]
            section = point_section(s.legend_title or entry.heading(lang),
                                    [(c.label, c.color) for _, c in s.legend(idx)])
        else:
            styles = [line_style(c.color, c.width, opacity=s.opacity) for c in s.all_classes]
            section = line_section(s.legend_title or entry.heading(lang),
                                   [(c.label, c.color, c.width) for _, c in s.legend(idx)])
        name_shown = s.title or entry.heading(lang)
        if kind == "cluster":
            name_shown = sym.text("incidents.clustered", lang)
        lyr = CompactLayer(dataset, name=name_shown, classes=idx, styles=styles,
                           show=show_first and n == 0, k=k, lang=lang, hover=entry.hover,
                           class_labels=[c.label for c in s.all_classes])
        lyr.symbology = s
        fmap.add_child(lyr)
        legend.add(lyr, section)
        out.append(lyr)
    return out


def _boundary_layer(fmap, legend, frame: gpd.GeoDataFrame, lang: str) -> None:
    """The study area as its outline (a polygon fill would catch every click)."""
    s = sym.symbology("boundary", frame, lang=lang)
    ds = Dataset(_outline(frame), kind="line", fields=())
    fmap.add_child(ds)
    c = s.classes[0]
    lyr = CompactLayer(ds, name=s.title, classes=np.zeros(len(ds), dtype=int),
                       styles=[line_style(c.color, c.width)], lang=lang)
    fmap.add_child(lyr)
    legend.add(lyr, line_section(s.legend_title, [(c.label, c.color, c.width)]))


def _raster_layer(fmap, legend, key: str, raster, lang: str) -> None:
    """A density raster in the classes, colours and opacity of its QGIS style."""
    from hotspots.raster import valid_values

    name = sym.text(f"raster.{key}", lang) if f"raster.{key}" in sym.TEXTS[lang] else str(
        getattr(raster, "name", key))
    colors = sym.raster_colors(key)
    overlay, _ = raster_overlay(raster, name=name, show=False, colors=colors)
    fmap.add_child(overlay)
    units = str(getattr(raster, "units", "") or "")
    if f"raster.units.{key}" in sym.TEXTS[lang]:
        units = sym.text(f"raster.units.{key}", lang)
    classes = sym.raster_classes(valid_values(raster), name=key, lang=lang)
    legend.add(overlay, classes_section(name, classes, units))


def _top_list(fmap, seg_ds: Dataset, layer, seg: gpd.GeoDataFrame, n: int, lang: str) -> None:
    """The top segments as a clickable list (street — class of the default layer)."""
    rows = top_segments(seg, n=n)
    if not len(rows):
        return
    labels = [c.label for c in layer.symbology.all_classes]
    t = i18n.translator(lang, "map")
    names = seg["street_name"] if "street_name" in seg.columns else pd.Series("", index=seg.index)
    counts = pd.to_numeric(seg["count"], errors="coerce").to_numpy(dtype=float)
    items = []
    for r in rows:
        street = str(names.iloc[r] or "") or i18n.text("words.unnamed_street", lang)
        cls = int(layer.classes[r])
        what = labels[cls] if cls >= 0 else ""
        if layer.symbology.key != "rate" and np.isfinite(counts[r]):
            key = "top.count_one" if counts[r] == 1 else "top.count"
            what = f"{what} · {t(key, n=i18n.number(counts[r], lang))}"
        items.append((int(r), t("top.item", street=street, what=what)))
    fmap.add_child(TopList(seg_ds, layer, items))


def _water_dataset(water: gpd.GeoDataFrame, simplify_m: float,
                   wgs84: Wgs84Cache | None = None) -> Dataset:
    """The water of the base map: polygons, or lines when the layer has only lines."""
    frame = prepare_frame(water, simplify_m=simplify_m, wgs84=wgs84)
    kinds = set(frame.geometry.geom_type.dropna().str.replace("Multi", ""))
    if not kinds <= {"Polygon", "LineString"} or len(kinds) != 1:
        raise ValidationError(f"the water layer must hold only polygons or only lines; got "
                              f"{sorted(kinds) or 'no geometry'}: split it into two layers")
    kind = "polygon" if kinds == {"Polygon"} else "line"
    return Dataset(frame, kind=kind, fields=())


def _check_suppressed(weekly: pd.DataFrame, k: int) -> None:
    """A liaison map draws counts already suppressed (``privacy.suppress_weekly_counts``)."""
    cols = list(week_columns(weekly))
    values = weekly[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    small = (values > 0) & (values < k)
    if small.any():
        raise ValidationError(
            f"the weekly counts hold {int(small.sum())} values between 1 and {k - 1} for a map "
            f"with privacy_k={k}; suppress them first (hotspots.privacy.suppress_weekly_counts)")


def _add_basemap(fmap: folium.Map, basemap: str | None, lang: str = "en") -> None:
    if basemap is None or basemap == "":
        return
    if basemap in BASEMAPS:
        tiles, attr = BASEMAPS[basemap]
        folium.TileLayer(tiles, attr=attr, name="OpenStreetMap", control=False).add_to(fmap)
    elif "{z}" in basemap and "{x}" in basemap and "{y}" in basemap:
        folium.TileLayer(basemap, attr=i18n.text("map.attribution.user", lang),
                         name="tiles", control=False).add_to(fmap)
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
