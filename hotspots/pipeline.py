"""Wiring the stages (ingest → geocode → aggregate → ... → outputs) for the command line."""

from __future__ import annotations

import json
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

from hotspots import aggregate, export, geocode, ingest, maps, segments
from hotspots import sample as sample_mod
from hotspots._errors import OutputExistsError
from hotspots.config import RunConfig
from hotspots.overlays.stage import stage_overlays, stage_prioritize
from hotspots.rejects import concat_rejects, summarize

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
    """Times each stage and reports it to an optional callback."""

    def __init__(self, report=None):
        self.timings: dict[str, float] = {}
        self.report = report

    @contextmanager
    def stage(self, name: str):
        if self.report:
            self.report(f"{name}…")
        t0 = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - t0, 3)


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
    read = ctx.tables.pop("_read")
    geo = geocode.geocode_incidents(
        read.incidents, ctx.segments, max_distance_m=ctx.config.max_distance_m,
        boundary=ctx.boundary, address_geocoder=None,
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
    ("aggregate", stage_aggregate),
    ("overlays", stage_overlays),
    ("prioritize", stage_prioritize),
]


def write_outputs(ctx: RunContext, folder: Path) -> dict[str, Path]:
    """Write every output of the run into ``folder``."""
    files: dict[str, Path] = {}
    layers = {k: v for k, v in ctx.tables.items() if k != "rejects" and not k.startswith("_")}
    if "incidents" in layers:
        inc = layers["incidents"]
        layers["incidents"] = inc[[c for c in geocode.GEOCODED_COLUMNS if c in inc.columns]
                                  + ["geometry"]]
    files["layers"] = export.write_geopackage(layers, folder / "layers.gpkg")
    files["rejects"] = export.write_csv(ctx.tables["rejects"], folder / "rejects.csv")
    fmap = maps.segment_rate_map(ctx.tables["segments"], boundary=ctx.boundary)
    files["map"] = maps.save_map(fmap, folder / "map.html")
    return files


def run(
    config: RunConfig,
    out_dir: str | Path,
    *,
    overwrite: bool = False,
    report=None,
) -> RunResult:
    """Run the whole analysis and write map.html, layers.gpkg, rejects.csv and manifest.json.

    Outputs are written into a temporary folder beside ``out_dir`` and moved into place at the
    end, so a failed run never leaves a half-written folder over a previous good one.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not overwrite:
        raise OutputExistsError(
            f"{out_dir} already holds outputs; pass --overwrite to replace them"
        )
    st = _Stages(report)
    ctx = RunContext(config=config, out_dir=out_dir, report=report)
    for name, func in STAGES:
        with st.stage(name):
            func(ctx)
    with st.stage("write outputs"), _atomic_dir(out_dir, overwrite=overwrite) as tmp:
        files = write_outputs(ctx, tmp)
        manifest = _manifest(ctx, st.timings)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False,
                                                      default=str) + "\n", encoding="utf-8")
        files["manifest"] = tmp / "manifest.json"
    files = {k: out_dir / v.name for k, v in files.items()}
    return RunResult(tables=ctx.tables, files=files, summary=ctx.summary, timings=st.timings)


def _manifest(ctx: RunContext, timings: dict) -> dict:
    versions = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "tool": "hotspots",
        "inputs": ctx.inputs,
        "config": ctx.config.to_dict(),
        "seed": ctx.config.seed,
        "counts": {k: v for k, v in ctx.summary.items() if k != "top_segments"},
        "versions": versions,
        "python": platform.python_version(),
        "timings_s": timings,
    }


@contextmanager
def _atomic_dir(out_dir: Path, *, overwrite: bool):
    """Yield a temporary folder; on success replace ``out_dir`` with it, on failure remove it."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
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
        old = out_dir.with_name(f".{out_dir.name}.old-{int(time.time() * 1000)}")
        out_dir.rename(old)
    tmp.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
