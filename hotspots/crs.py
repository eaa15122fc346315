"""Choice of the analysis CRS (projected, metres) and every conversion into or out of it."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from hotspots._errors import CRSError

WGS84 = pyproj.CRS.from_epsg(4326)

# Datums tried in order when choosing a UTM zone automatically: the national datum first where
# the data lies in its area of use (SIRGAS 2000 for Brazil: EPSG:31982 for Pelotas), else WGS 84.
_UTM_DATUMS = ("SIRGAS 2000", "WGS 84")


def as_crs(crs: object, *, what: str = "crs") -> pyproj.CRS:
    """Parse anything pyproj understands ('EPSG:31982', 31982, a WKT, a CRS) or raise CRSError."""
    if isinstance(crs, pyproj.CRS):
        return crs
    try:
        return pyproj.CRS.from_user_input(crs)
    except (pyproj.exceptions.CRSError, TypeError) as exc:
        raise CRSError(
            f"{what}: {crs!r} is not a coordinate reference system pyproj understands. "
            "Give an EPSG code such as 'EPSG:31982' (SIRGAS 2000 / UTM 22S)."
        ) from exc


def is_metric(crs: pyproj.CRS) -> bool:
    """True when the CRS is projected and both axes are in metres."""
    if not crs.is_projected:
        return False
    return all(
        (ax.unit_name or "").lower() in {"metre", "meter", "m"} for ax in crs.axis_info[:2]
    )


def require_metric(crs: object, *, what: str = "analysis CRS") -> pyproj.CRS:
    """Return the CRS if it is projected in metres, else raise a CRSError saying what to do."""
    parsed = as_crs(crs, what=what)
    if not is_metric(parsed):
        units = ", ".join(sorted({ax.unit_name for ax in parsed.axis_info})) or "unknown"
        kind = "geographic (degrees)" if parsed.is_geographic else f"projected in {units}"
        raise CRSError(
            f"{what} {parsed.to_string()} is {kind}; distances must be measured in metres. "
            "Give a projected CRS in metres (e.g. EPSG:31982 for Pelotas) or leave it unset to "
            "use the UTM zone of the data."
        )
    return parsed


def utm_crs_for_lonlat(lon: float, lat: float) -> pyproj.CRS:
    """The UTM CRS for a lon/lat point: SIRGAS 2000 where it applies (Brazil), else WGS 84."""
    if not (np.isfinite(lon) and np.isfinite(lat)) or abs(lat) > 84 or abs(lon) > 180:
        raise CRSError(
            f"cannot choose a UTM zone for lon={lon!r}, lat={lat!r}: not a valid position. "
            "Check the layer's CRS or give the analysis CRS explicitly."
        )
    aoi = AreaOfInterest(lon, lat, lon, lat)
    for datum in _UTM_DATUMS:
        infos = query_utm_crs_info(datum_name=datum, area_of_interest=aoi)
        # prefer the plain "datum / UTM zone NNx" (skips e.g. "SIRGAS 2000 / UTM zone 23S + ...")
        infos = [i for i in infos if "UTM zone" in i.name and "+" not in i.name]
        if infos:
            zone = int(np.floor((lon + 180) / 6) % 60) + 1
            suffix = ("N" if lat >= 0 else "S")
            exact = [i for i in infos if i.name.endswith(f"zone {zone}{suffix}")]
            chosen = (exact or infos)[0]
            return pyproj.CRS.from_authority(chosen.auth_name, chosen.code)
    raise CRSError(f"no UTM CRS found for lon={lon}, lat={lat}")  # pragma: no cover


def choose_analysis_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries, crs: object = None) -> pyproj.CRS:
    """Return the analysis CRS: the one given, else the data's own if projected in metres
    (e.g. a city layer already in EPSG:31982), else the UTM zone of the data (lon/lat degrees
    or feet are never used for distances)."""
    if crs is not None:
        return require_metric(crs)
    if frame.crs is None:
        raise CRSError(
            "the layer has no CRS, so its units are unknown. Set it on the file (e.g. a .prj) or "
            "pass the CRS of the coordinates explicitly (e.g. crs='EPSG:4326' for lon/lat)."
        )
    own = pyproj.CRS(frame.crs)
    if is_metric(own):
        return own
    geoms = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    geoms = geoms[~(geoms.is_empty | geoms.isna())]
    if len(geoms) == 0:
        raise CRSError("cannot choose a UTM zone for a layer with no geometries")
    minx, miny, maxx, maxy = geoms.to_crs(WGS84).total_bounds
    return utm_crs_for_lonlat((minx + maxx) / 2, (miny + maxy) / 2)


def to_analysis(
    frame: gpd.GeoDataFrame, crs: pyproj.CRS, *, source: str = "layer"
) -> gpd.GeoDataFrame:
    """Reproject a frame into the analysis CRS (a copy), refusing frames without a CRS."""
    if frame.crs is None:
        raise CRSError(
            f"{source}: the layer has no CRS. Add one to the file (for a Shapefile, its .prj) or "
            "tell hotspots what it is (crs='EPSG:4326' for lon/lat degrees)."
        )
    if pyproj.CRS(frame.crs) == crs:
        return frame.copy()
    return frame.to_crs(crs)
