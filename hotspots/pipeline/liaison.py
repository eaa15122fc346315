"""What police liaisons receive: allow-listed columns only, small counts protected, no person.

Written into ``liaison/`` of each run folder: ``map.html`` (offline), ``layers.gpkg`` (styled),
one ``<layer>.geojson`` per layer (EPSG:4326), ``layers.kml``, the rasters and a README. Every
table, the week slider and the rasters come from :func:`release_for` (the disclosure model of
:mod:`hotspots.disclosure`, computed once per run: ``WeekResult.liaison``); the map and the
exports only draw what they are given.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd

from hotspots import export, i18n, maps
from hotspots.disclosure.release import LiaisonRelease
from hotspots.layers import spec
from hotspots.pipeline.release import release_for, release_statistics

__all__ = ["Task", "liaison_tasks", "release_for", "release_statistics", "write_liaison"]  # the first two re-exported


#: one output of a run: its name and the function writing it (no arguments)
Task = tuple[str, Callable[[], Any]]


def write_liaison(result, folder: Path, *, title: str, subtitle: str | None = None,
                  attribution: str | None = None) -> Path:
    """Write the liaison folder of a run (``folder`` must not exist yet), one file after
    the other (a run shares :func:`liaison_tasks` between two processes instead).

    ``subtitle`` (the analyst map's, with the week's total) is not used: the liaison map's
    subtitle states only the incidents on the segments shown (:meth:`LiaisonRelease.subtitle`).
    """
    for _, write in liaison_tasks(result, folder, title=title, attribution=attribution):
        write()
    return folder


def liaison_tasks(result, folder: Path, *, title: str,
                  attribution: str | None) -> list[Task]:
    """The writers of the liaison folder, ``liaison/<file>`` → writer; makes the folder
    (which must not exist yet)."""
    folder.mkdir()
    release = result.liaison
    liaison = release.layers
    k = release.k
    lang = result.config.parameters.language
    map_breaks = result.map_breaks
    tasks: list[Task] = [
        ("liaison/layers.gpkg", lambda: export.write_geopackage(
            liaison, folder / "layers.gpkg", lang=lang, privacy_k=k,
            settings=result.config.qgis, breaks=map_breaks))]
    tasks += [(f"liaison/{name}.geojson",
               functools.partial(export.write_geojson, frame, folder / f"{name}.geojson"))
              for name, frame in liaison.items() if isinstance(frame, gpd.GeoDataFrame)]
    tasks.append(("liaison/layers.kml", lambda: export.write_kml(
        liaison, folder / "layers.kml", title=title, lang=lang, privacy_k=k,
        breaks=map_breaks)))
    tasks += [(f"liaison/{name}.tif", functools.partial(
        export.write_raster, raster, folder / f"{name}.tif", lang=lang))
        for name, raster in release.rasters.items()]

    def write_map() -> Path:
        lmap = maps.build_map(
            liaison["segments"], boundary=liaison.get("boundary"), lamps=liaison.get("lamps"),
            dark_gaps=liaison.get("dark_gaps"), green_areas=liaison.get("green_areas"),
            incidents=liaison.get("incidents"), patrol=liaison.get("patrol"),
            rasters=release.rasters, weekly=release.weekly, title=title,
            subtitle=release.subtitle(result.week, language=lang),
            offline=True, basemap=result.config.outputs.basemap,
            attribution=attribution, privacy_k=k,
            extra={k_: liaison[k_] for k_ in ("near_repeat_zones",) if k_ in liaison},
            lang=lang, breaks=map_breaks, labels=result.street_labels)
        return maps.save_map(lmap, folder / "map.html")

    def write_readme() -> Path:
        path = folder / "README.txt"
        path.write_text(_liaison_readme(release, lang=lang), encoding="utf-8")
        return path

    from hotspots.pipeline.cards import write_cards

    tasks += [
        ("liaison/map.html", write_map),
        ("liaison/patrol_cards.html", lambda: write_cards(
            result, folder / "patrol_cards.html", patrol=liaison.get("patrol"),
            segments=liaison["segments"], zones=liaison.get("near_repeat_zones"),
            privacy_k=k)),
        ("liaison/README.txt", write_readme),
    ]
    return tasks


def _liaison_readme(release: LiaisonRelease, *, lang: str = "en") -> str:
    """The README of the liaison folder in the run's language (the message catalogue): the
    files, the threat model (what is protected, what is not) and what was withheld."""
    t = i18n.translator(lang, "liaison")
    k = release.k
    m = release.settings.min_length_m
    rep = release.report
    seg = rep["layers"].get("segments", {})
    files = [("map.html", t("file_map")), ("layers.gpkg", t("file_gpkg")),
             ("layers.kml", t("file_kml")), ("*.geojson", t("file_geojson")),
             ("*.tif / .qml", t("file_tif")), ("patrol_cards.html", t("file_cards"))]
    lines = [t("title"), "", *(f"{f:<18} {d}" for f, d in files), "",
             *t("protected", k=k, top=k - 1).splitlines(),
             *(t("min_length", m=f"{m:g}") if m else t("no_min_length")).splitlines(),
             *t("protected_rest", k=k, top=k - 1,
                radius=f"{release.settings.kde_min_radius_m:g}").splitlines(),
             "", *t("not_protected").splitlines()]
    if seg:
        lines += ["", t("segments_count", rows=seg.get("rows", 0),
                        shown=seg.get("units_with_counts", 0),
                        hidden=seg.get("units_without_counts", 0),
                        short=seg.get("units_shorter_than_min_length", 0), m=f"{m:g}")]
    if rep.get("widened"):
        lines += ["", t("widened"), *(f"- {w}" for w in rep["widened"])]
    lines += ["", t("layers"),
              *(f"  {name:<18} {spec(name).heading(lang)}" for name in sorted(release.layers))]
    lines.append(t("rasters", names=", ".join(
        i18n.text(f"legend.raster.{r}", lang) if i18n.has(f"legend.raster.{r}") else r
        for r in sorted(release.rasters)) or t("none")))
    return "\n".join(lines) + "\n"
