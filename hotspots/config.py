"""Run configuration: every input path, column mapping and parameter of a run, from TOML or code."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from hotspots._errors import ValidationError


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs; paths relative to the config file are resolved against it."""

    incidents: str
    streets: str
    streets_layer: str | None = None
    streets_name_column: str | None = None
    boundary: str | None = None
    boundary_layer: str | None = None
    address_points: str | None = None
    address_points_layer: str | None = None
    address_min_score: float = 85.0  # minimum street-name match score (0–100)
    address_method: str = "auto"  # auto | address_point | address_range | metric_number
    address_number_start: str = "auto"  # metric numbering: auto (end nearest centre) | first | last
    lamps: str | None = None
    lamps_layer: str | None = None
    green_areas: str | None = None
    green_areas_layer: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    coords_crs: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    time_format: str | None = None
    timezone: str = "America/Sao_Paulo"
    crs: str | None = None
    max_distance_m: float = 50.0
    min_segment_length_m: float = 1.0
    seed: int = 20171
    title: str = "hotspots"
    language: str = "en"
    # weekly run ([weekly] table)
    weeks_history: int = 8
    output_root: str = "runs"
    hot_top_share: float = 0.05
    evaluation_buffer_m: float = 15.0
    # PostgreSQL/PostGIS ([postgis] table): read incidents/streets, write the week's layers
    dsn: str | None = None
    dsn_env: str | None = None
    incidents_table: str | None = None
    incidents_query: str | None = None
    streets_table: str | None = None
    streets_query: str | None = None
    write_schema: str | None = None
    # urbanism overlays and prioritisation ([overlays] table)
    lamp_reach_m: float = 30.0
    lamp_spacing_m: float | None = None  # new-lamp spacing for lamps_needed; None = 2 × reach
    green_walk_radius_m: float = 300.0
    lighting_budget_m: float | None = 500.0  # metres of new lighting; None = rank only
    lighting_budget_lamps: int | None = None
    green_budget_areas: int | None = 5
    shift_windows: tuple[str, ...] = ("06-14", "14-22", "22-06")
    patrol_top_n: int = 3
    night_gi_min_incidents: int = 30
    # hot-spot statistics ([statistics] table)
    weights: str = "contiguity"  # contiguity | distance_band | knn (segment weights for Gi*/LISA)
    weights_distance_m: float | None = None  # distance band along streets; None = ArcGIS default
    weights_k: int = 8  # neighbours for weights = "knn"
    gi_variable: str = "rate_per_100m"  # rate_per_100m (length-normalised) | count
    gi_permutations: int = 999
    gi_bin_p: str = "analytic"  # p that decides gi_bin: analytic (ArcGIS) | permutation
    fdr: bool = True  # Benjamini–Hochberg on the Gi* bins and LISA classes
    kde_radius_m: float | None = None  # None = ArcGIS default search radius
    kde_cell_size_m: float | None = None  # None = shorter side of the extent / 250
    kde_kernel: str = "quartic"  # quartic | epanechnikov | triangular | gaussian
    nkde_bandwidth_m: float = 300.0  # network KDE bandwidth along streets; 0 = skip the NKDE
    nkde_lixel_m: float = 10.0  # network KDE lixel length (density evaluated at lixel centres)
    # maps and exports ([outputs] table)
    privacy_k: int = 3  # liaison exports: counts of 1..k-1 per segment are suppressed
    offline_map: bool = True  # inline Leaflet into map.html (no request leaves the page)
    include_incident_points: bool = False  # clustered incident points on maps / liaison layers
    basemap: str | None = None  # None (no tiles), "osm" (online) or a tile URL template

    @property
    def incidents_from_postgis(self) -> bool:
        """True when incidents come from a PostGIS table or query instead of a file."""
        return bool(self.incidents_table or self.incidents_query)

    @property
    def streets_from_postgis(self) -> bool:
        """True when streets come from a PostGIS table or query instead of a file."""
        return bool(self.streets_table or self.streets_query)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (for the manifest)."""
        return dataclasses.asdict(self)


def example_config_text() -> str:
    """The commented example config that ``hotspots init`` writes."""
    return (resources.files("hotspots") / "templates" / "config.toml").read_text(encoding="utf-8")


_COLUMN_KEYS = {"id", "time", "category", "lat", "lon", "x", "y", "address", "bairro"}


def load_config(path: str | Path) -> RunConfig:
    """Read a TOML config; relative paths are resolved against the config file's folder."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValidationError(f"{path}: config file not found (hotspots init writes one)") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{path}: not valid TOML: {exc}") from exc
    return config_from_dict(data, base=path.parent, source=str(path))


def config_from_dict(data: dict, *, base: Path | None = None, source: str = "config") -> RunConfig:
    """Build a RunConfig from nested dicts ([inputs], [columns], [parameters] tables)."""
    flat: dict[str, Any] = {}
    known = {f.name for f in dataclasses.fields(RunConfig)}
    for key, value in data.items():
        if isinstance(value, dict) and key != "columns":
            flat.update(value)
        else:
            flat[key] = value
    unknown = sorted(set(flat) - known)
    if unknown:
        raise ValidationError(f"{source}: unknown settings {unknown}; known: {sorted(known)}")
    bad_cols = sorted(set(flat.get("columns", {})) - _COLUMN_KEYS)
    if bad_cols:
        raise ValidationError(f"{source}: unknown [columns] keys {bad_cols}; use {sorted(_COLUMN_KEYS)}")
    for req, table, query in (("incidents", "incidents_table", "incidents_query"),
                              ("streets", "streets_table", "streets_query")):
        if req not in flat and (flat.get(table) or flat.get(query)):
            flat[req] = f"postgis:{flat.get(table) or 'query'}"
        if req not in flat:
            raise ValidationError(f"{source}: missing required setting {req!r} in [inputs]")
    if base is not None:
        for key in ("incidents", "streets", "boundary", "address_points", "lamps", "green_areas",
                    "output_root"):
            val = flat.get(key)
            if (isinstance(val, str) and val and "://" not in val
                    and not val.startswith(("postgresql", "postgis:"))):
                p = Path(val)
                flat[key] = str(p if p.is_absolute() else (base / p).resolve())
    return RunConfig(**flat)
