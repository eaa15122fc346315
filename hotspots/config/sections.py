"""The config sections of inputs, places, geocoding, the weekly run, outputs and PostGIS."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from hotspots._settings import setting
from hotspots.config._checks import (
    _basemap_problem,
    _crs_problem,
    _time_format_problem,
    _timezone_problem,
)
from hotspots.config.geocoding import GeocodingSettings


def _increasing(values) -> str | None:
    """Class breaks must grow strictly from one to the next."""
    vals = list(values)
    if any(b <= a for a, b in pairwise(vals)):
        return "strictly increasing numbers"
    return None


__all__ = ["ColumnSettings", "GeocodingSettings", "InputSettings", "OutputSettings",
           "ParameterSettings", "PostgisSettings", "QgisExportSettings", "SegmentSettings",
           "WeeklySettings"]


@dataclass(frozen=True)
class InputSettings:
    """Files to read and how to read the incident file. Paths are relative to the config file."""

    incidents: str | None = setting(
        None, "incident records: CSV (encoding and delimiter detected), GeoPackage, GeoJSON, "
        "Shapefile or GeoParquet; coordinates and/or an address column",
        example="dados/ocorrencias.csv")
    streets: str | None = setting(
        None, "street centrelines (any vector format) or an OpenStreetMap .osm.pbf extract",
        example="dados/logradouros.gpkg")
    streets_layer: str | None = setting(None, "layer of the street file", example="logradouros")
    streets_name_column: str | None = setting(None, "street-name column (detected when unset)",
                                              example="nome")
    boundary: str | None = setting(None, "study area: incidents outside it are rejected "
                                   "(outside_boundary)",
                                   example="data/boundaries/pelotas_4314407.geojson")
    boundary_layer: str | None = setting(None, "layer of the boundary file")
    lamps: str | None = setting(None, "street-lamp inventory (points; optional status column)",
                                example="dados/iluminacao.gpkg")
    lamps_layer: str | None = setting(None, "layer of the lamp file")
    green_areas: str | None = setting(None, "green areas (polygons; optional name, adopted)",
                                      example="dados/areas_verdes.gpkg")
    green_areas_layer: str | None = setting(None, "layer of the green-area file")
    address_points: str | None = setting(None, "address points for the address geocoder",
                                         example="dados/enderecos.gpkg")
    address_points_layer: str | None = setting(None, "layer of the address-point file")
    time_format: str | None = setting(None, "strftime format of the time column (detected when "
                                      "unset)", example="%d/%m/%Y %H:%M",
                                      check=_time_format_problem)
    coords_crs: str | None = setting(None, "CRS of x/y columns (lat/lon are WGS 84)",
                                     example="EPSG:31982", check=_crs_problem)
    delimiter: str | None = setting(None, "CSV delimiter (detected when unset)",
                                    choices=(",", ";", "\t", "|"), example=";")
    encoding: str | None = setting(None, "CSV encoding (UTF-8 or Latin-1 detected when unset)",
                                   example="latin-1")
    future_tolerance_h: float = setting(
        24.0, "incidents dated later than the run time plus this are rejected (future_time)",
        unit="hours", ge=0)


@dataclass(frozen=True)
class ColumnSettings:
    """Column names in the incident file; detected from common names when unset."""

    id: str | None = setting(None, "incident identifier", example="numero_bo")
    time: str | None = setting(None, "date and time of the incident", example="data_hora")
    category: str | None = setting(None, "crime category", example="natureza")
    lat: str | None = setting(None, "latitude (WGS 84)", example="latitude")
    lon: str | None = setting(None, "longitude (WGS 84)", example="longitude")
    x: str | None = setting(None, "x coordinate in inputs.coords_crs", example="coord_x")
    y: str | None = setting(None, "y coordinate in inputs.coords_crs", example="coord_y")
    address: str | None = setting(None, "street address", example="endereco")
    bairro: str | None = setting(None, "bairro (neighbourhood)", example="bairro")
    keep: tuple[str, ...] = setting(
        (), "other incident columns to keep (LGPD data minimisation: every column not named "
        "above or here is never read; personal-looking names are refused)",
        example=["tipo_local"])


@dataclass(frozen=True)
class ParameterSettings:
    """Where and when: local time zone, analysis CRS, the seed, the language of the outputs."""

    timezone: str = setting("America/Sao_Paulo", "local time zone: ISO weeks and night-time "
                            "are local", check=_timezone_problem)
    crs: str | None = setting(None, "analysis CRS in metres (the UTM zone of the data when "
                              "unset)", example="EPSG:31982", check=_crs_problem)
    seed: int = setting(20171, "seed of every random step (permutations)", ge=0)
    language: str = setting("en", "language of the bulletin, map and reasons",
                            choices=("en", "pt"))


@dataclass(frozen=True)
class SegmentSettings:
    """How the street layer becomes the unit of analysis (the ``[segments]`` section)."""

    unit: str = setting(
        "block_face",
        "unit of analysis: 'block_face' = street segment from intersection to intersection "
        "(both sides of the street, the unit of crime-and-place research); 'piece' = the "
        "pieces the street layer happens to be cut into (every shared vertex)",
        choices=("block_face", "piece"),
    )
    merge_across_name_change: bool = setting(
        False,
        "join pieces where the street name changes at a node with no other street (true), or "
        "keep the name change as a segment boundary (false, default)",
    )
    consolidate_m: float = setting(
        0.0,
        "0 = off (default). Above 0: intersection nodes closer than this are one junction "
        "(complex intersections, the two crossings of a dual carriageway): their end points "
        "move to the cluster's centroid and the short links inside it (both ends in the "
        "cluster, at most twice this long) are dropped, their incidents counted on the "
        "junction's longest segment. Both carriageways stay separate segments.",
        unit="m", ge=0,
    )
    min_segment_length_m: float = setting(
        1.0,
        "pieces shorter than this inside a line are merged into their neighbour before "
        "anything else (slivers between two close intersections)",
        unit="m", ge=0,
    )


@dataclass(frozen=True)
class WeeklySettings:
    """The weekly run: history window, where weeks are written, the hot rule, evaluation."""

    weeks_history: int = setting(8, "weeks before the analysed one used for trends and the "
                                 "week-over-week comparison", ge=1, le=520)
    output_root: str = setting("runs", "each week is written to <output_root>/<YYYY-Www>/")
    hot_top_share: float = setting(0.05, "\"hot\" = this share of segments by count when no "
                                   "Gi* bins exist", gt=0, le=1)
    evaluation_buffer_m: float = setting(15.0, "half-width of a segment for the area-based PAI",
                                         unit="m", gt=0)


@dataclass(frozen=True)
class OutputSettings:
    """Maps and exports; what police liaisons receive."""

    privacy_k: int = setting(3, "liaison exports: counts 1…k−1 per segment are suppressed "
                             "(LGPD)", ge=1)
    offline_map: bool = setting(True, "map.html works with no internet (Leaflet inlined)")
    include_incident_points: bool = setting(False, "raw incident points on the maps and "
                                            "liaison layers (only when asked)")
    basemap: str | None = setting(None, "online basemap tiles (none when unset: works offline)",
                                  example="osm", check=_basemap_problem)
    rate_breaks: tuple[float, ...] = setting(
        (), "fixed class breaks of incidents per 100 m of street on the map, QGIS and KML "
        "(increasing numbers between the classes, e.g. [0.5, 1, 2, 4]) so that weeks compare; "
        "empty: derived from the last class_breaks_weeks weeks of data and recorded in the "
        "manifest (copy them here to freeze them)", unit="incidents per 100 m", gt=0,
        example=[0.5, 1.0, 2.0, 4.0], check=_increasing)
    count_breaks: tuple[int, ...] = setting(
        (), "fixed lower bounds of the classes of incidents per segment and week (the week "
        "slider), e.g. [1, 2, 3, 5, 8]; empty: derived like rate_breaks", ge=1,
        example=[1, 2, 3, 5, 8], check=_increasing)
    class_breaks_weeks: int = setting(
        52, "weeks of data (up to the analysed week) from which unset class breaks are "
        "derived", unit="weeks", ge=1, le=520)
    csv_dialect: str = setting(
        "auto", "CSV tables: 'auto' follows the language (pt: ';', decimal comma, UTF-8 with "
        "BOM, for Excel pt-BR; en: ',', decimal point, no BOM), or force 'pt' or 'en'",
        choices=("auto", "pt", "en"))
    writer_processes: int = setting(
        2, "processes writing a run's outputs: 2 shares the writers (analyst's files and "
        "liaison folder) between the run and one forked process (POSIX fork, on 2 cores or "
        "more; elsewhere one process is used); 1 writes everything in the run's own process",
        ge=1, le=2)


@dataclass(frozen=True)
class PostgisSettings:
    """PostgreSQL + PostGIS instead of files. Keep passwords out of the config: use dsn_env."""

    dsn_env: str | None = setting(None, "environment variable holding the connection string",
                                  example="HOTSPOTS_PG_DSN")
    dsn: str | None = setting(None, "connection string (prefer dsn_env; no password here)",
                              example="postgresql://user@host:5432/observatorio")
    incidents_table: str | None = setting(None, "incidents table (schema.table)",
                                          example="public.ocorrencias")
    incidents_query: str | None = setting(None, "or a query returning incidents")
    streets_table: str | None = setting(None, "street table (schema.table)",
                                        example="public.logradouros")
    streets_query: str | None = setting(None, "or a query returning streets")
    write_schema: str | None = setting(None, "write the week's layers to this schema as "
                                       "<layer>_<yyyy>_w<ww>", example="hotspots_semanal")


@dataclass(frozen=True)
class QgisExportSettings:
    """How layers are written for QGIS (GeoPackage version, street-name labels)."""

    gpkg_version: str = setting(
        "1.2", "GeoPackage version written; 1.2 opens without warnings in GDAL 3.6 (the QGIS "
        "3.22 of Debian 12 and many offices)", choices=("1.2", "1.3", "1.4"))
    label_max_scale: int = setting(
        10_000, "street names are labelled on segment layers from this scale "
        "(1:n) inwards", unit="scale denominator", ge=1)
