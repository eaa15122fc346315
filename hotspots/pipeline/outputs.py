"""Writing a run's folder: layers, rasters, CSVs, the maps, the liaison folder and the bulletin."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from hotspots import export, geocode, maps, privacy
from hotspots.layers import spec
from hotspots.pipeline.result import WeekResult

__all__ = ["write_outputs"]

#: columns of the incidents layer in the analyst's outputs (nothing personal)
INCIDENT_COLUMNS = (*geocode.GEOCODED_COLUMNS, "is_night", "on_dark_stretch")


def write_outputs(result: WeekResult, folder: Path) -> dict[str, Path]:
    """Write every output of the run into ``folder`` (a fresh temporary folder).

    Layout::

        map.html        analyst map, self-contained (works offline) unless offline_map=false
        layers.gpkg     every layer, QGIS-styled (layer_styles); personal columns dropped;
                        incidents keep only their analysis columns
        <raster>.tif    each raster of the run (kde.tif, lamp_density.tif) + <raster>.qml style
        plan.csv        the lighting and green-area plan: every project, funded or not, and why
                        (pt-BR Excel dialect when the language is Portuguese)
        council_sheet.html  the plan on one or two A4 pages for the city council
        rejects.csv     rejected rows with their reasons (personal columns dropped)
        report.html     the bulletin (pt or en)
        liaison/        what police liaisons receive (``hotspots.privacy.liaison_tables``):
                        allow-listed columns only, counts of 1…privacy_k−1 per segment
                        suppressed, no incident points unless include_incident_points —
                        map.html (offline), layers.gpkg, <layer>.geojson (EPSG:4326),
                        layers.kml, <raster>.tif/.qml, README.txt

    ``manifest.json`` is written last by the caller, once every other file exists.
    """
    config = result.config
    out = config.outputs
    files: dict[str, Path] = {}
    tables = result.layers()
    rasters = result.rasters()
    summary = result.summary()
    analyst = privacy.analyst_tables({k: v for k, v in tables.items() if k != "rejects"},
                                     incident_columns=INCIDENT_COLUMNS)
    files["layers"] = export.write_geopackage(analyst, folder / "layers.gpkg")
    files["rejects"] = export.write_csv(privacy.drop_personal_columns(tables["rejects"]),
                                        folder / "rejects.csv")
    plan = result.planning.plan
    if plan is not None:
        from hotspots.planning.sheet import write_council_sheet
        from hotspots.planning.table import write_plan_csv

        lang = result.config.parameters.language
        files["plan"] = write_plan_csv(plan, folder / "plan.csv", language=lang)
        files["council_sheet"] = write_council_sheet(plan, folder / "council_sheet.html",
                                                     language=lang, title=result.config.title)
    for name, raster in rasters.items():
        files[name], files[f"{name}_style"] = export.write_raster(raster, folder / f"{name}.tif")
    title, subtitle, attribution = _map_texts(result, summary)
    incidents = (privacy.incident_points(tables["incidents"])
                 if out.include_incident_points else None)
    fmap = maps.build_map(
        analyst["segments"], boundary=tables.get("boundary"), lamps=tables.get("lamps"),
        dark_gaps=tables.get("dark_gaps"), green_areas=tables.get("green_areas"),
        incidents=incidents, patrol=tables.get("patrol"), rasters=rasters,
        weekly=tables.get("weekly_counts"), title=title, subtitle=subtitle,
        offline=out.offline_map, basemap=out.basemap, attribution=attribution,
        extra={k: tables[k] for k in ("plan_lighting", "plan_repair_lamps", "plan_green")
               if k in tables})
    files["map"] = maps.save_map(fmap, folder / "map.html")

    liaison_dir = folder / "liaison"
    liaison_dir.mkdir()
    k = out.privacy_k
    liaison = privacy.liaison_tables(tables, k=k,
                                     include_incident_points=out.include_incident_points)
    export.write_geopackage(liaison, liaison_dir / "layers.gpkg")
    for name, frame in liaison.items():
        if isinstance(frame, gpd.GeoDataFrame):
            export.write_geojson(frame, liaison_dir / f"{name}.geojson")
    export.write_kml(liaison, liaison_dir / "layers.kml", title=title)
    for name, raster in rasters.items():
        export.write_raster(raster, liaison_dir / f"{name}.tif")
    weekly = tables.get("weekly_counts")
    lmap = maps.build_map(
        liaison["segments"], boundary=liaison.get("boundary"), lamps=liaison.get("lamps"),
        dark_gaps=liaison.get("dark_gaps"), green_areas=liaison.get("green_areas"),
        incidents=liaison.get("incidents"), patrol=liaison.get("patrol"), rasters=rasters,
        weekly=None if weekly is None else privacy.suppress_weekly_counts(weekly, k=k),
        title=title,
        subtitle=(subtitle + " · " if subtitle else "") + f"counts below {k} suppressed",
        offline=True, basemap=out.basemap, attribution=attribution, privacy_k=k)
    maps.save_map(lmap, liaison_dir / "map.html")
    (liaison_dir / "README.txt").write_text(_liaison_readme(liaison, rasters, k=k),
                                            encoding="utf-8")
    files["liaison"] = liaison_dir
    files["report"] = _write_report(result, summary, folder / "report.html")
    return files


def _write_report(result: WeekResult, summary: dict, path: Path) -> Path:
    from hotspots import report

    window = result.window.window if result.window is not None else None
    page = report.render_report(
        summary=summary, segments=result.segments, weekly_counts=window,
        kde=result.statistics.kde, weights=result.statistics.weights,
        title=result.config.title, language=result.config.parameters.language,
        buffer_m=result.config.weekly.evaluation_buffer_m,
    )
    path.write_text(page, encoding="utf-8")
    return path


def _map_texts(result: WeekResult, summary: dict) -> tuple[str, str | None, str | None]:
    """Map title, subtitle (week, incidents used) and data attribution."""
    parts = []
    if summary.get("week"):
        parts.append(f"week {summary['week']}")
        parts.append(f"{summary['incidents_week']} incidents")
    else:
        parts.append(f"{summary['used']} incidents")
    attribution = ("Streets, lamps, green areas © OpenStreetMap contributors (ODbL)"
                   if result.inputs.osm_streets else None)
    return result.config.title, (", ".join(parts) or None), attribution


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
