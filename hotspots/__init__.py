"""hotspots: street-segment hot spots and urbanism overlays for municipal security observatories."""

from hotspots._errors import (
    CRSError,
    GeocodeError,
    HotspotsError,
    OutputExistsError,
    ValidationError,
)

__version__ = "0.1.0"

__all__ = [
    "CRSError",
    "GeocodeError",
    "HotspotsError",
    "OutputExistsError",
    "ValidationError",
    "__version__",
]
