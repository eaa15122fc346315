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
    breaks = result.summary_dict["class_breaks"]
    map_breaks = {"rate_per_100m": breaks["rate_per_100m"]["breaks"],
                  "weekly_counts": breaks["weekly_counts"]["lower_bounds"]}
    export.write_geopackage(liaison, liaison_dir / "layers.gpkg", lang=lang, privacy_k=k,
                            settings=result.config.qgis, breaks=map_breaks)
    for name, frame in liaison.items():
        if isinstance(frame, gpd.GeoDataFrame):
            export.write_geojson(frame, liaison_dir / f"{name}.geojson")
    export.write_kml(liaison, liaison_dir / "layers.kml", title=title, lang=lang, privacy_k=k,
                     breaks=map_breaks)
    for name, raster in rasters.items():
        export.write_raster(raster, liaison_dir / f"{name}.tif", lang=lang)
    weekly = tables.get("weekly_counts")
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
    from hotspots.pipeline.cards import write_cards

    write_cards(result, liaison_dir / "patrol_cards.html", patrol=liaison.get("patrol"),
                segments=liaison["segments"], zones=liaison.get("near_repeat_zones"),
                privacy_k=k)
    (liaison_dir / "README.txt").write_text(_liaison_readme(liaison, rasters, k=k, lang=lang),
                                            encoding="utf-8")
    return liaison_dir


def _liaison_readme(layers: dict, rasters: dict, *, k: int, lang: str = "en") -> str:
    """The README of the liaison folder, in the run's language (the message catalogue)."""
    t = i18n.translator(lang, "liaison")
    files = [("map.html", t("file_map")), ("layers.gpkg", t("file_gpkg")),
             ("layers.kml", t("file_kml")), ("*.geojson", t("file_geojson")),
             ("*.tif / .qml", t("file_tif")), ("patrol_cards.html", t("file_cards"))]
    lines = [t("title"), "", *(f"{f:<18} {d}" for f, d in files), "",
             *t("suppressed", top=k - 1).splitlines(), "", t("layers")]
    lines += [f"  {name:<18} {spec(name).heading(lang)}" for name in sorted(layers)]
    lines.append(t("rasters", names=", ".join(
        i18n.text(f"legend.raster.{r}", lang) if i18n.has(f"legend.raster.{r}") else r
        for r in sorted(rasters)) or t("none")))
    return "\n".join(lines) + "\n"
