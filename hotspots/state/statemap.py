"""The offline state map: municipalities coloured by the week's incidents and by run status.

Built with the city maps' own pieces (``hotspots.maps``: compact layers drawn by the inlined
runtime, legend, title, Leaflet inlined), so it opens with no internet like every city map.
"""

from __future__ import annotations

import html
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.state.config import StateConfig

__all__ = ["INCIDENT_CLASSES", "municipality_polygons", "state_map_html"]

#: incidents of the week per municipality: (lower bound, colour)
INCIDENT_CLASSES = ((0, "#fff5eb"), (10, "#fdd0a2"), (50, "#fd8d3c"), (200, "#d94801"),
                    (1000, "#7f2704"))
STATUS_COLORS = {"done": "#1a9850", "skipped": "#91cf60", "failed": "#d73027"}
NO_DATA = "#bdbdbd"

TEXT = {
    "en": {"municipality": "Municipality", "code": "IBGE code", "incidents": "Incidents",
           "hot": "Hot segments", "top5": "Share on top 5 % of segments",
           "hit": "Hit rate (last week's hot)", "geo": "Geocoding rate", "status": "Status",
           "layer_inc": "Incidents in the week", "layer_status": "Run status",
           "no_data": "No result", "done": "done", "skipped": "done (earlier run)",
           "failed": "failed", "week": "week"},
    "pt": {"municipality": "Município", "code": "Código IBGE", "incidents": "Ocorrências",
           "hot": "Segmentos quentes", "top5": "Parcela nos 5 % de segmentos com mais",
           "hit": "Taxa de acerto (quentes da semana anterior)",
           "geo": "Taxa de geocodificação", "status": "Situação",
           "layer_inc": "Ocorrências na semana", "layer_status": "Situação da execução",
           "no_data": "Sem resultado", "done": "concluído",
           "skipped": "concluído (execução anterior)", "failed": "falhou", "week": "semana"},
}


def municipality_polygons(config: StateConfig, table: pd.DataFrame) -> gpd.GeoDataFrame:
    """One polygon per municipality of ``table`` (EPSG:4326), from its own boundary file or
    the state's municipal layer; municipalities with neither are left out of the map."""
    from hotspots import ingest

    frames = []
    wanted = set(table["code"])
    state = None
    if config.state.boundaries:
        layer = ingest.read_layer(config.state.boundaries, layer=config.state.boundaries_layer,
                                  what="boundaries", geometry_types=("Polygon", "MultiPolygon"))
        codes = layer[config.state.boundaries_code_column].astype("string").str.strip()
        state = gpd.GeoDataFrame({"code": codes.to_numpy()}, geometry=layer.geometry.values,
                                 crs=layer.crs).to_crs(4326)
        state = state[state["code"].isin(wanted)].dissolve(by="code").reset_index()
    for m in config.municipalities:
        if m.code in wanted and m.settings.boundary:
            g = ingest.read_layer(m.settings.boundary, layer=m.settings.boundary_layer,
                                  what="boundary", geometry_types=("Polygon", "MultiPolygon"))
            frames.append(gpd.GeoDataFrame({"code": [m.code]},
                                           geometry=[g.to_crs(4326).union_all()], crs=4326))
    own = {f["code"].iloc[0] for f in frames}
    if state is not None:
        frames.append(state[~state["code"].isin(own)])
    if not frames:
        return gpd.GeoDataFrame({"code": []}, geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    out = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)
    return out.sort_values("code").reset_index(drop=True)


def _incident_index(values: pd.Series) -> np.ndarray:
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bounds = np.array([b for b, _ in INCIDENT_CLASSES], dtype=float)
    idx = np.searchsorted(bounds, v, side="right") - 1
    return np.where(np.isfinite(v), idx, len(INCIDENT_CLASSES))


def state_map_html(polygons: gpd.GeoDataFrame, table: pd.DataFrame, *, title: str, week: str,
                   language: str = "pt") -> str:
    """The state map as one self-contained HTML page (works offline)."""
    import folium

    from hotspots.maps import map_html
    from hotspots.maps.controls import ScaleBar, texts_script
    from hotspots.maps.layers import CompactLayer, Dataset, Field, polygon_style
    from hotspots.maps.legend import Legend, PaintMarker, Title, polygon_section
    from hotspots.maps.offline import embed_assets

    t = TEXT["pt" if language == "pt" else "en"]
    frame = polygons.merge(table, on="code", how="left")
    # "run_status", not a name of the fields catalogue (whose words would replace ours)
    frame["run_status"] = frame["status"].map(lambda s: t.get(s, t["no_data"])
                                               if isinstance(s, str) else t["no_data"])
    fields = (Field("code", t["code"]), Field("incidents", t["incidents"], "int"),
              Field("hot_segments", t["hot"], "int"), Field("share_top5", t["top5"], "pct", 0),
              Field("hit_rate", t["hit"], "pct", 0), Field("geocoding_rate", t["geo"], "pct", 0),
              Field("run_status", t["status"]))
    fmap = folium.Map(tiles=None, prefer_canvas=True, control_scale=False)
    fmap.add_child(ScaleBar())  # metres only, as the city maps
    root: Any = fmap.get_root()  # folium's Figure (typed as its base Element)
    root.title = html.escape(f"{title} — {t['week']} {week}")
    if len(frame):
        minx, miny, maxx, maxy = frame.total_bounds
        fmap.fit_bounds([[float(miny), float(minx)], [float(maxy), float(maxx)]])
    embed_assets(fmap, offline=True)
    root.header.add_child(texts_script(language), name="hs_texts")  # runtime words
    legend = Legend(position="bottomleft")
    ds = Dataset(frame, kind="polygon", fields=fields, title="municipality")
    fmap.add_child(ds)
    styles = [polygon_style(c, fill_opacity=0.8, stroke="#555555") for _, c in INCIDENT_CLASSES]
    styles.append(polygon_style(NO_DATA, fill_opacity=0.6, stroke="#555555"))
    lang = "pt" if language == "pt" else "en"
    lyr = CompactLayer(ds, name=t["layer_inc"], classes=_incident_index(frame["incidents"]),
                       lang=lang, hover=("incidents", "run_status"),
                       styles=styles)
    fmap.add_child(lyr)
    labels = []
    for i, (low, color) in enumerate(INCIDENT_CLASSES):
        high = INCIDENT_CLASSES[i + 1][0] - 1 if i + 1 < len(INCIDENT_CLASSES) else None
        labels.append((f"{low}–{high}" if high is not None else f"{low}+", color))
    labels.append((t["no_data"], NO_DATA))
    legend.add(lyr, polygon_section(t["layer_inc"], labels))
    order = list(STATUS_COLORS)
    status_idx = frame["status"].map(lambda s: order.index(s) if s in order else len(order))
    st_styles = [polygon_style(STATUS_COLORS[s], fill_opacity=0.7, stroke="#555555")
                 for s in order] + [polygon_style(NO_DATA, fill_opacity=0.6, stroke="#555555")]
    st = CompactLayer(ds, name=t["layer_status"], classes=status_idx.to_numpy(), styles=st_styles,
                      lang=lang, hover=("run_status", "incidents"),
                      show=False)
    fmap.add_child(st)
    legend.add(st, polygon_section(t["layer_status"], [(t[s], STATUS_COLORS[s]) for s in order]))
    fmap.add_child(legend)
    fmap.add_child(Title(title, subtitle=f"{t['week']} {week}"))
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    fmap.add_child(PaintMarker())
    return map_html(fmap, offline=True)
