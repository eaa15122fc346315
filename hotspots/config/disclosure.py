"""The [disclosure] settings: what police liaisons receive beyond ``outputs.privacy_k`` (light)."""

from __future__ import annotations

from dataclasses import dataclass

from hotspots._settings import setting

__all__ = ["DisclosureSettings"]


@dataclass(frozen=True)
class DisclosureSettings:
    """What police liaisons receive beyond the threshold ``outputs.privacy_k`` (LGPD)."""

    min_length_m: float = setting(
        40.0, "liaison layers: segments shorter than this carry no count (a short block face "
        "nearly locates a single address; 0 = off). 40 m keeps the counts of most block faces "
        "(median 68 m in the sample city) and hides junction slivers", unit="m", ge=0)
    kde_min_radius_m: float = setting(
        100.0, "liaison density raster: search radius at least this (the run's radius when "
        "larger); every cell with fewer than k incidents within the radius is blank and the "
        "values are only the legend classes", unit="m", gt=0)
