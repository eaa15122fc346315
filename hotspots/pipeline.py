"""Wiring the stages (ingest → geocode → aggregate → ... → outputs) for the command line."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import pandas as pd

from hotspots import aggregate, export, geocode, ingest, maps, progress, segments
from hotspots import sample as sample_mod
from hotspots import weekly as weekly_mod
from hotspots._errors import OutputExistsError, ValidationError
from hotspots.config import RunConfig
from hotspots.evaluation import stage_evaluation
from hotspots.overlays.stage import stage_overlays, stage_prioritize
from hotspots.rejects import concat_rejects, summarize
from hotspots.stats.stage import stats_stage
from hotspots.weekly import stage_weekly, stage_window

PACKAGES = ("hotspots", "numpy", "pandas", "shapely", "geopandas", "pyogrio", "pyproj",
            "libpysal", "esda", "scikit-learn", "rasterio", "folium", "scipy")


@dataclass
class RunResult:
    """What a run produced: tables in memory, the files written and the summary numbers."""

    tables: dict[str, pd.DataFrame]
    files: dict[str, Path]
    summary: dict
    timings: dict[str, float] = field(default_factory=dict)


def sample_config() -> RunConfig:
    """The configuration of the embedded sample city."""
    return RunConfig(
        incidents=str(sample_mod.incidents_path()),
        streets=str(sample_mod.city_path()),
        streets_layer="streets",
        streets_name_column="name",
        boundary=str(sample_mod.city_path()),
        boundary_layer="boundary",
        address_points=str(sample_mod.city_path()),
        address_points_layer="address_points",
        lamps=str(sample_mod.city_path()),
        lamps_layer="lamps",
        green_areas=str(sample_mod.city_path()),
        green_areas_layer="green_areas",
        timezone=sample_mod.TIMEZONE,
        time_format="%d/%m/%Y %H:%M",
        title="Sample city (Helsinki OSM streets, synthetic incidents)",
    )


class _Stages:
    """Times each stage, logs it, reports it to an optional callback and records table sizes."""

    def __init__(self, report=None, ctx=None, bar=None):
        self.bar = bar
        self.timings: dict[str, float] = {}
        self.counts: dict[str, dict[str, int]] = {}
        self.report = report
        self.ctx = ctx
        self.log = progress.get_logger("pipeline")

    @contextmanager
    def stage(self, name: str):
        if self.report:
            self.report(f"{name}…")
        self.log.debug("stage %s: start", name)
        if self.bar is not None:
            self.bar.start(name)
        progress.pause_if_requested(name)  # test hook, see progress.PAUSE_ENV
        t0 = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - t0, 3)
        if self.bar is not None:
            self.bar.done()
        self.log.debug("stage %s: %.2f s", name, self.timings[name])
        if self.ctx is not None:
            self.counts[name] = {k: len(v) for k, v in self.ctx.tables.items()
                                 if not k.startswith("_") and hasattr(v, "__len__")}


def load_segments(config: RunConfig) -> gpd.GeoDataFrame:
    """Build the street segments from the configured street layer or .osm.pbf."""
    path = Path(config.streets)
    if path.suffix.lower() == ".pbf":
        return segments.segments_from_osm(path, crs=config.crs,
                                          min_length_m=config.min_segment_length_m)
    lines = ingest.read_layer(path, layer=config.streets_layer, what="street",
                              geometry_types=("LineString", "MultiLineString"))
    return segments.build_segments(
        lines, crs=config.crs, name_column=config.streets_name_column,
        min_length_m=config.min_segment_length_m, source=str(path),
    )


@dataclass
class RunContext:
    """What the stages share: config, input frames, result tables, rasters and summary numbers.

    Stages add to ``tables`` (name -> (Geo)DataFrame; every GeoDataFrame is in the analysis
    CRS and becomes a layer of layers.gpkg), to ``rasters`` (name -> ``hotspots.raster.Raster``
    or any object with ``array``/``transform``/``crs``) and to ``summary``; the ``segments``
    table (indexed by ``segment_id``) collects per-segment columns from every stage.
    """

    config: RunConfig
    out_dir: Path
    segments: gpd.GeoDataFrame | None = None
    boundary: gpd.GeoDataFrame | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    rasters: dict[str, object] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    inputs: dict[str, dict] = field(default_factory=dict)
    report: object = None
    #: weekly runs: the requested week ('2026-W47' or 'latest'); None analyses every incident
    week: str | None = None
    #: weekly runs: the resolved ``weekly.WeekWindow`` (set by stage_window)
    window: object = None
    #: the clock used to resolve ``latest`` (None: now); tests pin it
    now: object = None


def stage_ingest(ctx: RunContext) -> None:
    """Read incidents, street segments and the boundary."""
    config, cols = ctx.config, ctx.config.columns
    read = ingest.read_incidents(
        config.incidents, id_column=cols.get("id"), time_column=cols.get("time"),
        time_format=config.time_format, timezone=config.timezone,
        category_column=cols.get("category"), lat_column=cols.get("lat"),
        lon_column=cols.get("lon"), x_column=cols.get("x"), y_column=cols.get("y"),
        coords_crs=config.coords_crs, address_column=cols.get("address"),
        bairro_column=cols.get("bairro"), delimiter=config.delimiter,
        encoding=config.encoding,
    )
    ctx.inputs["incidents"] = {
        "path": read.source, "sha256": read.sha256, "encoding": read.encoding,
        "delimiter": read.delimiter, "time_format": read.time_format, "columns": read.columns,
        "rows_read": read.rows_read,
    }
    ctx.tables["_read"] = read  # consumed by stage_geocode
    ctx.segments = load_segments(config)
    if config.boundary:
        ctx.boundary = ingest.read_layer(config.boundary, layer=config.boundary_layer,
                                         what="boundary", geometry_types=("Polygon", "MultiPolygon"))
        ctx.tables["boundary"] = ctx.boundary.to_crs(ctx.segments.crs)[["geometry"]]


def stage_geocode(ctx: RunContext) -> None:
    """Snap coordinates and geocode addresses onto the segments; collect all rejects."""
    from hotspots.address.geocoder import geocoder_from_config

    read = ctx.tables.pop("_read")
    has_address_only = bool((~read.incidents["has_coordinates"]).any())
    geo = geocode.geocode_incidents(
        read.incidents, ctx.segments, max_distance_m=ctx.config.max_distance_m,
        boundary=ctx.boundary,
        address_geocoder=geocoder_from_config(ctx.config) if has_address_only else None,
    )
    rejects = concat_rejects([read.rejects, geo.rejects])
    ctx.tables["incidents"] = geo.geocoded
    ctx.tables["rejects"] = rejects
    used, n_rej = len(geo.geocoded), len(rejects)
    with_xy = int(read.incidents["has_coordinates"].sum())
    ctx.summary.update({
        "rows_read": read.rows_read,
        "used": used,
        "rejected": n_rej,
        "rejected_by_reason": summarize(rejects),
        "accounted": used + n_rej == read.rows_read,
        "snap_rate": geo.counts.get("by_coordinate", 0) / with_xy if with_xy else float("nan"),
        "segments": len(ctx.segments),
        "crs": ctx.segments.crs.to_string(),
    })
    if geo.qa:
        ctx.summary["geocoding_qa"] = geo.qa
        ctx.summary["geocode_rate"] = geo.qa["match_rate"]


def stage_aggregate(ctx: RunContext) -> None:
    """Counts per segment, by category and by week; crime concentration."""
    geocoded = ctx.tables["incidents"]
    seg_stats = aggregate.segment_counts(geocoded, ctx.segments)
    ctx.tables["segments"] = seg_stats
    ctx.tables["counts_by_category"] = aggregate.counts_by(geocoded, ctx.segments, by="category")
    ctx.tables["counts_by_week"] = aggregate.counts_by(geocoded, ctx.segments, by="week")
    ctx.summary["concentration"] = aggregate.concentration(seg_stats["count"])
    top = seg_stats.sort_values(["count", "rate_per_100m"], ascending=False).head(10)
    ctx.summary["top_segments"] = [
        {"segment_id": int(i), "street_name": r.street_name, "count": int(r["count"]),
         "rate_per_100m": round(float(r.rate_per_100m), 2), "length_m": round(float(r.length_m), 1)}
        for i, r in top.iterrows()
    ]


#: the stages of a run, in order; later issues add statistics, overlays and prioritisation here
STAGES = [
    ("ingest", stage_ingest),
    ("geocode", stage_geocode),
    ("window", stage_window),
    ("aggregate", stage_aggregate),
    ("statistics", stats_stage),
    ("overlays", stage_overlays),
    ("prioritize", stage_prioritize),
    # keep these two last: they compare the finished segment table across weeks
    ("weekly", stage_weekly),
    ("evaluation", stage_evaluation),
]


def write_outputs(ctx: RunContext, folder: Path) -> dict[str, Path]:
    """Write every output of the run into ``folder`` (``runs/<week>/`` or the demo's folder).

    Layout::

        map.html        analyst map, self-contained (works offline) unless offline_map=False
        layers.gpkg     every table as a layer, QGIS-styled (layer_styles); personal columns
                        (names, documents, phones, narratives, victim data) dropped; incidents
                        keep only their analysis columns
        <raster>.tif    each raster of the run (kde.tif, lamp_density.tif) + <raster>.qml style
        priority.csv    the lighting priority table, when the overlays ran
        rejects.csv     rejected rows with their reasons (personal columns dropped)
        liaison/        what police liaisons receive (hotspots.privacy.liaison_tables):
                        allow-listed columns only, counts of 1…privacy_k−1 per segment
                        suppressed (null + suppressed=True), no incident points unless
                        include_incident_points — map.html (offline), layers.gpkg,
                        <layer>.geojson (EPSG:4326), layers.kml, <raster>.tif/.qml, README.txt

    ``report.html`` and ``manifest.json`` are written by ``run``.
    """
    from hotspots import privacy

    config = ctx.config
    files: dict[str, Path] = {}
    tables = {k: v for k, v in ctx.tables.items() if v is not None and not k.startswith("_")}
    rasters = {k: v for k, v in ctx.rasters.items() if v is not None}
    incident_cols = (*geocode.GEOCODED_COLUMNS, "is_night", "on_dark_stretch")
    analyst = privacy.analyst_tables(
        {k: v for k, v in tables.items() if k != "rejects"}, incident_columns=incident_cols)
    files["layers"] = export.write_geopackage(analyst, folder / "layers.gpkg")
    if "rejects" in tables:
        files["rejects"] = export.write_csv(privacy.drop_personal_columns(tables["rejects"]),
                                            folder / "rejects.csv")
    if "priority" in tables:
        files["priority"] = export.write_csv(tables["priority"], folder / "priority.csv")
    for name, raster in rasters.items():
        files[name], files[f"{name}_style"] = export.write_raster(raster, folder / f"{name}.tif")
    title, subtitle, attribution = _map_texts(ctx)
    incidents = (privacy.incident_points(tables["incidents"])
                 if config.include_incident_points and "incidents" in tables else None)
    fmap = maps.build_map(
        analyst["segments"], boundary=tables.get("boundary"), lamps=tables.get("lamps"),
        dark_gaps=tables.get("dark_gaps"), green_areas=tables.get("green_areas"),
        incidents=incidents, patrol=tables.get("patrol"), rasters=rasters,
        weekly=tables.get("weekly_counts"), title=title, subtitle=subtitle,
        offline=config.offline_map, basemap=config.basemap, attribution=attribution)
    files["map"] = maps.save_map(fmap, folder / "map.html")

    liaison_dir = folder / "liaison"
    liaison_dir.mkdir()
    k = config.privacy_k
    liaison = privacy.liaison_tables(tables, k=k,
                                     include_incident_points=config.include_incident_points)
    export.write_geopackage(liaison, liaison_dir / "layers.gpkg")
    for name, frame in liaison.items():
        if isinstance(frame, gpd.GeoDataFrame):
            export.write_geojson(frame, liaison_dir / f"{name}.geojson")
    export.write_kml(liaison, liaison_dir / "layers.kml", title=title)
    for name, raster in rasters.items():
        export.write_raster(raster, liaison_dir / f"{name}.tif")
    lmap = maps.build_map(
        liaison["segments"], boundary=liaison.get("boundary"), lamps=liaison.get("lamps"),
        dark_gaps=liaison.get("dark_gaps"), green_areas=liaison.get("green_areas"),
        incidents=liaison.get("incidents"), patrol=liaison.get("patrol"), rasters=rasters,
        weekly=tables.get("weekly_counts"), title=title,  # build_map suppresses counts below k
        subtitle=(subtitle + " · " if subtitle else "") + f"counts below {k} suppressed",
        offline=True, basemap=config.basemap, attribution=attribution, privacy_k=k)
    maps.save_map(lmap, liaison_dir / "map.html")
    (liaison_dir / "README.txt").write_text(_liaison_readme(liaison, rasters, k=k),
                                            encoding="utf-8")
    files["liaison"] = liaison_dir
    return files


def _map_texts(ctx: RunContext) -> tuple[str, str | None, str | None]:
    """Map title, subtitle (week, incidents used) and data attribution."""
    config = ctx.config
    parts = []
    if ctx.summary.get("week"):
        parts.append(f"week {ctx.summary['week']}")
        if "incidents_week" in ctx.summary:  # the week's incidents, not the whole file's
            parts.append(f"{ctx.summary['incidents_week']} incidents")
    elif "used" in ctx.summary:
        parts.append(f"{ctx.summary['used']} incidents")
    streets = str(config.streets)
    osm = streets.endswith(".pbf") or Path(streets).name == Path(str(sample_mod.city_path())).name
    attribution = "Streets, lamps, green areas © OpenStreetMap contributors (ODbL)" if osm else None
    return config.title, (", ".join(parts) or None), attribution


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
        "Layers: " + ", ".join(sorted(layers)),
        "Rasters: " + (", ".join(sorted(rasters)) or "none"),
    ]
    return "\n".join(lines) + "\n"


def run(
    config: RunConfig,
    out_dir: str | Path | None = None,
    *,
    overwrite: bool = False,
    report=None,
    week: str | None = None,
    out_root: str | Path | None = None,
    now=None,
) -> RunResult:
    """Run the whole analysis and write map.html, layers.gpkg, report.html, manifest.json...

    Without ``week`` every incident is analysed and the outputs go to ``out_dir``. With ``week``
    ('2026-W47' or 'latest') this is the weekly run: the week's incidents are analysed, compared
    with the ``weeks_history`` weeks before, and written to ``<out_root>/<week>/`` (``out_root``
    defaults to the config's ``output_root``).

    Outputs are written into a temporary folder beside the week's folder and moved into place at
    the end, so a failed or killed run never touches a previous good one; leftovers of killed
    runs are removed by the next run. An existing finished folder needs ``overwrite=True``.
    """
    from contextlib import ExitStack

    if out_dir is None and week is None:
        raise ValidationError("run() needs out_dir, or week= for a weekly run")
    root = Path(out_root if out_root is not None else config.output_root)
    out_dir = Path(out_dir) if out_dir is not None else None
    if out_dir is None and str(week).strip().lower() != "latest":
        out_dir = root / weekly_mod.parse_week(week, timezone=config.timezone).label
    if out_dir is not None:
        _check_free(out_dir, overwrite=overwrite)
    with ExitStack() as stack:
        run_config, pg_inputs = config, {}
        if config.incidents_from_postgis or config.streets_from_postgis:
            from hotspots import postgis

            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hotspots-pg-")))
            run_config, pg_inputs = postgis.materialize_inputs(config, folder)
        ctx = RunContext(config=run_config, out_dir=out_dir or root, report=report, week=week,
                         now=now)
        bar = stack.enter_context(contextlib.closing(progress.StageBar(len(STAGES) + 2)))
        st = _Stages(report, ctx, bar)
        for name, func in STAGES:
            with st.stage(name):
                func(ctx)
            if out_dir is None and "week" in ctx.summary:
                out_dir = root / ctx.summary["week"]
                ctx.out_dir = out_dir
                _check_free(out_dir, overwrite=overwrite)
        for key, info in pg_inputs.items():
            ctx.inputs[key] = {**ctx.inputs.get(key, {}), **info}
        with _atomic_dir(out_dir, overwrite=overwrite) as tmp:
            with st.stage("write outputs"):
                files = write_outputs(ctx, tmp)
            with st.stage("report"):
                from hotspots import report as report_mod

                files["report"] = report_mod.write_report(ctx, tmp / "report.html")
            if config.write_schema:
                with st.stage("postgis write"):
                    from hotspots import postgis

                    ctx.summary["postgis_layers"] = postgis.write_week_layers(
                        ctx, dsn=postgis.resolve_dsn(config), schema=config.write_schema)
            manifest = _manifest(ctx, st, config)
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False,
                                                          default=str) + "\n", encoding="utf-8")
            files["manifest"] = tmp / "manifest.json"
    files = {k: out_dir / v.name for k, v in files.items()}
    return RunResult(tables=ctx.tables, files=files, summary=ctx.summary, timings=st.timings)


def _check_free(out_dir: Path, *, overwrite: bool) -> None:
    _recover(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not overwrite:
        raise OutputExistsError(
            f"{out_dir} already holds outputs; pass --overwrite to replace them"
        )


def _manifest(ctx: RunContext, st: _Stages, config: RunConfig | None = None) -> dict:
    """Everything needed to reproduce and audit a run; equal across runs except ``timings_s``."""
    config = config or ctx.config
    versions = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    conf = config.to_dict()
    if conf.get("dsn"):
        conf["dsn"] = _redact_dsn(conf["dsn"])
    skip = {"top_segments"}
    return {
        "tool": "hotspots",
        "week": ctx.summary.get("week"),
        "inputs": {**ctx.inputs, **_input_files(config, skip=set(ctx.inputs))},
        "config": conf,
        "parameters": {k: conf[k] for k in ("crs", "timezone", "max_distance_m",
                                            "min_segment_length_m", "weeks_history",
                                            "hot_top_share", "evaluation_buffer_m") if k in conf},
        "seed": config.seed,
        "counts": {k: v for k, v in ctx.summary.items() if k not in skip},
        "counts_by_stage": st.counts,
        "versions": versions,
        "python": platform.python_version(),
        "timings_s": st.timings,
    }


def _input_files(config: RunConfig, *, skip: set[str]) -> dict[str, dict]:
    """Path, layer and SHA-256 of every input file of the config (street, boundary, lamps...)."""
    out: dict[str, dict] = {}
    digests: dict[str, str] = {}
    for key in ("incidents", "streets", "boundary", "lamps", "green_areas", "address_points"):
        value = getattr(config, key, None)
        if key in skip or not value or str(value).startswith("postgis:"):
            continue
        path = Path(value)
        entry: dict = {"path": str(path), "layer": getattr(config, f"{key}_layer", None)}
        if path.is_file():
            if str(path) not in digests:
                h = hashlib.sha256()
                with path.open("rb") as fh:
                    for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                        h.update(block)
                digests[str(path)] = h.hexdigest()
            entry["sha256"] = digests[str(path)]
            entry["bytes"] = path.stat().st_size
        out[key] = entry
    return out


def _redact_dsn(dsn: str) -> str:
    import re

    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", re.sub(r"password=\S+", "password=***", dsn))


@contextmanager
def _atomic_dir(out_dir: Path, *, overwrite: bool):
    """Yield a temporary folder; on success replace ``out_dir`` with it, on failure remove it.

    The temporary folder is ``.<name>.tmp-<pid>-<random>`` beside ``out_dir``; if the process is
    killed, the next run removes it (its pid is gone). The swap is two renames (old folder aside,
    new one in place); a run killed between them leaves ``.<name>.old-*``, which the next run
    puts back before doing anything else (see :func:`_recover`).
    """
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _recover(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-{os.getpid()}-", dir=out_dir.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes 0700; outputs are shared like any new folder
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if out_dir.exists():
        if any(out_dir.iterdir()) and not overwrite:  # pragma: no cover - checked before
            shutil.rmtree(tmp, ignore_errors=True)
            raise OutputExistsError(f"{out_dir} already holds outputs; pass --overwrite")
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}-{time.time_ns()}")
        out_dir.rename(old)
    tmp.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _recover(out_dir: Path) -> None:
    """Clean up after killed runs: drop their temp folders, restore a folder left set aside."""
    parent = out_dir.parent
    if not parent.is_dir():
        return
    for tmp in parent.glob(f".{out_dir.name}.tmp-*"):
        pid = tmp.name[len(out_dir.name) + 6:].split("-", 1)[0]
        if not (pid.isdigit() and _alive(int(pid))):
            shutil.rmtree(tmp, ignore_errors=True)
    olds = sorted(parent.glob(f".{out_dir.name}.old-*"))
    for old in olds:
        pid = old.name[len(out_dir.name) + 6:].split("-", 1)[0]
        if pid.isdigit() and _alive(int(pid)):
            continue
        if not out_dir.exists():
            old.rename(out_dir)  # the previous good outputs come back
        else:
            shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process
        return True
    return True
