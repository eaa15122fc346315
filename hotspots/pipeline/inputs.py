"""The input step: the only place a run reads files or the database (incidents, streets, layers)."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from hotspots import ingest, segments
from hotspots import sample as sample_mod
from hotspots.config import RunConfig

__all__ = ["Inputs", "read_inputs"]


@dataclass(frozen=True)
class Inputs:
    """Everything a run reads, once: incidents, segments and the optional layers.

    Layers other than the segments are as read (their own CRS); ``boundary`` is also given in
    the analysis CRS (``boundary_analysis``), reprojected once. ``lit`` holds an OpenStreetMap
    ``lit`` tag per segment when the street layer has one and no lamp inventory is given.
    """

    incidents: ingest.IncidentsRead
    segments: gpd.GeoDataFrame
    #: how the segments were built: unit, pieces (piece → segment), street rejects, CRS choice
    streets: segments.StreetSegments | None = None
    boundary: gpd.GeoDataFrame | None = None
    boundary_analysis: gpd.GeoDataFrame | None = None
    lamps: gpd.GeoDataFrame | None = None
    green_areas: gpd.GeoDataFrame | None = None
    address_points: gpd.GeoDataFrame | None = None
    lit: pd.Series | None = None
    #: manifest entries: path (or postgis:table), layer, SHA-256, bytes/rows per input
    sources: dict[str, dict] = field(default_factory=dict)
    #: the streets are OpenStreetMap data (attribution needed on maps)
    osm_streets: bool = False


def read_inputs(config: RunConfig) -> Inputs:
    """Read every input the config names: incident records, streets → segments, boundary, lamps,
    green areas and address points (files, or PostGIS tables/queries for incidents and streets).

    Parameters
    ----------
    config : RunConfig
        The run's configuration (``[inputs]``, ``[columns]``, ``[parameters]``, ``[segments]``,
        ``[postgis]``).

    Returns
    -------
    Inputs
        The frames read, with provenance for the manifest.
    """
    if config.incidents_from_postgis or config.streets_from_postgis:
        with tempfile.TemporaryDirectory(prefix="hotspots-pg-") as tmp:
            from hotspots import postgis

            paths, info = postgis.materialize_inputs(config, Path(tmp))
            inputs = _read(config, paths)
        return _with_sources(inputs, info)
    return _read(config, {})


def _with_sources(inputs: Inputs, info: dict[str, dict]) -> Inputs:
    sources = {k: dict(v) for k, v in inputs.sources.items()}
    for key, entry in info.items():
        sources[key] = {**sources.get(key, {}), **entry}
    from dataclasses import replace

    return replace(inputs, sources=sources)


def _read(config: RunConfig, pg_paths: dict[str, dict]) -> Inputs:
    inp, cols, par = config.inputs, config.columns, config.parameters
    incidents_path = pg_paths.get("incidents", {}).get("path", inp.incidents)
    streets_path = pg_paths.get("streets", {}).get("path", inp.streets)
    if not incidents_path or not streets_path:  # pragma: no cover - RunConfig requires both
        raise ValueError("the config names no incidents or no streets")
    time_format = pg_paths.get("incidents", {}).get("time_format", inp.time_format)
    read = ingest.read_incidents(
        incidents_path, id_column=cols.id, time_column=cols.time,
        time_format=time_format, timezone=par.timezone,
        category_column=cols.category, lat_column=cols.lat, lon_column=cols.lon,
        x_column=cols.x, y_column=cols.y, coords_crs=inp.coords_crs,
        address_column=cols.address, bairro_column=cols.bairro, delimiter=inp.delimiter,
        encoding=inp.encoding, keep_columns=cols.keep,  # issue 13: data minimisation
    )
    sources: dict[str, dict] = {"incidents": {
        "path": read.source, "sha256": read.sha256, "encoding": read.encoding,
        "delimiter": read.delimiter, "time_format": read.time_format, "columns": read.columns,
        "rows_read": read.rows_read,
    }}
    streets_layer = None if "streets" in pg_paths else inp.streets_layer
    streets, lines = _segments(config, streets_path, streets_layer)
    segs = streets.segments
    boundary = boundary_analysis = None
    if inp.boundary:
        boundary = ingest.read_layer(inp.boundary, layer=inp.boundary_layer, what="boundary",
                                     geometry_types=("Polygon", "MultiPolygon"))
        boundary_analysis = boundary.to_crs(segs.crs)[["geometry"]]
    lamps = (ingest.read_layer(inp.lamps, layer=inp.lamps_layer, what="lamp",
                               geometry_types=("Point", "MultiPoint")) if inp.lamps else None)
    green = (ingest.read_layer(inp.green_areas, layer=inp.green_areas_layer, what="green area",
                               geometry_types=("Polygon", "MultiPolygon"))
             if inp.green_areas else None)
    points = (ingest.read_layer(inp.address_points, layer=inp.address_points_layer,
                                what="address points", geometry_types=("Point",))
              if inp.address_points else None)
    lit = _lit_tags(segs, lines) if lamps is None else None
    sources.update(_file_sources(config, skip=set(sources)))
    street_file = str(inp.streets or "")
    osm = (street_file.endswith(".pbf")
           or Path(street_file).name == sample_mod.city_path().name)
    return Inputs(incidents=read, segments=segs, streets=streets, boundary=boundary,
                  boundary_analysis=boundary_analysis, lamps=lamps, green_areas=green,
                  address_points=points, lit=lit, sources=sources, osm_streets=osm)


def _segments(config: RunConfig, path_text: str, layer: str | None
              ) -> tuple[segments.StreetSegments, gpd.GeoDataFrame | None]:
    """Segments (the configured unit: block faces by default) from the street layer or
    .osm.pbf, and the lines they came from (None for .osm.pbf). Features that are not lines
    are left out with their reason (``street_rejects``), the run goes on."""
    par = config.parameters
    path = Path(path_text)
    if path.suffix.lower() == ".pbf":
        built = segments.street_segments_from_osm(path, settings=config.segments, crs=par.crs)
        return built, None
    lines = ingest.read_layer(path, layer=layer, what="street")
    g = config.geocoding
    built = segments.build_street_segments(
        lines, settings=config.segments, crs=par.crs,
        name_column=config.inputs.streets_name_column, source=str(path),
        keep_columns=_address_columns(lines.columns, g),
        range_columns=(dict(g.range_columns) or None) if g.range_convention != "none" else None,
    )
    return built, lines


def _address_columns(columns, g) -> tuple[str, ...]:
    """Street-layer columns address matching reads, carried into the segments: the name parts,
    the bairro and CEP columns, and the house-number ranges (mapped, or by their usual names)."""
    from hotspots.numbering import RANGE_ALIASES

    wanted = [*g.name_columns.values(), g.segment_bairro_column, g.segment_cep_column]
    if g.range_convention != "none":
        wanted += list(g.range_columns.values())
        aliases = {a for names in RANGE_ALIASES.values() for a in names}
        wanted += [c for c in columns if str(c).casefold() in aliases]
    present = [c for c in wanted if c and c in columns]
    return tuple(dict.fromkeys(present))


def _lit_tags(segs: gpd.GeoDataFrame, lines: gpd.GeoDataFrame | None) -> pd.Series | None:
    """OSM ``lit`` per segment, from the segments or the street lines they were cut from."""
    if "lit" in segs.columns:
        return segs["lit"]
    if lines is None or "source_index" not in segs.columns or "lit" not in lines.columns:
        return None
    return pd.Series(lines["lit"].reindex(segs["source_index"]).to_numpy(), index=segs.index)


def _file_sources(config: RunConfig, *, skip: set[str]) -> dict[str, dict]:
    """Path, layer and SHA-256 of every input file (streets, boundary, lamps...)."""
    out: dict[str, dict] = {}
    digests: dict[str, str] = {}
    inp = config.inputs
    for key in ("incidents", "streets", "boundary", "lamps", "green_areas", "address_points"):
        value = getattr(inp, key, None)
        if key in skip or not value or str(value).startswith("postgis:"):
            continue
        path = Path(value)
        entry: dict = {"path": str(path), "layer": getattr(inp, f"{key}_layer", None)}
        if path.is_file():
            if str(path) not in digests:
                h = hashlib.sha256()
                with path.open("rb") as fh:
                    for block in iter(lambda fh=fh: fh.read(1 << 20), b""):  # type: ignore[misc]
                        h.update(block)
                digests[str(path)] = h.hexdigest()
            entry["sha256"] = digests[str(path)]
            entry["bytes"] = path.stat().st_size
        out[key] = entry
    return out


def read_interventions(path: str | Path, *, layer: str | None = None) -> pd.DataFrame:
    """Read an interventions table: a CSV (``segment_id``, ``kind``, ``start`` [, ``end``]) or
    a vector layer whose geometries name the treated streets (any CRS).

    The columns are checked by :func:`hotspots.intervention.inputs.prepare_interventions`.
    """
    from hotspots._errors import ValidationError

    path = Path(path)
    if not path.exists():
        raise ValidationError(f"{path}: interventions file not found")
    if path.suffix.lower() in ingest.CSV_SUFFIXES:
        try:
            frame = pd.read_csv(path, sep=None, engine="python", dtype={"segment_id": "Int64"},
                                encoding="utf-8-sig")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationError(f"{path}: not a readable CSV of interventions ({exc})") from exc
        if len(frame) == 0:
            raise ValidationError(f"{path}: the interventions file has no rows")
        return frame
    return ingest.read_layer(path, layer=layer, what="interventions")
