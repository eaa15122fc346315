"""Writing a run's folder: layers, rasters, CSVs, the maps, the liaison folder and the bulletin."""

from __future__ import annotations

import fnmatch
import functools
from pathlib import Path

import pandas as pd

from hotspots import export, geocode, maps, privacy
from hotspots.pipeline import forked
from hotspots.pipeline.cards import write_cards
from hotspots.pipeline.heap import fewer_young_collections, frozen_heap
from hotspots.pipeline.liaison import Task, liaison_tasks
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
        rejects.csv     rejected rows with their reasons (personal columns dropped; the
                        pt-BR Excel dialect with headers and reasons in Portuguese when the
                        language is Portuguese, see [outputs] csv_dialect)
        hot_segments.csv  every hot segment of the run in the bulletin's order
        patrol_cards.html one printable page per patrol shift (map, segments, cross streets,
                        Koper visit guidance, near-repeat zones)
        report.html     the bulletin (pt or en)
        liaison/        what police liaisons receive (``hotspots.privacy.liaison_tables``):
                        allow-listed columns only, counts of 1…privacy_k−1 per segment
                        suppressed, no incident points unless include_incident_points —
                        map.html (offline), layers.gpkg, <layer>.geojson (EPSG:4326),
                        layers.kml, <raster>.tif/.qml, patrol_cards.html, README.txt

    ``manifest.json`` is written last by the caller, once every other file exists.
    """
    from threadpoolctl import threadpool_limits

    from hotspots.wgs84 import run_cache

    # each layer reprojected to EPSG:4326 once for every writer below; the run's tables
    # (hundreds of thousands of objects, alive throughout) left out of the garbage
    # collector's scans while the writers allocate millions of short-lived ones, and the
    # young generation collected less often (heap.fewer_young_collections); BLAS and
    # OpenMP kept to one thread: each writer process is one thread and there are as many of
    # them as cores (pipeline.forked), while a small matrix product wakes OpenBLAS's pool,
    # whose threads then spin waiting for more work on the core the other writer needs
    with run_cache(), frozen_heap(), fewer_young_collections(), threadpool_limits(limits=1):
        return _write_all(result, folder)


#: writers drawing the same things run one after the other in one process, so what one
#: computes serves the next: the run's reprojections (:mod:`hotspots.wgs84`, one cache per
#: process) for the two maps (the same streets, simplified) and for the liaison KML and
#: GeoJSON (unsimplified); the run's street labels (``WeekResult.street_labels``) for the two
#: maps; matplotlib for the writers drawing with it (0.33–0.38 s to load at Pelotas scale,
#: paid in one process, not in both), among them the two sets of patrol cards sharing the
#: cross streets and the shift maps (``WeekResult.card_streets``, ``card_maps``). A group is
#: named by its first member; the liaison's ``*.geojson`` join the KML's group.
GROUPS = (("map", "liaison/map.html"), ("liaison/layers.kml", "liaison/*.geojson"),
          ("report", "patrol_cards", "liaison/patrol_cards.html", "council_sheet"))

#: the writers (or groups) longest first, so that the two processes finish together; the
#: drawing group first (one process draws while the other writes the KML, maps and layers)
ORDER = ("report", "liaison/layers.kml", "map", "layers", "liaison/layers.gpkg", "plan",
         "rejects")


def _write_all(result: WeekResult, folder: Path) -> dict[str, Path]:
    summary = result.summary()  # computes the liaison release too (its privacy report)
    title, subtitle, attribution = _map_texts(result, summary)
    tasks = _analyst_tasks(result, folder, summary=summary, title=title, subtitle=subtitle,
                           attribution=attribution)
    tasks += liaison_tasks(result, folder / "liaison", title=title, attribution=attribution)
    grouped = _grouped(tasks)
    rank = {name: k for k, name in enumerate(ORDER)}
    grouped.sort(key=lambda task: rank.get(task[0], len(ORDER)))  # stable: the rest in order
    # in a second process beside this one when there is a second core (pipeline.forked)
    done = forked.run_tasks(grouped, processes=result.config.outputs.writer_processes)
    files: dict[str, Path] = {}
    for name, value in _ungrouped(done).items():
        if name.startswith("liaison/"):
            continue
        if isinstance(value, tuple):  # a raster and its QGIS style
            files[name], files[f"{name}_style"] = value
        else:
            files[name] = value
    files["liaison"] = folder / "liaison"
    return files


class _Group(dict):
    """The values of a group's writers, by writer name (one task's value)."""


def _grouped(tasks: list[Task]) -> list[Task]:
    """The tasks with the members of each of :data:`GROUPS` joined into one task named as
    the group (its first member), at the place of the first member met, writing them in the
    tasks' order."""
    out: list[Task] = []
    groups: dict[str, list[Task]] = {}
    for name, fn in tasks:
        lead = next((g[0] for g in GROUPS if any(fnmatch.fnmatchcase(name, m) for m in g)),
                    None)
        if lead is None:
            out.append((name, fn))
            continue
        if lead not in groups:
            groups[lead] = []
            out.append((lead, functools.partial(_write_group, groups[lead])))
        groups[lead].append((name, fn))
    return out


def _write_group(members: list[Task]) -> _Group:
    return _Group((name, fn()) for name, fn in members)


def _ungrouped(done: dict) -> dict:
    """The value of every writer, a group's values taken out of it."""
    out: dict = {}
    for name, value in done.items():
        out.update(value if isinstance(value, _Group) else {name: value})
    return out


def _analyst_tasks(result: WeekResult, folder: Path, *, summary: dict, title: str,
                   subtitle: str | None, attribution: str | None) -> list[Task]:
    """The writers of the run folder but the liaison folder: (output name, writer)."""
    config = result.config
    out = config.outputs
    tables = result.layers()
    rasters = result.rasters()
    analyst = privacy.analyst_tables({k: v for k, v in tables.items() if k != "rejects"},
                                     incident_columns=INCIDENT_COLUMNS)
    lang = config.parameters.language
    map_breaks = result.map_breaks
    dialect = lang if out.csv_dialect == "auto" else out.csv_dialect
    tasks: list[Task] = [
        # the analyst's QGIS styles use the same fixed breaks as the map (two weeks compare)
        ("layers", lambda: export.write_geopackage(analyst, folder / "layers.gpkg", lang=lang,
                                                   settings=config.qgis, breaks=map_breaks)),
        ("rejects", lambda: _write_rejects(tables["rejects"], folder / "rejects.csv",
                                           lang=lang, dialect=dialect)),
        ("hot_segments", lambda: _write_hot_segments(result.segments,
                                                     folder / "hot_segments.csv", lang=lang,
                                                     dialect=dialect)),
    ]
    plan = result.planning.plan
    if plan is not None:
        from hotspots.planning.sheet import write_council_sheet
        from hotspots.planning.table import write_plan_csv

        tasks += [("plan", lambda: write_plan_csv(plan, folder / "plan.csv", language=lang)),
                  ("council_sheet", lambda: write_council_sheet(
                      plan, folder / "council_sheet.html", language=lang,
                      title=config.title))]
    tasks += [(name, functools.partial(export.write_raster, raster, folder / f"{name}.tif",
                                       lang=lang)) for name, raster in rasters.items()]

    def write_map() -> Path:
        incidents = (privacy.incident_points(tables["incidents"])
                     if out.include_incident_points else None)
        fmap = maps.build_map(
            analyst["segments"], boundary=tables.get("boundary"), lamps=tables.get("lamps"),
            dark_gaps=tables.get("dark_gaps"), green_areas=tables.get("green_areas"),
            incidents=incidents, patrol=tables.get("patrol"), rasters=rasters,
            weekly=tables.get("weekly_counts"), title=title, subtitle=subtitle,
            offline=out.offline_map, basemap=out.basemap, attribution=attribution,
            extra={k: tables[k] for k in ("plan_lighting", "plan_repair_lamps", "plan_green",
                                          "near_repeat_zones") if k in tables},
            lang=lang, breaks=map_breaks, labels=result.street_labels)
        return maps.save_map(fmap, folder / "map.html")

    tasks += [
        ("map", write_map),
        ("patrol_cards", lambda: write_cards(result, folder / "patrol_cards.html",
                                             patrol=tables.get("patrol"),
                                             segments=analyst["segments"],
                                             zones=result._zones(), privacy_k=None)),
        ("report", lambda: _write_report(result, summary, folder / "report.html")),
    ]
    return tasks


def _write_rejects(rejects, path: Path, *, lang: str, dialect: str) -> Path:
    """rejects.csv in the dialect; in Portuguese the standard headers in words and each
    reason written out beside its code."""
    from hotspots import i18n
    from hotspots.export.tables import write_table_csv
    from hotspots.i18n.phrases import reason_text
    from hotspots.rejects import REJECT_COLUMNS

    frame = privacy.drop_personal_columns(rejects)
    headers = None
    if i18n.language(lang) == "pt":
        frame = frame.copy()
        where = list(frame.columns).index("reason") + 1 if "reason" in frame.columns else 0
        frame.insert(where, "reason_text", [reason_text(c, "pt") for c in
                                            frame.get("reason", pd.Series(dtype=str))])
        headers = {c: i18n.text(f"fields.{c}", "pt") for c in (*REJECT_COLUMNS, "reason_text")}
    return write_table_csv(frame, path, language=dialect, headers=headers)


def _write_hot_segments(segments, path: Path, *, lang: str, dialect: str) -> Path:
    """hot_segments.csv: every hot segment in the bulletin's order, class and status in words
    (headers in words in Portuguese, as plan.csv)."""
    from hotspots import i18n
    from hotspots.export.tables import write_table_csv
    from hotspots.report import hot_segment_rows

    cols = [c for c in ("street_name", "count", "rate_per_100m", "count_prev", "change_prev",
                        "gi_bin", "gi_z", "hot_status") if c in segments.columns]
    hot = pd.DataFrame(hot_segment_rows(segments)[cols])
    if "gi_bin" in hot.columns:
        hot["gi_class"] = [i18n.text(f"legend.gi.{int(v)}", lang) if pd.notna(v) else ""
                           for v in hot["gi_bin"]]
    if "hot_status" in hot.columns:
        hot["status_text"] = [i18n.text(f"words.status.{v}", lang) for v in hot["hot_status"]]
    headers = None
    if i18n.language(lang) == "pt":
        code = {"gi_bin": "gi_bin_code", "hot_status": "hot_status_code"}
        headers = {c: i18n.text(f"fields.{code.get(c, c)}", "pt")
                   for c in ("segment_id", *hot.columns)}
    return write_table_csv(hot, path, language=dialect, headers=headers,
                           decimals={"rate_per_100m": 2, "gi_z": 3})


def _write_report(result: WeekResult, summary: dict, path: Path) -> Path:
    from hotspots import report

    config = result.config
    window = result.window.window if result.window is not None else None
    page = report.render_report(
        summary=summary, segments=result.segments, weekly_counts=window,
        kde=result.statistics.kde, weights=result.statistics.weights,
        title=config.title, language=config.parameters.language,
        buffer_m=config.weekly.evaluation_buffer_m,
        near_repeat=None if result.near_repeat is None else result.near_repeat.result,
        category_changes=result.category_changes,
        incidents=window if window is not None else result.incidents,
        timezone=config.parameters.timezone, breaks=summary.get("class_breaks"),
    )
    path.write_text(page, encoding="utf-8")
    return path


def _map_texts(result: WeekResult, summary: dict) -> tuple[str, str | None, str | None]:
    """Map title, subtitle (week, incidents used) and data attribution, in the run's language."""
    from hotspots import i18n

    t = i18n.translator(result.config.parameters.language, "map")
    lang = t.lang
    parts = []
    if summary.get("week"):
        parts.append(t("subtitle.week", week=summary["week"]))
        parts.append(t("subtitle.incidents", n=i18n.number(summary["incidents_week"], lang)))
    else:
        parts.append(t("subtitle.incidents", n=i18n.number(summary["used"], lang)))
    attribution = t("attribution.osm") if result.inputs.osm_streets else None
    return result.config.title, (", ".join(parts) or None), attribution
