"""Geometries in WGS 84 (EPSG:4326) computed once per run and shared by the maps, GeoJSON and KML.

The writers of a run folder draw the same layers several times in longitude/latitude: the
analyst's map, the liaison's map, one GeoJSON per liaison layer and the KML. A
:class:`Wgs84Cache` reprojects (and, for the maps, simplifies in metres first) each source
geometry once and hands the same result to every later writer. Geometries are recognised by
identity: tables derived from one another (a column subset, a row subset, ``copy()``) share
their shapely objects, which are immutable, so a hit is the very result the writer would
compute itself — simplification and reprojection work geometry by geometry.

``write_outputs`` opens one cache for the run with :func:`run_cache`; a writer given no cache
uses the open one (:func:`active`), or computes without any.
"""

from __future__ import annotations

import contextvars
import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

__all__ = ["Wgs84Cache", "active", "get_parts", "run_cache", "to_wgs84"]

_ACTIVE: contextvars.ContextVar[Wgs84Cache | None] = contextvars.ContextVar(
    "hotspots_wgs84_cache", default=None)
_WGS84 = CRS.from_epsg(4326)


class Wgs84Cache:
    """Source geometry → its EPSG:4326 version (optionally simplified first), per CRS and
    tolerance; holds the source objects so their identities stay valid while it lives."""

    def __init__(self) -> None:
        self._store: dict[tuple[str, float], tuple[dict[int, int], list, list]] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return sum(len(src) for _, src, _ in self._store.values())

    def geometries(self, geoms, crs, *, simplify_m: float = 0.0) -> np.ndarray:
        """The geometries (array-like of shapely objects in ``crs``) in EPSG:4326, each
        simplified by ``simplify_m`` metres first when ``crs`` is projected (as
        ``GeoSeries.simplify(simplify_m, preserve_topology=True).to_crs(4326)``)."""
        src = np.asarray(geoms, dtype=object)
        crs = CRS.from_user_input(crs)
        tol = float(simplify_m) if (simplify_m and crs.is_projected) else 0.0
        if tol:
            # what simplification cannot change (points, two-point lines) is shared with the
            # writers that do not simplify: one reprojection for both
            fixed = _unsimplifiable(src)
            if fixed.any():
                out = np.empty(len(src), dtype=object)
                out[fixed] = self.geometries(src[fixed], crs)
                if not fixed.all():
                    out[~fixed] = self._lookup(src[~fixed], crs, tol)
                return out
        return self._lookup(src, crs, tol)

    def _lookup(self, src: np.ndarray, crs: CRS, tol: float) -> np.ndarray:
        """The results for ``src`` from the store, computing the missing ones (each distinct
        object once, in order of first appearance). Identities are looked up by C-level
        ``map`` and the misses are sorted out in numpy: no Python code runs per geometry."""
        key = (crs.to_wkt(), tol)
        index, sources, results = self._store.setdefault(key, ({}, [], []))
        ids = list(map(id, src.tolist()))
        pos = np.fromiter(map(index.get, ids, itertools.repeat(-1)), dtype=np.int64,
                          count=len(src))
        miss = np.flatnonzero(pos < 0)
        if len(miss):
            missing = np.fromiter(ids, dtype=np.uintp, count=len(ids))[miss]
            # the same object twice in one call: computed once
            unique, first, inverse = np.unique(missing, return_index=True, return_inverse=True)
            order = np.argsort(first)  # the distinct objects in order of first appearance
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order))
            todo = src[miss[first[order]]]
            start = len(sources)
            index.update(zip(unique[order].tolist(), range(start, start + len(todo))))
            sources.extend(todo.tolist())
            results.extend(_compute(todo, crs, tol).tolist())
            pos[miss] = start + rank[inverse.ravel()]
        self.hits += len(src) - len(miss)
        self.misses += len(miss)
        return np.fromiter(map(results.__getitem__, pos.tolist()), dtype=object,
                           count=len(src))


def _compute(geoms: np.ndarray, crs: CRS, tol: float) -> np.ndarray:
    if tol:
        geoms = _simplify(geoms, tol)
    series = gpd.GeoSeries(geoms, crs=crs)
    return np.asarray(series.to_crs(4326).values, dtype=object)


def _unsimplifiable(geoms: np.ndarray) -> np.ndarray:
    """Which geometries simplification returns unchanged: missing ones, points, multipoints
    and lines of two points (a simplified line keeps its end points)."""
    kind = shapely.get_type_id(geoms)
    return ((kind == 0) | (kind == 4) | (kind == -1)
            | ((kind == 1) & (shapely.get_num_coordinates(geoms) <= 2)))


def _simplify(geoms: np.ndarray, tol: float) -> np.ndarray:
    """``shapely.simplify(geoms, tol, preserve_topology=True)``, skipping what it cannot
    change: points and two-point lines (a simplified line keeps its end points), which are
    most of a city's block faces."""
    fixed = _unsimplifiable(geoms)
    if fixed.all():
        return geoms
    out = np.array(geoms, dtype=object, copy=True)
    todo = ~fixed
    out[todo] = shapely.simplify(geoms[todo], tol, preserve_topology=True)
    return out


def to_wgs84(frame: gpd.GeoDataFrame, *, simplify_m: float = 0.0,
             cache: Wgs84Cache | None = None) -> gpd.GeoDataFrame:
    """``frame`` with its geometry in EPSG:4326 (simplified by ``simplify_m`` metres first
    when projected), through ``cache`` or the run's open cache when there is one.

    A new frame: the input is not changed. Without any cache this is
    ``frame.simplify(…).to_crs(4326)``.
    """
    cache = cache if cache is not None else active()
    crs = frame.crs
    tol = simplify_m if (simplify_m and crs is not None and crs.is_projected) else 0.0
    if cache is None or crs is None:
        out = frame.copy()
        if tol:
            out[out.geometry.name] = out.geometry.simplify(tol, preserve_topology=True)
        return out.to_crs(4326)
    if CRS.from_user_input(crs) == _WGS84 and not tol:
        return frame.copy()
    geoms = cache.geometries(frame.geometry.values, crs, simplify_m=tol)
    out = frame.copy()
    out[out.geometry.name] = gpd.GeoSeries(geoms, index=frame.index, crs=4326)
    return out.set_crs(4326, allow_override=True)


def active() -> Wgs84Cache | None:
    """The cache of the run being written, if one is open (:func:`run_cache`)."""
    return _ACTIVE.get()


@contextmanager
def run_cache() -> Iterator[Wgs84Cache]:
    """Open one cache for the writers called inside the block (nested blocks share the
    outer one); closed, and its geometries released, when the block ends."""
    outer = _ACTIVE.get()
    if outer is not None:
        yield outer
        return
    cache = Wgs84Cache()
    token = _ACTIVE.set(cache)
    try:
        yield cache
    finally:
        _ACTIVE.reset(token)


def get_parts(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``shapely.get_parts(geoms, return_index=True)`` without copying every geometry when
    none is a multi-part or collection, missing or empty (the usual street layer): then the
    parts are the geometries themselves."""
    geoms = np.asarray(geoms, dtype=object)
    kind = shapely.get_type_id(geoms)
    if len(geoms) and (kind >= 0).all() and (kind <= 3).all() \
            and not shapely.is_empty(geoms).any():
        return geoms, np.arange(len(geoms))
    return shapely.get_parts(geoms, return_index=True)
