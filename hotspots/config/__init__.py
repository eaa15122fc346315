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

from hotspots.config._checks import ConfigError
from hotspots.config.analysis import (
    EmergingSettings,
    NearRepeatSettings,
    OverlaySettings,
    StatisticsSettings,
)
from hotspots.config.evaluation import EvaluationSettings
from hotspots.config.planning import PlanningSettings
from hotspots.config.run import (
    PATH_SETTINGS,
    RENAMED,
    SECTIONS,
    RunConfig,
    check_input_files,
    config_from_dict,
    example_config_text,
    load_config,
    redact_dsn,
    sample_config,
)
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

__all__ = [
    "PATH_SETTINGS",
    "RENAMED",
    "SECTIONS",
    "ColumnSettings",
    "ConfigError",
    "EmergingSettings",
    "EvaluationSettings",
    "GeocodingSettings",
    "InputSettings",
    "NearRepeatSettings",
    "OutputSettings",
    "OverlaySettings",
    "ParameterSettings",
    "PlanningSettings",
    "PostgisSettings",
    "QgisExportSettings",
    "RunConfig",
    "SegmentSettings",
    "StatisticsSettings",
    "WeeklySettings",
    "check_input_files",
    "config_from_dict",
    "example_config_text",
    "load_config",
    "redact_dsn",
    "sample_config",
]
