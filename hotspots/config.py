"""Run configuration in typed sections: every setting declared once with its default, unit and doc.

A city's config is a TOML file (``hotspots init`` writes a commented one, generated from the
declarations below); each table is one frozen dataclass::

    title = "Observatório de Segurança — Pelotas"
    [inputs]      files to read and how (incidents, streets, boundary, lamps, green areas…)
    [columns]     column names in the incident file
    [parameters]  timezone, analysis CRS, seed, language of the outputs
    [segments]    how street lines become segments
    [geocoding]   snapping distance and address matching
    [statistics]  weights, Gi*, local Moran, KDE, network KDE
    [overlays]    lighting, green areas, prioritisation, patrols
    [weekly]      the weekly run: history window, output folder, hot rule
    [outputs]     maps and exports, privacy for liaisons
    [postgis]     PostgreSQL/PostGIS instead of files

Nothing is coerced: ``"false"`` is not a boolean and ``"8"`` is not a number. Unknown tables
and keys are refused with the nearest name; every problem is reported at once, each as
``section.key: expected …, got …`` (:class:`ConfigError`, exit code 2 on the command line).
This module imports nothing heavy, so a bad config is answered before any analysis library
loads.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotspots._errors import ValidationError
from hotspots._settings import build_section, setting, template_lines

__all__ = [
    "ColumnSettings", "ConfigError", "GeocodingSettings", "InputSettings", "OutputSettings",
    "OverlaySettings", "ParameterSettings", "PostgisSettings", "RunConfig", "SegmentSettings",
    "StatisticsSettings", "WeeklySettings", "check_input_files", "config_from_dict",
    "example_config_text", "load_config", "sample_config",
]


class ConfigError(ValidationError):
    """The configuration has problems; ``problems`` lists each as ``section.key: …``."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        n = len(problems)
        head = f"{source}: {n} problem{'s' if n != 1 else ''} in the configuration"
        body = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{head}\n{body}\nHow to fix: correct the settings above "
                         "(`hotspots init` writes a commented config with every setting).")


def _timezone_problem(value: str) -> str | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return "an IANA time zone such as \"America/Sao_Paulo\""
    return None


def _crs_problem(value: str) -> str | None:
    if re.fullmatch(r"(?i)(EPSG|ESRI):\d{4,6}", value.strip()):
        return None
    try:
        import pyproj

        pyproj.CRS.from_user_input(value)
    except Exception:
        return "a CRS such as \"EPSG:31982\" (SIRGAS 2000 / UTM 22S)"
    return None


def _time_format_problem(value: str) -> str | None:
    if value.upper() in {"ISO8601", "ISO"}:
        return None
    if "%" not in value:
        return "a strftime format such as \"%d/%m/%Y %H:%M\" (or \"ISO8601\")"
    return None


_SHIFT = re.compile(r"^\s*(\d{1,2})\s*[-–]\s*(\d{1,2})\s*$")


def _shifts_problem(values: tuple[str, ...]) -> str | None:
    for v in values:
        m = _SHIFT.match(v)
        if not m or not (0 <= int(m.group(1)) <= 23 and 0 <= int(m.group(2)) <= 24) or \
                int(m.group(1)) == int(m.group(2)) % 24:
            return f"shift windows written \"HH-HH\" with different hours 0–24 (bad: {v!r})"
    return None


def _basemap_problem(value: str) -> str | None:
    if value == "osm" or all(t in value for t in ("{z}", "{x}", "{y}")):
        return None
    return "\"osm\" (online tiles) or a tile URL template with {z}/{x}/{y}"


# --- the sections ----------------------------------------------------------------------------


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
    """How street lines become segments."""

    min_length_m: float = setting(1.0, "pieces shorter than this inside a line are merged into "
                                  "their neighbour", unit="m", ge=0)


@dataclass(frozen=True)
class GeocodingSettings:
    """Snapping coordinates and matching addresses onto segments."""

    max_distance_m: float = setting(50.0, "incidents farther than this from every street are "
                                    "rejected (beyond_max_distance)", unit="m", gt=0)
    min_score: float = setting(85.0, "minimum street-name match score (85–99 is \"good\")",
                               ge=0, le=100)
    method: str = setting("auto", "how address numbers are placed",
                          choices=("auto", "address_point", "address_range", "metric_number"))
    number_start: str = setting("auto", "metric numbering starts at: the end nearest the "
                                "centre (auto), the first or the last vertex",
                                choices=("auto", "first", "last"))


@dataclass(frozen=True)
class StatisticsSettings:
    """Segment weights, Gi*, local Moran, planar and network kernel density."""

    weights: str = setting("contiguity", "segment neighbours for Gi* and local Moran",
                           choices=("contiguity", "distance_band", "knn"))
    distance_m: float | None = setting(None, "distance band along streets when weights = "
                                       "\"distance_band\" (ArcGIS default when unset: every "
                                       "segment gets a neighbour)", unit="m", gt=0,
                                       example=250.0)
    k: int = setting(8, "neighbours when weights = \"knn\"", ge=1)
    variable: str = setting("rate_per_100m", "what Gi* and local Moran analyse",
                            choices=("rate_per_100m", "count"))
    permutations: int = setting(999, "conditional permutations for pseudo p-values "
                                "(0 = none)", ge=0)
    bin_p: str = setting("analytic", "the p-value that decides the Gi* bins",
                         choices=("analytic", "permutation"))
    fdr: bool = setting(True, "Benjamini–Hochberg false discovery rate on the Gi* bins and "
                        "local Moran classes")
    kde_kernel: str = setting("quartic", "planar KDE kernel",
                              choices=("quartic", "epanechnikov", "triangular", "gaussian"))
    kde_radius_m: float | None = setting(None, "KDE search radius (ArcGIS default when unset)",
                                         unit="m", gt=0, example=300.0)
    kde_cell_size_m: float | None = setting(None, "KDE cell size (shorter side of the extent / "
                                            "250 when unset)", unit="m", gt=0, example=20.0)
    nkde_bandwidth_m: float = setting(300.0, "network KDE bandwidth along streets (0 skips it)",
                                      unit="m", ge=0)
    nkde_lixel_m: float = setting(10.0, "network KDE lixel length", unit="m", gt=0)


@dataclass(frozen=True)
class OverlaySettings:
    """Lighting, green areas, prioritisation and patrol guidance."""

    lamp_reach_m: float = setting(30.0, "a lamp lights this far; farther stretches are dark",
                                  unit="m", gt=0)
    lamp_spacing_m: float | None = setting(None, "spacing of new lamps (2 × reach when unset)",
                                           unit="m", gt=0, example=60.0)
    green_walk_radius_m: float = setting(300.0, "walking radius around green areas", unit="m",
                                         gt=0)
    lighting_budget_m: float | None = setting(500.0, "metres of new lighting to choose (unset: "
                                              "rank only)", unit="m", gt=0)
    lighting_budget_lamps: int | None = setting(None, "or a number of new lamps", ge=1,
                                                example=20)
    green_budget_areas: int | None = setting(5, "green areas to choose for adoption", ge=0)
    shift_windows: tuple[str, ...] = setting(("06-14", "14-22", "22-06"),
                                             "patrol shifts (local hours)",
                                             check=_shifts_problem)
    patrol_top_n: int = setting(3, "segments per shift (Koper: short 10–15 minute visits)",
                                ge=1)
    night_gi_min_incidents: int = setting(30, "night-time Gi* only with at least this many "
                                          "night incidents", ge=1)


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


#: TOML table name → settings class, in the order of the template
SECTIONS: dict[str, type] = {
    "inputs": InputSettings,
    "columns": ColumnSettings,
    "parameters": ParameterSettings,
    "segments": SegmentSettings,
    "geocoding": GeocodingSettings,
    "statistics": StatisticsSettings,
    "overlays": OverlaySettings,
    "weekly": WeeklySettings,
    "outputs": OutputSettings,
    "postgis": PostgisSettings,
}
#: top-level keys (outside any table)
TOP_LEVEL = ("title",)
#: settings of earlier versions: old key → (section, new key)
RENAMED: dict[str, tuple[str, str]] = {
    "min_segment_length_m": ("segments", "min_length_m"),
    "address_min_score": ("geocoding", "min_score"),
    "address_method": ("geocoding", "method"),
    "address_number_start": ("geocoding", "number_start"),
    "weights_distance_m": ("statistics", "distance_m"),
    "weights_k": ("statistics", "k"),
    "gi_variable": ("statistics", "variable"),
    "gi_permutations": ("statistics", "permutations"),
    "gi_bin_p": ("statistics", "bin_p"),
}
#: settings holding file paths, resolved against the config file's folder
PATH_SETTINGS = {"inputs": ("incidents", "streets", "boundary", "lamps", "green_areas",
                            "address_points"),
                 "weekly": ("output_root",)}


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs, one frozen section per TOML table (see the module docstring)."""

    inputs: InputSettings = field(default_factory=InputSettings)
    columns: ColumnSettings = field(default_factory=ColumnSettings)
    parameters: ParameterSettings = field(default_factory=ParameterSettings)
    segments: SegmentSettings = field(default_factory=SegmentSettings)
    geocoding: GeocodingSettings = field(default_factory=GeocodingSettings)
    statistics: StatisticsSettings = field(default_factory=StatisticsSettings)
    overlays: OverlaySettings = field(default_factory=OverlaySettings)
    weekly: WeeklySettings = field(default_factory=WeeklySettings)
    outputs: OutputSettings = field(default_factory=OutputSettings)
    postgis: PostgisSettings = field(default_factory=PostgisSettings)
    title: str = "hotspots"
    #: where the config was read from (None when built in code); not a setting
    source: str | None = None

    def __post_init__(self) -> None:
        problems = _cross_checks(self)
        if problems:
            raise ConfigError(self.source or "config", problems)

    @property
    def incidents_from_postgis(self) -> bool:
        """True when incidents come from a PostGIS table or query instead of a file."""
        return bool(self.postgis.incidents_table or self.postgis.incidents_query)

    @property
    def streets_from_postgis(self) -> bool:
        """True when streets come from a PostGIS table or query instead of a file."""
        return bool(self.postgis.streets_table or self.postgis.streets_query)

    def to_dict(self) -> dict[str, Any]:
        """Nested plain dict by section (for the manifest); the DSN's password is redacted."""
        out: dict[str, Any] = {"title": self.title}
        for name in SECTIONS:
            values = dataclasses.asdict(getattr(self, name))
            out[name] = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
        if out["postgis"].get("dsn"):
            out["postgis"]["dsn"] = redact_dsn(out["postgis"]["dsn"])
        return out

    def with_changes(self, **sections: dict[str, Any]) -> RunConfig:
        """A copy with some settings changed, checked like a file: ``inputs={"lamps": None}``."""
        data = self.to_dict()
        if self.postgis.dsn:
            data["postgis"]["dsn"] = self.postgis.dsn
        for name, changes in sections.items():
            if name == "title":
                data["title"] = changes
                continue
            if name not in SECTIONS:
                raise ConfigError(self.source or "config", [_unknown_section(name)])
            data[name] = {**data[name], **changes}
        return config_from_dict(data, source=self.source or "config")


def redact_dsn(dsn: str) -> str:
    """A connection string with its password replaced by ``***``."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", re.sub(r"password=\S+", "password=***", dsn))


def _unknown_section(name: str) -> str:
    import difflib

    near = difflib.get_close_matches(name, list(SECTIONS), n=1, cutoff=0.5)
    hint = f"; did you mean [{near[0]}]?" if near else f"; the tables are {', '.join(SECTIONS)}"
    return f"[{name}]: unknown table{hint}"


def _cross_checks(config: RunConfig) -> list[str]:
    """Rules that involve more than one setting."""
    problems = []
    inp, cols = config.inputs, config.columns
    if not inp.incidents and not config.incidents_from_postgis:
        problems.append("inputs.incidents: required (a file), or postgis.incidents_table / "
                        "incidents_query")
    if not inp.streets and not config.streets_from_postgis:
        problems.append("inputs.streets: required (a file or .osm.pbf), or "
                        "postgis.streets_table / streets_query")
    if config.postgis.incidents_table and config.postgis.incidents_query:
        problems.append("postgis.incidents_query: give incidents_table or incidents_query, "
                        "not both")
    if config.postgis.streets_table and config.postgis.streets_query:
        problems.append("postgis.streets_query: give streets_table or streets_query, not both")
    if (bool(cols.lat) != bool(cols.lon)):
        problems.append("columns.lat / columns.lon: give both or neither")
    if (bool(cols.x) != bool(cols.y)):
        problems.append("columns.x / columns.y: give both or neither")
    if cols.x and not inp.coords_crs:
        problems.append("inputs.coords_crs: required with columns.x / columns.y (the CRS of "
                        "those coordinates, e.g. \"EPSG:31982\")")
    st = config.statistics
    if st.bin_p == "permutation" and st.permutations == 0:
        problems.append("statistics.bin_p: \"permutation\" needs statistics.permutations > 0")
    needs_pg = (config.incidents_from_postgis or config.streets_from_postgis
                or config.postgis.write_schema)
    if needs_pg and not (config.postgis.dsn or config.postgis.dsn_env):
        problems.append("postgis.dsn_env: required to use PostGIS (name of an environment "
                        "variable holding the connection string), or postgis.dsn")
    return problems


def example_config_text() -> str:
    """The commented config that ``hotspots init`` writes: every setting with its default."""
    lines = [
        "# hotspots: configuration of a city's weekly run (written by `hotspots init`).",
        "#",
        "#   hotspots weekly --config city.toml --week 2026-W47     # or --week latest (the "
        "default)",
        "#",
        "# Relative paths are resolved against the folder of this file. Only inputs.incidents and",
        "# inputs.streets are required; every other value shown is the default. Values are",
        "# typed: true/false without quotes, numbers without quotes, texts in quotes.",
        "",
        "# title of the map, the bulletin and the liaison layers",
        'title = "Observatório de Segurança"',
    ]
    for name, cls in SECTIONS.items():
        lines.append("")
        doc = (cls.__doc__ or "").strip().splitlines()[0]
        lines.append(f"# {doc}")
        body = template_lines(cls, section=name)
        if name == "inputs":  # the two required inputs are written as settings to edit
            body = [ln[2:] if ln.startswith(("# incidents =", "# streets =")) else ln
                    for ln in body]
        lines.extend(body)
    return "\n".join(lines) + "\n"


def load_config(path: str | Path) -> RunConfig:
    """Read a TOML config; relative paths are resolved against the config file's folder."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ValidationError(f"{path}: config file not found (hotspots init writes one)") from exc
    except IsADirectoryError as exc:
        raise ValidationError(f"{path}: is a folder, not a config file") from exc
    except PermissionError as exc:
        raise ValidationError(f"{path}: cannot read the config file (permission denied)") from exc
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: the config file is not UTF-8 text ({exc.reason} at byte "
                              f"{exc.start}); save it as UTF-8") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{path}: not valid TOML: {exc}. Fix the line it names (texts "
                              "need quotes; true/false and numbers do not)") from exc
    return config_from_dict(data, base=path.parent, source=str(path))


def config_from_dict(data: dict, *, base: Path | None = None, source: str = "config"
                     ) -> RunConfig:
    """Build a RunConfig from nested dicts (TOML tables); every problem is reported at once."""
    problems: list[str] = []
    sections: dict[str, Any] = {}
    key_home = {f.name: name for name, cls in SECTIONS.items()
                for f in dataclasses.fields(cls)}
    for key, value in data.items():
        if key in SECTIONS:
            continue
        if key in TOP_LEVEL:
            if not isinstance(value, str):
                problems.append(f"{key}: expected a text in quotes, got {value!r}")
            continue
        if isinstance(value, dict):
            problems.append(_unknown_section(key))
        elif key in RENAMED:
            sec, new = RENAMED[key]
            problems.append(f"{key}: renamed; write it as {new} in [{sec}]")
        elif key in key_home:
            problems.append(f"{key}: belongs in [{key_home[key]}], not at the top of the file")
        else:
            problems.append(f"{key}: unknown top-level setting (only {', '.join(TOP_LEVEL)} goes "
                            "outside a table)")
    for name, cls in SECTIONS.items():
        table = data.get(name, {})
        if isinstance(table, dict):
            table = dict(table)
            for old in [k for k in table if k in RENAMED]:
                sec, new = RENAMED[old]
                problems.append(f"{name}.{old}: renamed; write it as {new} in [{sec}]")
                del table[old]
            if base is not None:
                table = _resolve_paths(name, table, base)
        others = {k: v for k, v in key_home.items() if v != name}
        obj, found = build_section(cls, table, section=name, other_keys=others)
        problems.extend(found)
        sections[name] = obj
    title = data.get("title", "hotspots")
    if problems:
        raise ConfigError(source, problems)
    return RunConfig(**sections, title=title if isinstance(title, str) else "hotspots",
                     source=source)


def _resolve_paths(section: str, table: dict, base: Path) -> dict:
    """Relative paths (given, or the default output_root) resolved against the config's folder,
    so a scheduler running from any working directory reads and writes the same places."""
    if section == "weekly" and "output_root" not in table:
        table["output_root"] = WeeklySettings().output_root
    for key in PATH_SETTINGS.get(section, ()):
        val = table.get(key)
        if isinstance(val, str) and val and "://" not in val and not val.startswith("postgis:"):
            p = Path(os.path.expanduser(val))
            table[key] = str(p if p.is_absolute() else (base / p).resolve())
    return table


def check_input_files(config: RunConfig) -> list[str]:
    """Input files that are missing or unreadable, each as ``inputs.key: …`` (no heavy import).

    PostGIS inputs are not checked here (the database is reached by the input step).
    """
    problems = []
    inp = config.inputs
    for key in PATH_SETTINGS["inputs"]:
        value = getattr(inp, key)
        if not value:
            continue
        if key == "incidents" and config.incidents_from_postgis:
            continue
        if key == "streets" and config.streets_from_postgis:
            continue
        path = Path(value)
        if not path.exists():
            problems.append(f"inputs.{key}: file not found: {path}")
        elif path.is_file() and not os.access(path, os.R_OK):
            problems.append(f"inputs.{key}: cannot read {path} (permission denied)")
        elif path.is_file() and path.stat().st_size == 0:
            problems.append(f"inputs.{key}: {path} is empty (0 bytes)")
    return problems


def sample_config() -> RunConfig:
    """The configuration of the embedded sample city (``hotspots demo``)."""
    from hotspots import sample

    city = str(sample.city_path())
    return RunConfig(
        inputs=InputSettings(
            incidents=str(sample.incidents_path()), streets=city, streets_layer="streets",
            streets_name_column="name", boundary=city, boundary_layer="boundary",
            address_points=city, address_points_layer="address_points", lamps=city,
            lamps_layer="lamps", green_areas=city, green_areas_layer="green_areas",
            time_format="%d/%m/%Y %H:%M"),
        parameters=ParameterSettings(timezone=sample.TIMEZONE),
        title="Sample city (Helsinki OSM streets, synthetic incidents)",
    )
