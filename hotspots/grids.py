"""Analysis grids (square fishnet, flat-topped hexagons) over a study area, and points per polygon."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from hotspots import crs as crs_mod
from hotspots._errors import CRSError, ValidationError

__all__ = ["HEX_AREA_FACTOR", "MAX_CELLS", "assign_points", "count_points", "fishnet", "hexagons"]

#: area of a regular hexagon of edge s is HEX_AREA_FACTOR · s²
HEX_AREA_FACTOR = 3.0 * math.sqrt(3.0) / 2.0
#: cells per grid above which a grid is refused (a 10,000 × 10,000 fishnet is surely a unit slip)
MAX_CELLS = 50_000_000


def fishnet(
    area,
    *,
    cell_size_m: float,
    crs: object = None,
    origin_m: tuple[float, float] = (0.0, 0.0),
    clip: bool = False,
) -> gpd.GeoDataFrame:
    """Square cells of side ``cell_size_m`` covering ``area``, indexed by a stable ``cell_id``.

    ``area`` is an extent ``(minx, miny, maxx, maxy)`` or a boundary: a shapely (Multi)Polygon,
    a GeoSeries or GeoDataFrame of polygons (unioned). As ArcGIS does with a bounding polygon,
    every cell that meets the boundary is kept whole; cells that only touch it along an edge
    or at a corner are not (their interiors do not meet). ``clip=True`` cuts the kept cells to
    the boundary instead (ids unchanged).

    Cells sit on a lattice anchored at ``origin_m`` (default the CRS origin, not the extent's
    corner), so the same place gets the same cell from week to week whatever the extent:
    ``row = floor((y - y0) / size)``, ``col = floor((x - x0) / size)``, ``cell_id =
    f"r{row}c{col}"``. Rows are ordered south to north, then columns west to east.
    ``crs`` is the (projected, metres) CRS of the coordinates; needed for extents and shapely
    geometries, checked against a GeoSeries'/GeoDataFrame's own CRS (never reprojected here).
    """
    what = "fishnet"
    size = _check_size(cell_size_m, what)
    region, target, bounds = _region(area, crs, what)
    x0, y0 = _origin(origin_m, what)
    minx, miny, maxx, maxy = bounds
    c0 = math.floor((minx - x0) / size)
    c1 = max(c0, math.ceil((maxx - x0) / size) - 1)
    r0 = math.floor((miny - y0) / size)
    r1 = max(r0, math.ceil((maxy - y0) / size) - 1)
    _check_cells((r1 - r0 + 1) * (c1 - c0 + 1), size, what)
    rows, cols = np.divmod(np.arange((r1 - r0 + 1) * (c1 - c0 + 1)), c1 - c0 + 1)
    rows, cols = rows + r0, cols + c0
    # edges from integer multiples, so neighbours share bit-identical coordinates
    cells = shapely.box(
        x0 + cols * size, y0 + rows * size, x0 + (cols + 1) * size, y0 + (rows + 1) * size
    )
    return _frame(cells, rows, cols, region, target, clip)


def hexagons(
    area,
    *,
    cell_size_m: float,
    crs: object = None,
    origin_m: tuple[float, float] = (0.0, 0.0),
    clip: bool = False,
) -> gpd.GeoDataFrame:
    """Regular flat-topped hexagons of **edge length** ``cell_size_m`` covering ``area``.

    ``cell_size_m`` is the edge length s (equal to the centre-to-vertex radius); each hexagon's
    area is (3√3/2)·s², its flat-to-flat width √3·s and its vertex-to-vertex width 2·s. To match
    the area of a square of side c, use s = c·√(2 / (3√3)) ≈ 0.6204·c.

    Column ``col`` has centres at x = x0 + 1.5·s·col; row ``row`` at y = y0 + √3·s·row, shifted
    up by √3/2·s in odd columns. ``cell_id = f"r{row}c{col}"`` (stable across extents, as in
    :func:`fishnet`); ``area``, ``crs``, ``origin_m`` and ``clip`` as in :func:`fishnet`
    (cells whose interior meets the boundary are kept whole).
    """
    what = "hexagons"
    s = _check_size(cell_size_m, what)
    region, target, bounds = _region(area, crs, what)
    x0, y0 = _origin(origin_m, what)
    minx, miny, maxx, maxy = bounds
    h = math.sqrt(3.0) * s
    c0 = math.floor((minx - x0 - s) / (1.5 * s))
    c1 = math.ceil((maxx - x0 + s) / (1.5 * s))
    r0 = math.floor((miny - y0) / h) - 1
    r1 = math.ceil((maxy - y0) / h) + 1
    _check_cells((r1 - r0 + 1) * (c1 - c0 + 1), s, what)
    rows, cols = np.divmod(np.arange((r1 - r0 + 1) * (c1 - c0 + 1)), c1 - c0 + 1)
    rows, cols = rows + r0, cols + c0
    cx = x0 + 1.5 * s * cols
    cy = y0 + h * (rows + 0.5 * (cols % 2))  # centres, only to drop far candidates
    # keep only hexagons whose bounding box can meet the extent before building polygons
    near = (cx + s > minx) & (cx - s < maxx) & (cy + h / 2 > miny) & (cy - h / 2 < maxy)
    rows, cols, cx, cy = rows[near], cols[near], cx[near], cy[near]
    # vertices on the lattice of half-steps (x: s/2, y: h/2) as integer multiples, so that
    # neighbouring hexagons share bit-identical vertices (exact contiguity, no slivers)
    kx = 3 * cols[:, None] + np.array([2, 1, -1, -2, -1, 1, 2])
    ky = 2 * rows[:, None] + (cols % 2)[:, None] + np.array([0, 1, 1, 0, -1, -1, 0])
    coords = np.stack([x0 + (s / 2) * kx, y0 + (h / 2) * ky], axis=2)
    cells = shapely.polygons(coords)
    return _frame(cells, rows, cols, region, target, clip)


def assign_points(
    points: gpd.GeoDataFrame | gpd.GeoSeries, polygons: gpd.GeoDataFrame | gpd.GeoSeries
) -> pd.Series:
    """The label (index value) of the polygon each point falls in; missing outside every polygon.

    A point on the boundary of a polygon is in it (closed polygons). A point on an edge or
    vertex shared by several polygons (or inside overlapping polygons) goes to exactly one: the
    first of them in ``polygons``' row order (for grids: the southernmost, then westernmost
    cell). The answer depends only on the point and the polygons, never on the points' order.
    Null or empty point geometries are outside. Indexed like ``points``.
    """
    pts, polys = _check_points_polygons(points, polygons, "assign_points")
    pos = _first_polygon(pts.values, polys.values)
    labels = pd.Series(polys.index, dtype=polys.index.dtype)
    ok = pos >= 0
    out = pd.Series(pd.NA, index=pts.index, dtype="object", name=polys.index.name or "polygon")
    out[ok] = labels.to_numpy()[pos[ok]]
    if ok.all():
        out = out.astype(polys.index.dtype)
    return out


def count_points(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    polygons: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    weights: str | np.ndarray | pd.Series | None = None,
) -> pd.Series:
    """Points (or the sum of their ``weights``) per polygon, zeros included, indexed like
    ``polygons`` and named ``count``.

    Each point counts once, in the polygon :func:`assign_points` gives it (shared edges and
    corners resolved deterministically); points outside every polygon count nowhere (find
    them with :func:`assign_points`). ``weights`` is a column of ``points`` or an array
    aligned to it; the result is int64 without weights, float with.
    """
    what = "count_points"
    pts, polys = _check_points_polygons(points, polygons, what)
    if weights is None:
        w = None
    else:
        if isinstance(weights, str):
            if not isinstance(points, gpd.GeoDataFrame) or weights not in points.columns:
                raise ValidationError(f"{what}: no column {weights!r} in the points")
            w = points[weights].to_numpy(dtype=float)
        else:
            w = np.asarray(weights, dtype=float)
        if w.shape != (len(pts),) or not np.isfinite(w).all():
            raise ValidationError(
                f"{what}: weights must be {len(pts)} finite numbers, one per point "
                f"(got shape {w.shape})"
            )
    pos = _first_polygon(pts.values, polys.values)
    ok = pos >= 0
    counts = np.bincount(pos[ok], weights=None if w is None else w[ok], minlength=len(polys))
    counts = counts.astype(np.int64) if w is None else counts.astype(float)
    return pd.Series(counts, index=polys.index, name="count")


def _first_polygon(pts: np.ndarray, polys: np.ndarray) -> np.ndarray:
    """Position of the first polygon (row order) covering each point, −1 where none does."""
    tree = shapely.STRtree(polys)
    ip, ig = tree.query(pts, predicate="intersects")
    out = np.full(len(pts), -1, dtype=np.int64)
    if len(ip):
        order = np.lexsort((ig, ip))
        ip, ig = ip[order], ig[order]
        first = np.r_[True, ip[1:] != ip[:-1]]
        out[ip[first]] = ig[first]
    return out


def _frame(cells, rows, cols, region, target, clip) -> gpd.GeoDataFrame:
    shapely.prepare(region)
    keep = shapely.intersects(cells, region)
    idx = np.flatnonzero(keep)
    keep[idx[shapely.touches(cells[idx], region)]] = False
    cells, rows, cols = cells[keep], rows[keep], cols[keep]
    order = np.lexsort((cols, rows))
    cells, rows, cols = cells[order], rows[order], cols[order]
    if clip:
        cells = shapely.intersection(cells, region)
    ids = pd.Index(
        pd.Series(rows).astype(str).radd("r").str.cat(pd.Series(cols).astype(str), sep="c"),
        name="cell_id",
    )
    return gpd.GeoDataFrame(
        {"row": rows.astype(np.int64), "col": cols.astype(np.int64)},
        geometry=cells,
        index=ids,
        crs=target,
    )


def _region(area, crs, what: str) -> tuple[BaseGeometry, pyproj.CRS, tuple[float, ...]]:
    """The polygon to cover, its CRS (checked metric) and its bounds."""
    own = None
    if isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries):
        own = area.crs
        geoms = area.geometry.values
        geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
        bad = ~np.isin(shapely.get_type_id(geoms), [3, 6])
        if len(geoms) == 0 or bad.any():
            raise ValidationError(
                f"{what}: the boundary must hold polygons; got {len(geoms)} non-empty geometries"
                + (f", {int(bad.sum())} of them not polygons" if bad.any() else "")
            )
        region = shapely.union_all(geoms)
    elif isinstance(area, BaseGeometry):
        if shapely.get_type_id(area) not in (3, 6) or area.is_empty:
            raise ValidationError(
                f"{what}: the boundary must be a non-empty Polygon or MultiPolygon, got "
                f"{area.geom_type}"
            )
        region = area
    else:
        try:
            minx, miny, maxx, maxy = (float(v) for v in area)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"{what}: give an extent (minx, miny, maxx, maxy) in metres or a boundary "
                f"polygon (shapely, GeoSeries or GeoDataFrame); got {type(area).__name__}"
            ) from exc
        if not (np.isfinite([minx, miny, maxx, maxy]).all() and maxx > minx and maxy > miny):
            raise ValidationError(
                f"{what}: the extent {(minx, miny, maxx, maxy)} must be finite with "
                "maxx > minx and maxy > miny"
            )
        region = shapely.box(minx, miny, maxx, maxy)
    if own is not None and crs is not None and pyproj.CRS(own) != crs_mod.as_crs(crs):
        raise CRSError(
            f"{what}: the boundary is in {pyproj.CRS(own).to_string()} but crs={crs!r}; "
            "reproject it first (boundary.to_crs(crs)) or leave crs unset"
        )
    if own is None and crs is None:
        raise CRSError(
            f"{what}: no CRS: pass crs= (a projected CRS in metres, e.g. 'EPSG:31982') for an "
            "extent or a shapely geometry, or give a GeoDataFrame that has one"
        )
    target = crs_mod.require_metric(crs if crs is not None else own, what=f"{what}: CRS")
    if region.area <= 0:
        raise ValidationError(f"{what}: the boundary has zero area")
    return region, target, tuple(region.bounds)


def _check_size(cell_size_m, what: str) -> float:
    try:
        size = float(cell_size_m)
    except (TypeError, ValueError):
        size = float("nan")
    if not np.isfinite(size) or size <= 0:
        raise ValidationError(
            f"{what}: cell_size_m={cell_size_m!r} must be a positive number of metres"
        )
    return size


def _origin(origin_m, what: str) -> tuple[float, float]:
    try:
        x0, y0 = (float(v) for v in origin_m)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{what}: origin_m must be (x, y) in metres") from exc
    return x0, y0


def _check_cells(n: int, size: float, what: str) -> None:
    if n > MAX_CELLS:
        raise ValidationError(
            f"{what}: cell_size_m={size:g} would need {n:,} candidate cells (limit "
            f"{MAX_CELLS:,}); is the size in metres and the CRS projected in metres?"
        )


def _check_points_polygons(points, polygons, what: str) -> tuple[gpd.GeoSeries, gpd.GeoSeries]:
    if not isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        raise ValidationError(f"{what}: points must be a GeoDataFrame or GeoSeries")
    if not isinstance(polygons, gpd.GeoDataFrame | gpd.GeoSeries):
        raise ValidationError(f"{what}: polygons must be a GeoDataFrame or GeoSeries")
    pts, polys = points.geometry, polygons.geometry
    if pts.crs is None or polys.crs is None or pyproj.CRS(pts.crs) != pyproj.CRS(polys.crs):
        raise CRSError(
            f"{what}: points ({pts.crs}) and polygons ({polys.crs}) must share one CRS; "
            "reproject one of them with .to_crs first"
        )
    types = shapely.get_type_id(pts.values)
    bad = (types != 0) & ~shapely.is_missing(pts.values) & ~shapely.is_empty(pts.values)
    if bad.any():
        raise ValidationError(
            f"{what}: {int(bad.sum())} geometries are not points (first index "
            f"{pts.index[bad][0]!r}); give incident points"
        )
    ptypes = shapely.get_type_id(polys.values)
    if not np.isin(ptypes, [3, 6]).all():
        raise ValidationError(f"{what}: the polygons layer holds non-polygon geometries")
    if polys.index.has_duplicates:
        raise ValidationError(f"{what}: the polygons' index has duplicate ids")
    return pts, polys
