"""Checks of single setting values (time zone, CRS, formats) shared by the config sections."""

from __future__ import annotations

import re

from hotspots._errors import ValidationError

__all__ = ["ConfigError"]


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
