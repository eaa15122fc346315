"""Planar kernel density of incidents on a grid (binned + FFT), ArcGIS Pro defaults, as a Raster."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
from affine import Affine
from scipy import signal
from scipy.spatial import cKDTree

from hotspots import crs as crs_mod
from hotspots._errors import CRSError, ValidationError
from hotspots.raster import Raster

__all__ = [
    "GAUSS_TRUNCATE", "KERNELS", "OVERSAMPLE", "UNITS", "default_radius_m", "kde", "kde_exact",
    "kernel_values"
]

KERNELS = ("quartic", "epanechnikov", "triangular", "gaussian")
UNITS = {"per_km2": "incidents per km²", "expected_count": "expected incidents per cell"}
#: a Gaussian kernel is cut at this many standard deviations (mass beyond: 3e-4 in 2-D)
GAUSS_TRUNCATE = 4.0
#: kernels with a kink (in the slope at d = r, or at d = 0) are binned on a grid 3× finer
#: (odd, so the fine grid has a node at every output cell centre): linear binning errs by
#: O(h) at a kink and by O(h²) elsewhere
OVERSAMPLE = {"quartic": 1, "gaussian": 1, "epanechnikov": 3, "triangular": 3}


def kde(
    points,
    *,
    radius_m: float | None = None,
    cell_size_m: float | None = None,
    kernel: str = "quartic",
    weights=None,
    units: str = "per_km2",
    boundary=None,
    extent: tuple[float, float, float, float] | None = None,
    crs: object = None,
    name: str = "kde",
) -> Raster:
    """Kernel density of ``points`` on a north-up grid, in incidents per km² or expected counts.

    ``points`` is a GeoSeries/GeoDataFrame of points in a metric CRS, or an (n, 2) array of x/y
    metres (then pass ``crs``). Kernels (d = distance, r = ``radius_m``):

    - ``quartic`` (default, ArcGIS; Silverman 1986): 3/(πr²)·(1 − d²/r²)² for d < r;
    - ``epanechnikov``: 2/(πr²)·(1 − d²/r²); ``triangular``: 3/(πr²)·(1 − d/r);
    - ``gaussian``: ``radius_m`` is the standard deviation σ; cut at 4σ.

    Each kernel has volume 1 (or the point's weight). With no ``radius_m``, ArcGIS Pro's default
    0.9·min(SD, √(1/ln 2)·Dm)·n^−0.2 (:func:`default_radius_m`); with no ``cell_size_m``, the
    shorter side of the extent / 250. The extent is ``extent``, else the boundary's bounds,
    else the points' bounds; points outside it still count near its edges. Cells with no point
    within reach, and cells whose centre lies outside ``boundary``, are NaN (``nodata``).

    Computed by linear binning onto the grid and one FFT convolution with the kernel sampled at
    the cell offsets (on a 3× finer grid for the kinked epanechnikov and triangular kernels);
    :func:`kde_exact` evaluates the sum directly for checks.

    Parameters
    ----------
    points : GeoSeries, GeoDataFrame or ndarray
        Incident points in a metric CRS (or x/y in metres).
    radius_m : float, optional
        Search radius in metres (the Gaussian's σ); None: ArcGIS Pro's default.
    cell_size_m : float, optional
        Cell side in metres; None: the extent's shorter side / 250.
    kernel : {'quartic', 'epanechnikov', 'triangular', 'gaussian'}
        The kernel shape.
    weights : array-like, optional
        A weight (population) per point; None: 1 each.
    units : {'per_km2', 'expected_count'}
        Incidents per km², or the expected count per cell.
    boundary : GeoDataFrame or geometry, optional
        Cells whose centre lies outside are NaN; also the default extent.
    extent : tuple of float, optional
        (xmin, ymin, xmax, ymax) in metres of the CRS.
    crs : optional
        CRS of ``points`` when they are an array.
    name : str
        Name of the raster (file stem of the export).

    Returns
    -------
    Raster
        ``array`` (rows north to south; cell side ``cell_size_m`` metres), ``transform``,
        ``crs``, ``nodata`` (NaN) and ``units``.
    """
    xy, point_crs = _points_xy(points, crs)
    w = _weights(weights, len(xy))
    if kernel not in KERNELS:
        raise ValidationError(f"kde: kernel={kernel!r}; use one of {list(KERNELS)}")
    if units not in UNITS:
        raise ValidationError(f"kde: units={units!r}; use 'per_km2' or 'expected_count'")
    if len(xy) == 0 or w.sum() <= 0:
        raise ValidationError("kde: no points (or all weights zero); nothing to estimate")
    boundary_geoms = _boundary(boundary, point_crs)
    if extent is not None:
        minx, miny, maxx, maxy = (float(v) for v in extent)
    elif boundary_geoms is not None:
        minx, miny, maxx, maxy = boundary_geoms.total_bounds
    else:
        minx, miny = xy.min(axis=0)
        maxx, maxy = xy.max(axis=0)
    width, height = maxx - minx, maxy - miny
    if not (width > 0 and height > 0):
        raise ValidationError(
            f"kde: the extent ({minx:.1f}, {miny:.1f}, {maxx:.1f}, {maxy:.1f}) has no area; "
            "give extent=(minx, miny, maxx, maxy) or a boundary"
        )
    if radius_m is None:
        radius_m = default_radius_m(xy, weights=w)
    if cell_size_m is None:
        cell_size_m = min(width, height) / 250.0
    for label, val in (("radius_m", radius_m), ("cell_size_m", cell_size_m)):
        if not (np.isfinite(val) and val > 0):
            raise ValidationError(f"kde: {label}={val!r} must be a positive number of metres")
    nx, ny = math.ceil(width / cell_size_m - 1e-9), math.ceil(height / cell_size_m - 1e-9)
    if nx * ny > 400_000_000:
        raise ValidationError(
            f"kde: a {ny}×{nx} grid is too large; use a larger cell_size_m (now {cell_size_m} m)"
        )
    s = OVERSAMPLE[kernel] if (nx * ny * OVERSAMPLE[kernel] ** 2) <= 50_000_000 else 1
    density = _binned_fft(
        xy,
        w,
        minx=minx,
        maxy=maxy,
        nx=nx * s,
        ny=ny * s,
        cell=cell_size_m / s,
        radius=radius_m,
        kernel=kernel,
    )[s // 2 :: s, s // 2 :: s]
    transform = Affine(cell_size_m, 0.0, minx, 0.0, -cell_size_m, maxy)
    empty = density <= density.max() * 1e-9
    if units == "per_km2":
        out = density * 1e6
    else:
        out = density * cell_size_m**2
    out[empty] = np.nan
    if boundary_geoms is not None:
        from rasterio.features import geometry_mask

        outside = geometry_mask(
            list(boundary_geoms.values), out_shape=(ny, nx), transform=transform
        )
        out[outside] = np.nan
    return Raster(
        array=out,
        transform=transform,
        crs=point_crs,  # type: ignore[arg-type]
        nodata=float("nan"),
        units=UNITS[units],
        name=name,
    )


def default_radius_m(xy: np.ndarray, *, weights: np.ndarray | None = None) -> float:
    """ArcGIS Pro's default search radius 0.9·min(SD, √(1/ln 2)·Dm)·n^−0.2.

    SD is the (weighted) standard distance from the (weighted) mean centre, Dm the (weighted)
    median distance to it and n the number of points (the sum of weights when weighted).
    """
    xy = np.asarray(xy, dtype=float)
    w = np.ones(len(xy)) if weights is None else np.asarray(weights, dtype=float)
    total = w.sum()
    if len(xy) < 2 or total <= 0:
        raise ValidationError("kde: the default radius needs at least 2 points with weight")
    centre = (xy * w[:, None]).sum(axis=0) / total
    d = np.hypot(*(xy - centre).T)
    sd = math.sqrt((w * d**2).sum() / total)
    order = np.argsort(d)
    cum = np.cumsum(w[order])
    dm = float(d[order][np.searchsorted(cum, total / 2.0)])
    radius = 0.9 * min(sd, math.sqrt(1.0 / math.log(2.0)) * dm) * total**-0.2
    if radius <= 0:
        raise ValidationError(
            "kde: every point is at the same place, so the default radius is 0; give radius_m"
        )
    return float(radius)


def kernel_values(d: np.ndarray, *, radius_m: float, kernel: str = "quartic") -> np.ndarray:
    """Kernel density (per m²) at distances ``d`` from a point of weight 1."""
    d = np.asarray(d, dtype=float)
    r = float(radius_m)
    if kernel == "gaussian":
        out = np.exp(-0.5 * (d / r) ** 2) / (2 * math.pi * r * r)
        return np.where(d <= GAUSS_TRUNCATE * r, out, 0.0)
    u = np.clip(d / r, 0.0, 1.0)
    if kernel == "quartic":
        out = 3.0 / (math.pi * r * r) * (1 - u * u) ** 2
    elif kernel == "epanechnikov":
        out = 2.0 / (math.pi * r * r) * (1 - u * u)
    elif kernel == "triangular":
        out = 3.0 / (math.pi * r * r) * (1 - u)
    else:
        raise ValidationError(f"kde: kernel={kernel!r}; use one of {list(KERNELS)}")
    return np.where(d < r, out, 0.0)


def kde_exact(
    xy: np.ndarray,
    at_xy: np.ndarray,
    *,
    radius_m: float,
    kernel: str = "quartic",
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Direct kernel sum (per m²) at ``at_xy``: the reference the binned FFT is checked against."""
    xy = np.asarray(xy, dtype=float)
    at_xy = np.asarray(at_xy, dtype=float)
    w = np.ones(len(xy)) if weights is None else np.asarray(weights, dtype=float)
    reach = radius_m * (GAUSS_TRUNCATE if kernel == "gaussian" else 1.0)
    tree = cKDTree(xy)
    out = np.zeros(len(at_xy))
    step = 20_000
    for start in range(0, len(at_xy), step):
        block = at_xy[start : start + step]
        # the coo output keeps pairs at distance 0 (a point on a cell centre)
        sdm = cKDTree(block).sparse_distance_matrix(tree, reach, output_type="coo_matrix")
        vals = kernel_values(sdm.data, radius_m=radius_m, kernel=kernel) * w[sdm.col]
        out[start : start + step] = np.bincount(sdm.row, weights=vals, minlength=len(block))
    return out


def _binned_fft(xy, w, *, minx, maxy, nx, ny, cell, radius, kernel) -> np.ndarray:
    reach = radius * (GAUSS_TRUNCATE if kernel == "gaussian" else 1.0)
    k = math.ceil(reach / cell)
    pad = k + 1
    px, py = nx + 2 * pad, ny + 2 * pad
    fx = (xy[:, 0] - (minx - pad * cell)) / cell - 0.5
    fy = ((maxy + pad * cell) - xy[:, 1]) / cell - 0.5
    ix, iy = np.floor(fx).astype(np.int64), np.floor(fy).astype(np.int64)
    tx, ty = fx - ix, fy - iy
    grid = np.zeros(px * py)
    for dx, dy, share in (
        (0, 0, (1 - tx) * (1 - ty)),
        (1, 0, tx * (1 - ty)),
        (0, 1, (1 - tx) * ty),
        (1, 1, tx * ty),
    ):
        cx, cy = ix + dx, iy + dy
        ok = (cx >= 0) & (cx < px) & (cy >= 0) & (cy < py)
        grid += np.bincount(cy[ok] * px + cx[ok], weights=(w * share)[ok], minlength=px * py)
    grid = grid.reshape(py, px)
    off = np.arange(-k, k + 1) * cell
    kern = kernel_values(np.hypot(*np.meshgrid(off, off)), radius_m=radius, kernel=kernel)
    dens = signal.fftconvolve(grid, kern, mode="same")
    dens = dens[pad : pad + ny, pad : pad + nx]
    return np.clip(dens, 0.0, None)


def _points_xy(points, crs) -> tuple[np.ndarray, pyproj.CRS | None]:
    if isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        if geoms.crs is None:
            raise CRSError("kde: the points have no CRS; set it (e.g. .set_crs('EPSG:31982'))")
        point_crs = crs_mod.require_metric(geoms.crs, what="kde: points CRS")
        bad = geoms.isna() | geoms.is_empty
        if bad.any():
            raise ValidationError(
                f"kde: {int(bad.sum())} points have no geometry (first at index "
                f"{geoms.index[bad][0]!r}); drop them or send them to the rejects table"
            )
        if not (geoms.geom_type == "Point").all():
            raise ValidationError("kde: all geometries must be Points")
        return np.column_stack([geoms.x.to_numpy(), geoms.y.to_numpy()]), point_crs
    xy = np.asarray(points, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValidationError(
            f"kde: points must be a GeoSeries or an (n, 2) array; got shape {xy.shape}"
        )
    if not np.isfinite(xy).all():
        raise ValidationError("kde: some coordinates are missing or infinite")
    return xy, (crs_mod.require_metric(crs, what="kde: crs") if crs is not None else None)


def _weights(weights, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValidationError(f"kde: weights has shape {w.shape}; expected one per point ({n})")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValidationError("kde: weights must be finite and ≥ 0")
    return w


def _boundary(boundary, point_crs) -> gpd.GeoSeries | None:
    if boundary is None:
        return None
    geoms = boundary.geometry if isinstance(boundary, gpd.GeoDataFrame) else boundary
    if not isinstance(geoms, gpd.GeoSeries):
        raise ValidationError("kde: boundary must be a GeoDataFrame or GeoSeries of polygons")
    if point_crs is not None and (geoms.crs is None or pyproj.CRS(geoms.crs) != point_crs):
        raise CRSError(
            f"kde: the boundary's CRS ({geoms.crs}) differs from the points' ({point_crs.to_string()}); "
            "reproject it with hotspots.crs.to_analysis first"
        )
    return geoms
