"""hotspots: street-segment hot spots and urbanism overlays for municipal security observatories.

The weekly run is :func:`hotspots.pipeline.run_week` (``hotspots weekly``); its steps are
library functions of concept modules (``segments``, ``geocode``, ``weights``, ``stats.gistar``,
``stats.kde``, ``overlays.lighting``…), configured by :class:`hotspots.config.RunConfig`.
Importing the package is cheap: the analysis libraries load with the modules that need them.
"""

from importlib import metadata as _metadata

from hotspots._errors import (
    CRSError,
    DiskFullError,
    GeocodeError,
    HotspotsError,
    OutputExistsError,
    OutputLocationError,
    RunLockedError,
    ValidationError,
)

try:
    __version__ = _metadata.version("hotspots")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "CRSError",
    "DiskFullError",
    "GeocodeError",
    "HotspotsError",
    "OutputExistsError",
    "OutputLocationError",
    "RunLockedError",
    "ValidationError",
    "__version__",
]
