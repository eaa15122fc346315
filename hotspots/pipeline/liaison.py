"""What police liaisons receive: allow-listed columns only, small counts protected, no person.

Written into ``liaison/`` of each run folder: ``map.html`` (offline), ``layers.gpkg`` (styled),
one ``<layer>.geojson`` per layer (EPSG:4326), ``layers.kml``, the rasters and a README. Every
table, the week slider and the rasters come from :func:`release_for` (the disclosure model of
:mod:`hotspots.disclosure`, computed once per run: ``WeekResult.liaison``); the map and the
exports only draw what they are given.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from hotspots import export, maps
from hotspots.disclosure.release import LiaisonRelease, release_for_liaisons
from hotspots.disclosure.rules import DisclosureSettings
from hotspots.disclosure.statistics import DensityInputs, EmergingInputs, ReleaseStatistics
from hotspots.layers import spec

__all__ = ["release_for", "release_statistics", "write_liaison"]


def release_statistics(result) -> ReleaseStatistics:
    """The run's statistics settings, to recompute the liaison classes and density raster on
    the protected counts (the same weights, variable, bins, FDR, seed, cube and grid)."""
    config = result.config
    stats = result.statistics
    seg_cols = result.segments.columns
    gi = stats.gi
    night_gi = None
    if "night_gi_bin" in seg_cols:
        night_gi = gi
        if night_gi is None:
            from hotspots.pipeline.statistics import contiguity_gi

            night_gi = contiguity_gi(result.inputs.segments, config.statistics,
                                     config.parameters.seed)
    emerging = None
    em = result.emerging.result if result.emerging is not None else None
    if em is not None and stats.weights is not None:
        emerging = EmergingInputs(cube=em.cube, segments=result.inputs.segments,
                                  weights=stats.weights, settings=em.settings)
    density = None
    if stats.kde is not None:
        radius = (stats.summary.get("kde") or {}).get("radius_m")
        if radius:
            density = DensityInputs(segments=result.inputs.segments, grid=stats.kde,
                                    radius_m=float(radius), kernel=config.statistics.kde_kernel,
                                    boundary=result.inputs.boundary_analysis)
    lisa = (max(config.statistics.permutations, 99)
            if gi is not None and "lisa_class" in seg_cols else None)
    return ReleaseStatistics(gi=gi, lisa_permutations=lisa, night_gi=night_gi,
                             emerging=emerging, density=density)


def release_for(result) -> LiaisonRelease:
    """The liaison release of a run (every layer, the week slider, the rasters, the report
    with what ingest dropped and masked)."""
    config = result.config
    out = config.outputs
    settings = getattr(config, "disclosure", None) or DisclosureSettings()
    tables = result.layers()
    release = release_for_liaisons(
        tables, k=out.privacy_k, settings=settings, protected=result.liaison_overrides(),
        statistics=release_statistics(result), weekly=tables.get("weekly_counts"),
        rasters=result.rasters(), include_incident_points=out.include_incident_points,
        language=config.parameters.language)
    ingest = getattr(result.inputs.incidents, "privacy", None)
    if ingest is not None:
        release.report["ingest"] = ingest
    return release


def write_liaison(result, folder: Path, *, title: str, subtitle: str | None,
                  attribution: str | None) -> Path:
    """Write the liaison folder of a run (``folder`` must not exist yet).

    ``subtitle`` (the analyst map's, with the week's total) is not used: the liaison map's
    subtitle states only the incidents on the segments shown (:meth:`LiaisonRelease.subtitle`).
    """
    liaison_dir = folder
    liaison_dir.mkdir()
    release = result.liaison
    liaison = release.layers
    k = release.k
    lang = result.config.parameters.language
    export.write_geopackage(liaison, liaison_dir / "layers.gpkg", lang=lang, privacy_k=k,
                            settings=result.config.qgis)
    for name, frame in liaison.items():
        if isinstance(frame, gpd.GeoDataFrame):
            export.write_geojson(frame, liaison_dir / f"{name}.geojson")
    export.write_kml(liaison, liaison_dir / "layers.kml", title=title)
    for name, raster in release.rasters.items():
        export.write_raster(raster, liaison_dir / f"{name}.tif", lang=lang)
    lmap = maps.build_map(
        liaison["segments"], boundary=liaison.get("boundary"), lamps=liaison.get("lamps"),
        dark_gaps=liaison.get("dark_gaps"), green_areas=liaison.get("green_areas"),
        incidents=liaison.get("incidents"), patrol=liaison.get("patrol"),
        rasters=release.rasters, weekly=release.weekly, title=title,
        subtitle=release.subtitle(result.week, language=lang),
        offline=True, basemap=result.config.outputs.basemap,
        attribution=attribution, privacy_k=k,
        extra={k_: liaison[k_] for k_ in ("near_repeat_zones",) if k_ in liaison})
    maps.save_map(lmap, liaison_dir / "map.html")
    (liaison_dir / "README.txt").write_text(_liaison_readme(release), encoding="utf-8")
    return liaison_dir


def _liaison_readme(release: LiaisonRelease) -> str:
    k = release.k
    m = release.settings.min_length_m
    rep = release.report
    seg = rep["layers"].get("segments", {})
    lines = [
        "Layers for police liaisons (no personal data; LGPD, Lei 13.709/2018)",
        "",
        "map.html      interactive map; opens in any browser with no internet",
        "layers.gpkg   every layer for QGIS, already styled (same colours as the map)",
        "layers.kml    the same layers for Google Earth, hot spots grouped by Gi* class",
        "*.geojson     one file per layer (EPSG:4326)",
        "*.tif / .qml  density rasters and their QGIS styles",
        "",
        "What is protected",
        f"- No count of 1 to {k - 1} incidents is shown, nor anything that gives one back: a",
        f"  night count is also withheld when the rest of its segment's count is 1 to {k - 1},",
        "  rates and shares are empty with their counts, patrol counts below a withheld one",
        "  are withheld, texts say 'withheld' instead of the number. Zero is shown.",
        (f"- Segments shorter than {m:g} m carry no count (a very short segment nearly locates"
         " one address)." if m else "- Every segment carries its count (no minimum length)."),
        "- Each count column has a status column: empty when shown, 'k_rule' when withheld",
        f"  to protect counts below {k}, 'min_length' when the segment is too short.",
        "  'suppressed' is true where the segment's count itself is 1 to "
        f"{k - 1}.",
        "- Hot-spot classes (Gi*, local Moran, night Gi*, emerging categories) are computed",
        "  from the counts as released (withheld counts taken at the middle of their range):",
        "  they may differ from the analyst's on a few segments. Z-scores, p-values and",
        "  network densities are not included: with the street map they give counts back.",
        "- The density raster is drawn from the released counts with a search radius of at",
        f"  least {release.settings.kde_min_radius_m:g} m; it is blank where fewer than {k}"
        " incidents lie within",
        "  the radius and holds only its legend classes.",
        "- No total is given: the map states the incidents on the segments with a count.",
        "- Names, documents, phone numbers, e-mails, plates, narratives and victim data never",
        "  enter the analysis (only the columns it needs are read).",
        "",
        "What is not protected",
        "- A segment with a count shows that its incidents happened there in the period.",
        "- Combining this folder with an all-incidents map of the same weeks, or with the",
        "  analyst's outputs, can give hidden weekly counts back: share only one of them.",
    ]
    if seg:
        lines += ["", f"Segments: {seg.get('rows', 0)}, with a count: "
                  f"{seg.get('units_with_counts', 0)}, without: "
                  f"{seg.get('units_without_counts', 0)} "
                  f"({seg.get('units_shorter_than_min_length', 0)} shorter than {m:g} m)."]
    if rep.get("widened"):
        lines += ["", "WIDENED BY THE RUN'S SETTINGS (not protected as above):",
                  *(f"- {w}" for w in rep["widened"])]
    lines += ["", "Layers:",
              *(f"  {name:<18} {spec(name).title}" for name in sorted(release.layers)),
              "Rasters: " + (", ".join(sorted(release.rasters)) or "none")]
    return "\n".join(lines) + "\n"
