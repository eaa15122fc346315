"""Exception hierarchy of hotspots: every user-facing failure is one of these."""

from __future__ import annotations

import errno
from pathlib import Path

_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
_NO_WRITE = {errno.EROFS, errno.EACCES, errno.EPERM}


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


class OutputLocationError(HotspotsError):
    """The output folder cannot be written (read-only file system, permission denied)."""


class DiskFullError(OutputLocationError):
    """No space is left (or too little) on the device holding the outputs."""


class RunLockedError(HotspotsError):
    """Another run is writing the same output folder (the same week) right now."""


class MissingDependencyError(HotspotsError, ImportError):
    """An optional dependency is needed for this feature and is not installed."""


def problems_message(header: str, problems: list[str], fix: str | None = None) -> str:
    """Format a collected list of problems as one readable message."""
    lines = [header]
    lines += [f"  - {p}" for p in problems]
    if fix:
        lines.append(f"How to fix: {fix}")
    return "\n".join(lines)


def os_error(exc: OSError, *, where: Path | str) -> Exception:
    """The user-facing error for an OSError met while writing outputs (None of them is a bug).

    Disk full / quota → :class:`DiskFullError`; read-only file system and permission denied
    → :class:`OutputLocationError`; anything else keeps its message with the path.
    """
    code = getattr(exc, "errno", None)
    if code in _NO_SPACE:
        return DiskFullError(
            f"no space left on the device holding {where} ({exc.strerror}). Fix: free disk "
            "space there (or choose another --out folder), then run again; the previous "
            "outputs are untouched.")
    if code == errno.EROFS:
        return OutputLocationError(
            f"{where} is on a read-only file system. Fix: choose a writable --out folder "
            "(or weekly.output_root).")
    if code in _NO_WRITE:
        return OutputLocationError(
            f"permission denied writing {where}. Fix: give this user write access to the "
            "folder, or choose another --out folder (or weekly.output_root).")
    return OutputLocationError(f"cannot write {where}: {exc.strerror or exc}. Fix: check the "
                               "folder and the device.")
