"""The state run's configuration: the municipalities, where incidents come from, and the cluster.

A state config is a TOML file; every table is a frozen dataclass of declared settings, and each
municipality's weekly run is an ordinary city :class:`~hotspots.config.RunConfig` built from
``[defaults.<section>]`` (any table of a city config), the municipality's own keys, and its
``[municipalities.<section>]`` overrides::

    title = "Secretaria da Segurança Pública — RS"

    [state]                        # output folder, language, municipal layer, week time zone
    output_root = "runs/rs"
    boundaries = "municipios_rs.geojson"

    [incidents]                    # one state-wide file filtered by IBGE code or by boundary,
    source = "file"                # a PostGIS table filtered likewise, or one file per city
    path = "ocorrencias_rs.csv"
    filter = "code_column"
    code_column = "cod_ibge"

    [cluster]                      # dask: a LocalCluster sized to the machine, or a scheduler
    retries = 2

    [defaults.columns]             # the same for every city
    time = "data_hora"

    [[municipalities]]
    code = "4314407"
    name = "Pelotas"
    streets = "ruas/pelotas.gpkg"
    [municipalities.statistics]    # overrides of any section, for this city only
    permutations = 499

Every problem (in any table, any municipality, any override) is reported at once
(:class:`~hotspots.config.ConfigError`). This module imports nothing heavy.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotspots._errors import ValidationError
from hotspots._settings import build_section, setting
from hotspots.config import SECTIONS, ConfigError, RunConfig, config_from_dict
from hotspots.config._checks import _crs_problem, _timezone_problem

__all__ = [
    "ClusterSettings", "IncidentSourceSettings", "MunicipalitySettings", "StateConfig",
    "StateSettings", "city_toml", "load_state_config", "postgis_code_query",
    "state_config_from_dict",
]

_IBGE = re.compile(r"^\d{7}$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


def _ibge_problem(value: str) -> str | None:
    return None if _IBGE.match(value) else "a 7-digit IBGE municipality code in quotes, e.g. \"4314407\""


def _identifier_problem(value: str) -> str | None:
    return None if _IDENT.match(value) else "a table name written table or schema.table"


def _memory_problem(value: str) -> str | None:
    if value == "auto" or re.fullmatch(r"\d+(\.\d+)?\s*(B|kB|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value):
        return None
    return "\"auto\" or a size such as \"4GiB\""


def _scheduler_problem(value: str) -> str | None:
    if re.fullmatch(r"(tcp|tls|ws|wss|inproc|ucx)://\S+", value):
        return None
    return "a dask scheduler address such as \"tcp://10.0.0.5:8786\""


@dataclass(frozen=True)
class StateSettings:
    """Where the state run writes, its language, and the municipal layer."""

    output_root: str = setting(
        "runs/state", "each municipality writes <output_root>/<IBGE code>/<YYYY-Www>/ (as "
        "`hotspots weekly`); the state summary goes to <output_root>/state/<YYYY-Www>/")
    timezone: str = setting("America/Sao_Paulo", "time zone that resolves --week latest (the "
                            "last finished ISO week) once for every municipality",
                            check=_timezone_problem)
    language: str = setting("pt", "language of the state map and the printed summary (the "
                            "bulletin is written in both)", choices=("en", "pt"))
    boundaries: str | None = setting(
        None, "municipal layer (e.g. IBGE malha municipal): each municipality's boundary unless it "
        "gives its own; also drawn on the state map", example="municipios_rs.geojson")
    boundaries_layer: str | None = setting(None, "layer of the boundaries file")
    boundaries_code_column: str = setting("cd_mun", "IBGE code column of the boundaries layer")
    boundaries_name_column: str | None = setting("nm_mun", "name column of the boundaries "
                                                 "layer (for the map)")


@dataclass(frozen=True)
class IncidentSourceSettings:
    """Where incidents come from: one file per city, one state-wide file, or a PostGIS table."""

    source: str = setting("per_city", "per_city: each municipality's incidents file; file: one "
                          "state-wide file split by municipality; postgis: a table filtered "
                          "per municipality in the database",
                          choices=("per_city", "file", "postgis"))
    path: str | None = setting(None, "the state-wide incident file (CSV, GeoPackage, GeoJSON, "
                               "GeoParquet) when source = \"file\"", example="ocorrencias_rs.csv")
    layer: str | None = setting(None, "layer of the state-wide file")
    filter: str = setting("code_column", "how a state-wide record finds its municipality: its "
                          "IBGE code column, or its point inside the municipal boundary "
                          "(shared borders go to the smaller code)",
                          choices=("code_column", "boundary"))
    code_column: str | None = setting(None, "column holding the IBGE code (7 digits, or 6 "
                                      "without the check digit)", example="cod_ibge")
    table: str | None = setting(None, "PostGIS table when source = \"postgis\" (connection: "
                                "[defaults.postgis] dsn_env)", example="public.ocorrencias",
                                check=_identifier_problem)
    geometry_column: str = setting("geom", "geometry column of the PostGIS table (boundary filter)")
    chunk_rows: int = setting(200_000, "rows read at a time when splitting the state-wide file "
                              "(bounds the memory of the split)", ge=1_000)


@dataclass(frozen=True)
class ClusterSettings:
    """The dask.distributed cluster: a LocalCluster sized to this machine, or a scheduler."""

    scheduler: str | None = setting(None, "address of a running dask scheduler; a LocalCluster "
                                    "on this machine when unset (--scheduler overrides)",
                                    example="tcp://10.0.0.5:8786", check=_scheduler_problem)
    workers: int | None = setting(None, "LocalCluster workers (one per core when unset)", ge=1,
                                  example=2)
    threads_per_worker: int = setting(1, "threads per LocalCluster worker (a city is one task "
                                      "on one thread)", ge=1)
    processes: bool = setting(True, "LocalCluster workers are processes (a crash stays in its "
                              "worker); false: one worker thread in this process (the "
                              "analysis is not thread-safe, so cities then run one at a time)")
    memory_limit: str = setting("auto", "memory per LocalCluster worker: auto (machine memory "
                                "/ workers) or a size; a worker above it is restarted and its "
                                "city retried", check=_memory_problem)
    retries: int = setting(2, "times a municipality is run again when its worker died "
                           "(killed, out of memory) before it is reported failed", ge=0, le=10)
    dashboard_address: str | None = setting(":8787", "where the LocalCluster serves the dask "
                                            "dashboard (\":0\" any free port)")
    connect_timeout_s: float = setting(20.0, "how long to try reaching the scheduler before "
                                       "the run stops with exit code 2", unit="s", gt=0,
                                       le=600)


@dataclass(frozen=True)
class MunicipalitySettings:
    """One municipality: IBGE code, name, its inputs and time zone (``[[municipalities]]``)."""

    code: str = setting(doc="7-digit IBGE code (text)", check=_ibge_problem)
    name: str = setting(doc="municipality name (maps, bulletin, messages)")
    streets: str | None = setting(None, "street centrelines or .osm.pbf (or "
                                  "[defaults.postgis] streets_query)", example="ruas/pelotas.gpkg")
    streets_layer: str | None = setting(None, "layer of the street file")
    streets_name_column: str | None = setting(None, "street-name column")
    boundary: str | None = setting(None, "boundary file (default: the polygon of this code in "
                                   "[state] boundaries)")
    boundary_layer: str | None = setting(None, "layer of the boundary file")
    incidents: str | None = setting(None, "this city's incident file (incidents.source = "
                                    "\"per_city\")")
    timezone: str | None = setting(None, "local time zone (default [defaults.parameters])",
                                   check=_timezone_problem)
    crs: str | None = setting(None, "analysis CRS in metres (default: the UTM zone of the data)",
                              check=_crs_problem)


#: state-level tables → settings class
STATE_SECTIONS: dict[str, type] = {"state": StateSettings, "incidents": IncidentSourceSettings,
                                   "cluster": ClusterSettings}
#: settings holding paths, resolved against the state config's folder
_STATE_PATHS = {"state": ("output_root", "boundaries"), "incidents": ("path",)}
_CITY_PATHS = ("streets", "boundary", "incidents")


@dataclass(frozen=True)
class Municipality:
    """A municipality and the city config of its weekly run (``config``)."""

    settings: MunicipalitySettings
    #: the city's RunConfig before the incident and boundary files of a state-wide source are
    #: known (see :func:`hotspots.state.tasks.city_config`)
    overrides: dict[str, dict[str, Any]]
    #: where it was declared ("state.toml municipalities[3] (Pelotas)")
    source: str
    #: its place in the file ("municipalities[3] (Pelotas)")
    label: str = ""

    @property
    def code(self) -> str:
        return self.settings.code

    @property
    def name(self) -> str:
        return self.settings.name


@dataclass(frozen=True)
class StateConfig:
    """A state run's configuration: the state tables, the city defaults and the municipalities."""

    state: StateSettings
    incidents: IncidentSourceSettings
    cluster: ClusterSettings
    #: ``[defaults.<section>]`` tables, as a city config's tables (paths resolved)
    defaults: dict[str, dict[str, Any]]
    municipalities: tuple[Municipality, ...]
    title: str = "hotspots"
    source: str = "state config"

    def municipality(self, code: str) -> Municipality:
        """The municipality with IBGE code ``code``."""
        for m in self.municipalities:
            if m.code == code:
                return m
        raise ValidationError(f"{self.source}: no municipality with code {code!r}")

    def city_dict(self, m: Municipality, *, incidents: str | None = None,
                  boundary: str | None = None, incidents_query: str | None = None
                  ) -> dict[str, Any]:
        """The nested dict of ``m``'s city config (before checking): defaults, the municipality's
        own keys, then its overrides. ``incidents``/``boundary`` replace the files and
        ``incidents_query`` the PostGIS query (what the prepare step made of a state-wide
        source)."""
        data: dict[str, Any] = {name: dict(table) for name, table in self.defaults.items()}
        s = m.settings
        inputs = data.setdefault("inputs", {})
        for key, target in (("streets", "streets"), ("streets_layer", "streets_layer"),
                            ("streets_name_column", "streets_name_column"),
                            ("incidents", "incidents")):
            value = getattr(s, key)
            if value is not None:
                inputs[target] = value
        if boundary is not None:
            inputs["boundary"] = boundary
            inputs.pop("boundary_layer", None)
        elif s.boundary is not None:
            inputs["boundary"] = s.boundary
            if s.boundary_layer:
                inputs["boundary_layer"] = s.boundary_layer
        if incidents is not None:
            inputs["incidents"] = incidents
            inputs.pop("layer", None)
        params = data.setdefault("parameters", {})
        if s.timezone:
            params["timezone"] = s.timezone
        if s.crs:
            params["crs"] = s.crs
        data.setdefault("weekly", {})["output_root"] = str(Path(self.state.output_root) / m.code)
        data["title"] = f"{self.title} — {m.name}" if self.title else m.name
        for section, table in m.overrides.items():
            data[section] = {**data.get(section, {}), **table}
        if self.incidents.source == "postgis":
            data.setdefault("postgis", {})["incidents_query"] = (
                incidents_query or postgis_code_query(self, m))
            data["inputs"].pop("incidents", None)
        return {k: v for k, v in data.items() if v is not None}

    def city_config(self, m: Municipality, **files: str | None) -> RunConfig:
        """``m``'s city :class:`RunConfig` (checked like a city config file); ``files`` as
        :meth:`city_dict`."""
        return config_from_dict(self.city_dict(m, **files), source=m.source)


def quoted_table(name: str) -> str:
    """``schema.table`` as quoted SQL identifiers (the name is checked by the settings)."""
    return ".".join(f'"{p}"' for p in str(name).split("."))


def postgis_code_query(config: StateConfig, m: Municipality) -> str:
    """The SELECT that reads municipality ``m``'s incidents from the state table by IBGE code
    (7 digits, or the 6 without the check digit). With ``filter = "boundary"`` the prepare step
    replaces it by a spatial filter (the polygon is known only once the layer is read)."""
    src = config.incidents
    if src.filter == "code_column":
        col = f'"{src.code_column}"'
        return (f"SELECT * FROM {quoted_table(str(src.table))} "
                f"WHERE trim({col}::text) IN ('{m.code}', '{m.code[:6]}')")
    return f"SELECT * FROM {quoted_table(str(src.table))} WHERE false"


def _resolve(table: dict, keys, base: Path | None) -> dict:
    if base is None:
        return table
    out = dict(table)
    for key in keys:
        val = out.get(key)
        if isinstance(val, str) and val and "://" not in val:
            p = Path(os.path.expanduser(val))
            out[key] = str(p if p.is_absolute() else (base / p).resolve())
    return out


def load_state_config(path: str | Path) -> StateConfig:
    """Read a state config (TOML); relative paths are resolved against its folder."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValidationError(f"{path}: state config file not found") from exc
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: not UTF-8 text; save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{path}: not valid TOML: {exc}. Fix the line it names") from exc
    return state_config_from_dict(data, base=path.parent, source=str(path))


def state_config_from_dict(data: dict, *, base: Path | None = None,
                           source: str = "state config") -> StateConfig:
    """Build a :class:`StateConfig` from nested dicts; every problem is reported at once."""
    problems: list[str] = []
    known = {*STATE_SECTIONS, "defaults", "municipalities", "title"}
    for key in data:
        if key not in known:
            hint = (f"; city settings go in [defaults.{key}] or [municipalities.{key}]"
                    if key in SECTIONS else f"; the tables are {', '.join(sorted(known - {'title'}))}")
            problems.append(f"{key}: unknown{hint}")
    sections = {}
    for name, cls in STATE_SECTIONS.items():
        table = data.get(name, {})
        if isinstance(table, dict):
            table = _resolve(table, _STATE_PATHS.get(name, ()), base)
        obj, found = build_section(cls, table, section=name)
        problems += found
        sections[name] = obj
    title = data.get("title", "hotspots")
    if not isinstance(title, str):
        problems.append(f"title: expected a text in quotes, got {title!r}")
        title = "hotspots"
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        problems.append("defaults: expected tables [defaults.<section>]")
        defaults = {}
    bad = [k for k in defaults if k not in SECTIONS]
    problems += [f"defaults.{k}: unknown city table; the tables are {', '.join(SECTIONS)}"
                 for k in bad]
    defaults = {k: dict(v) for k, v in defaults.items() if k in SECTIONS and isinstance(v, dict)}
    if base is not None:
        from hotspots.config.run import _resolve_paths

        defaults = {k: _resolve_paths(k, dict(v), base) if k != "weekly" else dict(v)
                    for k, v in defaults.items()}
    raw = data.get("municipalities", [])
    if not isinstance(raw, list) or not raw:
        problems.append("municipalities: required: one [[municipalities]] table per municipality "
                        "(code, name, streets)")
        raw = []
    municipalities: list[Municipality] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(raw):
        where = f"municipalities[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a table")
            continue
        label = f"{where} ({entry.get('name', '?')})"
        own = {k: v for k, v in entry.items() if k not in SECTIONS}
        overrides = {k: v for k, v in entry.items() if k in SECTIONS}
        own = _resolve(own, _CITY_PATHS, base)
        obj, found = build_section(MunicipalitySettings, own, section=label)
        problems += found
        for sec, table in overrides.items():
            if not isinstance(table, dict):
                problems.append(f"{label}.{sec}: expected a table of settings")
        overrides = {k: (_resolve_override(k, v, base)) for k, v in overrides.items()
                     if isinstance(v, dict)}
        if obj is None:
            continue
        if obj.code in seen:
            problems.append(f"{label}.code: {obj.code} repeats municipalities[{seen[obj.code]}]")
            continue
        seen[obj.code] = i
        municipalities.append(Municipality(settings=obj, overrides=overrides,
                                           source=f"{source} {label}", label=label))
    if problems:
        raise ConfigError(source, problems)
    config = StateConfig(**sections, defaults=defaults, municipalities=tuple(municipalities),
                         title=title, source=source)
    problems = _cross_checks(config)
    if problems:
        raise ConfigError(source, problems)
    return config


def _resolve_override(section: str, table: dict, base: Path | None) -> dict:
    from hotspots.config import PATH_SETTINGS

    return _resolve(table, PATH_SETTINGS.get(section, ()), base) if section != "weekly" else \
        dict(table)


def _cross_checks(config: StateConfig) -> list[str]:
    """Rules across tables, and every municipality's city config checked like a city file."""
    problems: list[str] = []
    src = config.incidents
    if src.source == "file" and not src.path:
        problems.append("incidents.path: required with source = \"file\" (the state-wide file)")
    if src.source == "postgis" and not src.table:
        problems.append("incidents.table: required with source = \"postgis\"")
    if src.source != "per_city" and src.filter == "code_column" and not src.code_column:
        problems.append("incidents.code_column: required with filter = \"code_column\" (the "
                        "column holding each record's IBGE code)")
    if src.source != "per_city" and src.filter == "boundary" and not config.state.boundaries \
            and any(m.settings.boundary is None for m in config.municipalities):
        problems.append("state.boundaries: filter = \"boundary\" needs every municipality's "
                        "boundary ([state] boundaries or each municipality's boundary)")
    for m in config.municipalities:
        s = m.settings
        if src.source == "per_city" and not s.incidents and "incidents" not in \
                config.defaults.get("inputs", {}) and "incidents" not in m.overrides.get("inputs", {}):
            problems.append(f"{m.label}.incidents: required with "
                            "incidents.source = \"per_city\"")
            continue
        if src.source != "per_city" and s.incidents:
            problems.append(f"{m.label}.incidents: the incidents come from the "
                            f"state-wide {src.source}; remove this key or set incidents.source = "
                            "\"per_city\"")
            continue
        placeholder = "__split__" if src.source == "file" else None
        boundary = ("__boundary__" if s.boundary is None and config.state.boundaries else None)
        try:
            config.city_config(m, incidents=placeholder, boundary=boundary)
        except ConfigError as exc:
            problems += [f"{m.label}: {p}" for p in exc.problems]
    return problems



def city_toml(data: dict[str, Any]) -> str:
    """A city config (nested tables, e.g. :meth:`StateConfig.city_dict`) as TOML text, so a
    municipality of the state can be run alone with ``hotspots weekly --config``."""
    from hotspots._settings import toml_value

    lines = []
    if "title" in data:
        lines.append(f"title = {toml_value(data['title'])}")
    for section in SECTIONS:
        table = {k: v for k, v in (data.get(section) or {}).items() if v is not None}
        if table:
            lines += ["", f"[{section}]"] + [f"{k} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"
