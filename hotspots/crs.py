"""Choice of the analysis CRS (projected, metres) and every conversion into or out of it."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pyproj
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from hotspots._errors import CRSError

__all__ = [
    "MAX_SCALE_ERROR",
    "WGS84",
    "CRSChoice",
    "analysis_crs_choice",
    "as_crs",
    "choose_analysis_crs",
    "is_metric",
    "is_pseudo_metric",
    "require_metric",
    "scale_error",
    "to_analysis",
    "utm_crs_for_lonlat",
]

WGS84 = pyproj.CRS.from_epsg(4326)
#: a projected CRS is used for distances only where its scale is within 1 % of true at the data
#: (UTM: ≤ 0.1 % inside its zone, ~0.5 % one zone away; Web Mercator: +18 % at Pelotas)
MAX_SCALE_ERROR = 0.01
#: projection methods that report metres without measuring them (Web Mercator and its aliases)
_PSEUDO_METHODS = ("popular visualisation pseudo mercator",)
_PSEUDO_NAMES = ("pseudo-mercator", "pseudo mercator", "web mercator", "web_mercator",
                 "popular visualisation")

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


def is_pseudo_metric(crs: pyproj.CRS) -> bool:
    """True for Web Mercator (EPSG:3857, ESRI:102100, 900913, 3785…): metres in name only.

    Its scale is 1/cos(latitude) on the sphere applied to the ellipsoid (neither conformal nor
    equidistant): lengths and distances in it are 18 % too long at Pelotas' latitude.
    """
    op = crs.coordinate_operation
    method = (op.method_name if op is not None else "").lower()
    name = (crs.name or "").lower()
    return method in _PSEUDO_METHODS or any(key in name for key in _PSEUDO_NAMES)


def scale_error(crs: pyproj.CRS, lon: float, lat: float) -> float:
    """Largest relative error of lengths in ``crs`` at (lon, lat): max |scale − 1| (meridian,
    parallel), from PROJ's projection factors."""
    f = pyproj.Proj(crs).get_factors(lon, lat)
    return float(max(abs(f.meridional_scale - 1.0), abs(f.parallel_scale - 1.0)))


def require_metric(crs: object, *, what: str = "analysis CRS") -> pyproj.CRS:
    """Return the CRS if it is projected in metres (and not Web Mercator), else raise a
    CRSError saying what to do."""
    parsed = as_crs(crs, what=what)
    if is_pseudo_metric(parsed):
        raise CRSError(
            f"{what} {parsed.to_string()} ({parsed.name}) is Web Mercator: it reports metres but "
            "its scale is 1/cos(latitude) (+18 % at Pelotas), so lengths, rates per 100 m and "
            "distances in it are wrong. Give a projected CRS that measures metres (e.g. "
            "EPSG:31982 for Pelotas) or leave it unset to use the UTM zone of the data."
        )
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


@dataclass(frozen=True)
class CRSChoice:
    """The analysis CRS and why it was chosen (``reason``: given | layer | utm_from_degrees |
    utm_from_pseudo_metric | utm_from_distorted | utm_from_non_metric)."""

    crs: pyproj.CRS
    reason: str
    source_crs: str | None = None
    scale_error: float | None = None

    @property
    def reprojected(self) -> bool:
        """True when the layer's own CRS was not used for distances."""
        return self.reason.startswith("utm_from_")

    def note(self, lang: str = "en") -> str:
        """One sentence for the log, manifest and bulletin (``lang``: 'en' or 'pt-BR')."""
        texts = _CHOICE_TEXT[lang] if lang in _CHOICE_TEXT else _CHOICE_TEXT["en"]
        err = f"{100 * self.scale_error:.1f}" if self.scale_error is not None else "?"
        return texts[self.reason].format(target=self.crs.to_string(), name=self.crs.name,
                                         source=self.source_crs, err=err)


_CHOICE_TEXT = {
    "en": {
        "given": "analysis CRS {target} ({name}), as configured",
        "layer": "analysis CRS {target} ({name}): the street layer's own, projected in metres",
        "utm_from_degrees": "analysis CRS {target} ({name}): the UTM zone of the data; the "
                            "layer ({source}) is in degrees",
        "utm_from_pseudo_metric": "analysis CRS {target} ({name}): the layer's {source} is Web "
                                  "Mercator, whose metres are not metres ({err} % too long "
                                  "here), so it was reprojected to the UTM zone of the data",
        "utm_from_distorted": "analysis CRS {target} ({name}): the layer's {source} distorts "
                              "lengths by {err} % here, so it was reprojected to the UTM zone "
                              "of the data",
        "utm_from_non_metric": "analysis CRS {target} ({name}): the layer's {source} is not in "
                               "metres, so it was reprojected to the UTM zone of the data",
    },
    "pt-BR": {
        "given": "SRC de análise {target} ({name}), como configurado",
        "layer": "SRC de análise {target} ({name}): o da própria camada de ruas, projetado em "
                 "metros",
        "utm_from_degrees": "SRC de análise {target} ({name}): a zona UTM dos dados; a camada "
                            "({source}) está em graus",
        "utm_from_pseudo_metric": "SRC de análise {target} ({name}): o {source} da camada é Web "
                                  "Mercator, cujos metros não são metros ({err} % a mais aqui); "
                                  "reprojetada para a zona UTM dos dados",
        "utm_from_distorted": "SRC de análise {target} ({name}): o {source} da camada distorce "
                              "comprimentos em {err} % aqui; reprojetada para a zona UTM dos "
                              "dados",
        "utm_from_non_metric": "SRC de análise {target} ({name}): o {source} da camada não está "
                               "em metros; reprojetada para a zona UTM dos dados",
    },
}


def analysis_crs_choice(
    frame: gpd.GeoDataFrame | gpd.GeoSeries, crs: object = None
) -> CRSChoice:
    """The analysis CRS and the reason: the one given; else the layer's own if it measures
    metres (projected in metres, not Web Mercator, scale within :data:`MAX_SCALE_ERROR` of
    true at the data's centre, e.g. EPSG:31982 for a Pelotas layer); else the UTM zone of the
    data (lon/lat degrees, feet, Web Mercator and world projections are never used for
    distances)."""
    if crs is not None:
        return CRSChoice(crs=require_metric(crs), reason="given")
    if frame.crs is None:
        raise CRSError(
            "the layer has no CRS, so its units are unknown. Set it on the file (e.g. a .prj) or "
            "pass the CRS of the coordinates explicitly (e.g. crs='EPSG:4326' for lon/lat)."
        )
    own = pyproj.CRS(frame.crs)
    geoms = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    geoms = geoms[~(geoms.is_empty | geoms.isna())]
    if len(geoms) == 0:
        raise CRSError("cannot choose a UTM zone for a layer with no geometries")
    minx, miny, maxx, maxy = geoms.total_bounds
    to_wgs84 = pyproj.Transformer.from_crs(own, WGS84, always_xy=True)
    lon, lat = to_wgs84.transform((minx + maxx) / 2, (miny + maxy) / 2)
    source = own.to_string()
    if is_metric(own):
        err = scale_error(own, lon, lat)
        if is_pseudo_metric(own):
            reason = "utm_from_pseudo_metric"
        elif err > MAX_SCALE_ERROR:
            reason = "utm_from_distorted"
        else:
            return CRSChoice(crs=own, reason="layer", source_crs=source, scale_error=err)
        return CRSChoice(crs=utm_crs_for_lonlat(lon, lat), reason=reason, source_crs=source,
                         scale_error=err)
    reason = "utm_from_degrees" if own.is_geographic else "utm_from_non_metric"
    return CRSChoice(crs=utm_crs_for_lonlat(lon, lat), reason=reason, source_crs=source)


def choose_analysis_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries, crs: object = None) -> pyproj.CRS:
    """The analysis CRS of :func:`analysis_crs_choice` (without the reason)."""
    return analysis_crs_choice(frame, crs).crs


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
