"""What police liaisons receive: allow-listed columns only, small counts suppressed, no person.

Written into ``liaison/`` of each run folder: ``map.html`` (offline), ``layers.gpkg`` (styled),
one ``<layer>.geojson`` per layer (EPSG:4326), ``layers.kml``, the rasters and a README. Every
table passes through :func:`hotspots.privacy.liaison_tables` first; the map and the exports
only draw what they are given.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from hotspots import export, i18n, maps, privacy
from hotspots.layers import spec
from hotspots.pipeline.result import WeekResult

__all__ = ["write_liaison"]


def write_liaison(result: WeekResult, folder: Path, *, title: str, subtitle: str | None,
                  attribution: str | None) -> Path:
    """Write the liaison folder of a run (``folder`` must not exist yet)."""
    liaison_dir = folder
    liaison_dir.mkdir()
    out = result.config.outputs
    tables = result.layers()
    rasters = result.rasters()
    k = out.privacy_k
    liaison = privacy.liaison_tables({**tables, **result.liaison_overrides()}, k=k,
                                     include_incident_points=out.include_incident_points)
    lang = result.config.parameters.language
    export.write_geopackage(liaison, liaison_dir / "layers.gpkg", lang=lang, privacy_k=k,
                            settings=result.config.qgis)
    for name, frame in liaison.items():
        if isinstance(frame, gpd.GeoDataFrame):
            export.write_geojson(frame, liaison_dir / f"{name}.geojson")
    export.write_kml(liaison, liaison_dir / "layers.kml", title=title)
    for name, raster in rasters.items():
        export.write_raster(raster, liaison_dir / f"{name}.tif", lang=lang)
    weekly = tables.get("weekly_counts")
    breaks = result.summary_dict["class_breaks"]
    map_breaks = {"rate_per_100m": breaks["rate_per_100m"]["breaks"],
                  "weekly_counts": breaks["weekly_counts"]["lower_bounds"]}
    lmap = maps.build_map(
        liaison["segments"], boundary=liaison.get("boundary"), lamps=liaison.get("lamps"),
        dark_gaps=liaison.get("dark_gaps"), green_areas=liaison.get("green_areas"),
        incidents=liaison.get("incidents"), patrol=liaison.get("patrol"), rasters=rasters,
        weekly=None if weekly is None else privacy.suppress_weekly_counts(weekly, k=k),
        title=title,
        subtitle=(subtitle + " · " if subtitle else "") + i18n.text(
            "map.subtitle.suppressed", lang, k=k),
        offline=True, basemap=out.basemap, attribution=attribution, privacy_k=k,
        extra={k_: liaison[k_] for k_ in ("near_repeat_zones",) if k_ in liaison},
        lang=lang, breaks=map_breaks)
    maps.save_map(lmap, liaison_dir / "map.html")
    (liaison_dir / "README.txt").write_text(_liaison_readme(liaison, rasters, k=k),
                                            encoding="utf-8")
    return liaison_dir


def _liaison_readme(layers: dict, rasters: dict, *, k: int) -> str:
    lines = [
        "Layers for police liaisons (no personal data; LGPD, Lei 13.709/2018)",
        "",
        "map.html      interactive map; opens in any browser with no internet",
        "layers.gpkg   every layer for QGIS, already styled (same colours as the map)",
        "layers.kml    the same layers for Google Earth, hot spots grouped by Gi* class",
        "*.geojson     one file per layer (EPSG:4326)",
        "*.tif / .qml  density rasters and their QGIS styles",
        "",
        f"Segments with 1 to {k - 1} incidents show no count: those values are null and the",
        "column 'suppressed' is true (zero is shown). Names, documents, phone numbers,",
        "narratives and victim data are never exported; incident points are not included",
        "unless the run asked for them.",
        "",
        "Layers:",
        *(f"  {name:<18} {spec(name).title}" for name in sorted(layers)),
        "Rasters: " + (", ".join(sorted(rasters)) or "none"),
    ]
    return "\n".join(lines) + "\n"
