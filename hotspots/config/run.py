"""The run configuration: one frozen section per TOML table, loading, checks and the template."""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotspots._errors import ValidationError
from hotspots._settings import build_section, template_lines
from hotspots.config._checks import ConfigError
from hotspots.config.analysis import (
    EmergingSettings,
    NearRepeatSettings,
    OverlaySettings,
    StatisticsSettings,
)
from hotspots.config.disclosure import DisclosureSettings
from hotspots.config.evaluation import EvaluationSettings
from hotspots.config.planning import PlanningSettings
from hotspots.config.sections import (
    ColumnSettings,
    GeocodingSettings,
    InputSettings,
    OutputSettings,
    ParameterSettings,
    PostgisSettings,
    QgisExportSettings,
    SegmentSettings,
    WeeklySettings,
)

__all__ = ["PATH_SETTINGS", "RENAMED", "SECTIONS", "RunConfig", "check_input_files",
           "config_from_dict", "example_config_text", "load_config", "redact_dsn",
           "sample_config"]


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
    "emerging": EmergingSettings,
    "near_repeat": NearRepeatSettings,
    "planning": PlanningSettings,
    "evaluation": EvaluationSettings,
    "outputs": OutputSettings,
    "disclosure": DisclosureSettings,
    "qgis": QgisExportSettings,
    "postgis": PostgisSettings,
}
#: top-level keys (outside any table)
TOP_LEVEL = ("title",)
#: settings of earlier versions: old key → (section, new key)
RENAMED: dict[str, tuple[str, str]] = {
    "address_min_score": ("geocoding", "min_score"),
    "address_method": ("geocoding", "method"),
    "address_number_start": ("geocoding", "number_start"),
    "weights_distance_m": ("statistics", "distance_m"),
    "weights_k": ("statistics", "k"),
    "gi_variable": ("statistics", "variable"),
    "gi_permutations": ("statistics", "permutations"),
    "gi_bin_p": ("statistics", "bin_p"),
    "lighting_budget_m": ("planning", "budget_m"),
    "lighting_budget_lamps": ("planning", "budget_lamps"),
}
#: settings of earlier versions that have no direct successor: old key → what replaced it
REMOVED: dict[str, str] = {
    "green_budget_areas": "removed: green areas are chosen under a budget in R$ "
                          "(planning.green_budget_brl) by the plan",
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
    emerging: EmergingSettings = field(default_factory=EmergingSettings)
    near_repeat: NearRepeatSettings = field(default_factory=NearRepeatSettings)
    planning: PlanningSettings = field(default_factory=PlanningSettings)
    evaluation: EvaluationSettings = field(default_factory=EvaluationSettings)
    outputs: OutputSettings = field(default_factory=OutputSettings)
    disclosure: DisclosureSettings = field(default_factory=DisclosureSettings)
    qgis: QgisExportSettings = field(default_factory=QgisExportSettings)
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
    """Read a TOML config; relative paths are resolved against the config file's folder.

    Parameters
    ----------
    path : str or Path
        The TOML file (``hotspots init`` writes one with every setting and its default).

    Returns
    -------
    RunConfig
        The typed, checked sections (``config.parameters``, ``config.statistics``, …).

    Raises
    ------
    ValidationError
        The file is missing, unreadable, not UTF-8 or not TOML, or a setting is unknown or
        of the wrong type (every problem listed at once; exit code 2 from the CLI).
    """
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
    homes: dict[str, list[str]] = {}
    for name, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            homes.setdefault(f.name, []).append(name)
    for key, value in data.items():
        if key in SECTIONS:
            continue
        if key in TOP_LEVEL:
            if not isinstance(value, str):
                problems.append(f"{key}: expected a text in quotes, got {value!r}")
            continue
        if isinstance(value, dict):
            problems.append(_unknown_section(key))
        elif key in REMOVED:
            problems.append(f"{key}: {REMOVED[key]}")
        elif key in RENAMED:
            sec, new = RENAMED[key]
            problems.append(f"{key}: renamed; write it as {new} in [{sec}]")
        elif key in homes:
            problems.append(f"{key}: belongs in {_places(homes[key])}, not at the top of the file")
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
            for old in [k for k in table if k in REMOVED]:
                problems.append(f"{name}.{old}: {REMOVED[old]}")
                del table[old]
            if base is not None:
                table = _resolve_paths(name, table, base)
        others = {k: _places(v) for k, v in homes.items() if name not in v}
        obj, found = build_section(cls, table, section=name, other_keys=others)
        problems.extend(found)
        sections[name] = obj
    title = data.get("title", "hotspots")
    if problems:
        raise ConfigError(source, problems)
    return RunConfig(**sections, title=title if isinstance(title, str) else "hotspots",
                     source=source)


def _places(sections: list[str]) -> str:
    return " or ".join(f"[{s}]" for s in sections)


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
        planning=PlanningSettings(budget_brl=250000.0),
        title="Sample city (Helsinki OSM streets, synthetic incidents)",
    )
