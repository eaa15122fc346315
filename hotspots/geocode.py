"""Placing every incident on a street segment: coordinates are snapped, addresses matched."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import crs as crs_mod
from hotspots._errors import ValidationError
from hotspots.rejects import RejectCollector, concat_rejects
from hotspots.snap import SegmentIndex, snap_points

__all__ = [
    "GEOCODED_COLUMNS",
    "UNUSABLE_CAUSES",
    "AddressGeocoder",
    "GeocodeResult",
    "UnusableIncidentsError",
    "check_usable",
    "geocode_incidents",
]

GEOCODED_COLUMNS = [
    "source_row", "occurred_at", "category", "segment_id", "snap_distance_m", "position_m",
    "match_method", "match_score", "match_status",
]

#: signature of an address geocoder: (address rows, segments) -> (geocoded, rejects)
AddressGeocoder = Callable[[pd.DataFrame, gpd.GeoDataFrame], tuple[gpd.GeoDataFrame, pd.DataFrame]]


@dataclass(frozen=True)
class GeocodeResult:
    """Geocoded incidents (on segments) and the rejects of this stage, with run counts."""

    geocoded: gpd.GeoDataFrame
    rejects: pd.DataFrame
    max_distance_m: float
    counts: dict[str, int] = field(default_factory=dict)
    qa: dict | None = None


def geocode_incidents(
    incidents: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    *,
    max_distance_m: float = 50.0,
    boundary: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    address_geocoder: AddressGeocoder | None = None,
    segment_index: SegmentIndex | None = None,
) -> GeocodeResult:
    """Snap incidents with coordinates and geocode address-only ones onto ``segments``.

    ``incidents`` is any GeoDataFrame of points (null geometry = address only) with a CRS and
    unique index values (the ``incident_id``); :func:`hotspots.ingest.read_incidents` gives
    one with ``source_row``, ``occurred_at``, ``category`` and ``address``. Without a
    ``source_row`` column rows are numbered 1, 2, … in order; other columns are carried.

    ``segments`` must be in a metric CRS (the analysis CRS); incidents are reprojected into it.
    Points outside ``boundary`` (if given) and points farther than ``max_distance_m`` from any
    segment are rejected with their reason; lon/lat points that only make sense swapped are
    rejected as ``latlon_swapped``. The result's geometry is the incident's location in the
    analysis CRS.

    Parameters
    ----------
    incidents : GeoDataFrame
        Incident points (null geometry: address only), with a CRS and a unique index.
    segments : GeoDataFrame
        Street segments in a metric CRS, indexed by ``segment_id``.
    max_distance_m : float
        Farthest distance in metres from a point to its segment; farther points are rejected
        as ``beyond_max_distance``.
    boundary : GeoDataFrame or GeoSeries, optional
        The study area; points outside it are rejected as ``outside_boundary``.
    address_geocoder : AddressGeocoder, optional
        Geocodes address-only records (:mod:`hotspots.address`); without one they are
        rejected as ``missing_location``.
    segment_index : SegmentIndex, optional
        A prebuilt spatial index of ``segments`` (reused across calls).

    Returns
    -------
    GeocodeResult
        ``geocoded`` (GeoDataFrame with ``segment_id``, ``position_m`` in metres along the
        segment, ``snap_distance_m``, ``match_method``…) and ``rejects`` (one row per unused
        record with its ``reason``); ``len(geocoded) + len(rejects) == len(incidents)``.
    """
    target = crs_mod.require_metric(segments.crs, what="segments CRS")
    _check_incidents(incidents)
    frame = incidents.copy()
    frame.index.name = "incident_id"
    frame = frame.reset_index()
    if "source_row" not in frame.columns:  # a plain GeoDataFrame: rows numbered in order
        frame["source_row"] = np.arange(1, len(frame) + 1, dtype=np.int64)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    has_xy = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    projected = np.full(len(frame), None, dtype=object)
    if has_xy.any():
        if incidents.crs is not None and crs_mod.as_crs(incidents.crs) == target:
            projected[has_xy] = geoms[has_xy]
        else:
            projected[has_xy] = np.asarray(
                gpd.GeoSeries(geoms[has_xy], crs=incidents.crs).to_crs(target).values
            )

    collector = RejectCollector(frame, stage="geocode")
    rejected = collector.taken  # updated in place as rows are rejected
    reject = collector.reject
    boundary_geom = _boundary_geometry(boundary, target)

    outside = np.zeros(len(frame), dtype=bool)
    if boundary_geom is not None and has_xy.any():
        inside = np.zeros(len(frame), dtype=bool)
        inside[has_xy] = shapely.intersects(boundary_geom, projected[has_xy])
        outside = has_xy & ~inside

    index = segment_index or SegmentIndex(segments)
    snapped = snap_points(np.where(has_xy & ~outside, projected, None), index,  # type: ignore[call-overload]
                          max_distance_m=max_distance_m)
    far = has_xy & ~outside & (snapped.segment_index < 0)

    swapped = np.zeros(len(frame), dtype=bool)
    if incidents.crs is not None and incidents.crs.is_geographic and (outside | far).any():
        swapped = _swapped_would_fit(geoms, outside | far, incidents.crs, target, boundary_geom,
                                     index, max_distance_m)

    reject(swapped, "latlon_swapped",
           "with latitude and longitude exchanged the point falls on the street network")
    reject(outside, "outside_boundary", "the point lies outside the study-area boundary")
    far &= ~rejected
    near_d = _nearest_distance(projected, far, index)[far]
    reject(far, "beyond_max_distance",
           np.asarray([f"nearest segment is {d:.0f} m away (max {max_distance_m:g} m)"
                       for d in near_d], dtype=object))

    coord_ok = has_xy & ~rejected
    parts = []
    if coord_ok.any():
        sel = frame.loc[coord_ok]
        out = gpd.GeoDataFrame(sel.drop(columns="geometry"), geometry=projected[coord_ok], crs=target)
        out["segment_id"] = snapped.segment_id[coord_ok]
        out["snap_distance_m"] = snapped.distance_m[coord_ok]
        out["position_m"] = snapped.position_m[coord_ok]
        out["match_method"] = "coordinate"
        out["match_score"] = 100.0
        out["match_status"] = np.where(snapped.ties[coord_ok] > 1, "matched_tie", "matched")
        parts.append(out)

    address_rows = ~has_xy & ~rejected
    qa = None
    if address_rows.any():
        addr = frame.loc[address_rows].drop(columns="geometry")
        if address_geocoder is None:
            reject(address_rows, "address_unavailable",
                   "record has only an address and no address reference (address points, "
                   "ranges or metric numbering) was configured")
        else:
            matched, addr_rejects = address_geocoder(addr, segments)
            qa = getattr(address_geocoder, "last_qa", None)
            if len(addr_rejects):
                collector.extend(addr_rejects)
            if len(matched):
                parts.append(matched.to_crs(target) if matched.crs != target else matched)

    if parts:
        geocoded = pd.concat(parts)
        geocoded = gpd.GeoDataFrame(geocoded, geometry="geometry", crs=target)
    else:
        geocoded = gpd.GeoDataFrame(frame.iloc[:0].drop(columns="geometry"),
                                    geometry=gpd.GeoSeries([], crs=target), crs=target)
        for col in GEOCODED_COLUMNS:
            if col not in geocoded.columns:
                geocoded[col] = pd.Series(dtype="float64")
    geocoded = geocoded.set_index("incident_id").sort_values("source_row", kind="stable")
    geocoded["segment_id"] = geocoded["segment_id"].astype(np.int64)
    all_rejects = collector.table()
    counts = {
        "input": len(frame),
        "geocoded": len(geocoded),
        "rejected": len(all_rejects),
        "by_coordinate": int((geocoded["match_method"] == "coordinate").sum()),
        "by_address": int((geocoded["match_method"] != "coordinate").sum()),
    }
    if counts["geocoded"] + counts["rejected"] != counts["input"]:  # pragma: no cover - invariant
        raise AssertionError(f"geocode lost incidents: {counts}")
    return GeocodeResult(geocoded=geocoded, rejects=all_rejects, max_distance_m=max_distance_m,
                         counts=counts, qa=qa)


#: share of the rows read above which ``latlon_swapped`` rejects stop the run
SWAPPED_SHARE = 0.5
#: why a whole file is refused, per language: the cause and the fix
UNUSABLE_CAUSES = {
    "en": {
        "latlon_swapped": "{n} of {total} rows ({share:.0%}) have latitude and longitude "
                          "exchanged: with the two swapped they fall on the streets. Fix: swap "
                          "the columns ({fix}) and run again.",
        "nothing_used": "none of the {total} rows could be placed on a street segment "
                        "(reasons: {reasons}). Fix: {fix}.",
    },
    "pt-BR": {
        "latlon_swapped": "{n} de {total} linhas ({share:.0%}) têm latitude e longitude "
                          "trocadas: destrocadas, caem sobre as ruas. Correção: troque as "
                          "colunas ({fix}) e rode de novo.",
        "nothing_used": "nenhuma das {total} linhas pôde ser colocada num segmento de rua "
                        "(motivos: {reasons}). Correção: {fix}.",
    },
}
_FIXES = {
    "en": {
        "beyond_max_distance": "check that the coordinates' CRS is right (coords_crs, or lat/lon "
                               "columns in WGS 84) and that the street layer covers the same "
                               "city; or raise max_distance_m",
        "outside_boundary": "check that the boundary is the study area of these incidents and "
                            "has the right CRS",
        "address_unavailable": "configure an address reference (address points, ranges or "
                               "metric numbering)",
        "latlon_swapped": "swap the latitude and longitude columns",
        "other": "see rejects.csv for each row's reason",
    },
    "pt-BR": {
        "beyond_max_distance": "verifique o SRC das coordenadas (coords_crs, ou colunas lat/lon "
                               "em WGS 84) e se a camada de ruas cobre a mesma cidade; ou "
                               "aumente max_distance_m",
        "outside_boundary": "verifique se o limite é a área de estudo destas ocorrências e tem "
                            "o SRC certo",
        "address_unavailable": "configure uma referência de endereços (pontos de endereço, "
                               "faixas de numeração ou numeração métrica)",
        "latlon_swapped": "troque as colunas de latitude e longitude",
        "other": "veja em rejects.csv o motivo de cada linha",
    },
}


class UnusableIncidentsError(ValidationError):
    """The incidents file cannot be right: most rows swapped, or no row used at all.

    ``cause`` is a key of :data:`UNUSABLE_CAUSES`; ``rejects`` holds every reject (ingest and
    geocode) so the caller still writes rejects.csv; ``messages`` has the text per language.
    """

    def __init__(self, cause: str, messages: dict[str, str], rejects: pd.DataFrame,
                 counts: dict[str, int]):
        super().__init__(messages["en"])
        self.cause = cause
        self.messages = messages
        self.rejects = rejects
        self.counts = counts


def check_usable(
    result: GeocodeResult,
    *,
    ingest_rejects: pd.DataFrame | None = None,
    columns: dict[str, str | None] | None = None,
) -> None:
    """Raise :class:`UnusableIncidentsError` when the incidents cannot be right.

    Called after :func:`geocode_incidents`. Causes (checked in this order):

    - ``latlon_swapped``: more than half of the rows read (ingest rejects included) are
      rejected as ``latlon_swapped`` — the whole file has its columns exchanged (the Pelotas
      case: latitude −52 and longitude −31 are both valid numbers);
    - ``nothing_used``: no row was geocoded; the message names the most common reasons and
      their fix.

    Parameters
    ----------
    result : GeocodeResult
        The geocoding result.
    ingest_rejects : DataFrame, optional
        Rejects of the ingest step (``IncidentsRead.rejects``): counted in the rows read and
        carried in the error's ``rejects``.
    columns : dict, optional
        ``IncidentsRead.columns``, to name the lat/lon columns in the fix.
    """
    rejects = concat_rejects([ingest_rejects, result.rejects])
    total = result.counts.get("input", 0) + (0 if ingest_rejects is None else len(ingest_rejects))
    reasons = rejects["reason"].value_counts() if len(rejects) else pd.Series(dtype=int)
    swapped = int(reasons.get("latlon_swapped", 0))
    counts = {"rows": int(total), "geocoded": int(result.counts.get("geocoded", 0)),
              "rejected": len(rejects), "latlon_swapped": swapped}
    if total and swapped > SWAPPED_SHARE * total:
        cols = columns or {}
        lat, lon = cols.get("lat"), cols.get("lon")
        fixes = {
            "en": (f"lat_column={lon!r}, lon_column={lat!r}" if lat and lon
                   else "latitude ↔ longitude"),
            "pt-BR": (f"lat_column={lon!r}, lon_column={lat!r}" if lat and lon
                      else "latitude ↔ longitude"),
        }
        messages = {lang: text["latlon_swapped"].format(n=swapped, total=total,
                                                        share=swapped / total, fix=fixes[lang])
                    for lang, text in UNUSABLE_CAUSES.items()}
        raise UnusableIncidentsError("latlon_swapped", messages, rejects, counts)
    if total and counts["geocoded"] == 0:
        top = reasons.head(3)
        listed = ", ".join(f"{k} {v}" for k, v in top.items()) or "none"
        messages = {}
        for lang, text in UNUSABLE_CAUSES.items():
            fix = "; ".join(_FIXES[lang].get(k, _FIXES[lang]["other"]) for k in top.index)
            messages[lang] = text["nothing_used"].format(
                total=total, reasons=listed, fix=fix or _FIXES[lang]["other"])
        raise UnusableIncidentsError("nothing_used", messages, rejects, counts)


def _check_incidents(incidents) -> None:
    problems = []
    if not isinstance(incidents, gpd.GeoDataFrame):
        raise ValidationError(
            f"geocode_incidents: incidents must be a GeoDataFrame of points (one row per "
            f"incident, index = incident_id), got {type(incidents).__name__}"
        )
    geoms = np.asarray(incidents.geometry.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if incidents.crs is None and present.any():
        problems.append("the incidents have coordinates but no CRS (set it, e.g. "
                        "incidents.set_crs('EPSG:4326'), or read them with read_incidents)")
    types = shapely.get_type_id(geoms)
    bad = present & (types != 0)
    if bad.any():
        first = incidents.index[bad][0]
        problems.append(f"{int(bad.sum())} geometries are not points (first: index {first!r}, "
                        f"{incidents.geometry[bad].geom_type.iloc[0]}); give one point per "
                        "incident")
    if incidents.index.has_duplicates:
        dup = incidents.index[incidents.index.duplicated()][:3].tolist()
        problems.append(f"the index (incident_id) has duplicates, e.g. {dup}; ids must be unique")
    if problems:
        raise ValidationError("geocode_incidents: " + "; ".join(problems))


def _boundary_geometry(boundary, target):
    if boundary is None:
        return None
    if isinstance(boundary, gpd.GeoSeries):
        boundary = gpd.GeoDataFrame(geometry=boundary)
    if boundary.crs is None:
        raise ValidationError("boundary has no CRS; set it (e.g. EPSG:4326) before using it")
    geom = shapely.union_all(boundary.to_crs(target).geometry.values)
    if geom.is_empty or geom.geom_type not in {"Polygon", "MultiPolygon"}:
        raise ValidationError("boundary must contain polygons (the study area)")
    shapely.prepare(geom)
    return geom


def _nearest_distance(projected, mask, index):
    out = np.full(len(projected), np.nan)
    if mask.any():
        pairs, d = index.tree.query_nearest(projected[mask], return_distance=True, all_matches=False)
        vals = np.full(int(mask.sum()), np.nan)
        vals[pairs[0]] = d
        out[mask] = vals
    return out


def _swapped_would_fit(geoms, mask, src_crs, target, boundary_geom, index, max_distance_m):
    result = np.zeros(len(geoms), dtype=bool)
    idx = np.flatnonzero(mask)
    xy = shapely.get_coordinates(geoms[idx])
    lon, lat = xy[:, 1], xy[:, 0]
    plausible = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    if not plausible.any():
        return result
    idx, lon, lat = idx[plausible], lon[plausible], lat[plausible]
    swapped = gpd.GeoSeries(shapely.points(lon, lat), crs=src_crs).to_crs(target).values
    ok = np.isfinite(shapely.get_x(swapped))
    snapped = snap_points(np.where(ok, swapped, None), index, max_distance_m=max_distance_m)
    fits = snapped.segment_index >= 0
    if boundary_geom is not None:
        inside = np.zeros(len(idx), dtype=bool)
        inside[ok] = shapely.intersects(boundary_geom, swapped[ok])
        fits &= inside
    result[idx[fits]] = True
    return result
