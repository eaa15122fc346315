"""Exception hierarchy of hotspots: every user-facing failure is one of these."""

from __future__ import annotations


class HotspotsError(Exception):
    """Base class for every error hotspots raises on purpose."""


class ValidationError(HotspotsError, ValueError):
    """Input data or parameters are unusable; the message says where and how to fix it."""


class CRSError(HotspotsError, ValueError):
    """A coordinate reference system is missing, geographic where metres are needed, or wrong."""


class GeocodeError(HotspotsError):
    """Geocoding could not run (not: a single record failed, which is a reject row)."""


class OutputExistsError(HotspotsError, FileExistsError):
    """An output already exists and overwriting was not asked for."""


class MissingDependencyError(HotspotsError, ImportError):
    """An optional dependency is needed for this feature and is not installed."""


def problems_message(header: str, problems: list[str], fix: str | None = None) -> str:
    """Format a collected list of problems as one readable message."""
    lines = [header]
    lines += [f"  - {p}" for p in problems]
    if fix:
        lines.append(f"How to fix: {fix}")
    return "\n".join(lines)
